"""Tiny server-rendered SVG charts: bars (stacked, vertical or horizontal) and lines.

Python computes the geometry; ``templates/audit/_chart.html`` draws it, with ``<title>``/``<desc>`` for
screen readers and the same numbers as a data table. No JavaScript, nothing from a CDN.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 260
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 48, 12, 12, 36
LABEL_WIDTH = 170  # horizontal charts: room for category names
ROW_HEIGHT = 24


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    series: int
    label: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Polyline:
    points: str
    series: int
    dots: list[tuple[float, float, str]]


@dataclass
class Chart:
    slug: str
    title: str
    description: str
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    lines: list[Polyline] = field(default_factory=list)
    labels: list[Text] = field(default_factory=list)
    ticks: list[Text] = field(default_factory=list)
    gridlines: list[tuple[float, float, float, float]] = field(default_factory=list)
    legend: list[tuple[int, str]] = field(default_factory=list)
    table_head: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.table_rows


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"
    return f"{text}{unit}"


def _table(
    categories: list[str], series: Mapping[str, Sequence[float | None]], unit: str, category_label: str
) -> tuple[list[str], list[list[str]]]:
    head = [category_label, *series]
    rows = [[cat, *(_fmt(values[i], unit) for values in series.values())] for i, cat in enumerate(categories)]
    return head, rows


def bar_chart(
    *,
    slug: str,
    title: str,
    description: str,
    categories: list[str],
    series: dict[str, list[float]],
    horizontal: bool = False,
    unit: str = "",
    category_label: str = "",
) -> Chart:
    """Stacked bars, one per category; one colour per series."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(categories))]
    top = _nice_max(max(totals, default=0))
    head, rows = _table(categories, series, unit, category_label)
    if horizontal:
        height = MARGIN_TOP + MARGIN_BOTTOM + ROW_HEIGHT * max(1, len(categories))
        chart = Chart(slug, title, description, WIDTH, height, table_head=head, table_rows=rows)
        plot_w = WIDTH - LABEL_WIDTH - MARGIN_RIGHT
        for i, category in enumerate(categories):
            y, x = MARGIN_TOP + i * ROW_HEIGHT + 4, float(LABEL_WIDTH)
            chart.labels.append(Text(LABEL_WIDTH - 6, y + ROW_HEIGHT / 2, category[:28], "end"))
            for s, (name, values) in enumerate(series.items()):
                w = plot_w * values[i] / top
                if w > 0:
                    chart.rects.append(Rect(x, y, w, ROW_HEIGHT - 8, s, f"{category}, {name}: {_fmt(values[i], unit)}"))
                x += w
        for k in range(5):
            x = LABEL_WIDTH + plot_w * k / 4
            chart.ticks.append(Text(x, height - MARGIN_BOTTOM + 16, _fmt(top * k / 4)))
            chart.gridlines.append((x, MARGIN_TOP, x, height - MARGIN_BOTTOM))
    else:
        chart = Chart(slug, title, description, WIDTH, HEIGHT, table_head=head, table_rows=rows)
        plot_w, plot_h = WIDTH - MARGIN_LEFT - MARGIN_RIGHT, HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
        slot = plot_w / max(1, len(categories))
        for i, category in enumerate(categories):
            x, base = MARGIN_LEFT + i * slot + slot * 0.15, float(HEIGHT - MARGIN_BOTTOM)
            for s, (name, values) in enumerate(series.items()):
                h = plot_h * values[i] / top
                if h > 0:
                    base -= h
                    chart.rects.append(Rect(x, base, slot * 0.7, h, s, f"{category}, {name}: {_fmt(values[i], unit)}"))
            chart.labels.append(Text(x + slot * 0.35, HEIGHT - MARGIN_BOTTOM + 16, category))
        _y_axis(chart, top, unit)
    chart.legend = list(enumerate(series)) if len(series) > 1 else []
    return chart


def line_chart(
    *,
    slug: str,
    title: str,
    description: str,
    categories: list[str],
    series: dict[str, list[float | None]],
    unit: str = "",
    category_label: str = "",
) -> Chart:
    """One line per series over the categories; gaps where a value is missing."""
    head, rows = _table(categories, series, unit, category_label)
    chart = Chart(slug, title, description, WIDTH, HEIGHT, table_head=head, table_rows=rows)
    top = _nice_max(max((v for values in series.values() for v in values if v is not None), default=0))
    plot_w, plot_h = WIDTH - MARGIN_LEFT - MARGIN_RIGHT, HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = plot_w / max(1, len(categories))
    for s, (name, values) in enumerate(series.items()):
        dots = []
        for i, value in enumerate(values):
            if value is not None:
                x = MARGIN_LEFT + i * slot + slot / 2
                y = HEIGHT - MARGIN_BOTTOM - plot_h * value / top
                dots.append((round(x, 1), round(y, 1), f"{categories[i]}, {name}: {_fmt(value, unit)}"))
        chart.lines.append(Polyline(" ".join(f"{x},{y}" for x, y, _ in dots), s, dots))
    for i, category in enumerate(categories):
        chart.labels.append(Text(MARGIN_LEFT + i * slot + slot / 2, HEIGHT - MARGIN_BOTTOM + 16, category))
    _y_axis(chart, top, unit)
    chart.legend = list(enumerate(series))
    return chart


def _y_axis(chart: Chart, top: float, unit: str) -> None:
    plot_h = chart.height - MARGIN_TOP - MARGIN_BOTTOM
    for k in range(5):
        y = chart.height - MARGIN_BOTTOM - plot_h * k / 4
        chart.ticks.append(Text(MARGIN_LEFT - 6, y + 4, _fmt(top * k / 4, unit), "end"))
        chart.gridlines.append((MARGIN_LEFT, y, chart.width - MARGIN_RIGHT, y))
