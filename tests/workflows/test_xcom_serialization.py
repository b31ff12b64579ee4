"""XCom values survive the JSON round trip with their Python types."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

import pendulum
import pytest

from airstream.workflows.xcom_serialization import deserialize, serialize


@pytest.mark.parametrize(
    "value",
    [
        None,
        3,
        "text",
        [1, "a", None],
        {"nested": {"list": [1, 2]}},
        dt.datetime(2024, 1, 2, 3, 4, 5),
        dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        dt.date(2024, 2, 29),
        dt.time(12, 30),
        dt.timedelta(days=1, seconds=3),
        (1, (2, "b")),
        {1, 2},
        frozenset({"a"}),
        decimal.Decimal("1.10"),
        {"when": [dt.date(2020, 1, 1)]},
    ],
)
def test_round_trip_keeps_type_and_value(value: Any) -> None:
    back = deserialize(json.loads(json.dumps(serialize(value))))
    assert back == value
    assert type(back) is type(value)


def test_pendulum_datetimes_come_back_as_pendulum() -> None:
    moment = pendulum.datetime(2024, 3, 31, 1, 30, tz="Europe/Berlin")
    back = deserialize(json.loads(json.dumps(serialize(moment))))
    assert isinstance(back, pendulum.DateTime)
    assert back == moment
    assert back.add(hours=1) == moment.add(hours=1)


def test_plain_json_and_lookalike_dicts_are_untouched() -> None:
    assert deserialize({"__classname__": "x", "__data__": 1}) == {
        "__classname__": "x",
        "__data__": 1,
    }
    assert deserialize({"a": [1, {"b": 2}]}) == {"a": [1, {"b": 2}]}


def test_unsupported_objects_are_still_refused_by_json() -> None:
    with pytest.raises(TypeError):
        json.dumps(serialize(object()))
