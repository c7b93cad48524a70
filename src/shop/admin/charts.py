"""The sales chart as an inline SVG: bars computed here, drawn by the template. No script and
no style attribute (the CSP allows neither); colours come from admin.css."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shop.reports.service import DaySales
from shop.web.pages.formatting import money

WIDTH = 600
HEIGHT = 200
LEFT = 8
BOTTOM = 20  # room for the date labels
TOP = 16


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # for screen readers and the tooltip: "Nov 26: $12.34 (3 orders)"
    day_label: str | None  # under every 7th bar


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    peak: int
    total: int


def sales_chart(days: Sequence[DaySales]) -> Chart:
    peak = max((day.revenue for day in days), default=0)
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(days), 1)
    bars = []
    for index, day in enumerate(days):
        height = 0.0 if peak == 0 else plot_height * day.revenue / peak
        orders = "order" if day.orders == 1 else "orders"
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.1, 2),
                y=round(HEIGHT - BOTTOM - height, 2),
                width=round(slot * 0.8, 2),
                height=round(height, 2),
                label=f"{day.day:%b %d}: {money(day.revenue)} ({day.orders} {orders})",
                day_label=f"{day.day:%b %d}" if (len(days) - 1 - index) % 7 == 0 else None,
            )
        )
    return Chart(WIDTH, HEIGHT, HEIGHT - BOTTOM, bars, peak, sum(day.revenue for day in days))
