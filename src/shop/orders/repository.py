"""Every SQL statement of orders: orders with lines, events and fulfilments; reads of their
payments and refunds (written by the payments service)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from shop.models.accounts import User
from shop.models.orders import Fulfillment, Order, OrderEvent, OrderLine, OrderStatus
from shop.models.payments import Payment, PaymentStatus, Refund

MAX_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class OrderFilters:
    user_id: int | None = None
    status: OrderStatus | None = None
    email: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


async def insert_order(session: AsyncSession, values: Mapping[str, Any]) -> Order | None:
    """Insert an order; None when its number is taken (the caller draws another). One
    INSERT .. ON CONFLICT (number) DO NOTHING RETURNING: no savepoint, no second look."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Order)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["number"])
        .returning(Order)
    )
    result = await session.scalars(statement, execution_options={"populate_existing": True})
    return result.one_or_none()


async def number_taken(session: AsyncSession, number: str) -> bool:
    found = await session.scalar(select(Order.id).where(Order.number == number))
    return found is not None


async def add_all(
    session: AsyncSession, rows: Sequence[OrderLine | OrderEvent | Fulfillment]
) -> None:
    session.add_all(rows)
    await session.flush()


def _with_parts(statement: Select[Order], *, details: bool) -> Select[Order]:
    # One order: its lines are joined into the same statement (a round trip fewer than loading
    # them separately; the row lock is still taken `of` the order alone).
    statement = statement.options(joinedload(Order.lines), selectinload(Order.fulfillments))
    if details:
        statement = statement.options(selectinload(Order.events))
    return statement


async def get_order(
    session: AsyncSession,
    *,
    order_id: int | None = None,
    number: str | None = None,
    for_update: bool = False,
    parts: bool = True,
    details: bool = False,
) -> Order | None:
    """One order by id or number, with its lines and fulfilments (unless `parts` is False; and
    its events with `details`).

    `for_update` takes the order's row lock (PostgreSQL; SQLite's writer lock is already held):
    every change of an order's status, money or stock is made under it, so they serialize."""
    statement = select(Order)
    if order_id is not None:
        statement = statement.where(Order.id == order_id)
    if number is not None:
        statement = statement.where(Order.number == number)
    if for_update:
        statement = statement.with_for_update(of=Order)
    if parts:
        statement = _with_parts(statement, details=details)
    statement = statement.execution_options(populate_existing=True)
    return (await session.execute(statement)).unique().scalar_one_or_none()


async def list_orders(
    session: AsyncSession, filters: OrderFilters, *, offset: int, limit: int
) -> tuple[list[tuple[Order, int]], int]:
    """Newest first, with each order's number of items."""
    conditions = []
    if filters.user_id is not None:
        conditions.append(Order.user_id == filters.user_id)
    if filters.status is not None:
        conditions.append(Order.status == filters.status)
    if filters.email is not None:
        conditions.append(Order.email == filters.email)
    if filters.created_from is not None:
        conditions.append(Order.created_at >= filters.created_from)
    if filters.created_to is not None:
        conditions.append(Order.created_at < filters.created_to)
    total = await session.scalar(select(func.count()).select_from(Order).where(*conditions))
    item_count = (
        select(func.coalesce(func.sum(OrderLine.quantity), 0))
        .where(OrderLine.order_id == Order.id)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Order, item_count)
        .where(*conditions)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [(order, int(count)) for order, count in rows], int(total or 0)


async def payments_of(session: AsyncSession, order_id: int) -> list[Payment]:
    rows = await session.scalars(
        select(Payment).where(Payment.order_id == order_id).order_by(Payment.id)
    )
    return list(rows)


async def refunds_of(session: AsyncSession, order_id: int) -> list[Refund]:
    rows = await session.scalars(
        select(Refund).where(Refund.order_id == order_id).order_by(Refund.id)
    )
    return list(rows)


async def user_email(session: AsyncSession, user_id: int) -> str | None:
    return await session.scalar(select(User.email).where(User.id == user_id))


async def lines_of(session: AsyncSession, order_id: int) -> list[OrderLine]:
    rows = await session.scalars(
        select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.id)
    )
    return list(rows)


async def cancelled_orders_holding_money(session: AsyncSession, *, limit: int) -> list[int]:
    """Cancelled orders whose payment is still authorized, or captured with money not yet
    refunded nor being refunded: the money must go back."""
    # A refund the provider refused needs a person (the staff refund route), not a retry loop.
    open_or_failed_refund = exists().where(
        Refund.payment_id == Payment.id, Refund.status.in_(("pending", "failed"))
    )
    rows = await session.scalars(
        select(Order.id)
        .join(Payment, Payment.order_id == Order.id)
        .where(
            Order.status == OrderStatus.CANCELLED,
            (Payment.status == PaymentStatus.AUTHORIZED)
            | and_(
                Payment.status == PaymentStatus.CAPTURED,
                Payment.refunded_amount < Payment.captured_amount,
                ~open_or_failed_refund,
            ),
        )
        .distinct()
        .order_by(Order.id)
        .limit(limit)
    )
    return list(rows)


async def stale_pending_refunds(
    session: AsyncSession, *, created_before: datetime, limit: int
) -> list[int]:
    rows = await session.scalars(
        select(Refund.id)
        .where(Refund.status == "pending", Refund.created_at < created_before)
        .order_by(Refund.id)
        .limit(limit)
    )
    return list(rows)


async def unpaid_orders(
    session: AsyncSession, *, providers: Sequence[str], placed_before: datetime, limit: int
) -> list[int]:
    """Pending orders placed before then whose payment with one of these providers still awaits
    the shopper."""
    rows = await session.scalars(
        select(Order.id)
        .join(Payment, Payment.order_id == Order.id)
        .where(
            Order.status == OrderStatus.PENDING,
            Order.created_at < placed_before,
            Payment.status == PaymentStatus.PENDING,
            Payment.provider.in_(providers),
        )
        .order_by(Order.id)
        .limit(limit)
    )
    return list(rows)


async def has_event(session: AsyncSession, order_id: int, type_: str) -> bool:
    found = await session.scalar(
        select(OrderEvent.id)
        .where(OrderEvent.order_id == order_id, OrderEvent.type == type_)
        .limit(1)
    )
    return found is not None


async def get_refund(session: AsyncSession, refund_id: int) -> Refund | None:
    return await session.get(Refund, refund_id, populate_existing=True)
