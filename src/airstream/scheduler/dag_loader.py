"""The DAG objects the scheduler decides with, loaded from the files the store names.

The DAG processor stores each DAG's row (with its file) in the metadata DB; readiness
decisions (trigger rules, mapped expansion, retry delays) need the DAG's tasks, so the
scheduler loads the file named by the row, once per modification time. A file that fails to
load yields ``None``: its runs wait until the file is fixed (the processor records the error).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from airstream.store import records as rec

if TYPE_CHECKING:
    from airstream.workflows.dag import DAG
    from airstream.workflows.dagbag import DagBag

log = logging.getLogger(__name__)


class DagLoader:
    """Loaded DAG files by path, reloaded when a file's modification time changes.

    The scheduler keeps only the files it needs now (:meth:`retain`): a DAG that makes no
    runs of its own costs no memory until a run of it is triggered.
    """

    def __init__(self) -> None:
        self._bags: dict[str, tuple[int, DagBag]] = {}

    def get(self, dag: rec.DagModel) -> DAG | None:
        """The DAG of a stored row, or ``None`` if its file is missing or broken."""
        from airstream.workflows.dagbag import DagBag

        try:
            mtime = Path(dag.fileloc).stat().st_mtime_ns
        except OSError:
            return None
        cached = self._bags.get(dag.fileloc)
        if cached is None or cached[0] != mtime:
            cached = (mtime, DagBag(dag.fileloc))
            self._bags[dag.fileloc] = cached
            for error in cached[1].import_errors.values():
                log.warning("Cannot load %s: %s", dag.fileloc, error)
        return cached[1].dags.get(dag.dag_id)

    def retain(self, filelocs: Collection[str]) -> None:
        """Forget every loaded file but ``filelocs``."""
        keep = set(filelocs)
        for fileloc in [f for f in self._bags if f not in keep]:
            del self._bags[fileloc]

    @property
    def loaded_files(self) -> frozenset[str]:
        return frozenset(self._bags)
