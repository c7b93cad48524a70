// Small enhancements; every page works without them. No inline scripts (CSP: script-src 'self').
(function () {
  "use strict";

  // Product page: show the chosen variant's price and stock state.
  function showVariant(select) {
    var option = select.options[select.selectedIndex];
    if (!option) return;
    var price = document.querySelector('[data-testid="product-price"]');
    if (price && option.dataset.priceText) {
      price.textContent = option.dataset.priceText;
      price.dataset.amount = option.dataset.amount;
    }
    var stock = document.querySelector('[data-testid="stock-state"]');
    if (stock && option.dataset.stockText) {
      stock.textContent = option.dataset.stockText;
      stock.dataset.state = option.dataset.stockState;
      stock.className = "stock stock-" + option.dataset.stockState;
    }
    var add = document.querySelector('[data-testid="add-to-cart"]');
    if (add) add.disabled = option.dataset.stockState === "out";
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches('[data-testid="variant-select"]')) {
      showVariant(target);
    }
  });

  // Search suggestions: Escape closes them.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var list = document.getElementById("search-suggestions");
    if (list) list.innerHTML = "";
  });
})();
