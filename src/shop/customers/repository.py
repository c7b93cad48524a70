"""Every SQL statement of customer accounts. Besides its own tables it reads (and, to
anonymise a deleted account, rewrites) the rows that other features keep about a customer:
orders, reviews, wishlist items, failed logins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from shop.models.accounts import LoginFailure, Role, User
from shop.models.catalog import Product
from shop.models.customers import AccountDeletion, Address, PasswordResetToken
from shop.models.engagement import Review, WishlistItem
from shop.models.orders import Order, OrderStatus

MAX_ID = 2**63 - 1


# Addresses


async def list_addresses(session: AsyncSession, user_id: int) -> list[Address]:
    """The default first, then newest first."""
    result = await session.scalars(
        select(Address)
        .where(Address.user_id == user_id)
        .order_by(Address.is_default.desc(), Address.created_at.desc(), Address.id.desc())
    )
    return list(result)


async def get_address(session: AsyncSession, *, user_id: int, address_id: int) -> Address | None:
    if not 1 <= address_id <= MAX_ID:
        return None
    result = await session.execute(
        select(Address).where(Address.id == address_id, Address.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def count_addresses(session: AsyncSession, user_id: int) -> int:
    total = await session.scalar(
        select(func.count()).select_from(Address).where(Address.user_id == user_id)
    )
    return int(total or 0)


async def insert_address(session: AsyncSession, address: Address) -> Address:
    session.add(address)
    await session.flush()
    return address


async def clear_default(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(Address)
        .where(Address.user_id == user_id, Address.is_default.is_(True))
        .values(is_default=False)
    )


async def delete_address(session: AsyncSession, address: Address) -> None:
    await session.delete(address)
    await session.flush()


async def delete_addresses(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(Address).where(Address.user_id == user_id))


# Customers as staff see them


@dataclass(frozen=True, slots=True)
class CustomerRow:
    user: User
    order_count: int
    total_spent: int  # minor units: captured minus refunded
    deleted_at: datetime | None


def _order_totals() -> Any:
    return (
        select(
            Order.user_id.label("user_id"),
            func.count(Order.id).label("order_count"),
            func.coalesce(func.sum(Order.captured_amount - Order.refunded_amount), 0).label(
                "total_spent"
            ),
        )
        .where(Order.user_id.is_not(None))
        .group_by(Order.user_id)
        .subquery()
    )


def _customer_rows(where: Sequence[Any]) -> Any:
    totals = _order_totals()
    return (
        select(
            User,
            func.coalesce(totals.c.order_count, 0),
            func.coalesce(totals.c.total_spent, 0),
            AccountDeletion.deleted_at,
        )
        .outerjoin(totals, totals.c.user_id == User.id)
        .outerjoin(AccountDeletion, AccountDeletion.user_id == User.id)
        .where(User.role == Role.CUSTOMER, *where)
    )


def _row(user: User, count: Any, spent: Any, deleted_at: datetime | None) -> CustomerRow:
    return CustomerRow(
        user=user, order_count=int(count), total_spent=int(spent), deleted_at=deleted_at
    )


async def list_customers(
    session: AsyncSession, *, q: str | None, offset: int, limit: int
) -> tuple[list[CustomerRow], int]:
    """Newest first; `q` matches a part of the email, first or last name, any case."""
    where: list[Any] = []
    if q:
        needle = q.lower()
        where.append(
            or_(
                func.lower(User.email).contains(needle, autoescape=True),
                func.lower(User.first_name).contains(needle, autoescape=True),
                func.lower(User.last_name).contains(needle, autoescape=True),
            )
        )
    total = await session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.CUSTOMER, *where)
    )
    result = await session.execute(
        _customer_rows(where)
        .order_by(User.created_at.desc(), User.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [_row(*row) for row in result], int(total or 0)


async def get_customer(session: AsyncSession, customer_id: int) -> CustomerRow | None:
    if not 1 <= customer_id <= MAX_ID:
        return None
    result = await session.execute(_customer_rows([User.id == customer_id]))
    row = result.one_or_none()
    return None if row is None else _row(*row)


async def recent_orders(session: AsyncSession, user_id: int, *, limit: int) -> list[Order]:
    """Newest first, without lines."""
    result = await session.scalars(
        select(Order)
        .where(Order.user_id == user_id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(result)


# What the data export gathers


async def orders_with_parts(session: AsyncSession, user_id: int) -> list[Order]:
    """Every order of the customer, oldest first, with lines and fulfilments."""
    result = await session.scalars(
        select(Order)
        .where(Order.user_id == user_id)
        .options(selectinload(Order.lines), selectinload(Order.fulfillments))
        .order_by(Order.created_at, Order.id)
    )
    return list(result)


async def reviews_of(session: AsyncSession, user_id: int) -> list[tuple[Review, str, str]]:
    """Each review with its product's slug and name, oldest first."""
    result = await session.execute(
        select(Review, Product.slug, Product.name)
        .join(Product, Product.id == Review.product_id)
        .where(Review.user_id == user_id)
        .order_by(Review.created_at, Review.id)
    )
    return [(review, slug, name) for review, slug, name in result]


async def wishlist_of(session: AsyncSession, user_id: int) -> list[tuple[WishlistItem, str, str]]:
    """Each saved product with its slug and name, oldest first."""
    result = await session.execute(
        select(WishlistItem, Product.slug, Product.name)
        .join(Product, Product.id == WishlistItem.product_id)
        .where(WishlistItem.user_id == user_id)
        .order_by(WishlistItem.created_at, WishlistItem.id)
    )
    return [(item, slug, name) for item, slug, name in result]


# Deletion


OPEN_STATUSES = (OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.PROCESSING)


async def open_order_numbers(session: AsyncSession, user_id: int) -> list[str]:
    result = await session.scalars(
        select(Order.number)
        .where(Order.user_id == user_id, Order.status.in_(OPEN_STATUSES))
        .order_by(Order.created_at, Order.id)
    )
    return list(result)


async def anonymise_orders(
    session: AsyncSession, user_id: int, *, email: str, name: str, redacted: str
) -> int:
    """Replace the email and the addresses of the customer's orders by placeholders, keeping
    the country (for tax records) and every amount. Returns how many orders changed."""
    orders = list(
        await session.scalars(
            select(Order).where(Order.user_id == user_id).with_for_update(of=Order)
        )
    )
    for order in orders:
        order.email = email
        order.shipping_address = _placeholder(order.shipping_address, name, redacted)
        order.billing_address = _placeholder(order.billing_address, name, redacted)
    await session.flush()
    return len(orders)


def _placeholder(address: dict[str, Any], name: str, redacted: str) -> dict[str, Any]:
    return {
        "name": name,
        "line1": redacted,
        "line2": None,
        "city": redacted,
        "region": None,
        "postal_code": redacted,
        "country": address.get("country") or "ZZ",
    }


async def delete_wishlist(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(WishlistItem).where(WishlistItem.user_id == user_id))


async def delete_reset_tokens(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user_id))


async def delete_login_failures(session: AsyncSession, email: str) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.email == email))


async def insert_deletion(session: AsyncSession, *, user_id: int, now: datetime) -> None:
    session.add(AccountDeletion(user_id=user_id, deleted_at=now))
    await session.flush()


async def deleted_at(session: AsyncSession, user_id: int) -> datetime | None:
    return await session.scalar(
        select(AccountDeletion.deleted_at).where(AccountDeletion.user_id == user_id)
    )
