"""``/api/v2/monitor/health`` reports the scheduler and its DAG processor by their heartbeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from console_stack import ConsoleStack, wait_until


def test_a_running_scheduler_is_healthy(stack: ConsoleStack) -> None:
    def health() -> dict[str, dict[str, str | None]] | None:
        body = httpx.get(f"{stack.url}/api/v2/monitor/health").json()
        beating = body["scheduler"]["status"] and body["dag_processor"]["status"]
        return body if beating else None

    body = wait_until(health, "the scheduler's first heartbeat")
    assert body["metadatabase"]["status"] == "healthy"
    assert body["scheduler"]["status"] == "healthy"
    assert body["dag_processor"]["status"] == "healthy"
    assert body["triggerer"]["status"] is None
    beat = body["scheduler"]["latest_scheduler_heartbeat"]
    assert beat is not None
    assert datetime.now(UTC) - datetime.fromisoformat(beat) < timedelta(minutes=1)
