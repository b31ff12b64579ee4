"""Serving the application with uvicorn on a socket we bind, so ``--port 0`` works.

The URL is printed once the socket accepts connections; SIGINT and SIGTERM make uvicorn
finish in-flight requests and return, which is a clean exit.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

import uvicorn
from fastapi import FastAPI


@dataclass(frozen=True)
class ServeOptions:
    """Where to listen."""

    host: str = "127.0.0.1"
    port: int = 8080
    log_level: str = "warning"


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket (IPv6 when ``host`` is an IPv6 address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket, host: str) -> str:
    """The http URL a client on this machine uses to reach ``sock``."""
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server, telling us when it has started."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_started()


#: Seconds uvicorn waits for open responses when stopping.
GRACEFUL_SHUTDOWN_SECONDS = 3


def serve(app: FastAPI, options: ServeOptions, on_started: Callable[[str], None]) -> bool:
    """Serve ``app`` until a signal stops it; ``on_started(url)`` once it accepts requests.

    Returns whether the server started.
    """
    sock = bind(options.host, options.port)
    url = url_of(sock, options.host)
    # Open event streams (the console's live updates) must not hold up a requested stop.
    config = uvicorn.Config(
        app,
        log_level=options.log_level,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    server = _Server(config, lambda: on_started(url))
    # uvicorn handles SIGINT/SIGTERM itself, then re-raises the signal to the handlers it
    # found: make those no-ops so that a requested stop ends the process with status 0.
    previous = {sig: signal.signal(sig, _ignore) for sig in STOP_SIGNALS}
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return server.started


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _ignore(signum: int, frame: FrameType | None) -> None:
    """Handler for signals uvicorn has already acted upon."""
