"""LatestOnlyOperator: skip downstream work unless this is the most recent scheduled run."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from airstream.operators.branch import BaseBranchOperator
from airstream.workflows.context import Context
from airstream.workflows.timetables import DataInterval


class LatestOnlyOperator(BaseBranchOperator):
    """Follow all downstream tasks only in the latest scheduled run (or a manual one)."""

    ui_color = "#e9ffdb"

    def choose_branch(self, context: Context) -> str | Iterable[str] | None:
        dag_run = context["dag_run"]
        log = context["ti"].log
        downstream = sorted(context["task"].downstream_task_ids)
        if dag_run.run_type == "manual":
            log.info("Manually triggered DAG_Run: allowing execution to proceed.")
            return downstream
        window = self.latest_window(context)
        if window is None:
            log.info("Last scheduled execution: allowing execution to proceed.")
            return downstream
        left, right = window
        now = datetime.now(UTC)
        log.info(
            "Checking latest only with left_window: %s right_window: %s now: %s", left, right, now
        )
        if not left < now <= right:
            log.info("Not latest execution, skipping downstream.")
            return []
        log.info("Latest, allowing execution to proceed.")
        return downstream

    def latest_window(self, context: Context) -> tuple[datetime, datetime] | None:
        """From this run's interval start to the end of the next run's interval.

        ``None`` when the timetable has no next run (this is the last one).
        """
        dag_run = context["dag_run"]
        run_date = dag_run.logical_date or dag_run.run_after
        current = DataInterval(
            dag_run.data_interval_start or run_date, dag_run.data_interval_end or run_date
        )
        info = context["dag"].timetable.next_dagrun_info(
            last_automated_data_interval=current, earliest=current.end, catchup=True
        )
        if info is None:
            return None
        return current.start, info.data_interval.end
