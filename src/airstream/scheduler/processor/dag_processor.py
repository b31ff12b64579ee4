"""The DAG processor: keeps the metadata store in step with the DAG files of a folder.

One :meth:`DagProcessor.refresh` is one pass: list the folder, parse the new and changed
files in the forked worker pool (:mod:`.worker_pool`), and write what was learned in a few
transactions: every DAG row with its serialized structure at once, then import errors, then
stale marks. A file that fails keeps its previously stored DAGs (flagged
``has_import_errors``, as in Airflow); a file that disappears takes its DAGs with it (marked
stale, their runs kept). :meth:`DagProcessor.watch` repeats passes until told to stop.

Thread-safety: one thread drives a processor; the store it writes to may be shared.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from airstream.config import Settings
from airstream.scheduler.processor.file_fingerprints import FileFingerprints, Fingerprint
from airstream.scheduler.processor.file_parsing import ParsedDag, ParsedFile, ParseOptions
from airstream.scheduler.processor.worker_pool import ParsingPool, default_pool_size
from airstream.store.base import MetadataStore
from airstream.store.queries import DagQuery
from airstream.workflows.dagbag import (
    DEFAULT_IMPORT_TIMEOUT,
    EXAMPLE_DAGS_FOLDER,
    ImportErrorRecord,
    list_dag_files,
)

log = logging.getLogger(__name__)

#: Seconds without a changed DAG file after which the parsing workers are stopped.
IDLE_WORKERS_SECONDS = 10.0

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RefreshResult:
    """What one pass did. ``import_errors`` are those of the files parsed in this pass
    (files that failed before and did not change keep their stored error)."""

    parsed_files: list[str] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)
    stored_dag_ids: list[str] = field(default_factory=list)
    stale_dag_ids: list[str] = field(default_factory=list)
    import_errors: dict[str, ImportErrorRecord] = field(default_factory=dict)
    unchanged_files: int = 0

    @property
    def changed(self) -> bool:
        """Whether the store was written (the scheduler may want to look again)."""
        return bool(self.parsed_files or self.removed_files or self.stale_dag_ids)


@dataclass
class _Outcome:
    """The decisions of one pass, before they are written."""

    dags: list[ParsedDag] = field(default_factory=list)
    errors: dict[str, ImportErrorRecord] = field(default_factory=dict)
    healed: list[str] = field(default_factory=list)


class DagProcessor:
    """Parses the DAG folder into the metadata store; :meth:`refresh` runs one pass."""

    def __init__(
        self,
        settings: Settings,
        store: MetadataStore,
        *,
        dags_folder: Path | None = None,
        pool_size: int | None = None,
        import_timeout: float | None = None,
        include_examples: bool | None = None,
        clock: Clock = _utc_now,
        idle_workers_seconds: float = IDLE_WORKERS_SECONDS,
    ) -> None:
        self.settings = settings
        self.store = store
        self.dags_folder = Path(dags_folder or settings.dags_folder).resolve()
        # ``[core] dagbag_import_timeout`` once config.py has it (Airflow's name and default).
        timeout = getattr(settings.core, "dagbag_import_timeout", DEFAULT_IMPORT_TIMEOUT)
        self.options = ParseOptions(
            dags_folder=self.dags_folder,
            import_timeout=float(timeout if import_timeout is None else import_timeout),
            paused_at_creation=settings.core.dags_are_paused_at_creation,
        )
        # ``[core] parsing_processes`` once config.py has it (Airflow's name); else per CPU.
        configured = int(getattr(settings.core, "parsing_processes", 0) or 0)
        self.pool_size = pool_size or configured or default_pool_size()
        # The shipped example DAGs are parsed like files of the folder ([core] load_examples).
        self.include_examples = (
            settings.core.load_examples if include_examples is None else include_examples
        )
        self._clock = clock
        self._fingerprints = FileFingerprints()
        self._file_dags: dict[str, list[str]] | None = None
        self._error_files: set[str] = set()
        self._pool: ParsingPool | None = None
        self._last_parse = 0.0
        self.idle_workers_seconds = idle_workers_seconds

    # -- one pass ----------------------------------------------------------------------------

    def refresh(self, force: bool = False) -> RefreshResult:
        """Parse new and changed files (all with ``force``) and store the outcome."""
        if self._file_dags is None or force:
            self._load_known_state()
        file_dags = self._file_dags if self._file_dags is not None else {}
        files = self._list_files()
        if force:
            self._fingerprints.clear()
        changed = self._fingerprints.changed(files)
        removed = sorted(set(file_dags) - set(files) | (self._error_files - set(files)))
        results = list(self._parse(changed))
        outcome = self._decide(results, file_dags)
        now = self._clock()
        self._write(outcome, removed, now)
        stale = self._apply(outcome, results, removed, changed)
        self._retire_idle_workers()
        return RefreshResult(
            parsed_files=sorted(r.path for r in results),
            removed_files=removed,
            stored_dag_ids=sorted(d.model.dag_id for d in outcome.dags),
            stale_dag_ids=stale,
            import_errors=dict(outcome.errors),
            unchanged_files=len(files) - len(changed),
        )

    def close(self) -> None:
        """Stop the parsing workers."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __enter__(self) -> DagProcessor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the loop ----------------------------------------------------------------------------

    def watch(
        self,
        stop: threading.Event,
        interval: float = 1.0,
        on_refresh: Callable[[RefreshResult], None] | None = None,
        max_passes: int | None = None,
    ) -> None:
        """Refresh every ``interval`` seconds until ``stop`` is set (or ``max_passes`` ran).

        A failing pass (the database away, say) is logged and retried on the next tick: the
        processor must outlive what it cannot control. ``on_refresh`` sees each pass that
        changed something, e.g. to wake the scheduler.
        """
        passes = 0
        while not stop.is_set() and (max_passes is None or passes < max_passes):
            passes += 1
            try:
                result = self.refresh()
            except Exception:
                log.exception("DAG processor pass failed; retrying in %.1fs", interval)
                self._file_dags = None
            else:
                if on_refresh is not None and result.changed:
                    on_refresh(result)
            if max_passes is None or passes < max_passes:
                stop.wait(interval)

    def start_watching(
        self, interval: float = 1.0, on_refresh: Callable[[RefreshResult], None] | None = None
    ) -> DagProcessorThread:
        """Run :meth:`watch` in a daemon thread; stop it with ``thread.stop()``."""
        thread = DagProcessorThread(self, interval, on_refresh)
        thread.start()
        return thread

    # -- internals ---------------------------------------------------------------------------

    def _load_known_state(self) -> None:
        """What the store already knows: which file defines which DAG, which files fail."""
        known: dict[str, list[str]] = {}
        for dag in self.store.list_dags(DagQuery()):
            known.setdefault(dag.fileloc, []).append(dag.dag_id)
        self._file_dags = known
        self._error_files = {e.filename for e in self.store.list_import_errors()}

    def _list_files(self) -> list[str]:
        folders = [self.dags_folder, *([EXAMPLE_DAGS_FOLDER] if self.include_examples else [])]
        return [
            str(path.resolve())
            for folder in folders
            if folder.exists()
            for path in list_dag_files(folder)
        ]

    def _parse(self, changed: dict[str, Fingerprint]) -> Iterable[ParsedFile]:
        if not changed:
            return []
        self._last_parse = time.monotonic()
        if self._pool is None:
            _preload_common_modules()
            url = self.settings.database_url
            self._pool = ParsingPool(self.options, self.pool_size, database_url=url)
        return self._pool.parse(sorted(changed))

    def _retire_idle_workers(self) -> None:
        """Stop the parsing workers once no file changed for a while: an idle scheduler then
        holds no memory for them (each has imported user code), and a later change forks
        new ones in milliseconds."""
        idle = time.monotonic() - self._last_parse
        if self._pool is not None and idle >= self.idle_workers_seconds:
            log.debug("No DAG file changed for %.0fs; stopping the parsing workers", idle)
            self.close()

    def _decide(self, results: list[ParsedFile], file_dags: dict[str, list[str]]) -> _Outcome:
        """Which DAGs to store and which files failed (a dag_id defined twice, too)."""
        parsed = {r.path for r in results}
        owner = {d: f for f, ids in file_dags.items() if f not in parsed for d in ids}
        outcome = _Outcome()
        for result in sorted(results, key=lambda r: r.path):
            error = result.error or _duplicate_error(result, owner)
            if error is not None:
                outcome.errors[result.path] = error
                continue
            for dag in result.dags:
                owner[dag.model.dag_id] = result.path
            outcome.dags.extend(result.dags)
            if result.path in self._error_files:
                outcome.healed.append(result.path)
        return outcome

    def _write(self, outcome: _Outcome, removed: list[str], now: datetime) -> None:
        models = [
            (dataclasses.replace(d.model, last_parsed_time=now), d.serialized) for d in outcome.dags
        ]
        self.store.upsert_dags(models)
        for path, error in sorted(outcome.errors.items()):
            self.store.replace_import_error(path, _stacktrace(error), now)
        for path in outcome.healed:
            self.store.replace_import_error(path, None, now)
        gone = [path for path in removed if path in self._error_files]
        if gone:
            self.store.clear_import_errors(gone)

    def _apply(
        self,
        outcome: _Outcome,
        results: list[ParsedFile],
        removed: list[str],
        changed: dict[str, Fingerprint],
    ) -> list[str]:
        """Update what this processor remembers, then mark vanished DAGs stale."""
        file_dags = self._file_dags if self._file_dags is not None else {}
        for result in results:
            if result.path not in outcome.errors:
                file_dags[result.path] = [d.model.dag_id for d in result.dags]
            if result.path in changed:
                self._fingerprints.remember(result.path, changed[result.path])
        for path in removed:
            file_dags.pop(path, None)
            self._fingerprints.forget(path)
        self._error_files = (self._error_files - set(removed) - set(outcome.healed)) | set(
            outcome.errors
        )
        if not (results or removed):
            return []
        alive = {dag_id for ids in file_dags.values() for dag_id in ids}
        return self.store.mark_stale_dags(alive)


