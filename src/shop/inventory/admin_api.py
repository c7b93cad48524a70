"""Staff routes of the stock ledger: manual adjustments and the movement history.

Adjusting needs `inventory:write`. Reading the history needs `orders:read`: every role that may
adjust stock may also read orders, and support staff need the history to answer "where did
the stock go"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from shop.audit.dependencies import AuditorDep
from shop.auth.dependencies import require
from shop.auth.permissions import Permission
from shop.auth.tokens import AccessClaims
from shop.inventory import service as inventory_service
from shop.inventory.schemas import (
    AdjustmentCreate,
    AdjustmentRead,
    MovementPageRead,
    MovementRead,
    StockRead,
)
from shop.kit.pagination import MAX_PAGE_SIZE, PageRequest
from shop.models.catalog import Variant
from shop.web.dependencies import ReadSession, WriteSession
from shop.web.problems import problem_responses

router = APIRouter(prefix="/admin/inventory", tags=["inventory"])

InventoryWriter = Annotated[AccessClaims, require(Permission.INVENTORY_WRITE)]
OrdersReader = Annotated[AccessClaims, require(Permission.ORDERS_READ)]
VariantId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Id of the variant")]


def stock_read(variant: Variant) -> StockRead:
    return StockRead(
        variant_id=variant.id,
        sku=variant.sku,
        on_hand=variant.stock_quantity,
        track_inventory=variant.track_inventory,
        low_stock_threshold=variant.low_stock_threshold,
        low_stock=inventory_service.is_low(variant),
    )


@router.post(
    "/{variant_id}/adjustments",
    status_code=status.HTTP_201_CREATED,
    response_model=AdjustmentRead,
    summary="Adjust a variant's stock",
    description=(
        "Adds `delta` (negative to remove) to the on-hand and records an `adjustment` movement "
        "with the reason. Needs `inventory:write`. The on-hand never goes below zero (409 "
        "`stock_would_go_negative`)."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def adjust_stock(
    variant_id: VariantId,
    data: AdjustmentCreate,
    session: WriteSession,
    actor: InventoryWriter,
    audit: AuditorDep,
) -> AdjustmentRead:
    change = await inventory_service.adjust(
        session, variant_id, data.delta, reason=data.reason, actor_user_id=actor.user_id
    )
    after = change.variant.stock_quantity
    await audit.record(
        session,
        "stock.adjust",
        entity_type="variant",
        entity_id=variant_id,
        before={"on_hand": after - data.delta},
        after={"on_hand": after, "delta": data.delta, "reason": data.reason},
    )
    return AdjustmentRead(
        stock=stock_read(change.variant), movement=MovementRead.model_validate(change.movement)
    )


@router.get(
    "/{variant_id}/movements",
    response_model=MovementPageRead,
    summary="A variant's stock movements",
    description=(
        "The ledger of one variant, newest first: `import`, `sale`, `cancellation`, "
        "`restock_on_refund`, `adjustment`. The on-hand always equals the sum of the deltas. "
        "Needs `orders:read`."
    ),
    responses=problem_responses(401, 403, 404, 422),
)
async def list_movements(
    variant_id: VariantId,
    session: ReadSession,
    _actor: OrdersReader,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> MovementPageRead:
    result = await inventory_service.list_movements(
        session, variant_id, PageRequest(page, page_size)
    )
    return MovementPageRead(
        items=[MovementRead.model_validate(item) for item in result.items],
        total=result.total,
        page=page,
        page_size=page_size,
    )
