from tests.shop.checkout.payment_fixtures import (
    app_settings,
    fast_password_hashing,
    gateway,
    provider_down,
    sandbox_server,
    webhook_receiver,
)

__all__ = [
    "app_settings",
    "fast_password_hashing",
    "gateway",
    "provider_down",
    "sandbox_server",
    "webhook_receiver",
]
