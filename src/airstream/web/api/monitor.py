"""``/monitor/health`` and ``/version``: public, as in Airflow (no token needed)."""

from __future__ import annotations

import logging

from fastapi import APIRouter

from airstream import __version__
from airstream.store.queries import Page
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


@router.get("/monitor/health")
def get_health(store: StoreDep) -> HealthInfoResponse:
    """Whether the metadata database answers.

    airstream keeps no scheduler heartbeat table yet, so the scheduler's and the DAG
    processor's status are reported as unknown (``null``); there is no triggerer.
    """
    try:
        store.list_pools(Page(limit=1))
        database = "healthy"
    except Exception:
        log.warning("health check: the metadata database does not answer", exc_info=True)
        database = "unhealthy"
    return HealthInfoResponse(
        metadatabase=BaseInfoResponse(status=database),
        scheduler=SchedulerInfoResponse(status=None),
        triggerer=TriggererInfoResponse(status=None),
        dag_processor=DagProcessorInfoResponse(status=None),
    )


@router.get("/version")
def get_version() -> VersionInfo:
    """airstream's version."""
    return VersionInfo(version=__version__, git_version=None)
