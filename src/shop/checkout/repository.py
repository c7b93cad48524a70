"""Every SQL statement of checkout: the Idempotency-Key records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models.jobs import IdempotencyRecord
from shop.models.orders import Order, OrderStatus

_Records = IdempotencyRecord


async def insert_claim(
    session: AsyncSession,
    *,
    scope: str,
    key: str,
    request_hash: str,
    now: datetime,
    locked_until: datetime,
) -> int | None:
    """Claim (scope, key): the new record's id, or None when the key is known already. One
    INSERT .. ON CONFLICT DO NOTHING, so a concurrent claimer never sees an error."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(_Records)
        .values(
            scope=scope,
            key=key,
            request_hash=request_hash,
            response_status=None,
            response_body=null(),  # SQL NULL, not JSON null: "no recovery point yet"
            created_at=now,
            locked_until=locked_until,
        )
        .on_conflict_do_nothing(index_elements=["scope", "key"])
        .returning(_Records.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def get_record(
    session: AsyncSession, *, scope: str, key: str, for_update: bool = False
) -> IdempotencyRecord | None:
    statement = select(_Records).where(_Records.scope == scope, _Records.key == key)
    if for_update:
        statement = statement.with_for_update()
    statement = statement.execution_options(populate_existing=True)
    return (await session.execute(statement)).scalar_one_or_none()


async def get_record_by_id(session: AsyncSession, record_id: int) -> IdempotencyRecord | None:
    return await session.get(_Records, record_id, populate_existing=True)


async def extend_claim(
    session: AsyncSession,
    record_id: int,
    *,
    held_until: datetime,
    locked_until: datetime,
    body: dict[str, Any] | None = None,
    keep_body: bool = True,
) -> bool:
    """Move the lease on, only for the holder of the lease `held_until` (a fencing token: a
    process whose lease ran out and was taken over changes nothing)."""
    values: dict[str, Any] = {"locked_until": locked_until}
    if not keep_body:
        values["response_body"] = body
    result = await session.execute(
        update(_Records)
        .where(
            _Records.id == record_id,
            _Records.locked_until == held_until,
            _Records.response_status.is_(None),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


async def finish(
    session: AsyncSession, record_id: int, *, status: int, body: dict[str, Any], now: datetime
) -> bool:
    """Store the final response (once)."""
    result = await session.execute(
        update(_Records)
        .where(_Records.id == record_id, _Records.response_status.is_(None))
        .values(response_status=status, response_body=body, locked_until=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


async def delete_claim(session: AsyncSession, record_id: int, *, held_until: datetime) -> None:
    """Forget a claim that never got as far as an order (nothing to resume)."""
    record = await session.get(_Records, record_id)
    if (
        record is not None
        and record.response_status is None
        and record.response_body is None
        and record.locked_until == held_until
    ):
        await session.delete(record)
        await session.flush()


async def stale_claims(
    session: AsyncSession, *, scope: str, now: datetime, limit: int
) -> list[IdempotencyRecord]:
    """In-flight claims whose lease ran out after an order was placed (a recovery point)."""
    rows = await session.scalars(
        select(_Records)
        .where(
            _Records.scope == scope,
            _Records.response_status.is_(None),
            _Records.response_body.is_not(None),
            _Records.locked_until < now,
        )
        .order_by(_Records.id)
        .limit(limit)
    )
    return list(rows)


async def open_order_of_cart(session: AsyncSession, cart_id: int) -> str | None:
    """The number of an order placed from this cart and not cancelled, if any."""
    return await session.scalar(
        select(Order.number)
        .where(Order.cart_id == cart_id, Order.status != OrderStatus.CANCELLED)
        .limit(1)
    )


async def purge_claims(session: AsyncSession, *, scope: str, finished_before: datetime) -> int:
    """Forget finished keys older than the replay window (and claims abandoned without an
    order). Claims that placed an order are kept until they are settled."""
    result = await session.execute(
        delete(_Records).where(
            _Records.scope == scope,
            _Records.created_at < finished_before,
            (_Records.response_status.is_not(None)) | (_Records.response_body.is_(None)),
            _Records.locked_until < finished_before,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
