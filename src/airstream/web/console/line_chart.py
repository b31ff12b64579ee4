"""Coordinates of a line chart (one polyline per series) for the template to draw as SVG."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

WIDTH = 760
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 12, 40
#: Colours of the series, in order (cycled).
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b")


@dataclass(frozen=True)
class Series:
    """One line: its name, colour and SVG ``points``."""

    name: str
    colour: str
    points: str


@dataclass(frozen=True)
class Tick:
    """An axis label at a position."""

    position: float
    label: str


@dataclass(frozen=True)
class LineChart:
    """What the template draws."""

    width: int
    height: int
    series: list[Series]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM


def line_chart(
    x_labels: Sequence[str],
    values: Mapping[str, Mapping[str, float]],
    tick_every: int = 10,
    tick_label: Callable[[str], str] = str,
) -> LineChart:
    """``values[series][x_label]``; a series without a value at some x skips that point."""
    top = max((v for points in values.values() for v in points.values()), default=0.0)
    top = top * 1.1 or 1.0
    span_x = max(len(x_labels) - 1, 1)

    def x(index: int) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * index / span_x

    def y(value: float) -> float:
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / top

    series = []
    for number, (name, points) in enumerate(sorted(values.items())):
        coords = [
            f"{x(i):.1f},{y(points[label]):.1f}"
            for i, label in enumerate(x_labels)
            if label in points
        ]
        series.append(Series(name, PALETTE[number % len(PALETTE)], " ".join(coords)))
    last = len(x_labels) - 1
    # Every ``tick_every``-th label, and the last one unless it would crowd the one before.
    x_ticks = [
        Tick(x(i), tick_label(label))
        for i, label in enumerate(x_labels)
        if i % tick_every == 0
        or (i == last and (last <= tick_every or last % tick_every >= tick_every // 2))
    ]
    y_ticks = [Tick(y(top * k / 4), f"{top * k / 4:,.0f}") for k in range(5)]
    return LineChart(WIDTH, HEIGHT, series, x_ticks, y_ticks)
