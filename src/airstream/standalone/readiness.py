"""Is a port free, does a TCP port accept connections, does the api-server answer its health?

Checks over real sockets and HTTP, each bounded by a short timeout; the supervisor calls them
repeatedly until a deadline while it starts the components.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

#: The api-server's health endpoint (public, as in Airflow).
HEALTH_PATH = "/api/v2/monitor/health"
_WILDCARD_HOSTS = ("", "0.0.0.0", "::")


def connect_host(host: str) -> str:
    """The address a client on this machine uses for a server bound to ``host``."""
    return "127.0.0.1" if host in _WILDCARD_HOSTS else host


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now (as the components bind: reusing
    a port in TIME_WAIT, but not one another socket listens on)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(1)
        except OSError:
            return False
    return True


def accepts_connections(address: str, timeout: float = 1.0) -> bool:
    """Whether ``host:port`` accepts a TCP connection."""
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((connect_host(host.strip("[]")), int(port)), timeout):
            return True
    except (OSError, ValueError):
        return False


def health_answers(base_url: str, timeout: float = 2.0) -> bool:
    """Whether ``GET <base_url>/api/v2/monitor/health`` answers 200 with a JSON object."""
    try:
        with urllib.request.urlopen(base_url + HEALTH_PATH, timeout=timeout) as response:
            return response.status == 200 and isinstance(json.load(response), dict)
    except (OSError, ValueError, urllib.error.URLError):
        return False
