"""Bar charts drawn on the server as SVG: the geometry here, the markup in
``insights/_chart.html``. Each chart has a title, a sentence that says what it shows, and its data
as a table (for screen readers, and for small screens where bars get thin)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from carnet.insights.figures import Series

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 28  # room for the axis labels


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass
class Chart:
    series: Series
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value) of the horizontal lines
    labels: list[tuple[float, str]]  # (x, text) under some bars
    summary: str
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    left: int = LEFT


def bucket_label(day: date, granularity: str) -> str:
    if granularity == "week":
        return _("semaine du %(date)s") % {"date": formats.date_format(day, "j M Y")}
    return formats.date_format(day, "F Y")


def _short_label(day: date, granularity: str) -> str:
    return formats.date_format(day, "j M" if granularity == "week" else "M y")


def _scale_top(peak: int) -> int:
    """A round top for the axis, at or above the highest bar."""
    if peak <= 4:
        return 4
    magnitude = 10 ** (len(str(peak)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= peak:
            return top
    return peak


def bar_chart(series: Series, granularity: str) -> Chart:
    points = series.points
    peak = max((value for _day, value in points), default=0)
    top = _scale_top(peak)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(points), 1)
    bars = []
    for n, (day, value) in enumerate(points):
        height = plot_height * value / top
        bars.append(Bar(
            x=round(LEFT + n * slot + slot * 0.15, 1), y=round(TOP + plot_height - height, 1),
            width=round(slot * 0.7, 1), height=round(height, 1),
            label=bucket_label(day, granularity), value=value,
        ))  # fmt: skip
    ticks = [(round(TOP + plot_height * (1 - share), 1), round(top * share)) for share in (0, 0.5, 1)]
    every = max(1, math.ceil(len(points) / 6))
    labels = [
        (round(LEFT + n * slot + slot / 2, 1), _short_label(day, granularity))
        for n, (day, _value) in enumerate(points)
        if n % every == 0
    ]
    return Chart(series, bars, ticks, labels, summary(series, granularity))


def summary(series: Series, granularity: str) -> str:
    """The chart in one sentence: its total, and when it was highest."""
    if not series.total:
        return _("Aucun pendant la période.")
    day, value = max(series.points, key=lambda point: point[1])
    return _("Total : %(total)s. Le plus haut : %(value)s, %(when)s.") % {
        "total": series.total,
        "value": value,
        "when": bucket_label(day, granularity),
    }


def charts(all_series: list[Series], granularity: str) -> list[Any]:
    return [bar_chart(item, granularity) for item in all_series]
