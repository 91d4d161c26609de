"""The load generator's HTTP/1.1 client: keep-alive connections, pre-encoded requests, httptools.

A load step writes each request as one pre-encoded byte string (request line, headers and body,
made once per pooled image before any step: `encode_request`) on a free keep-alive connection
and parses the response with httptools (the C parser uvicorn itself uses), keeping only the status,
the body and the headers the measurement reads (Server-Timing, Inference-Batch-Size,
Inference-Handler-Start-Ns).

Why not aiohttp (the generator's client in the first round): its per-request work (a request
object, header multidicts, URL and payload handling, a response object) cost about 120 µs of the
generator's CPU per request here, against about 50 µs for this client, measured as CPU time (not
wall time) on the same no-op endpoint and 60 KiB JSON bodies. At twice a server's capacity the
generator then spent most of its one CPU on itself, and its lateness entered the latencies.

Connections: at most `limit` open at once; a request that finds none free waits for the next one
released, in arrival order (so the wait is the server's: it holds every connection). A request
cancelled in flight (its timeout) closes its connection, whose answer would come too late to read.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

import httptools

SERVER_TIMING = b"server-timing"
BATCH_SIZE = b"inference-batch-size"
HANDLER_START = b"inference-handler-start-ns"
_OPEN = object()  # a waiter woken with this may open a connection: the slot of a closed one is its


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    server_timing: bytes | None  # the raw Server-Timing header (parsed after the step)
    batch: bytes | None  # the raw Inference-Batch-Size header
    handler_start: bytes | None  # the raw Inference-Handler-Start-Ns header


def encode_request(
    method: str, host: str, port: int, path: str, body: bytes = b"", headers: dict | None = None
) -> bytes:
    """One whole HTTP/1.1 request (keep-alive) as the bytes written to the socket."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _Connection(asyncio.Protocol):
    """One keep-alive connection: at most one request in flight (no pipelining)."""

    def __init__(self, pool: ClientPool):
        self.pool = pool
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future | None = None
        self.chunks: list[bytes] = []
        self.timing: bytes | None = None
        self.batch: bytes | None = None
        self.handler_start: bytes | None = None
        self.counted = True  # holds one of the pool's slots until discarded

    # asyncio.Protocol
    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(ConnectionError(f"unparsable response: {error}"))
            self.transport.close()

    def connection_lost(self, exc) -> None:
        self.pool._discard(self)
        self._fail(exc or ConnectionResetError("the server closed the connection"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name == SERVER_TIMING:
            self.timing = value
        elif name == BATCH_SIZE:
            self.batch = value
        elif name == HANDLER_START:
            self.handler_start = value

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        waiter, self.waiter = self.waiter, None
        response = Response(
            self.parser.get_status_code(), b"".join(self.chunks), self.timing, self.batch, self.handler_start
        )
        self.chunks, self.timing, self.batch, self.handler_start = [], None, None, None
        if waiter is not None and not waiter.done():
            waiter.set_result(response)
        if self.parser.should_keep_alive() and waiter is not None:
            self.pool._release(self)
        else:
            self.transport.close()

    def _fail(self, error: BaseException) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)


class ClientPool:
    """Keep-alive connections to one server; `request(raw)` answers a Response or raises
    ConnectionError / OSError (an error outcome)."""

    def __init__(self, host: str, port: int, limit: int):
        if limit < 1:
            raise ValueError(f"limit={limit}: at least one connection")
        self.host, self.port, self.limit = host, port, limit
        self._idle: list[_Connection] = []
        self._open = 0  # connections open or being opened
        self._waiters: deque[asyncio.Future] = deque()

    def encode(self, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> bytes:
        return encode_request(method, self.host, self.port, path, body, headers)

    async def request(self, raw: bytes) -> Response:
        connection = await self._acquire()
        while connection.transport.is_closing():  # closed by the server while idle (keep-alive timeout)
            self._discard(connection)
            connection = await self._acquire()
        connection.waiter = asyncio.get_running_loop().create_future()
        connection.transport.write(raw)
        try:
            return await connection.waiter
        except asyncio.CancelledError:  # timed out: its late answer must not meet the next request
            connection.transport.close()
            raise

    def close(self) -> None:
        for connection in list(self._idle):
            connection.transport.close()
        self._idle.clear()

    async def _acquire(self) -> _Connection:
        if self._idle and not self._waiters:
            return self._idle.pop()
        if self._open < self.limit and not self._waiters:
            self._open += 1
            return await self._connect()
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            handed = await waiter
        except asyncio.CancelledError:
            self._pass_on(waiter)
            raise
        return await self._connect() if handed is _OPEN else handed

    async def _connect(self) -> _Connection:
        """A new connection in a slot already counted in _open."""
        try:
            _, connection = await asyncio.get_running_loop().create_connection(
                lambda: _Connection(self), self.host, self.port
            )
        except BaseException:
            self._open -= 1
            self._wake(_OPEN if self._open < self.limit else None)
            raise
        return connection

    def _pass_on(self, waiter: asyncio.Future) -> None:
        """A cancelled waiter gives back what it was handed (or leaves the line)."""
        if waiter.done() and not waiter.cancelled():
            handed = waiter.result()
            if handed is _OPEN:
                self._open -= 1
                self._wake(_OPEN)
            elif handed is not None:
                self._release(handed)
        elif waiter in self._waiters:
            self._waiters.remove(waiter)

    def _wake(self, handed) -> bool:
        """Hand `handed` (a connection, or _OPEN: a slot) to the longest waiter; False if none waits."""
        if handed is None:
            return False
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                if handed is _OPEN:
                    self._open += 1
                waiter.set_result(handed)
                return True
        return False

    def _release(self, connection: _Connection) -> None:
        if not self._wake(connection):
            self._idle.append(connection)

    def _discard(self, connection: _Connection) -> None:
        """Once per connection (closing, then lost): its slot goes to a waiter, if one waits."""
        if not connection.counted:
            return
        connection.counted = False
        if connection in self._idle:
            self._idle.remove(connection)
        self._open -= 1
        self._wake(_OPEN)
