"""A Kafka record as the JSON a topic-triggered run carries in ``conf`` (and event extra).

``{"topic", "partition", "offset", "timestamp" (ms), "key", "value", "headers"}``: key and
header values are text (undecodable bytes replaced), ``value`` is the UTF-8 text or ``None``;
a value that is not UTF-8 comes as ``value_b64`` instead, so no byte is lost.
"""

from __future__ import annotations

import base64
from typing import Any


def record_payload(message: Any) -> dict[str, Any]:
    """The JSON form of one confluent-kafka ``Message``."""
    record: dict[str, Any] = {
        "topic": message.topic(),
        "partition": message.partition(),
        "offset": message.offset(),
        "timestamp": int(message.timestamp()[1]),
        "key": _text(message.key()),
        "value": None,
        "headers": {name: _text(value) or "" for name, value in message.headers() or []},
    }
    value = message.value()
    if value is not None:
        try:
            record["value"] = value.decode("utf-8")
        except UnicodeDecodeError:
            record["value_b64"] = base64.b64encode(value).decode("ascii")
    return record


def run_conf(topic: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``conf`` of a run carrying ``records``."""
    return {"topic": topic, "records": records}


def _text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return value.decode("utf-8", errors="replace")
