"""Request dependencies shared by the endpoints: the store, paging and ordering.

Paging follows Airflow: ``limit`` (default 50, at most :data:`MAX_PAGE_LIMIT`) and
``offset``. ``order_by`` names an attribute (``-`` prefix for descending); an attribute the
endpoint does not allow is a 400 with Airflow's message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from airstream.config import Settings
from airstream.store import MetadataStore
from airstream.store.queries import Page
from airstream.web.errors import bad_request

DEFAULT_PAGE_LIMIT = 50
MAX_PAGE_LIMIT = 100


def get_store(request: Request) -> MetadataStore:
    """The metadata store the application opened at start-up."""
    store: MetadataStore = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    """The settings the application was created with."""
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[MetadataStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@dataclass(frozen=True)
class Paging:
    """``limit`` and ``offset`` of a listing request."""

    limit: int
    offset: int

    def page(self, order_by: str | None = None) -> Page:
        return Page(limit=self.limit, offset=self.offset, order_by=order_by)


def paging(
    limit: Annotated[int, Query(ge=0)] = DEFAULT_PAGE_LIMIT,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Paging:
    """The page a listing asks for; a limit above the maximum is lowered to it, as in Airflow."""
    return Paging(min(limit, MAX_PAGE_LIMIT), offset)


PagingDep = Annotated[Paging, Depends(paging)]
OrderByQuery = Annotated[list[str] | None, Query()]


def order_column(order_by: list[str] | None, allowed: Mapping[str, str]) -> str | None:
    """The store column for ``order_by`` (API attribute -> column in ``allowed``), signed.

    Only the first criterion is used: the store orders by one column (its primary key breaks
    ties). Every criterion is still checked, so a typo is reported rather than ignored.
    """
    if not order_by:
        return None
    columns = []
    for item in order_by:
        for criterion in item.split(","):
            name = criterion.strip()
            attribute = name.lstrip("-")
            if attribute not in allowed:
                raise bad_request(
                    f"Ordering with '{attribute}' is disallowed or the attribute does not "
                    "exist on the model"
                )
            columns.append(("-" if name.startswith("-") else "") + allowed[attribute])
    return columns[0] if columns else None
