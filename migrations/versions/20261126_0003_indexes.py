"""indexes: listing facets, orders by cart

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 14:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_products_listing",
        "products",
        ["status", "category_id", "brand_id", "price_amount", "featured"],
    )
    # Checkout looks up the open orders of a cart.
    op.create_index("ix_orders_cart_id", "orders", ["cart_id"])


def downgrade() -> None:
    op.drop_index("ix_orders_cart_id", table_name="orders")
    op.drop_index("ix_products_listing", table_name="products")
