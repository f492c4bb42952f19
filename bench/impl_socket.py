"""The socket variants: the same scenarios over loopback TCP, the server side in a thread.

Each library runs over its own blocking-socket layer (``tls.sockets.wrap``, ``ssl.SSLContext.
wrap_socket``, tlslite-ng's ``TLSConnection``). A round ends when the server side has finished
(handshake done, or every byte read), signalled through a queue, so both sides are counted. Both
sides share one process and, for the Python stacks, one GIL: the figures include that contention.
TCP_NODELAY is set on every socket.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
from collections.abc import Callable
from typing import Any

import tls.sockets

from . import impl_ssl, impl_tls12, impl_tlslite
from .scenarios import Scenario

Handler = Callable[[socket.socket], None]


class LoopbackServer:
    """Accepts connections on 127.0.0.1 and runs ``handler`` on each, one at a time."""

    def __init__(self, handler: Handler) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.handler = handler
        self.done: queue.Queue[Any] = queue.Queue()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self.handler(conn)
            except Exception as exc:  # reported to the timed side, which raises it
                self.done.put(exc)
            finally:
                conn.close()

    def wait(self) -> None:
        result = self.done.get(timeout=30)
        if isinstance(result, Exception):
            raise result

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def close(self) -> None:
        self.listener.close()


# --------------------------------------------------------------------------------------------------
# Per library: (server handler, client connect) for a handshake; (server reader, client writer)
# --------------------------------------------------------------------------------------------------


def _tls12(sc: Scenario) -> tuple[Callable[[socket.socket], Any], Callable[[socket.socket], Any]]:
    client_cfg, server_cfg = impl_tls12.configs(sc)
    return (lambda s: tls.sockets.wrap(s, server_cfg), lambda s: tls.sockets.wrap(s, client_cfg))


def _ssl(sc: Scenario) -> tuple[Callable[[socket.socket], Any], Callable[[socket.socket], Any]]:
    client_ctx, server_ctx = impl_ssl.contexts(sc)
    return (
        lambda s: server_ctx.wrap_socket(s, server_side=True),
        lambda s: client_ctx.wrap_socket(s, server_hostname="localhost"),
    )


def _tlslite(sc: Scenario) -> tuple[Callable[[socket.socket], Any], Callable[[socket.socket], Any]]:
    setup = impl_tlslite.Setup(sc)

    def server(s: socket.socket) -> Any:
        conn = impl_tlslite.TLSConnection(s)
        conn.handshakeServer(
            certChain=setup.server_id.chain,
            privateKey=setup.server_id.key,
            reqCert=setup.client_id is not None,
            settings=setup.settings,
            checker=setup.server_checker,
        )
        return conn

    def client(s: socket.socket) -> Any:
        conn = impl_tlslite.TLSConnection(s)
        cid = setup.client_id
        conn.handshakeClientCert(
            cid.chain if cid else None,
            cid.key if cid else None,
            settings=setup.settings,
            checker=setup.client_checker,
            serverName="localhost",
        )
        return conn

    return server, client


_LIBS = {"tls12": _tls12, "ssl": _ssl, "tlslite": _tlslite}


class Handshake:
    """One connect + full handshake per call; the server thread signals when its side is done."""

    def __init__(self, sc: Scenario, impl: str) -> None:
        server_side, self.client_side = _LIBS[impl](sc)

        def handler(conn: socket.socket) -> None:
            server_side(conn)
            self.server.done.put(True)

        self.server = LoopbackServer(handler)

    def __call__(self) -> Any:
        sock = self.server.connect()
        try:
            wrapped = self.client_side(sock)
            self.server.wait()
        finally:
            sock.close()
        return wrapped

    def close(self) -> None:
        self.server.close()


def _read(conn: Any) -> bytes:
    if hasattr(conn, "recv"):
        return conn.recv(65536)  # type: ignore[no-any-return]
    return bytes(conn.read(max=65536))  # tlslite-ng


class Transfer:
    """One connection; each :meth:`round` writes ``writes`` x ``write_size`` bytes from the client
    and returns once the server thread has read them all."""

    def __init__(self, sc: Scenario, impl: str, writes: int, *, keep: bool = False) -> None:
        self.sc = sc
        self.writes = writes
        self.keep = keep
        self.received: list[bytes] = []
        size = sc.write_size
        self.payload = (bytes(range(256)) * (size // 256 + 1))[:size]
        expected = writes * size
        server_side, client_side = _LIBS[impl](sc)

        def handler(conn: socket.socket) -> None:
            wrapped = server_side(conn)
            got = 0
            while True:
                data = _read(wrapped)
                if not data:
                    return
                if self.keep:
                    self.received.append(data)
                got += len(data)
                if got >= expected:
                    self.server.done.put(got)
                    got = 0

        self.server = LoopbackServer(handler)
        self.sock = self.server.connect()
        self.conn = client_side(self.sock)
        self._write = self.conn.sendall if hasattr(self.conn, "sendall") else self.conn.write

    def round(self) -> int:
        write, payload = self._write, self.payload
        for _ in range(self.writes):
            write(payload)
        result = self.server.done.get(timeout=60)
        if isinstance(result, Exception):
            raise result
        return int(result)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        self.server.close()
