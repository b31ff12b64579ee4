"""Pendulum dates from stdlib and pendulum inputs; timezones from names and tzinfo objects."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pendulum
import pytest

from airstream.workflows import timezone
from airstream.workflows.dag import DAG
from airstream.workflows.timetables import CronTriggerTimetable, as_utc


def test_naive_datetimes_are_utc_and_become_pendulum() -> None:
    value = timezone.coerce_datetime(dt.datetime(2024, 1, 1, 12))
    assert isinstance(value, pendulum.DateTime)
    assert value.timezone_name == "UTC"
    assert as_utc(dt.datetime(2024, 1, 1, 12)) == dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)


def test_aware_values_keep_their_instant() -> None:
    tokyo = dt.datetime(2024, 1, 1, 9, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))
    utc = timezone.convert_to_utc(tokyo)
    assert utc == dt.datetime(2024, 1, 1, 0, tzinfo=dt.UTC)
    assert utc.timezone_name == "UTC"
    assert timezone.make_naive(utc, "Asia/Tokyo") == dt.datetime(2024, 1, 1, 9)
    assert timezone.make_aware(dt.datetime(2024, 1, 1), "Asia/Tokyo").utcoffset() == (
        dt.timedelta(hours=9)
    )


@pytest.mark.parametrize(
    ("start", "zone"),
    [
        (pendulum.datetime(2021, 1, 1, tz="America/New_York"), "America/New_York"),
        (dt.datetime(2021, 1, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Kolkata")), "Asia/Kolkata"),
        (dt.datetime(2021, 1, 1), "UTC"),
        (dt.datetime(2021, 1, 1, tzinfo=dt.UTC), "UTC"),
    ],
)
def test_dag_timezone_comes_from_start_date(start: dt.datetime, zone: str) -> None:
    dag = DAG("tz_probe", start_date=start, schedule="0 9 * * *")
    assert dag.timezone.name == zone
    assert isinstance(dag.timetable, CronTriggerTimetable)
    info = dag.timetable.next_dagrun_info(
        last_automated_data_interval=None, earliest=dag.start_date, catchup=True
    )
    assert info is not None
    assert info.run_after.in_timezone(zone).hour == 9


def test_fixed_offset_and_named_timetable_zones() -> None:
    fixed = dt.timezone(dt.timedelta(hours=-3))
    assert timezone.parse_timezone(fixed).utcoffset(None) == dt.timedelta(hours=-3)
    cron = CronTriggerTimetable("30 6 * * *", timezone="Australia/Sydney")
    fire = cron.next_fire(dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    assert fire.in_timezone("Australia/Sydney").format("HH:mm") == "06:30"


def test_parse_and_utcnow_are_aware() -> None:
    assert timezone.parse("2024-05-01T10:00:00+02:00") == dt.datetime(2024, 5, 1, 8, tzinfo=dt.UTC)
    assert timezone.utcnow().tzinfo is not None
    assert timezone.datetime(2024, 1, 1).timezone_name == "UTC"
