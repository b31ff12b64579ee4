"""``/monitor/health`` and ``/version``: public, as in Airflow (no token needed)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter

from airstream import __version__
from airstream.web.dependencies import StoreDep
from airstream.web.schemas import (
    BaseInfoResponse,
    DagProcessorInfoResponse,
    HealthInfoResponse,
    SchedulerInfoResponse,
    TriggererInfoResponse,
    VersionInfo,
)

router = APIRouter(tags=["Monitor"])
log = logging.getLogger(__name__)


#: A component whose latest heartbeat is older than this is unhealthy (Airflow's
#: ``scheduler_health_check_threshold`` default).
HEALTH_CHECK_THRESHOLD = timedelta(seconds=30)


@router.get("/monitor/health")
def get_health(store: StoreDep) -> HealthInfoResponse:
    """Whether the metadata database answers, and the scheduler's and DAG processor's
    latest heartbeats (``null`` status: never started). airstream has no triggerer: topic
    triggers run inside the scheduler."""
    beats: dict[str, datetime] = {}
    try:
        beats = store.latest_heartbeats()
        database = "healthy"
    except Exception:
        log.warning("health check: the metadata database does not answer", exc_info=True)
        database = "unhealthy"
    now = datetime.now(UTC)
    scheduler, scheduler_beat = _component(beats.get("scheduler"), now)
    processor, processor_beat = _component(beats.get("dag_processor"), now)
    return HealthInfoResponse(
        metadatabase=BaseInfoResponse(status=database),
        scheduler=SchedulerInfoResponse(
            status=scheduler, latest_scheduler_heartbeat=scheduler_beat
        ),
        triggerer=TriggererInfoResponse(status=None),
        dag_processor=DagProcessorInfoResponse(
            status=processor, latest_dag_processor_heartbeat=processor_beat
        ),
    )


def _component(beat: datetime | None, now: datetime) -> tuple[str | None, str | None]:
    if beat is None:
        return None, None
    healthy = now - beat <= HEALTH_CHECK_THRESHOLD
    return ("healthy" if healthy else "unhealthy"), beat.isoformat()


@router.get("/version")
def get_version() -> VersionInfo:
    """airstream's version."""
    return VersionInfo(version=__version__, git_version=None)
