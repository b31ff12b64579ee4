"""What a request handler is, and the table of every API the broker implements.

A handler module exposes ``APIS: list[Api]``; :data:`HANDLER_MODULES` lists those modules.
ApiVersions advertises exactly this table, so an API is announced iff a handler serves it.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kio.index import load_response_schema

from airstream.broker.protocol.entities import make

if TYPE_CHECKING:
    from airstream.broker.broker import Broker


@dataclass(slots=True)
class RequestContext:
    """One decoded request's envelope, and the broker it arrived at."""

    broker: Broker
    api_key: int
    api_version: int
    correlation_id: int
    client_id: str | None
    client_host: str

    def respond(self, values: dict[str, Any] | None = None, /, **kwargs: Any) -> Any:
        """Build this request's response entity, in the request's version, from plain values."""
        return make(load_response_schema(self.api_key, self.api_version), values, **kwargs)


#: ``await handler(ctx, request)`` returns the response entity, or None to send nothing
#: (Produce with acks=0).
Handler = Callable[[RequestContext, Any], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Api:
    """One API key served from ``min_version`` to ``max_version`` by ``handler``."""

    key: int
    min_version: int
    max_version: int
    handler: Handler


HANDLER_MODULES: tuple[str, ...] = (
    "api_versions",
    "metadata",
    "produce",
    "fetch",
    "list_offsets",
    "topics_admin",
    "configs",
    "producer_ids",
    "cluster",
    "groups",
    "offsets",
)


@functools.cache
def load_apis() -> dict[int, Api]:
    """Import every handler module and index their APIs by key."""
    apis: dict[int, Api] = {}
    for name in HANDLER_MODULES:
        module = importlib.import_module(f"airstream.broker.handlers.{name}")
        for api in module.APIS:
            if api.key in apis:
                raise RuntimeError(f"API key {api.key} is served twice ({name})")
            apis[api.key] = api
    return apis
