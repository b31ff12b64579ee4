"""Loading DAG files: every ``.py`` under the DAG folder, each isolated from the others.

A file that fails (syntax error, import error, a cycle, a duplicate task id, a dag_id already
taken by another file) is recorded as an :class:`ImportErrorRecord` with its file, line and
reason; the DAGs of every other file still load.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import re
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from airstream.workflows.dag import DAG
from airstream.workflows.dag_context import DagContext, TaskGroupContext
from airstream.workflows.exceptions import (
    AirflowDagDuplicatedIdException,
    AirflowTaskTimeout,
    DagNotFound,
)

IGNORE_FILE = ".airflowignore"
#: The example DAGs shipped with airstream, loaded beside the DAG folder when
#: ``[core] load_examples`` is on (``AIRSTREAM_LOAD_EXAMPLES=false`` turns them off).
EXAMPLE_DAGS_FOLDER = Path(__file__).resolve().parent.parent / "example_dags"
#: Seconds one DAG file may take to import (Airflow's ``dagbag_import_timeout``).
DEFAULT_IMPORT_TIMEOUT = 30.0


@dataclass(frozen=True)
class ImportErrorRecord:
    """Why one DAG file did not load."""

    filename: str
    lineno: int | None
    message: str
    stacktrace: str

    def __str__(self) -> str:
        where = f"{self.filename}:{self.lineno}" if self.lineno else self.filename
        return f"{where}: {self.message}"


def _ignore_patterns(folder: Path) -> list[re.Pattern[str]]:
    ignore = folder / IGNORE_FILE
    if not ignore.is_file():
        return []
    patterns = []
    for line in ignore.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            patterns.append(re.compile(line))
    return patterns


def list_dag_files(folder: Path, safe_mode: bool = True) -> Iterator[Path]:
    """The ``.py`` files under ``folder`` not matched by an ``.airflowignore`` (regexp form).

    With ``safe_mode`` only files that mention both "airflow"/"airstream" and "dag" count,
    Airflow's heuristic for skipping helper modules.
    """
    if folder.is_file():
        yield folder
        return
    yield from _walk(folder, folder, [])


def _walk(root: Path, folder: Path, inherited: list[re.Pattern[str]]) -> Iterator[Path]:
    patterns = inherited + _ignore_patterns(folder)
    for entry in sorted(folder.iterdir()):
        relative = entry.relative_to(root).as_posix()
        if any(p.search(relative) for p in patterns) or entry.name.startswith((".", "__pycache__")):
            continue
        if entry.is_dir():
            yield from _walk(root, entry, patterns)
        elif entry.suffix == ".py" and _might_contain_dag(entry):
            yield entry


def _might_contain_dag(path: Path) -> bool:
    try:
        stat = path.stat()
    except OSError:
        return False
    return _mentions_dag(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=65536)
def _mentions_dag(path: str, mtime_ns: int, size: int) -> bool:
    # By version of the file: the DAG processor lists its folder every second, and reading
    # every file each time cost more than the rest of an idle scheduler's work.
    try:
        content = Path(path).read_bytes().lower()
    except OSError:
        return False
    return b"dag" in content and (b"airflow" in content or b"airstream" in content)


@contextlib.contextmanager
def import_timeout(seconds: float, path: Path) -> Iterator[None]:
    """Raise :class:`AirflowTaskTimeout` if importing ``path`` takes longer than ``seconds``.

    Only enforced on the main thread (it uses SIGALRM); the DAG processor runs there.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise AirflowTaskTimeout(f"DagBag import timeout for {path} after {seconds}s.")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _error_line(path: Path, exc: BaseException) -> int | None:
    """The line of ``path`` the error points at (deepest frame in the DAG file)."""
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename) == path:
        return exc.lineno
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if Path(frame.f_code.co_filename) == path:
            line = lineno
    return line


