"""ApiVersions (18): advertise exactly the APIs and versions the handlers serve."""

from __future__ import annotations

from typing import Any

from kio.schema.api_versions.v0.response import ApiVersionsResponse as ApiVersionsResponseV0
from kio.schema.errors import ErrorCode

from airstream.broker.handlers.registry import Api, RequestContext
from airstream.broker.protocol.entities import make


def _api_keys(apis: dict[int, Api]) -> list[dict[str, int]]:
    return [
        {"api_key": api.key, "min_version": api.min_version, "max_version": api.max_version}
        for api in sorted(apis.values(), key=lambda api: api.key)
    ]


def kip511_response(apis: dict[int, Api]) -> Any:
    """The v0 answer to a version we do not know: error 35 and the full list (KIP-511)."""
    return make(
        ApiVersionsResponseV0,
        error_code=ErrorCode.unsupported_version,
        api_keys=_api_keys(apis),
    )


async def api_versions(ctx: RequestContext, request: Any) -> Any:
    from airstream.broker.handlers.registry import load_apis

    # Supported features and finalized features stay empty: librdkafka 2.0.2 (Debian's
    # kcat) cannot parse a non-empty tagged-field section in this response.
    return ctx.respond(error_code=ErrorCode.none, api_keys=_api_keys(load_apis()))


APIS = [Api(18, 0, 4, api_versions)]
