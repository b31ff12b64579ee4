"""EmptyOperator: a task that does nothing (a join point or placeholder)."""

from __future__ import annotations

from typing import Any

from airstream.workflows.baseoperator import BaseOperator
from airstream.workflows.context import Context


class EmptyOperator(BaseOperator):
    """Does nothing; useful to group dependencies."""

    ui_color = "#e8f7e4"

    def execute(self, context: Context) -> Any:
        return None

    @property
    def inherits_from_empty_operator(self) -> bool:
        return True
