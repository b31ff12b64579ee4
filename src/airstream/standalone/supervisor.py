"""The standalone supervisor: start the broker, then the scheduler and the api-server; keep
them running; stop them all on request.

Start-up order follows the dependencies: the broker first, because the other two must be told
its address; then the scheduler and the api-server side by side. With a fixed broker port the
address is known at once and all three start together (the schema is migrated meanwhile); with
``--broker-port 0`` only the broker's ``listening on`` line knows the port, so the other two
wait for it. "Ready" means the broker accepts connections, the
api-server answers ``/api/v2/monitor/health`` and the scheduler has parsed the DAGs once, so
the console shows them. Only then are the console URL and the admin's credentials printed.

Afterwards a child that exits on its own is reported with its exit code and restarted after a
backoff (:mod:`.restart_policy`), on the same port as before so the others' addresses stay
valid; too many crashes in a row stop everything with exit status 1. SIGINT or SIGTERM stops
the api-server and the scheduler first and the broker last (tasks finishing may still
produce), each with SIGTERM then SIGKILL after a grace period, and exits 0.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from airstream.config import Settings
from airstream.standalone.child_process import ChildProcess, ChildSpec
from airstream.standalone.home_setup import (
    LOG_SUBDIR,
    PreparedHome,
    admin_password,
    migrate_schema,
    prepare_folders,
)
from airstream.standalone.readiness import (
    accepts_connections,
    connect_host,
    health_answers,
    port_is_free,
)
from airstream.standalone.restart_policy import CrashHistory, RestartPolicy
from airstream.standalone.signal_wakeup import SignalWakeup

BROKER = "broker"
SCHEDULER = "scheduler"
API_SERVER = "api-server"
#: Stopped in this order: the broker last.
STOP_ORDER = ((API_SERVER, SCHEDULER), (BROKER,))
#: What the scheduler logs once its first DAG-folder pass is stored.
SCHEDULER_READY_TEXT = "Scheduler started"
#: Seconds between readiness checks while starting (start-up only; afterwards signals wake us).
STARTUP_CHECK_INTERVAL = 0.05
PREFIX = "standalone | "


@dataclass(frozen=True)
class StandaloneOptions:
    """What ``airstream standalone`` can be told: where to listen, how patient to be."""

    host: str = "127.0.0.1"
    api_port: int = 8080
    broker_port: int = 9092
    startup_timeout: float = 120.0
    stop_timeout: float = 10.0
    restart: RestartPolicy = field(default_factory=RestartPolicy)


class StartupError(Exception):
    """A component could not be started; the message says which and why."""


class StopRequested(Exception):
    """SIGINT or SIGTERM arrived while starting."""


def run_standalone(
    settings: Settings, options: StandaloneOptions, out: TextIO | None = None
) -> int:
    """Run everything until stopped; the exit status (0 after a requested stop)."""
    return Supervisor(settings, options, out or sys.stdout).run()


class Supervisor:
    """Owns the child processes of one ``airstream standalone``."""

    def __init__(self, settings: Settings, options: StandaloneOptions, out: TextIO) -> None:
        self.settings = settings
        self.options = options
        self.out = out
        self.children: dict[str, ChildProcess] = {}
        self.histories = {
            name: CrashHistory(options.restart) for name in (BROKER, SCHEDULER, API_SERVER)
        }
        self.pending_restarts: dict[str, float] = {}
        self.broker_address: str | None = None
        self.api_url: str | None = None
        self.home: PreparedHome | None = None

    def say(self, message: str) -> None:
        print(PREFIX + message, file=self.out, flush=True)

    # -- the whole life ----------------------------------------------------------------------

    def run(self) -> int:
        problem = self._port_problem()
        if problem is not None:
            self.say(f"error: {problem}")
            return 1
        began = time.monotonic()
        with SignalWakeup() as wakeup:
            try:
                self._start_all(wakeup)
            except StartupError as exc:
                self.say(f"error: {exc}")
                self._stop_all()
                return 1
            except StopRequested:
                self._stop_all()
                return 0
            self._announce_ready(time.monotonic() - began)
            status = self._supervise(wakeup)
            self._stop_all()
        return status

    def _port_problem(self) -> str | None:
        host, api, broker = self.options.host, self.options.api_port, self.options.broker_port
        if api and api == broker:
            return f"--port and --broker-port are both {api}: choose two different ports"
        for port, flag, what in ((broker, "--broker-port", "broker"), (api, "--port", "console")):
            if port and not port_is_free(host, port):
                return (
                    f"port {port} on {host} (the {what}) is already in use: stop what listens "
                    f"there or choose another port with {flag} (0 picks a free one)"
                )
        return None

    # -- starting ----------------------------------------------------------------------------

    def _start_all(self, wakeup: SignalWakeup) -> None:
        deadline = time.monotonic() + self.options.startup_timeout
        log_dir = prepare_folders(self.settings)
        broker = self._launch(BROKER, log_dir)
        if self.options.broker_port:
            # The address is known before the broker listens: start the rest right away.
            host = connect_host(self.options.host)
            self.broker_address = f"{host}:{self.options.broker_port}"
        self.home = migrate_schema(self.settings)
        state = "initialised" if self.home.created else "using"
        self.say(
            f"{state} AIRSTREAM_HOME {self.settings.home} (schema {self.home.schema_revision})"
        )
        if self.broker_address is not None:
            self._launch_workflows()
        self._await(wakeup, deadline, "the broker to listen", lambda: self._broker_ready(broker))
        self.say(f"broker listening on {self.broker_address}")
        if SCHEDULER not in self.children:
            self._launch_workflows()
        api, scheduler = self.children[API_SERVER], self.children[SCHEDULER]
        self._await(wakeup, deadline, "the api-server to answer", lambda: self._api_ready(api))
        self.say(f"api-server answering on {self.api_url}")
        self._await(
            wakeup, deadline, "the scheduler to parse the DAGs", scheduler.ready_seen.is_set
        )
        self.say("scheduler running")

    def _launch_workflows(self) -> None:
        assert self.home is not None
        self._launch(SCHEDULER, self.home.log_dir)
        self._launch(API_SERVER, self.home.log_dir)

    def _broker_ready(self, broker: ChildProcess) -> bool:
        if broker.address is None or not accepts_connections(broker.address):
            return False
        host, _, port = broker.address.rpartition(":")
        self.broker_address = f"{connect_host(host)}:{port}"
        return True

    def _api_ready(self, api: ChildProcess) -> bool:
        if api.address is None or not health_answers(api.address):
            return False
        self.api_url = api.address
        return True

    def _await(
        self, wakeup: SignalWakeup, deadline: float, what: str, ready: Callable[[], bool]
    ) -> None:
        while not ready():
            if wakeup.stop_requested:
                raise StopRequested
            for child in self.children.values():
                code = child.poll()
                if code is not None:
                    child.reap_group()
                    raise StartupError(_start_failure(child, code))
            if time.monotonic() > deadline:
                raise StartupError(f"gave up waiting for {what} ({self.options.startup_timeout}s)")
            wakeup.wait(STARTUP_CHECK_INTERVAL)

    def _launch(self, name: str, log_dir: Path) -> ChildProcess:
        child = ChildProcess(self._spec(name), log_dir / f"{name}.log")
        child.start()
        self.children[name] = child
        self.say(f"started {name} (pid {child.pid}, log {child.log_path})")
        return child

    def _spec(self, name: str) -> ChildSpec:
        host = self.options.host
        if name == BROKER:
            port = _port_of(self.broker_address) or self.options.broker_port
            return ChildSpec(BROKER, ["broker", "--host", host, "--port", str(port)], self._env())
        if name == API_SERVER:
            port = _port_of(self.api_url) or self.options.api_port
            args = ["api-server", "--host", host, "--port", str(port)]
            return ChildSpec(API_SERVER, args, self._env())
        return ChildSpec(SCHEDULER, ["scheduler"], self._env(), SCHEDULER_READY_TEXT)

    def _env(self) -> Mapping[str, str]:
        """The environment every child gets: one home, and where the broker is."""
        env = {
            **os.environ,
            "AIRSTREAM_HOME": str(self.settings.home),
            "PYTHONUNBUFFERED": "1",
        }
        if self.broker_address is not None:
            host, _, port = self.broker_address.rpartition(":")
            env.update(
                AIRSTREAM_BROKER_HOST=host,
                AIRSTREAM_BROKER_PORT=port,
                AIRSTREAM_BOOTSTRAP_SERVERS=self.broker_address,
            )
        return env

    def _announce_ready(self, seconds: float) -> None:
        assert self.home is not None
        password = admin_password(self.settings.home)
        self.say(f"ready in {seconds:.1f}s")
        self.say(f"console:  {self.api_url}")
        if password is not None:
            self.say(f"login:    admin / {password}")
        else:
            self.say(f"login:    see {self.settings.home} for the generated passwords")
        self.say(f"broker:   {self.broker_address} (bootstrap.servers)")
        self.say(f"DAGs:     {self.home.dags_folder}")
        self.say(f"logs:     {self.home.log_dir}")
        self.say("Press Ctrl-C to stop.")

    # -- running -----------------------------------------------------------------------------

    def _supervise(self, wakeup: SignalWakeup) -> int:
        """Restart crashed children until a stop is requested (0) or one crashes too often."""
        while not wakeup.stop_requested:
            now = time.monotonic()
            for name, child in self.children.items():
                code = child.poll()
                if code is None or name in self.pending_restarts:
                    continue
                if not self._schedule_restart(child, code, now):
                    return 1
            for name, due in list(self.pending_restarts.items()):
                if due <= now:
                    del self.pending_restarts[name]
                    self._launch(name, self.settings.home / LOG_SUBDIR)
                    self.say(f"{name} restarted")
            waits = [due - now for due in self.pending_restarts.values()]
            wakeup.wait(min(waits) if waits else None)
        assert wakeup.stop_signal is not None
        self.say(f"stopping ({signal.Signals(wakeup.stop_signal).name})")
        return 0

    def _schedule_restart(self, child: ChildProcess, code: int, now: float) -> bool:
        """Report an unexpected exit; plan the restart, or say why not (``False``)."""
        child.reap_group()
        self.say(f"{child.name} exited unexpectedly ({_describe_exit(code)}); see {child.log_path}")
        history = self.histories[child.name]
        delay = history.record(now)
        if delay is None:
            self.say(
                f"error: {child.name} crashed {history.recent_crashes} times within "
                f"{self.options.restart.window:.0f}s; giving up and stopping everything"
            )
            return False
        self.say(f"restarting {child.name} in {delay:.1f}s")
        self.pending_restarts[child.name] = now + delay
        return True

    # -- stopping ----------------------------------------------------------------------------

    def _stop_all(self) -> None:
        self.pending_restarts.clear()
        for group in STOP_ORDER:
            running = [self.children[name] for name in group if name in self.children]
            for child in running:
                child.terminate()
            for child in running:
                code = child.stop(self.options.stop_timeout)
                self.say(f"{child.name} stopped ({_describe_exit(code)})")
        self.children.clear()


def _port_of(address: str | None) -> int:
    """The port of ``host:port`` or ``http://host:port`` (0 when not known yet)."""
    if not address:
        return 0
    return int(address.rstrip("/").rsplit(":", 1)[1])


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "not started"
    if code < 0:
        try:
            return f"exit code {code}, killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"exit code {code}"
    return f"exit code {code}"


def _start_failure(child: ChildProcess, code: int) -> str:
    tail = "\n".join(f"    {line}" for line in child.tail)
    return (
        f"{child.name} exited while starting ({_describe_exit(code)}); "
        f"last lines of {child.log_path}:\n{tail}"
    )
