"""``/dashboards/orders``: the streaming-ETL example's warehouse, as a chart and totals.

Reads ``$AIRSTREAM_HOME/warehouse/warehouse.db`` (SQLite, opened read-only), table
``sales_by_minute(minute, region, orders, revenue)``: revenue per minute for the last 60
minutes present, one line per region, and per-region totals over those minutes. Before the
example DAG has written anything the page says so instead of failing.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from airstream.web.console.line_chart import LineChart, line_chart
from airstream.web.console.rendering import render
from airstream.web.console.session import SessionDep
from airstream.web.dependencies import SettingsDep

router = APIRouter()

MINUTES_SHOWN = 60


@dataclass(frozen=True)
class RegionTotal:
    region: str
    orders: int
    revenue: float


@dataclass
class OrdersWindow:
    """The minutes shown and, per region, revenue by minute and totals."""

    minutes: list[str] = field(default_factory=list)
    revenue: dict[str, dict[str, float]] = field(default_factory=dict)
    totals: list[RegionTotal] = field(default_factory=list)
    #: Why there is nothing to show, when there is nothing.
    empty_reason: str | None = None


def warehouse_path(home: Path) -> Path:
    return home / "warehouse" / "warehouse.db"


def read_window(database: Path, minutes_shown: int = MINUTES_SHOWN) -> OrdersWindow:
    """The last ``minutes_shown`` minutes present in ``sales_by_minute``."""
    if not database.is_file():
        return OrdersWindow(empty_reason=f"No warehouse yet: {database} does not exist.")
    try:
        connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        return OrdersWindow(empty_reason=f"The warehouse cannot be opened: {exc}")
    try:
        return _query(connection, minutes_shown)
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return OrdersWindow(empty_reason="No sales yet: table sales_by_minute does not exist.")
        return OrdersWindow(empty_reason=f"The warehouse cannot be read: {exc}")
    finally:
        connection.close()


def _query(connection: sqlite3.Connection, minutes_shown: int) -> OrdersWindow:
    minutes = [
        str(row[0])
        for row in connection.execute(
            "SELECT DISTINCT minute FROM sales_by_minute ORDER BY minute DESC LIMIT ?",
            (minutes_shown,),
        )
    ]
    if not minutes:
        return OrdersWindow(empty_reason="No sales yet: table sales_by_minute is empty.")
    minutes.reverse()
    window = OrdersWindow(minutes=minutes)
    rows = connection.execute(
        "SELECT minute, region, orders, revenue FROM sales_by_minute WHERE minute >= ?",
        (minutes[0],),
    )
    orders: dict[str, int] = {}
    for minute, region, count, revenue in rows:
        name = str(region)
        window.revenue.setdefault(name, {})[str(minute)] = float(revenue or 0)
        orders[name] = orders.get(name, 0) + int(count or 0)
    window.totals = [
        RegionTotal(name, orders[name], sum(window.revenue[name].values()))
        for name in sorted(window.revenue)
    ]
    return window


def _short_minute(minute: str) -> str:
    """``2026-11-25T16:05:00+00:00`` as ``16:05``."""
    return minute[11:16] if len(minute) >= 16 else minute


@router.get("/dashboards/orders")
def orders_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The revenue chart and the totals table (or the empty state)."""
    window = read_window(warehouse_path(settings.home))
    chart: LineChart | None = None
    if window.empty_reason is None:
        chart = line_chart(window.minutes, window.revenue, tick_label=_short_minute)
    context = {"window": window, "chart": chart}
    return render(request, "orders_dashboard.html", context, session)
