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
        // Reached only when Stripe did not redirect: the card was refused at once or a field
        // is incomplete. The same PaymentIntent can be confirmed again.
        if (result.error) showError(result.error.message || "The payment did not go through.");
        button.disabled = false;
      });
  });
})();
