"""BranchDateTimeOperator: follow one branch inside a time window, another outside it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time
from typing import Any

from airstream.operators.branch import BaseBranchOperator
from airstream.workflows.context import Context
from airstream.workflows.timetables import as_utc


class BranchDateTimeOperator(BaseBranchOperator):
    """True branch when ``target_lower <= now (or logical date) <= target_upper``.

    Bounds are datetimes or times of day; a missing bound is open.
    """

    def __init__(
        self,
        *,
        follow_task_ids_if_true: str | Iterable[str],
        follow_task_ids_if_false: str | Iterable[str],
        target_lower: datetime | time | None,
        target_upper: datetime | time | None,
        use_task_logical_date: bool = False,
        **kwargs: Any,
    ) -> None:
        if target_lower is None and target_upper is None:
            raise ValueError(
                "Both target_upper and target_lower are None. At least one must be defined."
            )
        super().__init__(**kwargs)
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.target_lower = target_lower
        self.target_upper = target_upper
        self.use_task_logical_date = use_task_logical_date

    def _bound(self, bound: datetime | time | None, now: datetime) -> datetime | None:
        if bound is None:
            return None
        if isinstance(bound, datetime):
            return as_utc(bound)
        return datetime.combine(now.date(), bound, tzinfo=UTC)

    def choose_branch(self, context: Context) -> str | Iterable[str]:
        now = as_utc(context["logical_date"]) if self.use_task_logical_date else datetime.now(UTC)
        lower = self._bound(self.target_lower, now)
        upper = self._bound(self.target_upper, now)
        inside = (lower is None or lower <= now) and (upper is None or now <= upper)
        return self.follow_task_ids_if_true if inside else self.follow_task_ids_if_false
