"""Request and response bodies of the inventory admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shop.models.inventory import MovementKind

MAX_ADJUSTMENT = 1_000_000


def _not_zero(delta: int) -> int:
    if delta == 0:
        raise ValueError("an adjustment of 0 changes nothing")
    return delta


class AdjustmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delta: Annotated[
        int,
        Field(strict=True, ge=-MAX_ADJUSTMENT, le=MAX_ADJUSTMENT, description="Units, not 0"),
        AfterValidator(_not_zero),
    ]
    reason: Annotated[
        str,
        Field(
            min_length=1,
            max_length=500,
            pattern=r"\S",
            description="Why the stock changes (count, damage, delivery ...); required",
        ),
        AfterValidator(str.strip),
    ]


class MovementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    variant_id: int
    kind: MovementKind
    delta: int
    reason: str
    order_id: int | None
    actor_user_id: int | None
    created_at: datetime


class MovementPageRead(BaseModel):
    items: list[MovementRead]
    total: int
    page: int
    page_size: int


class StockRead(BaseModel):
    variant_id: int
    sku: str
    on_hand: int
    track_inventory: bool
    low_stock_threshold: int
    low_stock: bool = Field(description="Tracked and at or below its low-stock threshold")


class AdjustmentRead(BaseModel):
    stock: StockRead
    movement: MovementRead
