"""The listener: accept connections, read frames, dispatch by API key, write responses.

Requests of one connection are decoded and started in arrival order and their responses are
written in that same order (Kafka's per-connection ordering); a produce waiting for its fsync
does not stop the next request on the same connection from being read and started, up to
:data:`MAX_IN_FLIGHT` per connection. Handlers do their state changes before their first
``await``, so starting in order is applying in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections import deque
from typing import Any

from airstream.broker.broker import Broker
from airstream.broker.handlers.api_versions import kip511_response
from airstream.broker.handlers.registry import Api, RequestContext, load_apis
from airstream.broker.protocol.codec import (
    API_VERSIONS_KEY,
    MalformedRequest,
    decode_request,
    encode_response,
    peek_header,
)
from airstream.config import Settings

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 32


class BrokerServer:
    """Serves one :class:`Broker` over TCP."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.apis: dict[int, Api] = load_apis()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._max_frame = broker.settings.socket_request_max_bytes

    async def start(self, host: str, port: int) -> tuple[str, int]:
        self._server = await asyncio.start_server(
            self._on_connection, host, port, limit=1 << 20, reuse_address=True
        )
        bound_host, bound_port = self._server.sockets[0].getsockname()[:2]
        self.broker.advertised_port = bound_port
        self.broker.start()
        return bound_host, bound_port

    async def stop(self) -> None:
        """Stop accepting, let in-flight requests finish and answer, then flush and close."""
        if self._server is not None:
            self._server.close()
        self.broker.watchers.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self.broker.stop()

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await Connection(self, reader, writer).serve()
        finally:
            self._connections.discard(task)


class Connection:
    """One client connection: a read loop that starts handlers, a write loop that answers."""

    def __init__(
        self, server: BrokerServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername")
        self.client_host = str(peer[0]) if peer else ""
        self.in_flight: deque[asyncio.Task[bytes | None]] = deque()
        self.slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.ready = asyncio.Event()
        self.reading = True

    async def serve(self) -> None:
        write_loop = asyncio.create_task(self._write_loop())
        try:
            await self._read_loop()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except asyncio.CancelledError:
            pass  # broker stopping: answer what was read, then close
        except MalformedRequest as exc:
            log.warning("closing connection from %s: %s", self.client_host, exc)
        finally:
            self.reading = False
            self.ready.set()
            with contextlib.suppress(Exception):
                await asyncio.shield(write_loop)
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()

    async def _read_loop(self) -> None:
        while True:
            await self.slots.acquire()
            size_bytes = await self.reader.readexactly(4)
            size = int.from_bytes(size_bytes, "big", signed=True)
            if size < 0 or size > self.server._max_frame:
                raise MalformedRequest(
                    f"frame of {size} bytes exceeds socket.request.max.bytes "
                    f"({self.server._max_frame})"
                )
            payload = await self.reader.readexactly(size)
            self.in_flight.append(asyncio.create_task(self._handle(payload)))
            self.ready.set()

    async def _write_loop(self) -> None:
        while True:
            while not self.in_flight:
                if not self.reading:
                    return
                self.ready.clear()
                await self.ready.wait()
            task = self.in_flight[0]
            try:
                frame = await task
            except MalformedRequest as exc:
                log.warning("closing connection from %s: %s", self.client_host, exc)
                self._abort()
                return
            except Exception:
                log.exception("request handler failed; closing connection")
                self._abort()
                return
            finally:
                self.in_flight.popleft()
                self.slots.release()
            if frame is not None:
                self.writer.write(frame)
                await self.writer.drain()

    def _abort(self) -> None:
        for task in self.in_flight:
            task.cancel()
        self.writer.transport.abort()

    async def _handle(self, payload: bytes) -> bytes | None:
        api_key, api_version, correlation_id = peek_header(payload)
        api = self.server.apis.get(api_key)
        if api is None:
            raise MalformedRequest(f"unknown API key {api_key}")
        if not api.min_version <= api_version <= api.max_version:
            if api_key == API_VERSIONS_KEY:
                body = kip511_response(self.server.apis)
                return encode_response(API_VERSIONS_KEY, 0, correlation_id, body)
            raise MalformedRequest(f"unsupported version {api_version} of API key {api_key}")
        header, request = decode_request(payload)
        ctx = RequestContext(
            broker=self.server.broker,
            api_key=api_key,
            api_version=api_version,
            correlation_id=correlation_id,
            client_id=header.client_id,
            client_host=self.client_host,
        )
        response: Any = await api.handler(ctx, request)
        if response is None:
            return None
        return encode_response(api_key, api_version, correlation_id, response)


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run a broker until ``stop`` is set."""
    broker = Broker(settings.broker, settings.broker_data_dir)
    server = BrokerServer(broker)
    host, port = await server.start(settings.broker.host, settings.broker.port)
    print(f"airstream broker listening on {host}:{port}", flush=True)
    try:
        await stop.wait()
    finally:
        await server.stop()


def run_broker(settings: Settings) -> int:
    """Foreground entry point of ``airstream broker``: exits 0 after SIGTERM or Ctrl-C."""
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop)

    asyncio.run(main())
    return 0
