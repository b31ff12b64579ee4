"""The backoff and give-up decisions of :mod:`airstream.standalone.restart_policy`."""

from __future__ import annotations

from airstream.standalone.restart_policy import CrashHistory, RestartPolicy


def test_delays_double_up_to_the_cap() -> None:
    history = CrashHistory(RestartPolicy(initial_delay=0.5, max_delay=3.0, max_crashes=10))
    assert [history.record(float(t)) for t in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_gives_up_after_too_many_crashes_within_the_window() -> None:
    history = CrashHistory(RestartPolicy(max_crashes=2, window=60.0))
    assert history.record(0.0) is not None
    assert history.record(10.0) is not None
    assert history.record(20.0) is None
    assert history.recent_crashes == 3


def test_crashes_long_ago_are_forgotten() -> None:
    policy = RestartPolicy(initial_delay=1.0, max_crashes=2, window=60.0)
    history = CrashHistory(policy)
    history.record(0.0)
    history.record(1.0)
    # Long after: the backoff starts afresh and the earlier crashes do not count.
    assert history.record(500.0) == 1.0
    assert history.recent_crashes == 1
