"""The load generator's HTTP client (compressbench.serve.client) against a scripted HTTP server:
keep-alive reuse within the connection limit, the two headers it keeps, and every way a request
can end (answered, connection closed by the server, dropped, timed out, refused). Nothing is timed."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from compressbench.serve import load
from compressbench.serve.client import ClientPool, encode_request

WAIT = 10.0  # an upper bound on waiting, never a measured figure


class ScriptedServer:
    """HTTP/1.1 on asyncio streams; the path says how to answer. Counts connections."""

    def __init__(self):
        self.open = self.most_open = self.connections = 0
        self.server: asyncio.Server | None = None

    async def __aenter__(self):
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc):
        self.server.close()

    @property
    def port(self) -> int:
        return self.server.sockets[0].getsockname()[1]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open += 1
        self.connections += 1
        self.most_open = max(self.most_open, self.open)
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                lines = head.decode().split("\r\n")
                path = lines[0].split()[1]
                length = next(int(line.split(":")[1]) for line in lines if line.lower().startswith("content-length"))
                await reader.readexactly(length)
                if path == "/drop":
                    return
                if path == "/hang":
                    await asyncio.sleep(WAIT)
                    return
                if path == "/slow":
                    await asyncio.sleep(0.05)
                close = path == "/close"
                headers = "Server-Timing: decode;dur=0.1, queue;dur=0.2\r\nInference-Batch-Size: 3\r\n"
                headers += f"Inference-Handler-Start-Ns: {time.monotonic_ns()}\r\n"
                headers += "Connection: close\r\n" if close else ""
                writer.write(f"HTTP/1.1 200 OK\r\n{headers}Content-Length: 2\r\n\r\nhi".encode())
                await writer.drain()
                if close:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open -= 1
            writer.close()


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, WAIT * 3))


def test_a_request_is_one_byte_string_with_its_length():
    raw = encode_request("POST", "127.0.0.1", 8000, "/v2/models/m/infer", b"{}", {"Content-Type": "application/json"})
    assert raw == (
        b"POST /v2/models/m/infer HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2\r\n\r\n{}"
    )


def test_requests_share_keep_alive_connections_within_the_limit():
    async def scenario():
        async with ScriptedServer() as server:
            client = ClientPool("127.0.0.1", server.port, limit=2)
            raw = client.encode("POST", "/slow", b"x")
            responses = await asyncio.gather(*(client.request(raw) for _ in range(10)))
            client.close()
            return responses, server.most_open, server.connections

    responses, most_open, connections = run(scenario())
    assert [r.status for r in responses] == [200] * 10 and responses[0].body == b"hi"
    assert responses[0].server_timing == b"decode;dur=0.1, queue;dur=0.2" and responses[0].batch == b"3"
    assert responses[0].handler_start.isdigit()
    assert most_open <= 2 and connections == 2  # ten requests, two connections, each reused


def test_every_request_ends_as_one_outcome_and_the_pool_goes_on():
    async def scenario():
        async with ScriptedServer() as server:
            client = ClientPool("127.0.0.1", server.port, limit=1)
            outcomes = {}
            for path in ("/close", "/ok", "/drop", "/ok", "/hang", "/ok"):
                done = await load.exchange(client, client.encode("POST", path, b"x"), load.CLOCK(), timeout=0.3)
                outcomes.setdefault(path, []).append(done.outcome)
            client.close()
            return outcomes

    outcomes = run(scenario())
    # a closed, a dropped and a timed-out connection each leave the next request a fresh one
    assert outcomes == {"/close": ["ok"], "/ok": ["ok", "ok", "ok"], "/drop": ["error"], "/hang": ["timeout"]}


def test_an_answer_says_when_its_handler_took_it_up():
    async def scenario():
        async with ScriptedServer() as server:
            client = ClientPool("127.0.0.1", server.port, limit=1)
            done = await load.exchange(client, client.encode("POST", "/ok", b"x"), load.CLOCK(), timeout=2.0)
            client.close()
            return done.record(done.scheduled)

    record = run(scenario())
    assert record.outcome == "ok" and 0 <= record.inbound_ms <= record.latency_ms  # one clock, one host
    assert (record.decode_ms, record.queue_ms, record.batch) == (0.1, 0.2, 3)


def test_a_refused_connection_is_an_error():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def scenario():
        client = ClientPool("127.0.0.1", port, limit=1)
        first = await load.exchange(client, client.encode("GET", "/"), load.CLOCK(), timeout=1.0)
        second = await load.exchange(client, client.encode("GET", "/"), load.CLOCK(), timeout=1.0)
        return first.outcome, second.outcome

    assert run(scenario()) == ("error", "error")  # the failed connection gave its slot back


def test_waiters_get_connections_in_arrival_order_and_a_timed_out_waiter_leaves():
    async def scenario():
        async with ScriptedServer() as server:
            client = ClientPool("127.0.0.1", server.port, limit=1)
            hang = client.encode("POST", "/hang", b"x")
            holder = asyncio.create_task(load.exchange(client, hang, load.CLOCK(), timeout=0.3))
            await asyncio.sleep(0.05)
            waiting = load.exchange(client, client.encode("POST", "/ok", b"x"), load.CLOCK(), timeout=0.1)
            queued = load.exchange(client, client.encode("POST", "/ok", b"x"), load.CLOCK(), timeout=2.0)
            results = await asyncio.gather(holder, waiting, queued)
            client.close()
            return [r.outcome for r in results]

    # the first holds the only connection past the second's deadline; the third gets it after
    assert run(scenario()) == ["timeout", "timeout", "ok"]


def test_the_pool_needs_a_connection():
    with pytest.raises(ValueError, match="at least one"):
        ClientPool("127.0.0.1", 1, limit=0)
