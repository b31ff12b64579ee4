"""The retention decision as a pure function of segment summaries and an injected clock."""

from __future__ import annotations

from airstream.broker.log.retention import RetentionDecision, SegmentSummary, plan_retention


def segments(*specs: tuple[int, int, int]) -> list[SegmentSummary]:
    """(base offset, size, largest timestamp) per segment, the last one active."""
    return [SegmentSummary(base, size, newest) for base, size, newest in specs]


LOG = segments((0, 100, 1_000), (10, 100, 2_000), (20, 100, 3_000), (30, 50, 4_000))


def plan(
    log: list[SegmentSummary], *, now: int = 5_000, ms: int = -1, size: int = -1, start: int = 0
) -> RetentionDecision:
    return plan_retention(log, now_ms=now, retention_ms=ms, retention_bytes=size,
                          log_start_offset=start)  # fmt: skip


def test_unlimited_retention_deletes_nothing() -> None:
    assert plan(LOG) == RetentionDecision(0, roll_active=False)


def test_time_retention_deletes_the_expired_prefix_only() -> None:
    assert plan(LOG, ms=2_500) == RetentionDecision(2, roll_active=False)
    assert plan(LOG, ms=3_000) == RetentionDecision(1, roll_active=False)
    young_first = segments((0, 100, 4_900), (10, 100, 1_000), (20, 1, 4_950))
    assert plan(young_first, ms=1_000) == RetentionDecision(0, roll_active=False)


def test_an_expired_active_segment_is_rolled_before_deletion() -> None:
    assert plan(LOG, ms=100) == RetentionDecision(4, roll_active=True)
    empty_active = segments((0, 100, 1_000), (10, 0, -1))
    assert plan(empty_active, now=10**9, ms=100) == RetentionDecision(1, roll_active=False)


def test_size_retention_deletes_oldest_while_the_rest_stays_above_the_limit() -> None:
    assert plan(LOG, size=350) == RetentionDecision(0, roll_active=False)
    assert plan(LOG, size=249) == RetentionDecision(1, roll_active=False)
    assert plan(LOG, size=150) == RetentionDecision(2, roll_active=False)
    assert plan(LOG, size=0) == RetentionDecision(4, roll_active=True)


def test_segments_wholly_below_the_log_start_go_too() -> None:
    assert plan(LOG, start=20) == RetentionDecision(2, roll_active=False)
    assert plan(LOG, start=19) == RetentionDecision(1, roll_active=False)
    assert plan(LOG, start=35) == RetentionDecision(3, roll_active=False)


def test_rules_combine_in_kafkas_order() -> None:
    assert plan(LOG, ms=2_500, start=35) == RetentionDecision(3, roll_active=False)
    assert plan(LOG, ms=3_500, size=100) == RetentionDecision(2, roll_active=False)