class DagBag:
    """The DAGs of a folder (or one file), with the import errors of the files that failed."""

    def __init__(
        self,
        dag_folder: Path | str,
        *,
        safe_mode: bool = True,
        import_timeout: float = DEFAULT_IMPORT_TIMEOUT,
        include_examples: bool | None = None,
    ) -> None:
        self.dag_folder = Path(dag_folder)
        self.import_timeout = import_timeout
        self.include_examples = _examples_wanted(include_examples, self.dag_folder)
        self.dags: dict[str, DAG] = {}
        self.import_errors: dict[str, ImportErrorRecord] = {}
        self.file_dags: dict[str, list[str]] = {}
        self.safe_mode = safe_mode
        self.collect_dags()

    def collect_dags(self) -> None:
        from airstream.compat import install_for_dag_loading

        install_for_dag_loading()
        if self.dag_folder.exists():
            folder = str(self.dag_folder if self.dag_folder.is_dir() else self.dag_folder.parent)
            if folder not in sys.path:
                # DAG files import helper modules that sit beside them, as under Airflow.
                sys.path.append(folder)
            for path in list_dag_files(self.dag_folder, self.safe_mode):
                self.process_file(path)
        if self.include_examples:
            for path in list_dag_files(EXAMPLE_DAGS_FOLDER, self.safe_mode):
                self.process_file(path)

    def process_file(self, path: Path) -> list[DAG]:
        """Import one file; record its DAGs or its import error."""
        path = path.resolve()
        key = str(path)
        found: list[DAG] = []
        try:
            _, found = self._import(path)
            for dag in found:
                dag.validate()
                self._check_duplicate(dag, key)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            self.import_errors[key] = ImportErrorRecord(
                filename=key,
                lineno=_line_for(path, exc, found),
                message=f"{type(exc).__name__}: {exc}",
                stacktrace="".join(traceback.format_exception(exc)),
            )
            return []
        self.import_errors.pop(key, None)
        for dag in found:
            dag.relative_fileloc = _relative(path, self.dag_folder)
            self.dags[dag.dag_id] = dag
        self.file_dags[key] = [d.dag_id for d in found]
        return found

    def _import(self, path: Path) -> tuple[ModuleType, list[DAG]]:
        digest = hashlib.sha1(str(path).encode()).hexdigest()
        name = f"unusual_prefix_{digest}_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        DagContext.drain_registered()
        try:
            with import_timeout(self.import_timeout, path):
                spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        finally:
            # A failing file must not leave a DAG or task group open for the next file.
            DagContext._stack.clear()
            TaskGroupContext._stack.clear()
            registered = DagContext.drain_registered()
        found = {id(d): d for d in registered}
        for value in list(vars(module).values()):
            if isinstance(value, DAG):
                found[id(value)] = value
        dags = list(found.values())
        for dag in dags:
            if not dag.fileloc or Path(dag.fileloc).resolve() != path:
                dag.fileloc = str(path)
        return module, dags

    def _check_duplicate(self, dag: DAG, key: str) -> None:
        existing = self.dags.get(dag.dag_id)
        if existing is not None and existing.fileloc != key:
            raise AirflowDagDuplicatedIdException(
                f"Ignoring DAG {dag.dag_id} from {key} - also found in {existing.fileloc}"
            )

    @property
    def dag_ids(self) -> list[str]:
        return sorted(self.dags)

    def get_dag(self, dag_id: str) -> DAG:
        try:
            return self.dags[dag_id]
        except KeyError:
            raise DagNotFound(f"Dag id {dag_id} not found in DagModel") from None

    def size(self) -> int:
        return len(self.dags)


def _examples_wanted(include_examples: bool | None, dag_folder: Path) -> bool:
    """Airflow's default: the examples come with a folder when ``[core] load_examples``;
    a bag of one file (a task process loading its DAG) never brings them."""
    if include_examples is not None:
        return include_examples
    if dag_folder.is_file():
        return False
    from airstream.config import load_settings

    return load_settings().core.load_examples


def _line_for(path: Path, exc: BaseException, dags: list[DAG]) -> int | None:
    line = _error_line(path, exc)
    if line is None and dags:
        # Errors found after import (a cycle): point at the DAG's definition.
        line = dags[0].lineno or None
    return line


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder.resolve()))
    except ValueError:
        return str(path)
