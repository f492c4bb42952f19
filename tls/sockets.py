"""Blocking sockets over the sans-IO core: ``connect``, ``wrap``, ``TLSSocket`` and ``TLSServer``.

    with tls.connect("localhost", 8443, ClientConfig.create(cafile="ca.pem",
                     certfile="client.pem", keyfile="client.key")) as s:
        s.sendall(b"hello")
        print(s.recv(4096), s.info.suite.name)

``recv`` returns ``b""`` only after the peer's close_notify; an EOF without it raises
:class:`~tls.errors.TruncationError` once every byte received before it has been returned.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
from collections.abc import Callable
from typing import Any

from cryptography import x509

from .config import ClientConfig, ServerConfig
from .connection import TLSConnection
from .errors import TLSClosedError, TLSError
from .events import ApplicationData, ConnectionClosed
from .handshake.common import ConnectionInfo
from .session import Session

_RECV = 65536


class TLSSocket:
    """A connected TLS socket: sendall, send, recv, recv_into, makefile, shutdown, close,
    settimeout, context manager, plus the negotiated parameters."""

    def __init__(self, sock: socket.socket, conn: TLSConnection) -> None:
        self.sock = sock
        self.conn = conn
        self._buf = bytearray()
        self._closed_by_peer = False
        self._error: TLSError | None = None
        self._lock = threading.Lock()

    # --------------------------------------------------------------- handshake and pumping

    def do_handshake(self) -> None:
        self._flush()
        while not self.conn.handshake_complete:
            if self._error is not None:
                raise self._error
            self._read_more()
        self._flush()

    def _flush(self) -> None:
        out = self.conn.data_to_send()
        if out:
            self.sock.sendall(out)

    def _read_more(self) -> None:
        """One transport read, then drain events into the buffer."""
        try:
            data = self.sock.recv(_RECV)
        except ConnectionResetError:
            data = b""
        try:
            self.conn.receive_data(data)
        except TLSError as exc:
            self._error = exc
        self._drain()
        with contextlib.suppress(OSError):
            self._flush()

    def _drain(self) -> None:
        while True:
            try:
                ev = self.conn.next_event()
            except TLSError as exc:
                self._error = exc
                return
            if ev is None:
                return
            if isinstance(ev, ApplicationData):
                self._buf += ev.data
            elif isinstance(ev, ConnectionClosed):
                self._closed_by_peer = True

    # --------------------------------------------------------------- data

    def recv(self, bufsize: int = _RECV, flags: int = 0) -> bytes:
        if not self.conn.handshake_complete:
            self.do_handshake()
        while not self._buf:
            if self._closed_by_peer:
                return b""
            if self._error is not None:
                raise self._error
            self._read_more()
        out = bytes(self._buf[:bufsize])
        del self._buf[:bufsize]
        return out

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        view = memoryview(buffer).cast("B")
        n = nbytes or len(view)
        data = self.recv(n)
        view[: len(data)] = data
        return len(data)

    read = recv

    def sendall(self, data: bytes | bytearray | memoryview, flags: int = 0) -> None:
        if not self.conn.handshake_complete:
            self.do_handshake()
        with self._lock:
            self.conn.send(data)
            self._flush()

    def send(self, data: bytes | bytearray | memoryview, flags: int = 0) -> int:
        self.sendall(data)
        return len(data)

    write = send

    def makefile(
        self,
        mode: str = "r",
        buffering: int | None = None,
        *,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
    ) -> Any:
        raw = _RawTLS(self)
        binary: Any
        if "r" in mode and "w" in mode:
            binary = io.BufferedRWPair(raw, raw)
        elif "w" in mode:
            binary = io.BufferedWriter(raw)
        else:
            binary = io.BufferedReader(raw)
        if "b" in mode:
            return binary
        return io.TextIOWrapper(binary, encoding=encoding, errors=errors, newline=newline)

    # --------------------------------------------------------------- closing

    def unwrap(self) -> socket.socket:
        """Send close_notify, wait for the peer's, return the plain socket."""
        self.conn.close()
        self._flush()
        while not self._closed_by_peer and self._error is None:
            self._read_more()
        return self.sock

    def shutdown(self, how: int = socket.SHUT_RDWR) -> None:
        if how in (socket.SHUT_WR, socket.SHUT_RDWR) and self.conn.error is None:
            self.conn.close()
            with contextlib.suppress(OSError):
                self._flush()
        self.sock.shutdown(how)

    def close(self) -> None:
        if self.conn.error is None and self.conn.handshake_complete:
            self.conn.close()
            with contextlib.suppress(OSError):
                self._flush()
        self.sock.close()

    def __enter__(self) -> TLSSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def settimeout(self, timeout: float | None) -> None:
        self.sock.settimeout(timeout)

    def gettimeout(self) -> float | None:
        return self.sock.gettimeout()

    def fileno(self) -> int:
        return self.sock.fileno()

    def getpeername(self) -> Any:
        return self.sock.getpeername()

    def getsockname(self) -> Any:
        return self.sock.getsockname()

    # --------------------------------------------------------------- negotiated parameters

    @property
    def info(self) -> ConnectionInfo:
        return self.conn.info

    @property
    def session(self) -> Session | None:
        """The TLS session (client: pass it to :func:`connect` ``session=`` to resume)."""
        return self.conn.session

    @property
    def version(self) -> str:
        return self.info.version_name

    @property
    def cipher_suite(self) -> str | None:
        return self.info.suite.name if self.info.suite else None

    @property
    def group(self) -> int | None:
        return self.info.group

    @property
    def signature_scheme(self) -> int | None:
        return self.info.server_signature_scheme

    @property
    def peer_certificates(self) -> list[x509.Certificate]:
        return self.info.peer_certificates


