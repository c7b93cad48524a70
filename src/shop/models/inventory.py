"""The stock ledger: on-hand of a variant always equals the sum of its movements."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.db.base import Base, BigIntId, IdMixin


class MovementKind(StrEnum):
    IMPORT = "import"  # initial stock, CSV import, seeding
    SALE = "sale"
    CANCELLATION = "cancellation"
    RESTOCK_ON_REFUND = "restock_on_refund"
    ADJUSTMENT = "adjustment"


class InventoryMovement(IdMixin, Base):
    __tablename__ = "inventory_movements"
    __table_args__ = (Index("ix_inventory_movements_variant_id", "variant_id", "id"),)

    variant_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("variants.id", ondelete="CASCADE"))
    kind: Mapped[MovementKind] = mapped_column(String(20))
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500), default="")
    order_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("orders.id", ondelete="SET NULL")
    )
    actor_user_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
