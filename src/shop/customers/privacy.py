"""The customer's rights over their data: a JSON export of everything the shop holds about
them, and deletion of the account. Never commits.

Deletion anonymises rather than removes: orders are business records (accounting, tax,
refunds) and keep their lines and amounts; what identifies the person is replaced by
placeholders (user row, order emails and addresses), and what only serves them is removed
(saved addresses, wishlist, reset links, sessions). Reviews stay published, now without a name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import passwords
from shop.auth import service as auth_service
from shop.auth.permissions import is_staff
from shop.customers import errors
from shop.customers import repository as repo
from shop.customers.schemas import AddressRead
from shop.kit.clock import utcnow
from shop.models.accounts import User
from shop.models.orders import Order

EXPORT_FORMAT = "shopwright.customer-export.v1"
DELETED_EMAIL_DOMAIN = "deleted.invalid"  # RFC 2606: can never be a real mailbox
DELETED_NAME = "Deleted customer"
REDACTED = "(removed)"
# argon2 never produces this, so no password verifies against it.
UNUSABLE_PASSWORD_HASH = "!deleted"  # noqa: S105


def deleted_email(user_id: int) -> str:
    return f"deleted-{user_id}@{DELETED_EMAIL_DOMAIN}"


def _money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def _order(order: Order) -> dict[str, Any]:
    currency = order.currency
    return {
        "number": order.number,
        "status": str(order.status),
        "placed_at": order.created_at.isoformat(),
        "email": order.email,
        "shipping_method": order.shipping_method,
        "coupon_code": order.coupon_code,
        "shipping_address": order.shipping_address,
        "billing_address": order.billing_address,
        "totals": {
            "subtotal": _money(order.subtotal_amount, currency),
            "discount": _money(order.discount_amount, currency),
            "shipping": _money(order.shipping_amount, currency),
            "tax": _money(order.tax_amount, currency),
            "total": _money(order.total_amount, currency),
            "refunded": _money(order.refunded_amount, currency),
        },
        "lines": [
            {
                "product_name": line.product_name,
                "variant_title": line.variant_title,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": _money(line.unit_price_amount, currency),
                "total": _money(line.total_amount, currency),
            }
            for line in order.lines
        ],
        "shipments": [
            {
                "carrier": fulfillment.carrier,
                "tracking_number": fulfillment.tracking_number,
                "shipped_at": fulfillment.created_at.isoformat(),
            }
            for fulfillment in order.fulfillments
        ],
    }


async def export_data(session: AsyncSession, user_id: int) -> dict[str, Any]:
    """Everything held about the signed-in customer, as JSON-ready values."""
    user = await auth_service.get_active_user(session, user_id)
    addresses = await repo.list_addresses(session, user_id)
    orders = await repo.orders_with_parts(session, user_id)
    reviews = await repo.reviews_of(session, user_id)
    wishlist = await repo.wishlist_of(session, user_id)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "profile": {
            "id": user.id,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "created_at": user.created_at.isoformat(),
            "last_login_at": None if user.last_login_at is None else user.last_login_at.isoformat(),
        },
        "addresses": [
            AddressRead.model_validate(address).model_dump(mode="json") for address in addresses
        ],
        "orders": [_order(order) for order in orders],
        "reviews": [
            {
                "product": {"slug": slug, "name": name},
                "rating": review.rating,
                "title": review.title,
                "body": review.body,
                "status": str(review.status),
                "written_at": review.created_at.isoformat(),
            }
            for review, slug, name in reviews
        ],
        "wishlist": [
            {"product": {"slug": slug, "name": name}, "added_at": item.created_at.isoformat()}
            for item, slug, name in wishlist
        ],
    }


async def delete_account(session: AsyncSession, user_id: int, *, password: str) -> User:
    """Delete the signed-in customer's account, confirmed by their password.

    Refused for staff accounts and while an order is still being processed (its address is
    needed to ship it). Signs the account out everywhere."""
    user = await auth_service.get_active_user(session, user_id)
    if is_staff(user.role):
        raise errors.StaffAccountDeletion()
    if not await passwords.verify_password(user.password_hash, password):
        raise errors.WrongPassword()
    open_orders = await repo.open_order_numbers(session, user_id)
    if open_orders:
        raise errors.OpenOrders(open_orders)

    now = utcnow()
    old_email = user.email
    await repo.anonymise_orders(
        session, user_id, email=deleted_email(user_id), name=DELETED_NAME, redacted=REDACTED
    )
    await repo.delete_addresses(session, user_id)
    await repo.delete_wishlist(session, user_id)
    await repo.delete_reset_tokens(session, user_id)
    await repo.delete_login_failures(session, old_email)
    user.email = deleted_email(user_id)
    user.first_name = ""
    user.last_name = ""
    user.password_hash = UNUSABLE_PASSWORD_HASH
    user.is_active = False
    user.last_login_at = None
    await repo.insert_deletion(session, user_id=user_id, now=now)
    await auth_service.revoke_sessions(session, user_id)
    return user
