"""Deterministic product plans drawn from the taxonomy with a seeded `random.Random`.

Plans are plain data; demo and scale seeding turn them into rows. The same seed always gives the
same plans, which is what makes the demo catalog reproducible.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import datetime

from shop.kit.slugs import slugify
from shop.models.catalog import AttributeType, ProductStatus
from shop.seed.taxonomy import (
    ADJECTIVES,
    BENEFITS,
    BRANDS,
    COLOR_HEX,
    AttributeSpec,
    Axis,
    LeafCategory,
    OptionValue,
    top_category,
)

LOW_STOCK_THRESHOLD = 5
_COMPARE_AT_PERCENTS = (115, 120, 125, 130, 140, 150)


@dataclass(frozen=True, slots=True)
class VariantPlan:
    sku: str
    title: str
    options: dict[str, str]
    price_amount: int
    compare_at_amount: int | None
    stock_quantity: int
    track_inventory: bool
    position: int


@dataclass(frozen=True, slots=True)
class AttributePlan:
    name: str
    type: AttributeType
    value: str  # canonical text: "180", "true", "merino wool"


@dataclass(frozen=True, slots=True)
class ProductPlan:
    slug: str
    name: str
    description: str
    brand_slug: str
    brand_name: str
    category_slug: str
    variants: tuple[VariantPlan, ...]
    attributes: tuple[AttributePlan, ...]
    card_color: str  # background of the product's generated images
    image_count: int
    status: ProductStatus = ProductStatus.ACTIVE
    featured: bool = False
    created_at: datetime | None = None


def ends_in_99(amount: int) -> int:
    """The smallest price ending in .99 that is at least `amount` (minor units)."""
    return (amount // 100) * 100 + 99


class ProductFactory:
    """Draws products one by one. Keep one factory per run: it remembers names when asked to
    keep them unique (the demo catalog, whose slugs are the plain names)."""

    def __init__(self, rng: random.Random, *, unique_names: bool) -> None:
        self.rng = rng
        self.unique_names = unique_names
        self._names: set[str] = set()
        self._brands = {
            group: [b for b in BRANDS if group in b.groups]
            for group in {g for b in BRANDS for g in b.groups}
        }

    def product(
        self,
        leaf: LeafCategory,
        *,
        sku_stem: str,
        slug_suffix: str | None,
        max_variants: int,
    ) -> ProductPlan:
        rng = self.rng
        material = rng.choice(leaf.materials)
        name = self._name(leaf, material.word)
        brand = rng.choice(self._brands[leaf.parent])
        top = top_category(leaf.parent)
        description = (
            f"The {name} by {brand.name} is {rng.choice(leaf.features)}. "
            f"Made from {material.value}, {rng.choice(BENEFITS[leaf.parent])}. "
            f"{rng.choice(top.care)}"
        )
        variants = self._variants(leaf, sku_stem, rng.randint(1, max_variants))
        attributes = (AttributePlan("material", AttributeType.TEXT, material.value),) + tuple(
            self._attribute(spec) for spec in leaf.attributes
        )
        slug = slugify(name, max_length=120)
        return ProductPlan(
            slug=f"{slug}-{slug_suffix}" if slug_suffix else slug,
            name=name,
            description=description,
            brand_slug=brand.slug,
            brand_name=brand.name,
            category_slug=leaf.slug,
            variants=variants,
            attributes=attributes,
            card_color=self._card_color(leaf, variants),
            image_count=rng.randint(1, 3),
        )

    def _name(self, leaf: LeafCategory, material_word: str) -> str:
        for _ in range(1000):
            parts = [self.rng.choice(ADJECTIVES)]
            if self.rng.random() < 0.6:
                parts.append(material_word)
            parts.append(self.rng.choice(leaf.nouns))
            name = " ".join(parts)
            if not self.unique_names:
                return name
            if name not in self._names:
                self._names.add(name)
                return name
        raise RuntimeError(f"ran out of unique product names in {leaf.slug}")

    def _variants(self, leaf: LeafCategory, sku_stem: str, wanted: int) -> tuple[VariantPlan, ...]:
        rng = self.rng
        windows = [self._window(axis) for axis in leaf.axes]
        combos = list(itertools.islice(itertools.product(*windows), wanted))
        base = rng.randint(leaf.price_low, leaf.price_high) * 100 - 1
        compare_percent = rng.choice(_COMPARE_AT_PERCENTS) if rng.random() < 0.2 else None
        plans = []
        for position, combo in enumerate(combos):
            price = base + sum(
                axis.step_amount * axis.values.index(value)
                for axis, value in zip(leaf.axes, combo, strict=True)
                if axis.ordered
            )
            compare_at = ends_in_99(price * compare_percent // 100) if compare_percent else None
            stock, tracked = self._stock()
            plans.append(
                VariantPlan(
                    sku="-".join([sku_stem, *(value.code for value in combo)]),
                    title=" / ".join(value.label for value in combo),
                    options={
                        axis.name: value.label for axis, value in zip(leaf.axes, combo, strict=True)
                    },
                    price_amount=price,
                    compare_at_amount=compare_at,
                    stock_quantity=stock,
                    track_inventory=tracked,
                    position=position,
                )
            )
        return tuple(plans)

    def _window(self, axis: Axis) -> list[OptionValue]:
        if axis.ordered:
            length = self.rng.randint(1, min(4, len(axis.values)))
            start = self.rng.randint(0, len(axis.values) - length)
            return list(axis.values[start : start + length])
        return self.rng.sample(axis.values, k=self.rng.randint(1, min(3, len(axis.values))))

    def _stock(self) -> tuple[int, bool]:
        roll = self.rng.randrange(100)
        if roll < 8:
            return 0, True  # sold out
        if roll < 14:
            return self.rng.randint(1, LOW_STOCK_THRESHOLD - 1), True  # running low
        if roll < 19:
            return 0, False  # made to order: not tracked
        return self.rng.randint(LOW_STOCK_THRESHOLD + 1, 150), True

    def _attribute(self, spec: AttributeSpec) -> AttributePlan:
        if spec.type is AttributeType.NUMBER:
            value = str(self.rng.randrange(spec.low, spec.high + 1, spec.step))
        elif spec.type is AttributeType.BOOLEAN:
            value = "true" if self.rng.randrange(100) < spec.true_share else "false"
        else:
            value = self.rng.choice(spec.choices)
        return AttributePlan(spec.name, spec.type, value)

    def _card_color(self, leaf: LeafCategory, variants: tuple[VariantPlan, ...]) -> str:
        for label in variants[0].options.values():
            if label in COLOR_HEX:
                return COLOR_HEX[label]
        return self.rng.choice(leaf.palette) if leaf.palette else "#3b3f46"
