"""``get_parsing_context()``: which DAG/task the parse is for, so big DAG factories can skip work.

Airflow fills it in when a worker re-parses a file to run one task; airstream always parses
whole files, so both fields are ``None`` — the documented "generate everything" case.
"""

from __future__ import annotations

from typing import NamedTuple


class AirflowParsingContext(NamedTuple):
    """The DAG and task the current parse is for (``None``: all of them)."""

    dag_id: str | None
    task_id: str | None


def get_parsing_context() -> AirflowParsingContext:
    return AirflowParsingContext(dag_id=None, task_id=None)


__all__ = ["AirflowParsingContext", "get_parsing_context"]
