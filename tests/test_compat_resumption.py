"""Session resumption through tls.compat, the ssl drop-in: ``session`` / ``session=`` /
``session_reused`` / ``session_stats()`` / ``OP_NO_TICKET`` behave as with ``ssl``.

Witnesses from outside the project:

- ``openssl s_server -tls1_2 -www``: its status page says "New, TLSv1.2" or "Reused, TLSv1.2"
  and prints the Session-ID and Master-Key it used (raw tls.compat.SSLSocket clients).
- The stdlib's real OpenSSL objects (``ssl.SSLObject`` over MemoryBIO) as the peer in both roles:
  their ``session_reused``, their SSLSession values (id, timeout, ticket_lifetime_hint,
  has_ticket) and their ``session_stats()`` for the same sequence of connections.
- asyncio's own client and server code, unmodified, on tls12 contexts.

Skips: the s_server tests need the openssl executable; missing, they skip outside CI and fail
under CI=true (the ``openssl_bin`` fixture in conftest.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import socket
import ssl
import struct
import time
from pathlib import Path
from typing import Any

import pytest
from openssl_peer import SServer, www_page_facts
from pki_fixtures import PKI

import tls
from tls.session import DEFAULT_LIFETIME

TIMEOUT = 10.0
Bios = tuple[ssl.MemoryBIO, ssl.MemoryBIO]


# ----------------------------------------------------------------------------- helpers


def _pump(a: Any, a_bios: Bios, b: Any, b_bios: Bios) -> None:
    """Run both handshakes to completion, moving bytes between the BIOs (errors propagate)."""
    for _ in range(20):
        for obj in (a, b):
            with contextlib.suppress(ssl.SSLWantReadError):
                obj.do_handshake()
        moved = False
        for src, dst in ((a_bios[1], b_bios[0]), (b_bios[1], a_bios[0])):
            data = src.read()
            if data:
                dst.write(data)
                moved = True
        if not moved:
            return


def _connect(cctx: ssl.SSLContext, sctx: ssl.SSLContext, session: Any = None) -> tuple[Any, Any]:
    """One in-memory connection, client offering ``session``; returns (client, server)."""
    c_bios: Bios = (ssl.MemoryBIO(), ssl.MemoryBIO())
    s_bios: Bios = (ssl.MemoryBIO(), ssl.MemoryBIO())
    client = cctx.wrap_bio(*c_bios, server_hostname="localhost", session=session)
    server = sctx.wrap_bio(*s_bios, server_side=True)
    _pump(client, c_bios, server, s_bios)
    assert client.version() == "TLSv1.2" and server.version() == "TLSv1.2"
    return client, server


def _server_ctx(module: Any, pki: PKI, *, no_ticket: bool = False) -> ssl.SSLContext:
    """A server context of ``ssl`` or ``tls`` (the same calls for both)."""
    ctx = module.SSLContext(module.PROTOCOL_TLS_SERVER)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(pki.server_ecdsa.chain_path, pki.server_ecdsa.key_path)
    if no_ticket:
        ctx.options |= ssl.OP_NO_TICKET
    return ctx


def _client_ctx(module: Any, pki: PKI, *, no_ticket: bool = False) -> ssl.SSLContext:
    ctx = module.create_default_context(cafile=pki.ca_path)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if no_ticket:
        ctx.options |= ssl.OP_NO_TICKET
    return ctx


# RFC 5077 §3.3: struct { uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>; }, after the
# 4-byte handshake header (type 4 = new_session_ticket).
def _ticket_of(message: bytes) -> bytes:
    assert message[0] == 4, message[:4].hex()
    (length,) = struct.unpack("!H", message[8:10])
    return message[10 : 10 + length]


# ----------------------------------------------------------------------------- vs s_server


def _get(
    ctx: ssl.SSLContext, port: int, session: Any = None, *, late: bool = False
) -> tuple[bool | None, Any, str]:
    """GET / from s_server -www on a raw tls.compat.SSLSocket; returns its session_reused and
    session (read before closing: a closed SSLSocket has neither, as with ssl) and the page.
    ``late``: set ``session`` on the unconnected SSLSocket, then connect (ssl allows both)."""
    if late:
        sock = ctx.wrap_socket(socket.socket(), server_hostname="localhost")
        sock.settimeout(TIMEOUT)
        sock.session = session
        sock.connect(("127.0.0.1", port))
    else:
        raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        sock = ctx.wrap_socket(raw, server_hostname="localhost", session=session)
    assert isinstance(sock, tls.compat.SSLSocket)
    with sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        page = b""
        while chunk := sock.recv(65536):
            page += chunk
        reused, got = sock.session_reused, sock.session
    assert sock.session is None and sock.session_reused is None  # closed: as ssl.SSLSocket
    return reused, got, page.decode("utf-8", "replace")


def _page_session_id(page: str) -> bytes:
    m = re.search(r"^\s*Session-ID: ([0-9A-Fa-f]*)$", page, re.MULTILINE)
    assert m, page
    return bytes.fromhex(m.group(1))


@pytest.mark.interop
@pytest.mark.parametrize(
    ("how", "server_args", "client_no_ticket"),
    [
        ("ticket", [], False),
        ("session_id_server_no_ticket", ["-no_ticket"], False),
        ("session_id_client_op_no_ticket", [], True),
    ],
)
def test_sslsocket_resumes_with_openssl_s_server(
    openssl_bin: Path,
    pki: PKI,
    how: str,
    server_args: list[str],
    client_no_ticket: bool,
) -> None:
    identity = pki.server_ecdsa
    server = SServer.start(
        openssl_bin, ["-www", "-cert", identity.chain_path, "-key", identity.key_path, *server_args]
    )
    try:
        ctx = _client_ctx(tls, pki, no_ticket=client_no_ticket)
        reused, session, page = _get(ctx, server.port)
        assert page.count("New, TLSv1.2") == 1, page
        assert reused is False
        assert isinstance(session, tls.compat.SSLSession)
        tickets = how == "ticket"
        assert session.has_ticket is tickets
        assert session.ticket_lifetime_hint == (7200 if tickets else 0)  # s_server's default
        assert session.timeout == 7200
        if tickets:  # s_server sends an empty session ID with a ticket (RFC 5077 §3.4)
            assert _page_session_id(page) == b""
            assert session.id == hashlib.sha256(session.tls12_session.ticket).digest()
        else:  # resumption by session ID: the one s_server chose
            assert session.id == _page_session_id(page) and len(session.id) == 32

        for late in (False, True):
            reused, again, page = _get(ctx, server.port, session, late=late)
            assert "Reused, TLSv1.2" in page, page
            assert reused is True
            assert again == session
            master = bytes.fromhex(www_page_facts(page)["master_key"])
            assert master == session.tls12_session.master_secret
            if not tickets:
                assert _page_session_id(page) == session.id

        stats = ctx.session_stats()
        assert (stats["connect"], stats["connect_good"], stats["hits"], stats["misses"]) == (
            3,
            3,
            2,
            0,
        )
    finally:
        server.stop()


# ----------------------------------------------------------------------------- asyncio


class _ResumingContext(tls.SSLContext):
    """asyncio's SSLProtocol calls ``wrap_bio`` without ``session=``; a context subclass that
    offers its last session is how an asyncio client resumes (with ssl as with tls.compat)."""

    last_session: Any = None

    def wrap_bio(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("session", self.last_session)
        return super().wrap_bio(*args, **kwargs)


@pytest.mark.parametrize("no_ticket", [False, True], ids=["ticket", "session_id"])
def test_asyncio_client_and_server_resume_on_tls12(pki: PKI, no_ticket: bool) -> None:
    sctx = _server_ctx(tls, pki, no_ticket=no_ticket)
    cctx = _ResumingContext(tls.PROTOCOL_TLS_CLIENT)
    cctx.load_verify_locations(pki.ca_path)
    server_seen: list[bool] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        obj = writer.get_extra_info("ssl_object")
        assert isinstance(obj, tls.compat.SSLObject)
        server_seen.append(obj.session_reused)
        writer.write((await reader.readline()).upper())
        await writer.drain()
        writer.close()

    async def fetch(port: int) -> tuple[bool, Any]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=cctx)
        obj = writer.get_extra_info("ssl_object")
        writer.write(b"ping\n")
        assert await asyncio.wait_for(reader.readline(), TIMEOUT) == b"PING\n"
        writer.close()
        await writer.wait_closed()
        return obj.session_reused, obj.session

    async def main() -> list[tuple[bool, Any]]:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=sctx)
        async with server:
            port = server.sockets[0].getsockname()[1]
            out = []
            for _ in range(3):
                reused, session = await fetch(port)
                out.append((reused, session))
                cctx.last_session = session
            return out

    results = asyncio.run(main())
    assert [r for r, _ in results] == [False, True, True]
    assert server_seen == [False, True, True]
    first = results[0][1]
    assert first.has_ticket is not no_ticket
    assert all(s == first for _, s in results)  # the same session, resumed twice
    stats = sctx.session_stats()
    assert (stats["accept"], stats["accept_good"], stats["hits"], stats["misses"]) == (3, 3, 2, 0)
    assert stats["number"] == (1 if no_ticket else 0)  # ticket sessions are not cached


# ----------------------------------------------------------------------------- against OpenSSL


@pytest.mark.parametrize(
    "no_ticket", ["none", "server", "client"], ids=["ticket", "server_op", "client_op"]
)
def test_wrap_bio_resumes_with_a_real_ssl_server(pki: PKI, no_ticket: str) -> None:
    """tls12 client (wrap_bio) against the stdlib's OpenSSL server over MemoryBIO; a real ssl
    client against the same server gives the SSLSession values ours must have."""
    sctx = _server_ctx(ssl, pki, no_ticket=no_ticket == "server")
    ours = _client_ctx(tls, pki, no_ticket=no_ticket == "client")
    theirs = _client_ctx(ssl, pki, no_ticket=no_ticket == "client")
    tickets_seen: list[bytes] = []

    def msg_cb(_conn: Any, direction: str, _v: Any, ctype: Any, mtype: Any, data: bytes) -> None:
        if direction == "read" and mtype == ssl._TLSMessageType.NEWSESSION_TICKET:  # type: ignore[attr-defined]
            tickets_seen.append(_ticket_of(data))

    theirs._msg_callback = msg_cb  # type: ignore[attr-defined]
    before = int(time.time())
    client, server = _connect(ours, sctx)
    ref_client, _ = _connect(theirs, sctx)
    after = int(time.time())
    assert client.session_reused is False and server.session_reused is False
    session, ref = client.session, ref_client.session
    assert isinstance(ref, ssl.SSLSession) and isinstance(session, tls.compat.SSLSession)
    tickets = no_ticket == "none"
    assert session.has_ticket is ref.has_ticket is tickets
    assert session.ticket_lifetime_hint == ref.ticket_lifetime_hint
    assert session.timeout == ref.timeout == DEFAULT_LIFETIME
    assert len(session.id) == len(ref.id) == 32
    assert before <= session.time <= after and before <= ref.time <= after
    if tickets:
        # OpenSSL names a ticket session by the ticket's SHA-256; so does the wrapper.
        assert ref.id == hashlib.sha256(tickets_seen[0]).digest()
        assert session.id == hashlib.sha256(session.tls12_session.ticket).digest()
    else:
        assert session.id == server.session.id  # the server's session ID

    client2, server2 = _connect(ours, sctx, session)
    assert client2.session_reused is True and server2.session_reused is True
    assert client2.session == session
    assert client2.tls12_connection.info.master_secret == session.tls12_session.master_secret
    # ssl rules: a session only resumes on its own context's connections.
    with pytest.raises(ValueError, match="different SSLContext"):
        _connect(_client_ctx(tls, pki), sctx, session)


@pytest.mark.parametrize("no_ticket", [False, True], ids=["ticket", "session_id"])
def test_real_ssl_client_resumes_with_a_tls12_server(pki: PKI, no_ticket: bool) -> None:
    sctx = _server_ctx(tls, pki, no_ticket=no_ticket)
    cctx = _client_ctx(ssl, pki)
    client, _ = _connect(cctx, sctx)
    assert client.session.has_ticket is not no_ticket
    client2, server2 = _connect(cctx, sctx, client.session)
    assert client2.session_reused is True and server2.session_reused is True


@pytest.mark.parametrize("no_ticket", [False, True], ids=["ticket", "session_id"])
def test_session_stats_count_as_openssl_does(pki: PKI, no_ticket: bool) -> None:
    """The same connections on ssl contexts and on tls contexts: equal session_stats().
    Full handshake, resumption, then a session from another server offered (a client miss;
    a server miss only for a session-ID lookup, not for a ticket that does not open)."""

    def run(module: Any) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        sctx = _server_ctx(module, pki, no_ticket=no_ticket)
        other = _server_ctx(module, pki)  # tickets on
        cctx = _client_ctx(module, pki)
        # Every object is kept alive until the counts are read: OpenSSL drops a server's
        # session from its cache when the SSL object is freed without having sent close_notify
        # (ssl_clear_bad_session); tls12 does not (see docs/COMPAT.md).
        first = _connect(cctx, sctx)
        resumed = _connect(cctx, sctx, first[0].session)
        assert resumed[0].session_reused
        foreign = _connect(cctx, other, first[0].session)
        assert not foreign[0].session_reused
        back = _connect(cctx, sctx, foreign[0].session)
        assert not back[0].session_reused
        return sctx.session_stats(), other.session_stats(), cctx.session_stats()

    expected = run(ssl)
    assert run(tls) == expected
    server, _, client = expected
    assert server["hits"] == client["hits"] == 1 and client["misses"] == 2  # not all zeros


# ----------------------------------------------------------------------------- tls12 in memory


def test_op_no_ticket_set_later_keeps_the_session_cache(pki: PKI) -> None:
    """Changing options rebuilds the server's configuration; the context's session cache and
    ticket keys survive it, as they live in OpenSSL's SSL_CTX."""
    sctx, cctx = _server_ctx(tls, pki), _client_ctx(tls, pki)
    with_ticket, _ = _connect(cctx, sctx)
    assert with_ticket.session.has_ticket
    sctx.options |= tls.compat.OP_NO_TICKET
    assert sctx.options & tls.compat.OP_NO_TICKET
    by_id, server = _connect(cctx, sctx)
    assert not by_id.session.has_ticket
    assert by_id.session.id == server.tls12_connection.info.session_id
    assert sctx.session_stats()["number"] == 1
    sctx.options &= ~tls.compat.OP_NO_TICKET
    sctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384")
    for session in (with_ticket.session, by_id.session):
        client, server = _connect(cctx, sctx, session)
        assert client.session_reused and server.session_reused


