"""Stripe's Payment Element: the CSP that lets exactly Stripe's script, frames and API through
on the pages that load it (every other page keeps the same-origin default), and its paths."""

from __future__ import annotations

STRIPE_JS = "https://js.stripe.com"
STRIPE_API = "https://api.stripe.com"
STRIPE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    f"script-src 'self' {STRIPE_JS}; frame-src {STRIPE_JS}; connect-src 'self' {STRIPE_API}; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
STRIPE_PAY_PATH = "/checkout/stripe/pay"  # + /{order number}: the Payment Element
STRIPE_RETURN_PATH = "/checkout/stripe/return"  # where Stripe sends the browser back
STRIPE_CANCEL_PATH = "/checkout/stripe/cancel"  # + /{order number}: back to the cart
