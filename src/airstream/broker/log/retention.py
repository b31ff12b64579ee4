"""Which old segments retention deletes: a pure decision over segment summaries.

Kafka's three rules, applied in its order, each removing a prefix of the segment list:

1. ``retention.ms`` (unless -1): segments whose largest timestamp is older than
   ``now - retention.ms``; the walk stops at the first segment that is still young.
2. ``retention.bytes`` (unless -1): oldest segments while the log stays at or above the limit
   without them.
3. log start offset: segments wholly below it (their successor starts at or below it).

The active (last) segment is never deleted in place. When the rules would delete it too, and it
holds data, the decision asks the caller to roll first; the rolled segment is then an ordinary
old segment and is deleted with the others, leaving one empty active segment (Kafka does this).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["RetentionDecision", "SegmentSummary", "plan_retention"]


@dataclass(frozen=True, slots=True)
class SegmentSummary:
    """What retention needs to know about one segment."""

    base_offset: int
    size_bytes: int
    largest_timestamp_ms: int


@dataclass(frozen=True, slots=True)
class RetentionDecision:
    """Delete the first ``delete_count`` segments, after rolling the active one if asked."""

    delete_count: int
    roll_active: bool


def plan_retention(
    segments: Sequence[SegmentSummary],
    *,
    now_ms: int,
    retention_ms: int,
    retention_bytes: int,
    log_start_offset: int,
) -> RetentionDecision:
    """Decide what to delete; ``segments`` are in offset order, the last one active."""
    count = _expired_by_time(segments, now_ms, retention_ms)
    count = _expired_by_size(segments, count, retention_bytes)
    count = _below_log_start(segments, count, log_start_offset)
    if count < len(segments):
        return RetentionDecision(count, roll_active=False)
    if segments and segments[-1].size_bytes > 0:
        return RetentionDecision(count, roll_active=True)
    return RetentionDecision(max(count - 1, 0), roll_active=False)


def _expired_by_time(segments: Sequence[SegmentSummary], now_ms: int, retention_ms: int) -> int:
    count = 0
    if retention_ms < 0:
        return count
    for segment in segments:
        if now_ms - segment.largest_timestamp_ms <= retention_ms:
            break
        count += 1
    return count


def _expired_by_size(segments: Sequence[SegmentSummary], count: int, retention_bytes: int) -> int:
    if retention_bytes < 0:
        return count
    excess = sum(segment.size_bytes for segment in segments[count:]) - retention_bytes
    while count < len(segments) and excess - segments[count].size_bytes >= 0:
        excess -= segments[count].size_bytes
        count += 1
    return count


def _below_log_start(segments: Sequence[SegmentSummary], count: int, log_start: int) -> int:
    while count < len(segments) - 1 and segments[count + 1].base_offset <= log_start:
        count += 1
    return count