def test_session_before_and_after_the_handshake(pki: PKI) -> None:
    sctx, cctx = _server_ctx(tls, pki), _client_ctx(tls, pki)
    first, server = _connect(cctx, sctx)
    assert server.session is None  # documented: no server-side session object
    session = first.session
    pending = cctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost")
    assert pending.session is None and pending.session_reused is False
    pending.session = session
    assert pending.session == session  # the offered one, as OpenSSL's SSL_get1_session
    assert pending.session_reused is False
    # ssl.SSLSession's interface: unhashable, equal by id, not equal to other types.
    with pytest.raises(TypeError):
        hash(session)
    assert session != session.id and session.__eq__(1) is NotImplemented
    assert "SSLSession" in repr(session)


@pytest.mark.filterwarnings("ignore:ssl.PROTOCOL_TLS is deprecated:DeprecationWarning")
def test_setting_a_session_raises_as_ssl_does(pki: PKI) -> None:
    """The checks and messages of ssl (_ssl.c PySSL_set_session), in its order."""
    sctx, cctx = _server_ctx(tls, pki), _client_ctx(tls, pki)
    done, _ = _connect(cctx, sctx)
    session = done.session

    def fresh(ctx: ssl.SSLContext = cctx) -> Any:
        return ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost")

    for bad in (None, 1, "session", session.tls12_session):
        with pytest.raises(TypeError, match="Value is not a SSLSession"):
            fresh().session = bad
    with pytest.raises(ValueError, match="different SSLContext"):
        fresh(_client_ctx(tls, pki)).session = session
    with pytest.raises(ValueError, match="different SSLContext"):
        _client_ctx(tls, pki).wrap_bio(
            ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost", session=session
        )
    with pytest.raises(ValueError, match="after handshake"):
        done.session = session
    # A real OpenSSL session is from another context by construction.
    real, _ = _connect(_client_ctx(ssl, pki), _server_ctx(ssl, pki))
    with pytest.raises(ValueError, match="different SSLContext"):
        fresh().session = real.session
    # tls12 builds the ClientHello when the handshake starts: too late to offer one then.
    started = fresh()
    with pytest.raises(ssl.SSLWantReadError):
        started.do_handshake()
    with pytest.raises(ValueError, match="handshake started"):
        started.session = session
    # A server-side object of the very context the session comes from (PROTOCOL_TLS serves
    # both sides) refuses it for being a server.
    both = tls.SSLContext(tls.PROTOCOL_TLS)
    both.load_cert_chain(pki.server_ecdsa.chain_path, pki.server_ecdsa.key_path)
    client, _ = _connect(both, both)
    srv = both.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True)
    with pytest.raises(ValueError, match="server-side"):
        srv.session = client.session
