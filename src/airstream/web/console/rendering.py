"""Rendering pages: the Jinja2 environment (autoescaped), its filters, and the page context.

Every page gets the session (for the user menu and the CSRF field) and the navigation;
templates link with :func:`path`, which quotes ids (run ids contain ``+`` and ``:``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from airstream.web.console.session import CSRF_FIELD, Session

TEMPLATE_DIR = Path(__file__).parent / "templates"

#: The navigation bar: (label, path).
NAVIGATION = (
    ("DAGs", "/"),
    ("Import errors", "/import-errors"),
    ("Topics", "/topics"),
    ("Consumer groups", "/groups"),
    ("Orders dashboard", "/dashboards/orders"),
)


def path(*segments: object, **query: object) -> str:
    """``/seg/seg?query``: each segment quoted whole, ``None`` query values left out."""
    text = "/" + "/".join(quote(str(s), safe="") for s in segments)
    params = {k: str(v) for k, v in query.items() if v is not None and v != ""}
    return f"{text}?{urlencode(params)}" if params else text


def when(value: datetime | None) -> str:
    """A datetime as ``2026-01-01 12:00:00 UTC`` (empty for none)."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value is not None else ""


def duration(seconds: float | None) -> str:
    """``1:02:03.4`` style; empty for none."""
    if seconds is None:
        return ""
    minutes, secs = divmod(max(seconds, 0.0), 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{secs:04.1f}" if hours else f"{minutes}:{secs:04.1f}"


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The console's templates (built on first use, not at import)."""
    environment = Jinja2Templates(directory=TEMPLATE_DIR)
    env = environment.env
    env.globals.update(path=path, navigation=NAVIGATION, csrf_field=CSRF_FIELD)
    env.filters.update(when=when, iso=iso, duration=duration, pretty_json=pretty_json)
    env.filters["tojson_attr"] = lambda value: json.dumps(value)
    return environment


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    session: Session | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page ``template`` with ``context`` plus the session and the current path."""
    full = {"session": session, "current_path": request.url.path, **context}
    return templates().TemplateResponse(request, template, full, status_code=status_code)
