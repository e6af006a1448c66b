"""Geometry of the dashboard's charts, drawn as inline SVG by the template (no JavaScript)."""

import math
from dataclasses import dataclass

from .statistics import DayLoads

# Door -> (label, colour); colours distinguishable with the common colour-vision deficiencies.
DOOR_SERIES = (
    ("api", "API", "#0072b2"),
    ("upload", "Upload", "#e69f00"),
    ("manual", "Manual entry", "#009e73"),
    ("rest", "JSON API", "#cc79a7"),
)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class LegendItem:
    label: str
    colour: str
    total: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    # The plotting area.
    left: int
    top: int
    bottom: int
    right: int
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    legend: list[LegendItem]


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``value`` (1 for 0)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def loads_chart(days: list[DayLoads], *, width: int = 760, height: int = 260) -> BarChart:
    """Stacked bars of leads loaded per day and door, oldest day on the left."""
    left, right, top, bottom = 48, width - 8, 10, height - 28
    plot_height = bottom - top
    step = nice_ceiling(math.ceil(max((day.total for day in days), default=0) / 4))
    peak = 4 * step
    slot = (right - left) / max(len(days), 1)
    bar_width = max(slot * 0.7, 1)
    bars = []
    for index, day in enumerate(days):
        x = left + index * slot + (slot - bar_width) / 2
        base = float(bottom)
        for attribute, label, colour in DOOR_SERIES:
            count = getattr(day, attribute)
            if not count:
                continue
            bar_height = plot_height * count / peak
            base -= bar_height
            title = f"{day.day:%a %d %b}: {count} by {label.lower()}"
            bars.append(Bar(x, base, bar_width, bar_height, colour, title))
    y_ticks = [Tick(bottom - plot_height * part / 4, f"{step * part:,}") for part in range(5)]
    x_ticks = [
        Tick(left + index * slot + slot / 2, f"{day.day:%d %b}")
        for index, day in enumerate(days)
        if index % 5 == (len(days) - 1) % 5
    ]
    legend = [
        LegendItem(label, colour, sum(getattr(day, attribute) for day in days))
        for attribute, label, colour in DOOR_SERIES
    ]
    return BarChart(width, height, left, top, bottom, right, bars, y_ticks, x_ticks, legend)
