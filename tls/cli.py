"""The ``tls12`` command line (also ``python -m tls``): server, client, certs, demo.

Flags follow openssl's s_server / s_client where they can (``--accept``, ``--connect``, ``--cert``,
``--key``, ``--cafile``, ``--verify``, ``--cipher``, ``--groups``, ``--sigalgs``, ``--www``,
``--msg``, ``--keylog``). Everything the user did not ask to see goes to standard error, so the
client's standard output carries exactly the bytes the server sent (binary-safe).

Exit codes: 0 success; 1 a TLS or network failure (one line on stderr names the alert or the
validation failure); 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import itertools
import os
import queue
import select
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from . import __version__
from .config import ClientConfig, ServerConfig
from .connection import TLSConnection
from .errors import ConfigError, TLSClosedError, TLSError
from .events import AlertReceived, ApplicationData, ConnectionClosed
from .handshake.common import ConnectionInfo
from .keyexchange import group_name
from .pki import DEMO_FILES, write_demo_pki
from .signatures import describe_key, scheme_name
from .sockets import TLSServer, TLSSocket
from .suites import KeyExchange
from .trace import cert_name, trace_lines
from .trust import describe, fingerprint_sha256

__all__ = ["build_parser", "main"]

PROG = "tls12"
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
_RECV = 65536

# --------------------------------------------------------------------------- output helpers


class _Log:
    """Thread-safe line output to standard error (server connections run in threads)."""

    def __init__(self, stream: Any = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        stream = self._stream or sys.stderr
        with self._lock:
            try:
                stream.write(line + "\n")
                stream.flush()
            except (OSError, ValueError):
                pass


class _KeyLog:
    """Appends NSS key log lines to a file, flushing each (Wireshark reads it while capturing)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._file = open(path, "a", encoding="ascii")  # noqa: SIM115 (lives as long as the run)

    def __call__(self, line: str) -> None:
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


def _keylog(args: argparse.Namespace) -> _KeyLog | None:
    path = args.keylog or os.environ.get("SSLKEYLOGFILE") or None
    if not path:
        return None
    try:
        return _KeyLog(path)
    except OSError as exc:
        raise ConfigError(f"--keylog {path}: cannot open for appending: {exc.strerror}") from None


def _error_text(exc: BaseException) -> str:
    """One line naming what went wrong: the alert (sent or received), the validation failure,
    truncation, or the network error."""
    if isinstance(exc, TLSError):
        text = str(exc) or type(exc).__name__
    elif isinstance(exc, ConnectionRefusedError):
        text = "connection refused"
    elif isinstance(exc, TimeoutError | socket.timeout):
        text = "timed out"
    elif isinstance(exc, OSError):
        text = exc.strerror or str(exc) or type(exc).__name__
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


def _split_list(value: str | None) -> list[str]:
    """ALPN lists: comma-separated like openssl's -alpn (colons accepted too)."""
    if not value:
        return []
    return [p.strip() for p in value.replace(":", ",").split(",") if p.strip()]


def _host_port(text: str, *, default_host: str | None) -> tuple[str, int]:
    """``PORT``, ``HOST:PORT`` or ``[IPv6]:PORT``."""
    host: str | None
    if text.startswith("["):
        end = text.find("]")
        if end < 0 or text[end + 1 : end + 2] != ":":
            raise ConfigError(f"{text!r}: expected [IPv6]:PORT")
        host, port_text = text[1:end], text[end + 2 :]
    elif ":" in text:
        host, port_text = text.rsplit(":", 1)
    else:
        host, port_text = default_host, text
    if not host:
        if default_host is None:
            raise ConfigError(f"{text!r}: expected HOST:PORT")
        host = default_host
    try:
        port = int(port_text)
    except ValueError:
        raise ConfigError(f"{text!r}: port {port_text!r} is not a number") from None
    if not 0 <= port <= 65535:
        raise ConfigError(f"{text!r}: port {port} is out of range")
    return host, port


def _format_address(host: str, port: int) -> str:
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]:{port}"
    except ValueError:
        pass
    return f"{host}:{port}"


def _suite_text(info: ConnectionInfo) -> str:
    if info.suite is None:
        return "?"
    return f"{info.suite.name} ({info.suite.openssl_name})"


def _group_text(info: ConnectionInfo) -> str:
    if info.group is None:
        rsa_kex = info.suite is not None and info.suite.kex is KeyExchange.RSA
        return "none (RSA key exchange)" if rsa_kex else "-"
    return group_name(info.group)


# --------------------------------------------------------------------------- parser


