"""Page-test helpers: a signed-in browser (the sign-in cookie of a real login) and a small
catalog arranged through the admin service."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from shop.auth import service as auth_service
from shop.catalog.product_view import ProductView
from shop.config import Settings
from shop.db.session import Database
from shop.models.accounts import Role, User
from shop.models.catalog import Category
from shop.web.pages.cookies import SESSION_COOKIE
from tests.builders import catalog as b
from tests.builders.accounts import DEFAULT_PASSWORD, create_user


async def sign_in(
    client: httpx.AsyncClient, database: Database, settings: Settings, *, role: Role = Role.CUSTOMER
) -> User:
    """A new user, signed in on `client` as a browser would be after /login."""
    async with database.transaction() as session:
        user = await create_user(session, role=role)
        tokens = await auth_service.login(
            session,
            email=user.email,
            password=DEFAULT_PASSWORD,
            client_ip="203.0.113.7",
            settings=settings,
        )
    client.cookies.set(SESSION_COOKIE, tokens.refresh_token)
    return user


@dataclass
class Catalog:
    outdoor: Category
    tents: Category
    tent: ProductView  # featured, in Tents, brand Pinecrest, two variants
    lamp: ProductView  # in Outdoor, low stock
    sold_out: ProductView  # in Outdoor, no stock


async def build_catalog(database: Database) -> Catalog:
    async with database.transaction() as session:
        outdoor = await b.create_category(session, name="Outdoor", slug="outdoor")
        tents = await b.create_category(session, name="Tents", slug="tents", parent=outdoor)
        brand = await b.create_brand(session, name="Pinecrest", slug="pinecrest")
        tent = await b.create_product(
            session,
            name="Ridge Tent",
            slug="ridge-tent",
            description="Two-person tent.\n\nPacks small.",
            featured=True,
            brand=brand,
            category=tents,
            images=[("/media/products/ridge-tent-1.svg", "Ridge Tent, pitched")],
            variants=[
                b.variant(
                    sku="TENT-2P-GRN", price=19900, options={"size": "2P", "colour": "Green"}
                ),
                b.variant(
                    sku="TENT-3P-GRN", price=24900, options={"size": "3P", "colour": "Green"}
                ),
            ],
        )
        lamp = await b.create_product(
            session,
            name="Camp Lamp",
            slug="camp-lamp",
            category=outdoor,
            variants=[b.variant(sku="LAMP-1", price=2500, stock_quantity=3)],
        )
        sold_out = await b.create_product(
            session,
            name="Sold Out Stove",
            slug="sold-out-stove",
            category=outdoor,
            variants=[b.variant(sku="STOVE-1", price=5000, stock_quantity=0)],
        )
    return Catalog(outdoor, tents, tent, lamp, sold_out)
