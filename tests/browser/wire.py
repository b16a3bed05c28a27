"""A counting TCP proxy in front of the test server: what a slow link would carry, byte for byte.

Counted on the socket, not by the browser: every byte of the status lines, headers, bodies and
chunk framing, for the page's requests and the service worker's alike (CDP's counts belong to
one target at a time, and a worker's fetches are another target's). Each connection is HTTP/1.1
without pipelining, so an answer belongs to the last request its connection carried; requests
and answers are parsed just enough to know where each one ends.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Exchange:
    """One request and its answer as they crossed the wire."""

    method: str
    target: str
    sent: int = 0  # bytes from the browser: request line, headers, body
    received: int = 0  # bytes to the browser: status line, headers, body
    status: int = 0
    headers: dict = field(default_factory=dict)
    head: int = 0  # of ``received``, the status line and headers
    done: bool = False


class _Message:
    """Finds where one HTTP/1.1 message ends in a byte stream (headers, then the body's framing)."""

    def __init__(self):
        self.buffer = b""
        self.head = None  # (first line, headers) once the head is complete
        self.remaining = None  # body bytes left with Content-Length
        self.chunked = False
        self.chunk_state = "size"

    def feed(self, data: bytes, no_body: bool = False) -> tuple[bool, bytes]:
        """Take bytes; ``(complete, leftover)`` once the message ended."""
        self.buffer += data
        if self.head is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return False, b""
            lines = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            self.head = (lines[0], headers)
            self.head_size = end + 4  # the buffer starts with this message
            self.buffer = self.buffer[end + 4:]
            if no_body or self.status in (204, 304) or 100 <= self.status < 200:
                return True, self.buffer
            if "chunked" in headers.get("transfer-encoding", ""):
                self.chunked = True
            else:
                self.remaining = int(headers.get("content-length", "0"))
        if self.chunked:
            return self._chunks()
        if len(self.buffer) >= self.remaining:
            return True, self.buffer[self.remaining:]
        return False, b""

    @property
    def status(self) -> int:
        first = self.head[0].split(" ")
        return int(first[1]) if first[0].startswith("HTTP/") else 0

    def _chunks(self) -> tuple[bool, bytes]:
        while True:
            if self.chunk_state == "size":
                end = self.buffer.find(b"\r\n")
                if end < 0:
                    return False, b""
                size = int(self.buffer[:end].split(b";")[0], 16)
                self.buffer = self.buffer[end + 2:]
                if size == 0:
                    self.chunk_state = "trailer"
                else:
                    self.remaining, self.chunk_state = size + 2, "data"
            if self.chunk_state == "data":
                if len(self.buffer) < self.remaining:
                    return False, b""
                self.buffer = self.buffer[self.remaining:]
                self.chunk_state = "size"
            if self.chunk_state == "trailer":
                end = self.buffer.find(b"\r\n")
                if end < 0:
                    return False, b""
                line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
                if not line:
                    return True, self.buffer


class CountingProxy:
    """Listens on a free port of 127.0.0.1 and forwards every connection to ``upstream``."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.exchanges: list[Exchange] = []
        self.closing = False
        self.gates: dict[str, threading.Event] = {}
        threading.Thread(target=self._accept, daemon=True).start()

    def hold(self, path: str) -> None:
        """Keep requests of ``path`` from the server until ``release(path)``: an order of
        events that depends on timing (a worker installed before or after a page) made certain."""
        self.gates[path] = threading.Event()

    def release(self, path: str) -> None:
        self.gates.pop(path).set()

    # --- what the tests read ---------------------------------------------------------------

    def reset(self) -> None:
        """Start a new count (the exchanges still in flight are counted in neither)."""
        with self.lock:
            self.exchanges = []

    def snapshot(self) -> list[Exchange]:
        with self.lock:
            return list(self.exchanges)

    def received(self) -> int:
        return sum(exchange.received for exchange in self.snapshot())

    def sent(self) -> int:
        return sum(exchange.sent for exchange in self.snapshot())

    def wait_idle(self, *, path: str | None = None, timeout: float = 30) -> None:
        """Until every answer has arrived (and, with ``path``, one to a request of that path)."""
        deadline = time.monotonic() + timeout
        while True:
            exchanges = self.snapshot()
            seen = path is None or any(e.done and e.target.split("?")[0] == path for e in exchanges)
            if seen and all(e.done for e in exchanges):
                return
            if time.monotonic() > deadline:
                waiting = [e.target for e in exchanges if not e.done]
                raise TimeoutError(f"the link did not go quiet (path {path} seen: {seen}; waiting: {waiting})")
            time.sleep(0.05)

    def close(self) -> None:
        self.closing = True
        self.listener.close()

    # --- the wire --------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                client.close()  # the server is down: the browser sees a refused connection
                continue
            connection = {"current": None, "queue": []}
            threading.Thread(target=self._upstream, args=(client, server, connection), daemon=True).start()
            threading.Thread(target=self._downstream, args=(server, client, connection), daemon=True).start()

    def _upstream(self, client, server, connection) -> None:
        """Browser to server: each request is a new exchange, registered before it is forwarded
        (so that its answer always finds it)."""
        message = _Message()
        try:
            while received := client.recv(65536):
                data = received
                while data:
                    complete, leftover = message.feed(data)
                    if message.head is not None and connection["current"] is None:
                        method, target = message.head[0].split(" ")[:2]
                        exchange = Exchange(method, target, sent=connection.pop("pending", 0))
                        with self.lock:
                            self.exchanges.append(exchange)
                            connection["queue"].append(exchange)
                        connection["current"] = exchange
                        gate = self.gates.get(target.split("?")[0])
                        if gate is not None:
                            gate.wait(timeout=60)
                    used = len(data) - len(leftover) if complete else len(data)
                    if connection["current"] is not None:
                        with self.lock:
                            connection["current"].sent += used
                    else:  # a head still incomplete: its request is not known yet
                        connection["pending"] = connection.get("pending", 0) + used
                    if not complete:
                        break
                    message, data = _Message(), leftover
                    connection["current"] = None
                server.sendall(received)
        except OSError:
            pass
        finally:
            _close(server, socket.SHUT_WR)

    def _downstream(self, server, client, connection) -> None:
        """Server to browser: bytes belong to the oldest request not yet answered."""
        message = _Message()
        try:
            while data := server.recv(65536):
                client.sendall(data)
                while data:
                    queue = connection["queue"]
                    exchange = queue[0] if queue else None
                    no_body = exchange is not None and exchange.method == "HEAD"
                    complete, leftover = message.feed(data, no_body=no_body)
                    used = len(data) - len(leftover) if complete else len(data)
                    if exchange is not None:
                        with self.lock:
                            exchange.received += used
                            if message.head is not None and not exchange.status:
                                exchange.status, exchange.headers = message.status, message.head[1]
                                exchange.head = message.head_size
                    if not complete:
                        break
                    if exchange is not None and not 100 <= message.status < 200:
                        with self.lock:
                            exchange.done = True
                        queue.pop(0)
                    message, data = _Message(), leftover
        except OSError:
            pass
        finally:
            # An answer cut short still ends its exchange: the browser will not wait for more.
            with self.lock:
                for exchange in connection["queue"]:
                    exchange.done = True
            _close(client, socket.SHUT_RDWR)


def _close(sock, how) -> None:
    try:
        sock.shutdown(how)
    except OSError:
        pass
    sock.close()
