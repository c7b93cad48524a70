"""`shop seed --demo`: a reproducible demo catalog with generated images, and the demo accounts.

Same code, same rows: names, SKUs, prices, stock and timestamps all come from a fixed seed.
Running it again is safe: the catalog is only created when there are no products, and only
missing demo accounts are added (existing ones keep their passwords).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import passwords
from shop.db.session import Database
from shop.kit.clock import utcnow
from shop.models.accounts import Role
from shop.models.catalog import ProductStatus
from shop.seed import repository, service
from shop.seed.generator import ProductFactory, ProductPlan
from shop.seed.images import MEDIA_URL_PREFIX, SvgFile, product_card, view_name, write_svgs
from shop.seed.taxonomy import LEAF_CATEGORIES

DEMO_SEED = 20_261_126
ACTIVE_PRODUCTS = 220
DRAFT_PRODUCTS = 8
ARCHIVED_PRODUCTS = 6
FEATURED_PRODUCTS = 16
MAX_VARIANTS = 6
# Fixed, so that "newest first" lists the same products in every demo shop.
CREATED_FROM = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CREATED_EVERY = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class DemoUser:
    email: str
    password: str
    role: Role
    first_name: str
    last_name: str


# Published in the README; they satisfy the password rules (length, not common, not the email).
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin@example.com", "admin-demo-password", Role.ADMIN, "Avery", "Stone"),
    DemoUser("manager@example.com", "manager-demo-password", Role.MANAGER, "Morgan", "Lee"),
    DemoUser("support@example.com", "support-demo-password", Role.SUPPORT, "Sam", "Rivera"),
    DemoUser("shopper@example.com", "shopper-demo-password", Role.CUSTOMER, "Casey", "Jordan"),
)


def build_demo_catalog() -> list[ProductPlan]:
    """The demo products, in creation order. Pure: the same list on every call."""
    rng = random.Random(DEMO_SEED)  # noqa: S311 (demo data, not secrets)
    factory = ProductFactory(rng, unique_names=True)
    total = ACTIVE_PRODUCTS + DRAFT_PRODUCTS + ARCHIVED_PRODUCTS
    leaves = list(LEAF_CATEGORIES)
    # Every category gets its share, the remainder goes to random ones.
    assignment = [leaf for leaf in leaves for _ in range(total // len(leaves))]
    assignment += rng.sample(leaves, total - len(assignment))
    rng.shuffle(assignment)
    hidden = rng.sample(range(total), DRAFT_PRODUCTS + ARCHIVED_PRODUCTS)
    statuses = dict.fromkeys(hidden[:DRAFT_PRODUCTS], ProductStatus.DRAFT)
    statuses |= dict.fromkeys(hidden[DRAFT_PRODUCTS:], ProductStatus.ARCHIVED)
    active = [index for index in range(total) if index not in statuses]
    featured = set(rng.sample(active, FEATURED_PRODUCTS))
    plans = []
    for index, leaf in enumerate(assignment):
        plan = factory.product(
            leaf,
            sku_stem=f"{leaf.code}-{index + 1:04d}",
            slug_suffix=None,
            max_variants=MAX_VARIANTS,
        )
        plans.append(
            replace(
                plan,
                status=statuses.get(index, ProductStatus.ACTIVE),
                featured=index in featured,
                created_at=CREATED_FROM + CREATED_EVERY * index,
            )
        )
    return plans


def image_files(plan: ProductPlan) -> list[SvgFile]:
    return [
        SvgFile(
            f"{plan.slug}-{n}.svg",
            product_card(name=plan.name, caption=plan.brand_name, color=plan.card_color, index=n),
        )
        for n in range(1, plan.image_count + 1)
    ]


def _images_of(plan: ProductPlan) -> list[tuple[str, str]]:
    return [
        (f"{MEDIA_URL_PREFIX}/{plan.slug}-{n}.svg", f"{plan.name}, {view_name(n)}")
        for n in range(1, plan.image_count + 1)
    ]


@dataclass(slots=True)
class DemoReport:
    catalog_seeded: bool = False
    products: dict[ProductStatus, int] = field(default_factory=dict)
    variants: int = 0
    images: int = 0
    categories_created: int = 0
    brands_created: int = 0
    users_created: list[DemoUser] = field(default_factory=list)
    users_existing: list[DemoUser] = field(default_factory=list)
    media_dir: Path | None = None

    def __str__(self) -> str:
        if self.catalog_seeded:
            counts = ", ".join(f"{n} {status.value}" for status, n in self.products.items())
            lines = [
                f"demo catalog: {sum(self.products.values())} products ({counts}), "
                f"{self.variants} variants, {self.images} images in {self.media_dir}; "
                f"{self.categories_created} categories and {self.brands_created} brands created"
            ]
        else:
            lines = ["demo catalog: skipped, the catalog already has products"]
        lines.append("demo accounts (sign in with POST /api/v1/auth/login):")
        for user in self.users_created:
            lines.append(f"  {user.role.value:<9} {user.email:<22} password: {user.password}")
        for user in self.users_existing:
            lines.append(
                f"  {user.role.value:<9} {user.email:<22} already existed; password unchanged"
            )
        return "\n".join(lines)


async def catalog_is_empty(database: Database) -> bool:
    async with database.read() as session:
        return await repository.count_products(session) == 0


async def seed_demo(database: Database, *, media_dir: Path) -> DemoReport:
    report = DemoReport(media_dir=media_dir)
    async with database.transaction() as session:
        await repository.lock_seeding(session)
        await _ensure_users(session, report)
        if await repository.count_products(session) == 0:
            await _seed_catalog(session, report, media_dir=media_dir)
    return report


async def _ensure_users(session: AsyncSession, report: DemoReport) -> None:
    existing = await repository.roles_by_email(session, [u.email for u in DEMO_USERS])
    missing = [user for user in DEMO_USERS if user.email not in existing]
    report.users_existing = [user for user in DEMO_USERS if user.email in existing]
    hashes = [await passwords.hash_password(user.password) for user in missing]
    now = utcnow()
    await repository.insert_users(
        session,
        [
            {
                "email": user.email,
                "password_hash": password_hash,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "role": user.role.value,
                "is_active": True,
                "created_at": now,
                "updated_at": now,
            }
            for user, password_hash in zip(missing, hashes, strict=True)
        ],
    )
    report.users_created = missing


async def _seed_catalog(session: AsyncSession, report: DemoReport, *, media_dir: Path) -> None:
    plans = build_demo_catalog()
    taxonomy = await service.ensure_taxonomy(session, now=CREATED_FROM)
    inserted = await service.insert_plans(
        session, plans, taxonomy=taxonomy, images_of=_images_of, now=CREATED_FROM
    )
    await service.refresh_catalog(session, inserted.product_ids)
    # Written inside the transaction: if writing fails, no product points at a missing file.
    files = [svg for plan in plans for svg in image_files(plan)]
    await asyncio.to_thread(write_svgs, media_dir, files)
    report.catalog_seeded = True
    for status in (ProductStatus.ACTIVE, ProductStatus.DRAFT, ProductStatus.ARCHIVED):
        report.products[status] = sum(1 for plan in plans if plan.status is status)
    report.variants = inserted.variants
    report.images = inserted.images
    report.categories_created = taxonomy.created_categories
    report.brands_created = taxonomy.created_brands