class DagProcessorThread(threading.Thread):
    """A daemon thread running :meth:`DagProcessor.watch`."""

    def __init__(
        self,
        processor: DagProcessor,
        interval: float,
        on_refresh: Callable[[RefreshResult], None] | None,
    ) -> None:
        super().__init__(name="airstream-dag-processor", daemon=True)
        self.processor = processor
        self.interval = interval
        self.on_refresh = on_refresh
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            self.processor.watch(self.stopping, self.interval, self.on_refresh)
        finally:
            self.processor.close()

    def stop(self, timeout: float | None = None) -> None:
        self.stopping.set()
        self.join(timeout)


def _duplicate_error(result: ParsedFile, owner: dict[str, str]) -> ImportErrorRecord | None:
    for dag in result.dags:
        other = owner.get(dag.model.dag_id)
        if other is not None and other != result.path:
            message = (
                f"AirflowDagDuplicatedIdException: Ignoring DAG {dag.model.dag_id} from "
                f"{result.path} - also found in {other}"
            )
            return ImportErrorRecord(result.path, None, message, message)
    return None


def _stacktrace(error: ImportErrorRecord) -> str:
    """The stored text: where and why on the first line, then the traceback."""
    summary = str(error)
    if error.stacktrace and error.stacktrace.strip() != error.message:
        return f"{summary}\n\n{error.stacktrace}"
    return summary


def _preload_common_modules() -> None:
    """Import what nearly every DAG file imports, once, before the workers fork."""
    import importlib

    from airstream.compat import install_for_dag_loading

    install_for_dag_loading()
    for name in (
        "airstream.workflows",
        "airstream.workflows.serialization",
        "airstream.operators.bash",
        "airstream.operators.python",
        "airstream.operators.empty",
    ):
        try:
            importlib.import_module(name)
        except ImportError:
            log.debug("could not preload %s", name, exc_info=True)
