"""The DAG processor: DAG files parsed in forked workers, their DAGs stored in the metadata DB.

``DagProcessor(settings, store).refresh()`` runs one pass; ``start_watching()`` keeps the
store in step with the folder from a background thread.
"""

from __future__ import annotations

from airstream.scheduler.processor.dag_processor import (
    DagProcessor,
    DagProcessorThread,
    RefreshResult,
)

__all__ = ["DagProcessor", "DagProcessorThread", "RefreshResult"]
