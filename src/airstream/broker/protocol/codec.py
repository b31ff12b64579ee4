"""Request and response framing on top of kio: header versions, bodies, KIP-511.

Pure functions over bytes; nothing here touches a socket.

A request is ``int32 size`` then ``int16 api_key, int16 api_version, int32 correlation_id``,
then the rest of the header (client id; tagged fields when the API version is flexible) and
the body. A response is ``int32 size, int32 correlation_id``, an empty tagged-field section when
the API version is flexible — except ApiVersions, whose response header is always v0 so any
client can read it — then the body.
"""

from __future__ import annotations

import functools
import io
import struct
from dataclasses import dataclass
from typing import Any

from kio.index import load_request_schema, load_response_schema
from kio.serial import entity_reader, entity_writer

API_VERSIONS_KEY = 18

_PREFIX = struct.Struct(">hhi")


class MalformedRequest(Exception):
    """The request cannot be parsed; Kafka closes the connection on these."""


@dataclass(frozen=True, slots=True)
class RequestHeader:
    api_key: int
    api_version: int
    correlation_id: int
    client_id: str | None


def peek_header(payload: bytes) -> tuple[int, int, int]:
    """``(api_key, api_version, correlation_id)``, readable whatever the version."""
    if len(payload) < _PREFIX.size:
        raise MalformedRequest(f"request of {len(payload)} bytes is shorter than its header")
    api_key, api_version, correlation_id = _PREFIX.unpack_from(payload)
    return api_key, api_version, correlation_id


@functools.cache
def _request_reader(api_key: int, api_version: int) -> tuple[Any, Any]:
    cls = load_request_schema(api_key, api_version)
    return entity_reader(cls.__header_schema__), entity_reader(cls)


@functools.cache
def _response_writer(api_key: int, api_version: int) -> tuple[Any, bool]:
    cls = load_response_schema(api_key, api_version)
    flexible_header = bool(cls.__flexible__) and api_key != API_VERSIONS_KEY
    return entity_writer(cls), flexible_header


def decode_request(payload: bytes) -> tuple[RequestHeader, Any]:
    """Decode header and body of a request whose version the caller has checked."""
    api_key, api_version, _ = peek_header(payload)
    read_header, read_body = _request_reader(api_key, api_version)
    try:
        header, header_size = read_header(payload, 0)
        body, _ = read_body(payload, header_size)
    except Exception as exc:  # kio raises several types; all mean the bytes are not a request
        raise MalformedRequest(f"cannot decode api {api_key} v{api_version}: {exc!r}") from exc
    # Bytes after the body are ignored, as Kafka's own parser does: librdkafka's Metadata v12
    # frames carry three more bytes than the schema has fields.
    return (
        RequestHeader(api_key, api_version, header.correlation_id, header.client_id),
        body,
    )


def encode_response(api_key: int, api_version: int, correlation_id: int, body: Any) -> bytes:
    """The whole response frame, size prefix included."""
    write_body, flexible_header = _response_writer(api_key, api_version)
    buf = io.BytesIO()
    buf.write(b"\0\0\0\0")
    buf.write(correlation_id.to_bytes(4, "big", signed=True))
    if flexible_header:
        buf.write(b"\0")
    write_body(buf, body)
    frame = buf.getbuffer()
    frame[:4] = (len(frame) - 4).to_bytes(4, "big")
    return bytes(frame)
