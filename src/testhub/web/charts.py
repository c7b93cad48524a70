"""Charts as inline SVG: the geometry is computed here and drawn by one template macro
(`_chart.html`). No script and no style attribute (the CSP allows neither): every shape carries
a class that hub.css colours, and a <title> that is its tooltip and its text for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from testhub.analytics.trends import DayPoint, RunRow

WIDTH = 640
HEIGHT = 200
LEFT = 44  # room for the y-axis labels
RIGHT = 8
TOP = 12
BOTTOM = 22  # room for the x-axis labels


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    label: str
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"  # start | middle | end


@dataclass(frozen=True, slots=True)
class Rule:
    """A horizontal grid line."""

    y: float
    x1: float
    x2: float


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    css: str
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    summary: str  # the chart in one sentence, for screen readers
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # polyline point lists "x,y x,y"
    dots: list[Dot] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.rects or self.lines or self.dots)


def _r(value: float) -> float:
    return round(value, 1)


def _plot_height(height: int = HEIGHT) -> float:
    return height - TOP - BOTTOM


def _y_axis(peak: float, unit: str) -> tuple[list[Rule], list[Label]]:
    rules, labels = [], []
    for fraction in (0.0, 0.5, 1.0):
        value = peak * fraction
        if not unit and value != int(value):
            continue  # no "0.5 runs"
        y = _r(TOP + _plot_height() * (1 - fraction))
        rules.append(Rule(y, LEFT, WIDTH - RIGHT))
        text = f"{value:.0f}{unit}" if value >= 10 or value == 0 else f"{value:.1f}{unit}"
        labels.append(Label(LEFT - 4, _r(y + 4), text, "end"))
    return rules, labels


def _day_labels(points: Sequence[DayPoint], slot: float) -> list[Label]:
    every = max(1, len(points) // 7)  # about seven dates under the axis, the last one included
    return [
        Label(_r(LEFT + index * slot + slot / 2), HEIGHT - 6, f"{point.day:%b %d}")
        for index, point in enumerate(points)
        if (len(points) - 1 - index) % every == 0
    ]


def runs_per_day(points: Sequence[DayPoint]) -> Chart:
    """Stacked bars: passed runs under failed runs, one bar per day."""
    peak = max((point.runs for point in points), default=0)
    slot = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    scale = _plot_height() / peak if peak else 0.0
    rects = []
    for index, point in enumerate(points):
        x = _r(LEFT + index * slot + slot * 0.15)
        width = _r(slot * 0.7)
        base = TOP + _plot_height()
        label = f"{point.day:%b %d}: {point.runs} runs, {point.failed_runs} with failures"
        for count, css in ((point.passed_runs, "ok"), (point.failed_runs, "bad")):
            if count:
                height = count * scale
                base -= height
                rects.append(Rect(x, _r(base), width, _r(height), css, label))
    rules, labels = _y_axis(peak, "")
    total = sum(point.runs for point in points)
    failed = sum(point.failed_runs for point in points)
    return Chart(
        "Runs per day",
        f"{total} runs over {len(points)} days, {failed} of them with failures.",
        WIDTH,
        HEIGHT,
        rects=rects,
        labels=labels + _day_labels(points, slot),
        rules=rules,
    )


def pass_rate_per_day(points: Sequence[DayPoint]) -> Chart:
    """A line of the daily pass rate (0-100%); days without tests break the line."""
    slot = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    segments: list[list[str]] = [[]]
    dots = []
    for index, point in enumerate(points):
        rate = point.pass_rate
        if rate is None:
            if segments[-1]:
                segments.append([])
            continue
        x = _r(LEFT + index * slot + slot / 2)
        y = _r(TOP + _plot_height() * (1 - rate))
        segments[-1].append(f"{x},{y}")
        tests = point.passed_tests + point.failed_tests
        label = f"{point.day:%b %d}: {rate:.0%} of {tests} tests passed"
        dots.append(Dot(x, y, "bad" if rate < 1 else "ok", label))
    rules, labels = _y_axis(100, "%")
    rates = [point.pass_rate for point in points if point.pass_rate is not None]
    summary = (
        f"Daily pass rate between {min(rates):.0%} and {max(rates):.0%}."
        if rates
        else "No tests ran in this period."
    )
    return Chart(
        "Pass rate per day",
        summary,
        WIDTH,
        HEIGHT,
        labels=labels + _day_labels(points, slot),
        rules=rules,
        lines=[" ".join(segment) for segment in segments if len(segment) > 1],
        dots=dots,
    )


def run_durations(runs: Sequence[RunRow]) -> Chart:
    """One bar per run (oldest left), red when the run had failures; each links to its run."""
    peak = max((run.duration_seconds for run in runs), default=0.0)
    slot = (WIDTH - LEFT - RIGHT) / max(len(runs), 1)
    scale = _plot_height() / peak if peak else 0.0
    rects = []
    for index, run in enumerate(runs):
        height = max(run.duration_seconds * scale, 1.0)
        state = "passed" if run.ok else f"{run.failed_tests} failed"
        rects.append(
            Rect(
                _r(LEFT + index * slot + slot * 0.15),
                _r(TOP + _plot_height() - height),
                _r(slot * 0.7),
                _r(height),
                "ok" if run.ok else "bad",
                f"run {run.id} on {run.started_at:%b %d %H:%M}: "
                f"{run.duration_seconds:.1f} s, {state}",
                href=f"/runs/{run.id}",
            )
        )
    rules, labels = _y_axis(peak, " s")
    return Chart(
        "Duration of the latest runs",
        f"The last {len(runs)} runs took up to {peak:.1f} s.",
        WIDTH,
        HEIGHT,
        rects=rects,
        labels=labels,
        rules=rules,
    )


def horizontal_bars(
    title: str, items: Sequence[tuple[str, int]], *, css: dict[str, str] | None = None
) -> Chart:
    """Labelled horizontal bars, largest first as given (failure classes, heal statuses)."""
    row = 26
    name_width = 150
    height = max(row * len(items), row) + 4
    peak = max((value for _, value in items), default=0)
    usable = WIDTH - name_width - 60
    rects, labels = [], []
    for index, (name, value) in enumerate(items):
        y = 4 + index * row
        width = max(usable * value / peak, 1.0) if peak else 0.0
        rects.append(
            Rect(
                name_width,
                y,
                _r(width),
                row - 8,
                (css or {}).get(name, "neutral"),
                f"{name}: {value}",
            )
        )
        labels.append(Label(name_width - 6, y + 13, name, "end"))
        labels.append(Label(_r(name_width + width + 6), y + 13, str(value), "start"))
    summary = ", ".join(f"{name} {value}" for name, value in items) or "Nothing recorded."
    return Chart(title, summary, WIDTH, height, rects=rects, labels=labels)


def outcome_strip(outcomes: Sequence[str]) -> Chart:
    """A test's outcomes as small squares, oldest left (the flaky-tests table)."""
    size, gap = 8, 2
    rects = [
        Rect(
            index * (size + gap),
            0,
            size,
            size,
            {"passed": "ok", "failed": "bad", "error": "bad"}.get(outcome, "neutral"),
            outcome,
        )
        for index, outcome in enumerate(outcomes)
    ]
    width = max(len(outcomes) * (size + gap), size)
    return Chart("Outcomes", ", ".join(outcomes), width, size, rects=rects)
