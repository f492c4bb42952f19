"""Python's ssl module (OpenSSL) driven in memory: two SSLObjects over MemoryBIO pairs."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from .scenarios import BenchPKI, Scenario, bench_pki


def contexts(sc: Scenario, pki: BenchPKI | None = None) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """Client and server contexts pinned to TLS 1.2, the scenario's one suite and group."""
    pki = pki or bench_pki()
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    for ctx in (client, server):
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(sc.suite)
    # Groups: OpenSSL's defaults on both sides (X25519 first, then P-256, ...), so X25519 is
    # chosen. set_ecdh_curve("X25519") would leave one group only, and in TLS 1.2 the curve of
    # each ECDSA certificate (P-256) must be among the groups too (WRONG_CURVE with mutual TLS).
    # Validation: chain to the CA and host name (PROTOCOL_TLS_CLIENT defaults).
    client.load_verify_locations(cafile=str(pki.ca_path))
    assert client.check_hostname and client.verify_mode == ssl.CERT_REQUIRED
    ident = sc.server_identity(pki)
    server.load_cert_chain(str(ident.chain_path), str(ident.key_path))
    if sc.resumed != "ticket":
        server.options |= ssl.OP_NO_TICKET  # full handshakes issue no ticket (nor does tls12)
    if sc.kex == "dhe":
        server.load_dh_params(str(pki.ffdhe2048_path))
    client_id = sc.client_identity(pki)
    if client_id is not None:
        client.load_cert_chain(str(client_id.chain_path), str(client_id.key_path))
        server.verify_mode = ssl.CERT_REQUIRED
        server.load_verify_locations(cafile=str(pki.ca_path))
    return client, server


@dataclass
class Pair:
    client: ssl.SSLObject
    server: ssl.SSLObject
    c_in: ssl.MemoryBIO
    c_out: ssl.MemoryBIO
    s_in: ssl.MemoryBIO
    s_out: ssl.MemoryBIO


def _step(obj: ssl.SSLObject) -> bool:
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        return False
    return True


def connect(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, session: ssl.SSLSession | None = None
) -> Pair:
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client = client_ctx.wrap_bio(c_in, c_out, server_hostname="localhost", session=session)
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    client_done = server_done = False
    for _ in range(10):
        client_done = client_done or _step(client)
        if c_out.pending:
            s_in.write(c_out.read())
        server_done = server_done or _step(server)
        if s_out.pending:
            c_in.write(s_out.read())
        if client_done and server_done and not c_out.pending and not s_out.pending:
            return Pair(client, server, c_in, c_out, s_in, s_out)
    raise RuntimeError("ssl handshake did not complete")


def handshake(sc: Scenario) -> Callable[[], Pair]:
    client_ctx, server_ctx = contexts(sc)
    if sc.resumed:
        return resumed(sc, client_ctx, server_ctx)

    def run() -> Pair:
        return connect(client_ctx, server_ctx)

    return run


def resumed(
    sc: Scenario, client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> Callable[[], Pair]:
    """One full handshake now (the session); each call is then one abbreviated handshake.

    OpenSSL's server cache is on by default (SSL_SESS_CACHE_SERVER); with OP_NO_TICKET the
    session is resumed by ID, without it by ticket.

    Every connection is kept alive until the benchmark ends: OpenSSL's SSL_free of a connection
    that was not shut down removes its session from the server cache (ssl_clear_bad_session), so
    dropping a pair would end resumption by ID. Keeping them costs memory, not time; shutting
    them down would add close_notify work that the tls12 rounds do not do."""
    first = connect(client_ctx, server_ctx)
    session = first.client.session
    assert session is not None
    assert session.has_ticket is (sc.resumed == "ticket")
    alive = [first]

    def run() -> Pair:
        pair = connect(client_ctx, server_ctx, session)
        if not pair.client.session_reused:
            raise RuntimeError(f"{sc.name}: ssl's server did not resume the session")
        alive.append(pair)
        return pair

    return run


@dataclass
class Transfer:
    sc: Scenario
    writes: int
    keep: bool = False
    received: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pair = connect(*contexts(self.sc))
        size = self.sc.write_size
        self.payload = (bytes(range(256)) * (size // 256 + 1))[:size]

    def round(self) -> int:
        pair, payload = self.pair, self.payload
        client, server = pair.client, pair.server
        for _ in range(self.writes):
            client.write(payload)
        pair.s_in.write(pair.c_out.read())
        total = 0
        keep = self.keep
        while True:
            try:
                data = server.read(65536)
            except ssl.SSLWantReadError:
                break
            total += len(data)
            if keep:
                self.received.append(data)
        return total


def transfer(sc: Scenario, writes: int, *, keep: bool = False) -> Transfer:
    return Transfer(sc, writes, keep)
