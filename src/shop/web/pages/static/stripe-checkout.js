// The pay page (/checkout/stripe/pay/{number}): mounts Stripe's Payment Element and confirms
// the payment in the browser, 3-D Secure included. Stripe then sends the browser to the return
// URL, where the shop asks Stripe for the outcome itself. Everything this script needs is in
// data attributes of #payment-element (no inline script: CSP). It cannot run in the test
// environment (no access to js.stripe.com); see docs/storefront.md.
(function () {
  "use strict";

  var container = document.getElementById("payment-element");
  var form = document.getElementById("stripe-payment-form");
  var button = document.getElementById("stripe-pay");
  var errorBox = document.getElementById("stripe-payment-error");
  if (!container || !form || !button || !errorBox) return;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  if (typeof window.Stripe !== "function") {
    showError("The secure card form could not be loaded. Please reload the page.");
    return;
  }

  var stripe = window.Stripe(container.dataset.publishableKey);
  var elements = stripe.elements({ clientSecret: container.dataset.clientSecret });
  var paymentElement = elements.create("payment");
  paymentElement.on("ready", function () {
    button.disabled = false;
  });
  paymentElement.mount(container);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    errorBox.hidden = true;
    stripe
      .confirmPayment({
        elements: elements,
        confirmParams: { return_url: container.dataset.returnUrl },
      })
      .then(function (result) {
        // Reached only when Stripe did not redirect.
        var error = result.error;
        if (!error) return;
        if (error.type === "validation_error") {
          // A field is incomplete: nothing was attempted, the shopper corrects it.
          showError(error.message);
          button.disabled = false;
          return;
        }
        // The attempt failed (e.g. card declined). The shop treats that like a declined card
        // at checkout: its return URL asks Stripe, cancels the order, keeps the cart and
        // explains. (Stripe's payment_failed webhook cancels the order anyway.)
        var intentId = container.dataset.clientSecret.split("_secret_")[0];
        window.location.assign(
          container.dataset.returnUrl + "&payment_intent=" + encodeURIComponent(intentId)
        );
      });
  });
})();