class _RawTLS(io.RawIOBase):
    def __init__(self, tls: TLSSocket) -> None:
        self._tls = tls

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        return self._tls.recv_into(b)

    def write(self, b: Any) -> int:
        self._tls.sendall(b)
        return len(b)


def wrap(
    sock: socket.socket,
    config: ClientConfig | ServerConfig,
    *,
    do_handshake: bool = True,
    session: Session | None = None,
) -> TLSSocket:
    """Run TLS over a connected socket (client or server by the config's type). A client may
    offer an earlier connection's ``session`` for resumption."""
    tls = TLSSocket(sock, TLSConnection(config, session=session))
    if do_handshake:
        try:
            tls.do_handshake()
        except BaseException:
            with contextlib.suppress(OSError):
                tls._flush()  # deliver our alert if there is one
            sock.close()
            raise
    return tls


def connect(
    host: str,
    port: int,
    config: ClientConfig,
    *,
    timeout: float | None = None,
    session: Session | None = None,
) -> TLSSocket:
    """Open a TCP connection and complete a TLS handshake. ``config.server_name`` defaults to
    ``host`` (used for SNI and certificate name checks). ``session``: an earlier connection's
    ``.session`` to resume (the server may decline; ``.info.resumed`` tells)."""
    if config.server_name is None:
        import dataclasses

        config = dataclasses.replace(config, server_name=host)
    sock = socket.create_connection((host, port), timeout=timeout)
    return wrap(sock, config, session=session)


Handler = Callable[[TLSSocket], None]


class TLSServer:
    """Accept TLS connections on one port and handle each in its own thread.

    One process may run several, each with its own policy: one-way TLS on 443 and mutual TLS on
    8443, for instance (see README).
    """

    def __init__(
        self,
        address: tuple[str, int],
        config: ServerConfig,
        handler: Handler,
        *,
        on_error: Callable[[tuple[str, int], BaseException], None] | None = None,
        handshake_timeout: float | None = 30.0,
    ) -> None:
        self.config = config
        self.handler = handler
        self.on_error = on_error
        self.handshake_timeout = handshake_timeout
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET  # "::1", "::"
        self.listener = socket.create_server(address, family=family, reuse_port=False)
        self.address = self.listener.getsockname()[:2]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def serve_forever(self, *, once: bool = False) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                sock, peer = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    break
                raise
            if once:
                self._serve(sock, peer)
                break
            t = threading.Thread(target=self._serve, args=(sock, peer), daemon=True)
            t.start()
            self._threads = [x for x in self._threads if x.is_alive()] + [t]

    def _serve(self, sock: socket.socket, peer: tuple[str, int]) -> None:
        sock.settimeout(self.handshake_timeout)
        try:
            tls = wrap(sock, self.config)
        except (TLSError, OSError) as exc:
            if self.on_error is not None:
                self.on_error(peer, exc)
            return
        sock.settimeout(None)
        try:
            with tls:
                self.handler(tls)
        except (TLSError, OSError) as exc:
            if self.on_error is not None:
                self.on_error(peer, exc)

    def start(self) -> threading.Thread:
        """Serve in a background thread."""
        t = threading.Thread(target=self.serve_forever, daemon=True)
        t.start()
        return t

    def shutdown(self) -> None:
        self._stop.set()
        self.listener.close()

    def __enter__(self) -> TLSServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


__all__ = ["TLSClosedError", "TLSServer", "TLSSocket", "connect", "wrap"]
