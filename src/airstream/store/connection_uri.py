"""Airflow's two text forms of a connection: the URI and the JSON object.

URI: ``conn-type://login:password@host:port/schema?extra_key=value`` with every part
percent-encoded; a host that itself has a protocol is written ``conn-type://https://host``;
extras that are not flat strings travel whole as ``?__extra__=<json>``. Parsing turns
``postgresql`` into ``postgres`` and ``-`` into ``_`` in the type, as Airflow does, so
``AIRFLOW_CONN_*`` values written for Airflow mean the same thing here.

JSON: ``{"conn_type": ..., "host": ..., "login": ..., "password": ..., "schema": ...,
"port": ..., "extra": {...}, "description": ...}``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlencode, urlsplit

from airstream.store.errors import InvalidConnectionUri
from airstream.store.records import Connection

#: Query parameter carrying the whole extra JSON when it is not a flat string mapping.
EXTRA_KEY = "__extra__"

_JSON_FIELDS = ("conn_type", "description", "host", "login", "password", "schema", "port")


def normalize_conn_type(conn_type: str) -> str:
    """URI schemes cannot hold ``_``: Airflow writes ``-`` and reads it back as ``_``."""
    if conn_type == "postgresql":
        return "postgres"
    return conn_type.replace("-", "_")


def parse_extra(extra: str | None) -> dict[str, Any]:
    """The extra JSON as a dict; ``{}`` when empty or not a JSON object."""
    if not extra:
        return {}
    try:
        value = json.loads(extra)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def connection_from_uri(conn_id: str, uri: str) -> Connection:
    """Parse an Airflow connection URI into a :class:`Connection`."""
    schemes = uri.count("://")
    if schemes not in (1, 2):
        raise InvalidConnectionUri(f"invalid connection URI for {conn_id!r}: {uri!r}")
    conn_type, _, rest = uri.partition("://")
    protocol = None
    if schemes == 2:
        protocol, _, rest = rest.partition("://")
        if "@" in protocol or ":" in protocol or "/" in protocol:
            raise InvalidConnectionUri(f"invalid connection URI for {conn_id!r}: {uri!r}")
    try:
        parts = urlsplit("//" + rest)
        port = parts.port
    except ValueError as exc:
        raise InvalidConnectionUri(f"invalid connection URI for {conn_id!r}: {exc}") from None
    host = _hostname(parts)
    return Connection(
        conn_id=conn_id,
        conn_type=normalize_conn_type(conn_type),
        host=(f"{protocol}://{host}" if protocol else host) or None,
        schema=unquote(parts.path[1:]) or None,
        # An empty login or password (``//@:5432``, ``//:pw@``) means none.
        login=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        port=port,
        extra=_extra_from_query(parts.query),
    )


def _hostname(parts: SplitResult) -> str:
    hostname = unquote(parts.hostname or "")
    if "/" in hostname:
        # An encoded "/" (a socket path): urlsplit mangles it, so cut it from the raw netloc.
        hostname = parts.netloc.rsplit("@", 1)[-1].split(":", 1)[0]
        hostname = unquote(hostname)
    return hostname


def _extra_from_query(query: str) -> str | None:
    if not query:
        return None
    params = dict(parse_qsl(query, keep_blank_values=True))
    if EXTRA_KEY in params:
        return params[EXTRA_KEY]
    return json.dumps(params)


def connection_to_uri(conn: Connection) -> str:
    """Serialize like Airflow's ``Connection.get_uri()`` (parsing it back gives ``conn``)."""
    scheme = conn.conn_type.lower().replace("_", "-") if conn.conn_type else ""
    uri = f"{scheme}://" if scheme else "//"
    host = conn.host or ""
    if "://" in host:
        protocol, host = host.split("://", 1)
        uri += f"{protocol}://"
    authority = ""
    if conn.login is not None:
        authority += quote(conn.login, safe="")
    if conn.password is not None:
        authority += ":" + quote(conn.password, safe="")
    if authority:
        uri += authority + "@"
    location = quote(host, safe="") if host else ""
    if conn.port:
        location += f"@:{conn.port}" if not location and not authority else f":{conn.port}"
    if conn.schema:
        location += "/" + quote(conn.schema, safe="")
    uri += location
    if conn.extra:
        uri += ("?" if conn.schema else "/?") + _extra_query(conn.extra)
    return uri


def _extra_query(extra: str) -> str:
    """Flat string extras as plain query parameters, anything else whole under ``__extra__``."""
    values = parse_extra(extra)
    flat = values and all(isinstance(v, str) for v in values.values())
    if flat and json.loads(extra) == values:
        query = urlencode(values)
        if dict(parse_qsl(query, keep_blank_values=True)) == values:
            return query
    return urlencode({EXTRA_KEY: extra})


def connection_from_json(conn_id: str, text: str) -> Connection:
    """Parse Airflow's JSON form of a connection."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidConnectionUri(f"invalid connection JSON for {conn_id!r}: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidConnectionUri(f"connection JSON for {conn_id!r} must be an object")
    return connection_from_json_dict(conn_id, value)


def connection_from_json_dict(conn_id: str, value: dict[str, Any]) -> Connection:
    unknown = set(value) - {*_JSON_FIELDS, "extra", "conn_id"}
    if unknown:
        raise InvalidConnectionUri(
            f"connection JSON for {conn_id!r} has unknown field(s): {', '.join(sorted(unknown))}"
        )
    fields: dict[str, Any] = {name: value.get(name) for name in _JSON_FIELDS}
    fields["conn_type"] = normalize_conn_type(str(fields["conn_type"] or ""))
    if fields["port"] not in (None, ""):
        try:
            fields["port"] = int(fields["port"])
        except (TypeError, ValueError):
            raise InvalidConnectionUri(f"port of {conn_id!r} is not a number") from None
    else:
        fields["port"] = None
    extra = value.get("extra")
    if extra is not None and not isinstance(extra, str):
        extra = json.dumps(extra)
    return Connection(conn_id=conn_id, extra=extra or None, **fields)


def connection_from_text(conn_id: str, text: str) -> Connection:
    """An ``AIRFLOW_CONN_*`` value: JSON if it starts with ``{``, else a URI."""
    stripped = text.strip()
    if stripped.startswith("{"):
        return connection_from_json(conn_id, stripped)
    return connection_from_uri(conn_id, stripped)


def connection_to_json_dict(conn: Connection) -> dict[str, Any]:
    value: dict[str, Any] = {name: getattr(conn, name) for name in _JSON_FIELDS}
    if conn.extra:
        parsed = parse_extra(conn.extra)
        value["extra"] = parsed if parsed or conn.extra.strip() == "{}" else conn.extra
    return {name: v for name, v in value.items() if v not in (None, "")}