def _add_tls_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--cipher",
        metavar="LIST",
        help="colon-separated cipher suites, IANA or OpenSSL names, in preference "
        "order; DEFAULT and ALL expand (default: the forward-secret AEAD suites; "
        "CBC and RSA key exchange suites must be named)",
    )
    p.add_argument(
        "--groups",
        metavar="LIST",
        help="colon-separated groups, e.g. X25519:P-256:secp384r1:ffdhe2048",
    )
    p.add_argument(
        "--sigalgs",
        metavar="LIST",
        help="colon-separated signature schemes, IANA (ecdsa_secp256r1_sha256) or "
        "OpenSSL (ECDSA+SHA256, RSA-PSS+SHA256) names; name the SHA-1 schemes "
        "(rsa_pkcs1_sha1, ECDSA+SHA1) to allow them",
    )
    p.add_argument("--alpn", metavar="LIST", help="comma-separated ALPN protocols (h2,http/1.1)")
    p.add_argument(
        "--msg",
        action="store_true",
        help="print each handshake message sent (>>>) and received (<<<) on stderr",
    )
    p.add_argument(
        "--keylog",
        metavar="FILE",
        help="append NSS key log lines (CLIENT_RANDOM <random> <master secret>) for "
        "Wireshark; the SSLKEYLOGFILE environment variable does the same",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A pure-Python TLS 1.2 client and server with mutual TLS.",
        epilog="Start with '%(prog)s demo' (no setup needed), then '%(prog)s certs DIR' for "
        "certificates to use with '%(prog)s server' / '%(prog)s client' or openssl.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser(
        "server",
        help="accept TLS connections (like openssl s_server)",
        description="Accept TLS 1.2 connections and serve each in its own thread until "
        "interrupted (Ctrl-C). Prints 'listening on HOST:PORT (verify=MODE)' on "
        "stderr once ready, then one line per connection or handshake failure.",
        epilog="example: %(prog)s --accept 8443 --cert server-ecdsa-chain.pem --key "
        "server-ecdsa.key --cafile ca.pem --verify required --www",
    )
    s.add_argument(
        "--accept",
        metavar="[HOST:]PORT",
        required=True,
        help="address to listen on (host defaults to 127.0.0.1; port 0 picks a free "
        "port, printed in the 'listening on' line)",
    )
    s.add_argument(
        "--cert",
        metavar="CHAIN.pem",
        action="append",
        required=True,
        help="certificate chain, leaf first; repeat with --key to serve an RSA and an "
        "ECDSA certificate side by side",
    )
    s.add_argument(
        "--key",
        metavar="KEY.pem",
        action="append",
        default=[],
        help="private key of the preceding --cert (omit when it is in the --cert file)",
    )
    s.add_argument(
        "--pass", dest="password", metavar="PASSWORD", help="password of encrypted private keys"
    )
    s.add_argument(
        "--cafile", metavar="CA.pem", help="CA certificates whose client certificates are accepted"
    )
    s.add_argument(
        "--verify",
        choices=("none", "optional", "required"),
        help="client certificates: none (default), optional (request, verify if "
        "sent) or required (refuse clients without one); defaults to required "
        "when --allow-client is given",
    )
    s.add_argument(
        "--allow-client",
        metavar="CERT_OR_SHA256",
        action="append",
        default=[],
        help="accept exactly this client certificate (a PEM file, or its SHA-256 "
        "fingerprint); repeatable. With --cafile too, a client certificate must "
        "chain to the CA *and* be listed",
    )
    mode = s.add_mutually_exclusive_group()
    mode.add_argument(
        "--www",
        action="store_true",
        help="answer each HTTP request with a page of the negotiated parameters",
    )
    mode.add_argument("--echo", action="store_true", help="send back whatever the client sends")
    s.add_argument(
        "--once",
        action="store_true",
        help="serve one connection, then exit (non-zero if it failed)",
    )
    _add_tls_options(s)

    c = sub.add_parser(
        "client",
        help="connect to a TLS server (like openssl s_client / curl)",
        description="Connect, send standard input, print what the server sends to stdout "
        "(binary-safe) until the server closes. A summary line (version, suite, "
        "group, server certificate) goes to stderr. Exits 0 only if the handshake "
        "succeeded and the server closed with close_notify.",
        epilog="example: printf 'GET / HTTP/1.0\\r\\n\\r\\n' | %(prog)s --connect "
        "localhost:8443 --cafile ca.pem --cert client-ecdsa-chain.pem --key "
        "client-ecdsa.key",
    )
    c.add_argument("--connect", metavar="HOST:PORT", required=True, help="server address")
    c.add_argument(
        "--cert",
        metavar="CHAIN.pem",
        help="client certificate chain (leaf first), sent when the server asks",
    )
    c.add_argument("--key", metavar="KEY.pem", help="private key of --cert")
    c.add_argument(
        "--pass", dest="password", metavar="PASSWORD", help="password of an encrypted private key"
    )
    c.add_argument(
        "--cafile",
        metavar="CA.pem",
        help="trust anchors for the server certificate (default: the system store)",
    )
    c.add_argument(
        "--servername",
        metavar="NAME",
        help="SNI and the name the server certificate must match (default: HOST)",
    )
    c.add_argument(
        "--pin",
        metavar="SHA256",
        action="append",
        default=[],
        help="accept this server certificate (SHA-256 fingerprint or PEM file) even "
        "if self-signed; repeatable",
    )
    c.add_argument(
        "--insecure",
        action="store_true",
        help="do NOT verify the server certificate (anyone on the path can impersonate the server)",
    )
    c.add_argument(
        "--close-on-eof",
        action="store_true",
        help="send close_notify when standard input ends (by default the client "
        "waits for the server to close, as curl does); TLS 1.2 has no "
        "half-close, so the server may drop replies still pending",
    )
    c.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=float,
        default=30.0,
        help="limit for connecting and the handshake (default 30)",
    )
    _add_tls_options(c)

    k = sub.add_parser(
        "certs",
        help="write a demo PKI (CA, server and client certificates)",
        description="Write a demo PKI into DIR: ca.pem, RSA and ECDSA server certificates for "
        "localhost and 127.0.0.1, RSA and ECDSA client certificates, and a "
        "self-signed client certificate for allow-lists. For demos and tests only: "
        "the keys are not encrypted.",
    )
    k.add_argument("dir", metavar="DIR", help="directory to write (created if needed)")

    d = sub.add_parser(
        "demo",
        help="an in-process mutual TLS handshake that explains itself",
        description="Generate a fresh demo PKI in a temporary directory, run a mutual TLS "
        "handshake between an in-process client and server, print every message and "
        "then who proved what, an application-data round trip and the negotiated "
        "parameters. Needs no arguments and no network.",
    )
    d.add_argument("--cipher", metavar="LIST", help="cipher suites both sides use")
    d.add_argument("--groups", metavar="LIST", help="groups both sides use")
    d.add_argument(
        "--client-key",
        choices=("ecdsa", "rsa"),
        default="ecdsa",
        help="which demo client certificate to use (default ecdsa)",
    )
    d.add_argument("--keylog", metavar="FILE", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    command: Callable[[argparse.Namespace], int] = {
        "server": cmd_server,
        "client": cmd_client,
        "certs": cmd_certs,
        "demo": cmd_demo,
    }[args.command]
    try:
        return command(args)
    except ConfigError as exc:
        print(f"{PROG} {args.command}: configuration error: {_error_text(exc)}", file=sys.stderr)
        return EXIT_USAGE


# --------------------------------------------------------------------------- server


class _ConnectionIds:
    """Numbers connections in arrival order; the number of the calling connection's thread
    (every connection runs in a thread of its own, which also runs its msg callbacks)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._counter = itertools.count(1)

    def current(self) -> int:
        cid = getattr(self._local, "cid", None)
        if cid is None:
            cid = self._local.cid = next(self._counter)
        return cid  # type: ignore[no-any-return]


def _client_cert_text(info: ConnectionInfo) -> str:
    if not info.client_certificate_sent or not info.peer_certificates:
        return "none"
    leaf = info.peer_certificates[0]
    return f"{describe(leaf)} (sha256 {fingerprint_sha256(leaf)})"


def www_page(info: ConnectionInfo, request_line: str, peer: str) -> bytes:
    """The body of the ``--www`` page: what was negotiated, like ``openssl s_server -www``."""
    suite = info.suite
    alpn = info.alpn_protocol.decode("ascii", "replace") if info.alpn_protocol else "none"
    lines = [
        "tls12 server: TLS 1.2 session parameters",
        "",
        f"Client:                 {peer}",
        f"Request:                {request_line[:200]}",
        f"Protocol:               {info.version_name}",
        f"Cipher suite:           {suite.name if suite else '?'}",
        f"Cipher (OpenSSL name):  {suite.openssl_name if suite else '?'}",
        f"Group:                  {_group_text(info)}",
        "Server signature:       "
        + (
            scheme_name(info.server_signature_scheme)
            if info.server_signature_scheme is not None
            else "none (RSA key exchange)"
        ),
        "Extended master secret: " + ("yes" if info.extended_master_secret else "no"),
        "Encrypt-then-MAC:       "
        + (
            "yes"
            if info.encrypt_then_mac
            else "no"
            if suite is None or not suite.is_aead
            else "n/a (AEAD)"
        ),
        f"ALPN:                   {alpn}",
        f"SNI:                    {info.server_name or 'none'}",
        f"Client certificate:     {_client_cert_text(info)}",
    ]
    if info.client_certificate_sent and info.peer_certificates:
        leaf = info.peer_certificates[0]
        lines.append(f"Client cert issuer:     {leaf.issuer.rfc4514_string()}")
        if info.client_signature_scheme is not None:
            lines.append(f"Client signature:       {scheme_name(info.client_signature_scheme)}")
        if info.verified_chain:
            lines.append(f"Client chain verified:  to {describe(info.verified_chain[-1])}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _read_http_request(tls: TLSSocket) -> bytes | None:
    """Read until the blank line that ends the request head (CRLF CRLF or a bare LF LF); None if
    the client closed first."""
    buf = b""
    while b"\r\n\r\n" not in buf and b"\n\n" not in buf:
        data = tls.recv(_RECV)
        if not data:
            return None
        buf += data
        if len(buf) > 65536:
            break  # an oversized head: answer anyway
    return buf


def _serve_www(tls: TLSSocket, peer: str) -> None:
    request = _read_http_request(tls)
    if request is None:
        return
    request_line = request.split(b"\n", 1)[0].rstrip(b"\r").decode("latin-1")
    body = www_page(tls.info, request_line, peer)
    head = (
        "HTTP/1.0 200 OK\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n"
        "\r\n"
    ).encode("ascii")
    # One send: one application-data record (the page is far below 2^14 bytes). close_notify
    # follows when the connection is closed by TLSServer after this handler returns.
    tls.sendall(head + body)


def _serve_echo(tls: TLSSocket) -> None:
    while True:
        data = tls.recv(_RECV)
        if not data:
            return
        try:
            tls.sendall(data)
        except TLSClosedError:
            return  # the client's close_notify came with the data: we already answered it


def _serve_print(tls: TLSSocket, out: BinaryIO, lock: threading.Lock) -> None:
    while True:
        data = tls.recv(_RECV)
        if not data:
            return
        with lock:
            out.write(data)
            out.flush()


def cmd_server(args: argparse.Namespace) -> int:
    log = _Log()
    host, port = _host_port(args.accept, default_host="127.0.0.1")
    if args.key and len(args.key) != len(args.cert):
        raise ConfigError(
            f"{len(args.cert)} --cert but {len(args.key)} --key: give one key per "
            "certificate, or none when each --cert file holds its key"
        )
    verify = args.verify or ("required" if args.allow_client else "none")
    ids = _ConnectionIds()

    def on_message(direction: str, message: Any) -> None:
        prefix = f"[{ids.current()}] "
        for line in trace_lines(direction, message):
            log(prefix + line)

    keylog = _keylog(args)
    config = ServerConfig.create(
        certfile=args.cert,
        keyfile=args.key or None,
        password=args.password,
        verify=verify,
        cafile=args.cafile,
        allow_clients=args.allow_client or None,
        ciphers=args.cipher,
        groups=args.groups,
        sigalgs=args.sigalgs,
        alpn=_split_list(args.alpn),
        keylog=keylog,
        msg_callback=on_message if args.msg else None,
    )
    failures: list[BaseException] = []
    out_lock = threading.Lock()
    stdout = sys.stdout.buffer

    def on_error(peer: tuple[str, int], exc: BaseException) -> None:
        failures.append(exc)
        log(
            f"[{ids.current()}] {_format_address(*peer[:2])}: connection failed: {_error_text(exc)}"
        )

    def handler(tls: TLSSocket) -> None:
        info = tls.info
        peer = _format_address(*tls.getpeername()[:2])
        log(
            f"[{ids.current()}] {peer}: {info.version_name} {_suite_text(info)} "
            f"group={_group_text(info)} client certificate: {_client_cert_text(info)}"
        )
        if args.www:
            _serve_www(tls, peer)
        elif args.echo:
            _serve_echo(tls)
        else:
            _serve_print(tls, stdout, out_lock)

    try:
        server = TLSServer((host, port), config, handler, on_error=on_error)
    except OSError as exc:
        log(f"{PROG} server: cannot listen on {_format_address(host, port)}: {_error_text(exc)}")
        return EXIT_FAILURE
    bound_host, bound_port = server.address[:2]
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        # Announced inside the try: an interrupt right after the announcement still exits cleanly.
        log(f"listening on {_format_address(bound_host, bound_port)} (verify={verify})")
        server.serve_forever(once=args.once)
    except KeyboardInterrupt:
        log(f"{PROG} server: interrupted, shutting down")
    finally:
        server.shutdown()
        signal.signal(signal.SIGTERM, previous)
        if keylog is not None:
            keylog.close()
    if args.once and failures:
        return EXIT_FAILURE
    return EXIT_OK


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


# --------------------------------------------------------------------------- client


class _ClientSession:
    """The client's I/O loop around the sans-IO connection: one thread touches the connection;
    a helper thread only reads standard input into a queue and wakes the loop."""

    def __init__(self, sock: socket.socket, conn: TLSConnection, out: BinaryIO, log: _Log) -> None:
        self.sock = sock
        self.conn = conn
        self.out = out
        self.log = log
        self.closed_by_peer = False

    def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def read_once(self) -> None:
        """One transport read, fed to the connection; events handled; our replies (or the
        alert describing a failure) sent. Raises the connection's TLSError."""
        try:
            data = self.sock.recv(_RECV)
        except (ConnectionResetError, ConnectionAbortedError):
            data = b""
        self.conn.receive_data(data)
        try:
            while (event := self.conn.next_event()) is not None:
                if isinstance(event, ApplicationData):
                    self.out.write(event.data)
                    self.out.flush()
                elif isinstance(event, ConnectionClosed):
                    self.closed_by_peer = True
                elif isinstance(event, AlertReceived):
                    self.log(
                        f"{PROG} client: warning alert from the server: "
                        f"{_alert_name(event.description)}"
                    )
        finally:
            with contextlib.suppress(OSError):
                self.flush()

    def handshake(self) -> None:
        self.flush()
        while not self.conn.handshake_complete:
            self.read_once()
            if self.closed_by_peer:
                break

    def run(self, stdin_fd: int | None, close_on_eof: bool) -> None:
        """Pump standard input to the server and the server's data to ``out`` until the server
        closes."""
        chunks: queue.Queue[bytes | None] = queue.Queue()
        wake_r, wake_w = socket.socketpair()
        try:
            if stdin_fd is None:
                chunks.put(None)
                wake_w.send(b"\0")
            else:
                threading.Thread(
                    target=_pump_stdin, args=(stdin_fd, chunks, wake_w), daemon=True
                ).start()
            stdin_open = True
            while not self.closed_by_peer:
                readable, _, _ = select.select([self.sock, wake_r], [], [])
                if wake_r in readable:
                    wake_r.recv(4096)
                    while stdin_open:
                        try:
                            chunk = chunks.get_nowait()
                        except queue.Empty:
                            break
                        if chunk is None:
                            stdin_open = False
                            if close_on_eof:
                                self.conn.close()
                        else:
                            self.conn.send(chunk)
                    self.flush()
                if self.sock in readable:
                    self.read_once()
        finally:
            wake_r.close()
            wake_w.close()


def _pump_stdin(fd: int, chunks: queue.Queue[bytes | None], wake: socket.socket) -> None:
    while True:
        try:
            data = os.read(fd, _RECV)
        except OSError:
            data = b""
        chunks.put(data or None)
        try:
            wake.send(b"\0")
        except OSError:
            return
        if not data:
            return


def _alert_name(description: int) -> str:
    from records.registry import AlertDescription

    try:
        return AlertDescription(description).name
    except ValueError:
        return f"alert({description})"


def _server_cert_text(info: ConnectionInfo, config: ClientConfig) -> str:
    leaf = info.peer_certificate
    name = describe(leaf) if leaf is not None else "?"
    if config.insecure_skip_verify:
        return f"{name} (NOT VERIFIED: --insecure)"
    chain = info.verified_chain
    if (
        len(chain) == 1
        and config.pinned is not None
        and leaf is not None
        and config.pinned.contains(leaf)
    ):
        return f"{name} (pinned by sha256, name {config.server_name} matched)"
    anchor = describe(chain[-1]) if chain else "?"
    return f"{name} (verified to {anchor}, name {config.server_name} matched)"


def _client_summary(
    host: str, port: int, info: ConnectionInfo, config: ClientConfig, requested: bool
) -> str:
    if info.client_certificate_sent:
        sent = [c.leaf for c in config.credentials]
        client = f"sent {cert_name(sent[0])}" if len(sent) == 1 else "sent"
    elif requested:
        client = "requested, none sent"
    else:
        client = "not requested"
    alpn = f" alpn={info.alpn_protocol.decode('ascii', 'replace')}" if info.alpn_protocol else ""
    return (
        f"{PROG} client: connected to {_format_address(host, port)}: {info.version_name} "
        f"{_suite_text(info)} group={_group_text(info)}{alpn} "
        f"server={_server_cert_text(info, config)} client-certificate={client}"
    )


def cmd_client(args: argparse.Namespace) -> int:
    log = _Log()
    host, port = _host_port(args.connect, default_host=None)
    if args.key and not args.cert:
        raise ConfigError("--key needs --cert")
    if args.insecure:
        log(
            f"{PROG} client: WARNING: --insecure: the server certificate is NOT verified; "
            "anyone on the path can impersonate the server"
        )

    seen: set[str] = set()

    def on_message(direction: str, message: Any) -> None:
        seen.add(type(message).__name__)
        if args.msg:
            for line in trace_lines(direction, message):
                log(line)

    keylog = _keylog(args)
    config = ClientConfig.create(
        server_name=args.servername or host,
        cafile=args.cafile,
        pinned=args.pin or None,
        insecure_skip_verify=args.insecure,
        certfile=args.cert,
        keyfile=args.key,
        password=args.password,
        ciphers=args.cipher,
        groups=args.groups,
        sigalgs=args.sigalgs,
        alpn=_split_list(args.alpn),
        keylog=keylog,
        msg_callback=on_message,
    )
    where = _format_address(host, port)
    try:
        sock = socket.create_connection((host, port), timeout=args.timeout)
    except OSError as exc:
        log(f"{PROG} client: cannot connect to {where}: {_error_text(exc)}")
        return EXIT_FAILURE
    session = _ClientSession(sock, TLSConnection(config), sys.stdout.buffer, log)
    stage = "handshake"
    try:
        with sock:
            session.handshake()
            if not session.conn.handshake_complete:
                log(
                    f"{PROG} client: handshake with {where} failed: the server closed the "
                    "connection"
                )
                return EXIT_FAILURE
            log(
                _client_summary(host, port, session.conn.info, config, "CertificateRequest" in seen)
            )
            stage = "connection"
            sock.settimeout(None)
            stdin_fd = _stdin_fd()
            session.run(stdin_fd, args.close_on_eof)
    except (TLSError, OSError) as exc:
        hint = ""
        if stage == "handshake" and "CertificateRequest" in seen and not config.credentials:
            hint = " (the server asked for a client certificate and none was given: --cert/--key)"
        log(f"{PROG} client: {stage} with {where} failed: {_error_text(exc)}{hint}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        log(f"{PROG} client: interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_FAILURE
    finally:
        if keylog is not None:
            keylog.close()
    return EXIT_OK


def _stdin_fd() -> int | None:
    try:
        return sys.stdin.fileno() if sys.stdin is not None else None
    except (OSError, ValueError):
        return None


# --------------------------------------------------------------------------- certs


def cmd_certs(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    try:
        paths = write_demo_pki(directory)
    except OSError as exc:
        print(f"{PROG} certs: cannot write {directory}: {_error_text(exc)}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"wrote the demo PKI to {directory}/ (demo keys, unencrypted: do not use in production)")
    notes = {
        "ca": "root CA 'tls12 demo CA': the trust anchor (--cafile) for both sides",
        "server_rsa_chain": "server chain (RSA), CN=localhost, SAN localhost + 127.0.0.1",
        "server_ecdsa_chain": "server chain (ECDSA P-256), same names",
        "client_rsa_chain": "client chain (RSA), clientAuth",
        "client_ecdsa_chain": "client chain (ECDSA P-256), clientAuth",
        "client_selfsigned": "self-signed client certificate, for --allow-client",
    }
    for key in DEMO_FILES:
        path = paths.get(key)
        if path is None:
            continue
        note = notes.get(key, "")
        print(f"  {path!s:<50} {note}".rstrip())
    d = str(directory)
    print()
    print("try mutual TLS (two terminals):")
    print(
        f"  {PROG} server --accept 8443 --cert {d}/server-ecdsa-chain.pem "
        f"--key {d}/server-ecdsa.key --cafile {d}/ca.pem --verify required --www"
    )
    print(
        f"  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | {PROG} client --connect localhost:8443 "
        f"--cafile {d}/ca.pem --cert {d}/client-ecdsa-chain.pem --key {d}/client-ecdsa.key"
    )
    print("or with openssl as the client:")
    print(
        f"  openssl s_client -connect localhost:8443 -tls1_2 -CAfile {d}/ca.pem "
        f"-cert {d}/client-ecdsa.pem -key {d}/client-ecdsa.key -verify_return_error"
    )
    return EXIT_OK


# --------------------------------------------------------------------------- demo


class _Wire:
    """Moves bytes between two sans-IO connections in memory (no sockets, no threads)."""

    def __init__(self, client: TLSConnection, server: TLSConnection) -> None:
        self.client = client
        self.server = server
        self.received: dict[str, bytearray] = {"client": bytearray(), "server": bytearray()}

    def pump(self) -> None:
        for _ in range(50):
            to_server = self.client.data_to_send()
            to_client = self.server.data_to_send()
            if not to_server and not to_client:
                return
            if to_server and self.server.error is None:
                self.server.receive_data(to_server)
            if to_client and self.client.error is None:
                self.client.receive_data(to_client)
            for name, conn in (("client", self.client), ("server", self.server)):
                while (event := conn.next_event()) is not None:
                    if isinstance(event, ApplicationData):
                        self.received[name] += event.data
        raise TLSError("demo: the two sides did not settle")


def _demo_trace(out: Callable[[str], None], who: str, peer: str) -> Callable[[str, Any], None]:
    """Print what ``who`` sends (what it receives is the other side's send, printed there)."""

    def callback(direction: str, message: Any) -> None:
        if direction != "sent":
            return
        for line in trace_lines(direction, message):
            out(f"  {who:>6} → {peer:<6} {line[4:]}")

    return callback


def cmd_demo(args: argparse.Namespace) -> int:
    out = _Log(sys.stdout)
    with tempfile.TemporaryDirectory(prefix="tls12-demo-") as tmp:
        out("tls12 demo: mutual TLS 1.2 between an in-process client and server")
        out(f"generating a fresh demo PKI in {tmp} (the same files as '{PROG} certs DIR') ...")
        paths = write_demo_pki(tmp)
        client_key = args.client_key
        allow = paths["client_ecdsa"] if client_key == "ecdsa" else paths["client_rsa"]
        keylog = _keylog(args)
        server_config = ServerConfig.create(
            certfile=[paths["server_ecdsa_chain"], paths["server_rsa_chain"]],
            keyfile=[paths["server_ecdsa_key"], paths["server_rsa_key"]],
            verify="required",
            cafile=paths["ca"],
            allow_clients=[str(allow)],
            ciphers=args.cipher,
            groups=args.groups,
            alpn=["http/1.1"],
            msg_callback=_demo_trace(out, "server", "client"),
        )
        client_config = ClientConfig.create(
            server_name="localhost",
            cafile=paths["ca"],
            certfile=paths[f"client_{client_key}_chain"],
            keyfile=paths[f"client_{client_key}_key"],
            ciphers=args.cipher,
            groups=args.groups,
            alpn=["http/1.1"],
            keylog=keylog,
            msg_callback=_demo_trace(out, "client", "server"),
        )
        out("")
        out(
            "server: verify=required, trusts client certificates from ca.pem, allow-list: "
            f"{Path(allow).name} (sha256 {_fingerprint_file(allow)[:16]}...)"
        )
        out(
            "client: trusts ca.pem, expects the name localhost, has a client certificate "
            f"({Path(paths[f'client_{client_key}_chain']).name})"
        )
        out("")
        out("handshake (each message as sent; ChangeCipherSpec is a record of its own):")
        client = TLSConnection(client_config)
        server = TLSConnection(server_config)
        wire = _Wire(client, server)
        try:
            wire.pump()
            for conn in (client, server):
                if conn.error is not None:
                    raise conn.error
            if not (client.handshake_complete and server.handshake_complete):
                raise TLSError("demo: the handshake did not complete")
            out("")
            for line in _who_proved_what(client.info, server.info, "localhost", allow):
                out(line)
            out("")
            request = b"GET / HTTP/1.0\r\n\r\n"
            client.send(request)
            wire.pump()
            reply = b"hello, " + cert_name(server.info.peer_certificates[0]).encode() + b"\n"
            server.send(reply)
            wire.pump()
            client.close()
            wire.pump()
            ok = (
                bytes(wire.received["server"]) == request
                and bytes(wire.received["client"]) == reply
                and client.close_received
                and server.close_received
            )
            out("application data (encrypted with the negotiated keys):")
            out(f"  client → server {request!r}")
            out(f"  server → client {reply!r}")
            out(
                "  close_notify both ways: "
                + ("yes" if client.close_received and server.close_received else "NO")
            )
            out("")
            out("negotiated:")
            for line in _parameters(client.info, server.info):
                out(f"  {line}")
        except TLSError as exc:
            out(f"{PROG} demo: failed: {_error_text(exc)}")
            return EXIT_FAILURE
        finally:
            if keylog is not None:
                keylog.close()
        if not ok:
            out(f"{PROG} demo: failed: the application data did not round-trip")
            return EXIT_FAILURE
        out("")
        out(
            f"next: '{PROG} certs DIR' writes this PKI to keep; see docs/CLI.md for the server, "
            "the client and openssl"
        )
    return EXIT_OK


def _fingerprint_file(path: str | Path) -> str:
    from .trust import load_certificates

    return fingerprint_sha256(load_certificates(path)[0])


def _key_text(cert: x509.Certificate) -> str:
    key = cert.public_key()
    if isinstance(
        key,
        rsa.RSAPublicKey
        | ec.EllipticCurvePublicKey
        | ed25519.Ed25519PublicKey
        | ed448.Ed448PublicKey,
    ):
        return describe_key(key)
    return type(key).__name__


def _cn_or_subject(cert: Any) -> str:
    name = cert_name(cert)
    return name[3:] if name.startswith("CN=") else name


def _who_proved_what(
    client_info: ConnectionInfo, server_info: ConnectionInfo, server_name: str, allow: str | Path
) -> list[str]:
    """What each side proved, from what the *other* side recorded while verifying it."""
    lines = []
    suite = client_info.suite
    assert suite is not None
    server_leaf = client_info.peer_certificates[0]
    key = _key_text(server_leaf)
    anchor = (
        _cn_or_subject(client_info.verified_chain[-1])
        if client_info.verified_chain
        else "nothing (NOT VERIFIED)"
    )
    if suite.kex is KeyExchange.RSA:
        how = (
            f"decrypted the pre-master secret the client encrypted to the key of "
            f"{cert_name(server_leaf)} ({key}); its Finished needed it"
        )
    else:
        how = (
            f"signed the {suite.kex.value} key exchange ({_group_text(client_info)}) with the "
            f"key of {cert_name(server_leaf)} ({key}, "
            f"{scheme_name(client_info.server_signature_scheme or 0)})"
        )
    lines.append(
        f"server proved its identity: {how}; chain verified to {anchor}, name {server_name} matched"
    )
    if server_info.client_certificate_sent and server_info.peer_certificates:
        client_leaf = server_info.peer_certificates[0]
        anchor = (
            _cn_or_subject(server_info.verified_chain[-1])
            if server_info.verified_chain
            else "nothing"
        )
        fingerprint = fingerprint_sha256(client_leaf)
        listed = (
            f"sha256 {fingerprint[:16]}... is listed ({Path(allow).name})"
            if fingerprint == _fingerprint_file(allow)
            else "not listed"
        )
        lines.append(
            "client proved its identity: CertificateVerify signature over the transcript with "
            f"the key of {cert_name(client_leaf)} ({_key_text(client_leaf)}, "
            f"{scheme_name(server_info.client_signature_scheme or 0)}); chain verified to "
            f"{anchor}; allow-list: {listed}"
        )
    else:
        lines.append("client did not prove an identity (it sent no certificate)")
    lines.append(
        "both proved they derived the same keys from this handshake: each Finished (PRF over "
        "the whole transcript) verified on the other side"
    )
    return lines


def _parameters(info: ConnectionInfo, server_info: ConnectionInfo) -> list[str]:
    suite = info.suite
    assert suite is not None
    alpn = info.alpn_protocol.decode("ascii", "replace") if info.alpn_protocol else "none"
    return [
        f"version                {info.version_name}",
        f"cipher suite           {suite.name} ({suite.openssl_name})",
        f"group                  {_group_text(info)}",
        "server signature       "
        + (
            scheme_name(info.server_signature_scheme)
            if info.server_signature_scheme is not None
            else "none"
        ),
        "client signature       "
        + (
            scheme_name(info.client_signature_scheme)
            if info.client_signature_scheme is not None
            else "none"
        ),
        "extended master secret " + ("yes" if info.extended_master_secret else "no"),
        f"ALPN                   {alpn}",
        f"SNI (server received)  {server_info.server_name or 'none'}",
    ]
