"""Catalog JSON shapes: inputs (XCreate / XUpdate, unknown members refused) and outputs (XRead).

Money is always `{"amount": <int minor units>, "currency": "<store currency>"}`; inputs must be
in the store currency (checked by the service, which knows it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Protocol

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from shop.catalog import attribute_values
from shop.catalog.attribute_values import AttributeValue
from shop.catalog.listing import FacetValue, ListingRow, ProductPage
from shop.catalog.product_view import ProductView
from shop.kit.money import MoneyIn, MoneyRead
from shop.kit.slugs import SLUG_PATTERN
from shop.kit.text import MULTILINE, ONE_LINE
from shop.models.catalog import Brand, Category, ProductStatus

MAX_ID = 2**63 - 1
# 10 million in a two-decimal currency; also keeps amounts inside 32-bit INTEGER columns.
MAX_STOCK = 1_000_000_000

Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
StrictBool = Annotated[bool, Field(strict=True)]
ProductName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), ONE_LINE
]
ShortName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), ONE_LINE
]
ProductSlug = Annotated[str, StringConstraints(max_length=140, pattern=SLUG_PATTERN)]
Slug = Annotated[str, StringConstraints(max_length=120, pattern=SLUG_PATTERN)]
Description = Annotated[str, StringConstraints(max_length=20_000), MULTILINE]
ShortDescription = Annotated[str, StringConstraints(max_length=5_000), MULTILINE]
# A one-line label of up to 200 characters (variant titles, image alt texts).
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), ONE_LINE]
NonEmptyLabel = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), ONE_LINE
]
Position = Annotated[int, Field(strict=True, ge=0, le=1_000_000)]
Sku = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
    ),
]
OptionName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), ONE_LINE
]
OptionValue = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), ONE_LINE
]
AttributeName = Annotated[str, StringConstraints(max_length=60, pattern=r"^\w[\w .-]*$")]
AttributeInput = (
    Annotated[bool, Field(strict=True)]
    | Annotated[int, Field(strict=True)]
    | Annotated[float, Field(strict=True, allow_inf_nan=False)]
    | NonEmptyLabel
)
ImageUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^(https?://|/)\S+$")
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# A member left out of a partial update. Hidden from the JSON schema: only the members listed
# in `_nullable` accept an explicit null.
Absent = SkipJsonSchema[None]


class _Patch(_Input):
    """A partial update: absent members stay; only `_nullable` members may be sent as null."""

    _nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> _Patch:
        for name in self.model_fields_set:
            if getattr(self, name) is None and name not in self._nullable:
                raise ValueError(f"{name} cannot be null; leave it out to keep the current value")
        return self


class ImageIn(_Input):
    url: ImageUrl
    alt: Label = ""


def _check_attributes(values: dict[str, Any] | None) -> dict[str, Any] | None:
    for name, value in (values or {}).items():
        try:
            attribute_values.canonical(value)
        except ValueError as exc:
            raise ValueError(f"attribute {name!r}: {exc}") from exc
    return values


def _check_product_slug(slug: str | None) -> str | None:
    if slug is not None and slug.isdigit():
        raise ValueError("a product slug cannot be only digits (those address products by id)")
    return slug


class VariantCreate(_Input):
    sku: Sku
    title: Label | None = None
    options: Annotated[dict[OptionName, OptionValue], Field(max_length=10)] = Field(
        default_factory=dict
    )
    price: MoneyIn
    compare_at_price: MoneyIn | None = Field(
        default=None, description="The former price; must be greater than price when given."
    )
    stock_quantity: Annotated[int, Field(strict=True, ge=0, le=MAX_STOCK)] = 0
    track_inventory: StrictBool = True
    low_stock_threshold: Annotated[int, Field(strict=True, ge=0, le=MAX_STOCK)] = 5
    is_active: StrictBool = True
    position: Position | None = None


class VariantUpdate(_Patch):
    _nullable = frozenset({"compare_at_price"})

    sku: Sku | Absent = None
    title: Label | Absent = None
    options: Annotated[dict[OptionName, OptionValue], Field(max_length=10)] | Absent = None
    price: MoneyIn | Absent = None
    compare_at_price: MoneyIn | None = None
    stock_quantity: Annotated[int, Field(strict=True, ge=0, le=MAX_STOCK)] | Absent = None
    track_inventory: StrictBool | Absent = None
    low_stock_threshold: Annotated[int, Field(strict=True, ge=0, le=MAX_STOCK)] | Absent = None
    is_active: StrictBool | Absent = None
    position: Position | Absent = None


class ProductCreate(_Input):
    name: ProductName
    slug: ProductSlug | None = Field(
        default=None, description="Generated from the name when absent (made unique)."
    )
    description: Description = ""
    status: ProductStatus = Field(
        default=ProductStatus.DRAFT, description="New products are drafts unless told otherwise."
    )
    featured: StrictBool = False
    brand_id: Id | None = None
    category_id: Id | None = None
    images: Annotated[list[ImageIn], Field(max_length=20)] = Field(default_factory=list)
    attributes: Annotated[dict[AttributeName, AttributeInput], Field(max_length=50)] = Field(
        default_factory=dict,
        description="Typed values: strings, numbers and booleans (filter with attr.<name>).",
    )
    variants: Annotated[list[VariantCreate], Field(max_length=100)] = Field(default_factory=list)

    _slug = field_validator("slug")(_check_product_slug)
    _attributes = field_validator("attributes")(_check_attributes)


class ProductUpdate(_Patch):
    """Images and attributes, when given, replace the current ones. Variants have their own
    endpoints."""

    _nullable = frozenset({"brand_id", "category_id"})

    name: ProductName | Absent = None
    slug: ProductSlug | Absent = None
    description: Description | Absent = None
    status: ProductStatus | Absent = None
    featured: StrictBool | Absent = None
    brand_id: Id | None = None
    category_id: Id | None = None
    images: Annotated[list[ImageIn], Field(max_length=20)] | Absent = None
    attributes: Annotated[dict[AttributeName, AttributeInput], Field(max_length=50)] | Absent = None

    _slug = field_validator("slug")(_check_product_slug)
    _attributes = field_validator("attributes")(_check_attributes)


class CategoryCreate(_Input):
    name: ShortName
    slug: Slug | None = Field(default=None, description="Generated from the name when absent.")
    description: ShortDescription = ""
    parent_id: Id | None = None
    position: Position = 0


class CategoryUpdate(_Patch):
    _nullable = frozenset({"parent_id"})

    name: ShortName | Absent = None
    slug: Slug | Absent = None
    description: ShortDescription | Absent = None
    parent_id: Id | None = None
    position: Position | Absent = None


class BrandCreate(_Input):
    name: ShortName
    slug: Slug | None = Field(default=None, description="Generated from the name when absent.")


class BrandUpdate(_Patch):
    name: ShortName | Absent = None
    slug: Slug | Absent = None


# --- outputs ------------------------------------------------------------------------------


def money(amount: int | None, currency: str) -> MoneyRead | None:
    # Outputs are built from stored, already valid data: model_construct skips re-validation.
    return None if amount is None else MoneyRead.model_construct(amount=amount, currency=currency)


class SlugName(BaseModel):
    slug: str
    name: str


class ImageRead(BaseModel):
    url: str
    alt: str


class BrandRead(BaseModel):
    id: int
    slug: str
    name: str

    @classmethod
    def of(cls, brand: Brand) -> BrandRead:
        return cls(id=brand.id, slug=brand.slug, name=brand.name)


class CategoryTreeRead(BaseModel):
    id: int
    slug: str
    name: str
    description: str
    children: list[CategoryTreeRead]


class CategoryAdminRead(BaseModel):
    id: int
    parent_id: int | None
    slug: str
    name: str
    description: str
    position: int

    @classmethod
    def of(cls, category: Category) -> CategoryAdminRead:
        return cls(
            id=category.id,
            parent_id=category.parent_id,
            slug=category.slug,
            name=category.name,
            description=category.description,
            position=category.position,
        )


class ProductCategoryRead(BaseModel):
    id: int
    slug: str
    name: str
    path: list[SlugName] = Field(description="Breadcrumb from the root to this category.")


class ListingItemRead(BaseModel):
    id: int
    slug: str
    name: str
    price: MoneyRead | None = Field(description="Lowest active variant price.")
    compare_at_price: MoneyRead | None = Field(
        description="Former price of the lowest-priced active variant, if any."
    )
    brand: SlugName | None
    category: SlugName | None
    image: ImageRead | None
    in_stock: bool
    featured: bool

    @classmethod
    def of(cls, row: ListingRow, currency: str) -> ListingItemRead:
        return cls.model_construct(**_listing_fields(row, currency))


class AdminListingItemRead(ListingItemRead):
    status: ProductStatus

    @classmethod
    def of(cls, row: ListingRow, currency: str) -> AdminListingItemRead:
        return cls.model_construct(**_listing_fields(row, currency), status=row.status)


def _listing_fields(row: ListingRow, currency: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "slug": row.slug,
        "name": row.name,
        "price": money(row.price_amount, currency),
        "compare_at_price": money(row.compare_at_amount, currency),
        "brand": None
        if row.brand_slug is None
        else SlugName.model_construct(slug=row.brand_slug, name=row.brand_name or ""),
        "category": None
        if row.category_slug is None
        else SlugName.model_construct(slug=row.category_slug, name=row.category_name or ""),
        "image": None
        if row.image_url is None
        else ImageRead.model_construct(url=row.image_url, alt=row.image_alt or ""),
        "in_stock": row.in_stock,
        "featured": row.featured,
    }


class FacetValueRead(BaseModel):
    slug: str
    name: str
    count: int


class FacetsRead(BaseModel):
    category: list[FacetValueRead]
    brand: list[FacetValueRead]


def _facet(values: list[FacetValue]) -> list[FacetValueRead]:
    return [FacetValueRead.model_construct(slug=v.slug, name=v.name, count=v.count) for v in values]


def _facets(page: ProductPage) -> FacetsRead:
    return FacetsRead.model_construct(
        category=_facet(page.category_facet), brand=_facet(page.brand_facet)
    )


class ProductListRead(BaseModel):
    items: list[ListingItemRead]
    total: int
    page: int
    page_size: int
    facets: FacetsRead

    @classmethod
    def of(cls, page: ProductPage, currency: str) -> ProductListRead:
        return cls(
            items=[ListingItemRead.of(row, currency) for row in page.items],
            total=page.total,
            page=page.page,
            page_size=page.page_size,
            facets=FacetsRead(category=_facet(page.category_facet), brand=_facet(page.brand_facet)),
        )


class AdminProductListRead(BaseModel):
    items: list[AdminListingItemRead]
    total: int
    page: int
    page_size: int
    facets: FacetsRead

    @classmethod
    def of(cls, page: ProductPage, currency: str) -> AdminProductListRead:
        return cls(
            items=[AdminListingItemRead.of(row, currency) for row in page.items],
            total=page.total,
            page=page.page,
            page_size=page.page_size,
            facets=FacetsRead(category=_facet(page.category_facet), brand=_facet(page.brand_facet)),
        )


class VariantLike(Protocol):
    """A variant as stored (ORM) or as read for display (VariantView)."""

    @property
    def id(self) -> int: ...
    @property
    def sku(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def options(self) -> dict[str, Any]: ...
    @property
    def price_amount(self) -> int: ...
    @property
    def compare_at_amount(self) -> int | None: ...
    @property
    def stock_quantity(self) -> int: ...
    @property
    def track_inventory(self) -> bool: ...
    @property
    def low_stock_threshold(self) -> int: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def position(self) -> int: ...


def variant_in_stock(variant: VariantLike) -> bool:
    return variant.is_active and (not variant.track_inventory or variant.stock_quantity > 0)


class VariantRead(BaseModel):
    id: int
    sku: str
    title: str
    options: dict[str, Any]
    price: MoneyRead
    compare_at_price: MoneyRead | None
    in_stock: bool

    @classmethod
    def of(cls, variant: VariantLike, currency: str) -> VariantRead:
        return cls.model_construct(**_variant_fields(variant, currency))


class VariantAdminRead(VariantRead):
    stock_quantity: int
    track_inventory: bool
    low_stock_threshold: int
    is_active: bool
    position: int

    @classmethod
    def of(cls, variant: VariantLike, currency: str) -> VariantAdminRead:
        return cls.model_construct(
            **_variant_fields(variant, currency),
            stock_quantity=variant.stock_quantity,
            track_inventory=variant.track_inventory,
            low_stock_threshold=variant.low_stock_threshold,
            is_active=variant.is_active,
            position=variant.position,
        )


def _variant_fields(variant: VariantLike, currency: str) -> dict[str, Any]:
    return {
        "id": variant.id,
        "sku": variant.sku,
        "title": variant.title,
        "options": variant.options,
        "price": money(variant.price_amount, currency),
        "compare_at_price": money(variant.compare_at_amount, currency),
        "in_stock": variant_in_stock(variant),
    }


class ProductRead(BaseModel):
    id: int
    slug: str
    name: str
    description: str
    featured: bool
    price: MoneyRead | None = Field(description="Lowest active variant price.")
    compare_at_price: MoneyRead | None = Field(
        description="Former price of the lowest-priced active variant, if any."
    )
    in_stock: bool
    brand: BrandRead | None
    category: ProductCategoryRead | None
    images: list[ImageRead]
    attributes: dict[str, AttributeValue]
    variants: list[VariantRead] = Field(description="Active variants only.")

    @classmethod
    def of(cls, product: ProductView, currency: str) -> ProductRead:
        return cls.model_construct(
            **_product_fields(product, currency),
            variants=[VariantRead.of(v, currency) for v in product.active_variants],
        )


class ProductAdminRead(ProductRead):
    status: ProductStatus
    created_at: datetime
    updated_at: datetime
    variants: list[VariantAdminRead] = Field(description="All variants, active or not.")  # type: ignore[assignment]

    @classmethod
    def of(cls, product: ProductView, currency: str) -> ProductAdminRead:
        return cls.model_construct(
            **_product_fields(product, currency),
            variants=[VariantAdminRead.of(v, currency) for v in product.variants],
            status=product.status,
            created_at=product.created_at,
            updated_at=product.updated_at,
        )


def _product_fields(product: ProductView, currency: str) -> dict[str, Any]:
    active = product.active_variants
    cheapest = min(active, key=lambda v: (v.price_amount, v.position, v.id), default=None)
    brand, category = product.brand, product.category
    return {
        "id": product.id,
        "slug": product.slug,
        "name": product.name,
        "description": product.description,
        "featured": product.featured,
        "price": money(product.price_amount, currency),
        "compare_at_price": money(cheapest.compare_at_amount if cheapest else None, currency),
        "in_stock": any(variant_in_stock(v) for v in active),
        "brand": None
        if brand is None
        else BrandRead.model_construct(id=brand.id, slug=brand.slug, name=brand.name),
        "category": None
        if category is None
        else ProductCategoryRead.model_construct(
            id=category.id,
            slug=category.slug,
            name=category.name,
            path=[SlugName.model_construct(slug=slug, name=name) for slug, name in category.path],
        ),
        "images": [ImageRead.model_construct(url=url, alt=alt) for url, alt in product.images],
        "attributes": {
            name: attribute_values.typed(kind, value) for name, kind, value in product.attributes
        },
    }
