"""TLS 1.2 session resumption: session IDs (RFC 5246 §7.3 fig. 2) and session tickets (RFC 5077),
in memory between our client and server, and against a real OpenSSL in both roles.

In memory: resumption by session ID and by ticket, whole and byte by byte; the cases where the
server declines (cache cleared, other SNI, suite no longer accepted, EMS mismatch, client-auth
policy, tampered or expired ticket) and the one where RFC 7627 §5.3 makes it abort; the client's
checks of a ServerHello that resumes; mutual TLS keeping the client certificate; key log lines;
ticket key rotation; the session cache's bounds.

Against OpenSSL (openssl 3.0; its own reports are the witness): our client resumes with
``s_server -tls1_2 -www`` (the status page says "Reused, TLSv1.2"), and ``s_client -sess_out`` /
``-sess_in`` resumes with our TLSServer (s_client prints "Reused, TLSv1.2").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from memory_pair import Pair, byte_by_byte, client_config, mini_pki, server_config, whole
from openssl_peer import SServer, run_s_client, www_page_facts
from pki_fixtures import PKI

from records.extensions import (
    ExtendedMasterSecretExtension,
    RenegotiationInfoExtension,
    SessionTicketExtension,
)
from records.handshake import ServerHello
from records.record import build_header
from records.registry import AlertDescription, ContentType
from tls import TLSConnection
from tls.config import ClientAuth, ClientConfig, ServerConfig
from tls.errors import ConfigError, TLSLocalAlert, TLSRemoteAlert
from tls.events import ApplicationData
from tls.session import Session, SessionCache, SessionState, TicketKeys
from tls.sockets import TLSServer, TLSSocket, connect
from tls.suites import parse_cipher_list

A = AlertDescription
GCM128 = parse_cipher_list("ECDHE-ECDSA-AES128-GCM-SHA256")[0]
GCM256 = parse_cipher_list("ECDHE-ECDSA-AES256-GCM-SHA384")[0]


class Recorder:
    """msg_callback collecting (direction, message type name)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, direction: str, message: Any) -> None:
        self.seen.append((direction, type(message).__name__))

    def received(self) -> list[str]:
        return [name for d, name in self.seen if d == "received"]

    def sent(self) -> list[str]:
        return [name for d, name in self.seen if d == "sent"]


def full(client: ClientConfig, server: ServerConfig) -> Pair:
    pair = Pair(client, server).handshake()
    assert not pair.client.info.resumed and not pair.server.info.resumed
    return pair


def again(
    client: ClientConfig, server: ServerConfig, session: Session | None, split: Any = whole
) -> Pair:
    """A second connection offering ``session``."""
    return offering_pair(client, server, session).handshake(split)


def offering_pair(client: ClientConfig, server: ServerConfig, session: Session | None) -> Pair:
    pair = Pair.__new__(Pair)
    pair.client = TLSConnection(client, session=session)
    pair.server = TLSConnection(server)
    pair.client_events, pair.server_events = [], []
    return pair


def roundtrip(pair: Pair) -> None:
    pair.client.send(b"ping")
    pair.server.send(b"pong")
    pair.pump()
    assert [e.data for e in pair.server_events if isinstance(e, ApplicationData)] == [b"ping"]
    assert [e.data for e in pair.client_events if isinstance(e, ApplicationData)] == [b"pong"]


# ------------------------------------------------------------------------------ happy paths


@pytest.mark.parametrize("split", [whole, byte_by_byte], ids=["whole", "byte_by_byte"])
def test_session_id_resumption(split: Any) -> None:
    client = client_config(session_tickets=False)
    server = server_config()
    first = full(client, server)
    session = first.client.session
    assert session is not None and len(session.session_id) == 32 and session.ticket == b""
    assert session.session_id == first.server.info.session_id
    rec = Recorder()
    second = again(dataclasses.replace(client, msg_callback=rec), server, session, split)
    assert second.client.info.resumed and second.server.info.resumed
    assert second.client.info.session_id == session.session_id
    assert second.server.info.master_secret == session.master_secret
    # RFC 5246 §7.3 fig. 2: ServerHello, then the server's ChangeCipherSpec and Finished.
    assert rec.received() == ["ServerHello", "Finished"]
    assert rec.sent() == ["ClientHello", "Finished"]
    assert second.client.info.peer_certificates == list(session.peer_certificates)
    assert second.client.info.peer_certificates[0].subject == mini_pki().server_ecdsa.leaf.subject
    assert second.client.session == session
    roundtrip(second)


@pytest.mark.parametrize("split", [whole, byte_by_byte], ids=["whole", "byte_by_byte"])
def test_ticket_resumption(split: Any) -> None:
    client, server = client_config(), server_config()
    rec = Recorder()
    first = full(client, dataclasses.replace(server, msg_callback=rec))
    # RFC 5077 §3.3: NewSessionTicket after the client's Finished, before our ChangeCipherSpec.
    assert rec.sent()[-2:] == ["NewSessionTicket", "Finished"]
    assert rec.received()[-1] == "Finished"
    session = first.client.session
    assert session is not None and session.ticket and session.ticket_lifetime_hint == 7200
    # RFC 5077 §3.4: a server issuing a ticket sends an empty session ID (nothing cached).
    assert session.session_id == b"" and first.server.info.session_id == b""
    assert server.sessions is not None and len(server.sessions) == 0
    second = again(client, server, session, split)
    assert second.client.info.resumed and second.server.info.resumed
    # The ServerHello echoes the session ID the client generated for the ticket.
    assert len(second.server.info.session_id) == 32
    assert second.client.info.master_secret == session.master_secret
    assert second.client.session == session  # no new ticket: same key, same session
    roundtrip(second)


def test_ticket_is_opaque_and_sealed_under_the_configured_key() -> None:
    server = server_config()
    session = full(client_config(), server).client.session
    assert session is not None and server.ticket_keys is not None
    ticket = session.ticket
    assert ticket[:16] == server.ticket_keys.current.name
    assert session.master_secret not in ticket
    opened = server.ticket_keys.open(ticket)
    assert opened is not None
    state, renew = opened
    assert state.master_secret == session.master_secret and not renew
    assert state.server_name == "localhost" and state.extended_master_secret


@pytest.mark.parametrize("tickets", [True, False], ids=["ticket", "session_id"])
def test_mutual_tls_resumption_keeps_the_client_certificate(tickets: bool) -> None:
    pki = mini_pki()
    client = client_config(credentials=(pki.client_ecdsa,), session_tickets=tickets)
    server = server_config(client_auth=ClientAuth.REQUIRED, client_trust=pki.trust)
    first = full(client, server)
    assert first.server.info.peer_certificates[0] == pki.client_ecdsa.leaf
    second = again(client, server, first.client.session)
    assert second.server.info.resumed
    assert second.server.info.peer_certificates[0] == pki.client_ecdsa.leaf
    assert [c.subject for c in second.server.info.peer_certificates] == [
        c.subject for c in pki.client_ecdsa.chain
    ]
    assert second.server.info.client_certificate_sent
    roundtrip(second)


def test_keylog_has_a_line_for_the_resumed_handshake() -> None:
    lines: list[str] = []
    client = client_config(keylog=lines.append)
    server = server_config()
    first = full(client, server)
    second = again(client, server, first.client.session)
    info = second.client.info
    assert info.client_random != first.client.info.client_random
    assert lines[-1] == f"CLIENT_RANDOM {info.client_random.hex()} {info.master_secret.hex()}"
    assert info.master_secret == first.client.info.master_secret


def test_alpn_is_negotiated_again_on_resumption() -> None:
    server = server_config(alpn_protocols=(b"h2", b"http/1.1"))
    first = full(client_config(alpn_protocols=(b"h2",)), server)
    second = again(client_config(alpn_protocols=(b"http/1.1",)), server, first.client.session)
    assert second.client.info.resumed
    assert second.client.info.alpn_protocol == second.server.info.alpn_protocol == b"http/1.1"


# ------------------------------------------------------------------------------ server declines


def assert_full(pair: Pair, offered: Session) -> None:
    assert not pair.client.info.resumed and not pair.server.info.resumed
    assert pair.client.info.master_secret != offered.master_secret
    assert pair.client.session is not None and pair.client.session != offered
    roundtrip(pair)


def test_cleared_cache_means_a_full_handshake() -> None:
    client, server = client_config(session_tickets=False), server_config()
    session = full(client, server).client.session
    assert session is not None and server.sessions is not None
    server.sessions.clear()
    second = again(client, server, session)
    assert_full(second, session)
    assert second.client.info.session_id not in (b"", session.session_id)


def test_session_cache_off_sends_no_session_id() -> None:
    pair = full(client_config(session_tickets=False), server_config(session_cache=False))
    assert pair.client.session is not None and not pair.client.session.resumable


def test_other_sni_is_not_resumed() -> None:
    server = server_config()
    session = full(client_config(), server).client.session
    assert session is not None
    # Offered under another name (here an IP address: no SNI at all), the server must not resume
    # (RFC 6066 §3).
    client = client_config(server_name="127.0.0.1")
    moved = dataclasses.replace(session, server_name="127.0.0.1")
    assert_full(again(client, server, moved), moved)


def test_client_does_not_offer_a_session_to_another_name() -> None:
    server = server_config()
    session = full(client_config(), server).client.session
    pair = again(client_config(server_name="127.0.0.1"), server, session)
    assert not pair.client.info.resumed
    hello = pair.client.transcript.messages()
    assert hello[38] == 0  # ClientHello.session_id: empty (after type, length, version, random)
    assert session is not None and session.ticket not in hello


def test_suite_no_longer_accepted_is_not_resumed() -> None:
    server = server_config(cipher_suites=(GCM128, GCM256))
    client = client_config(cipher_suites=(GCM128, GCM256))
    session = full(client, server).client.session
    assert session is not None and session.suite is GCM128
    # The same configuration's sessions and keys, now without the session's suite.
    narrowed = dataclasses.replace(server, cipher_suites=(GCM256,))
    pair = again(client, narrowed, session)
    assert_full(pair, session)
    assert pair.client.info.suite is GCM256


def test_client_does_not_offer_a_session_whose_suite_it_no_longer_offers() -> None:
    server = server_config()
    session = full(client_config(cipher_suites=(GCM128,)), server).client.session
    pair = again(client_config(cipher_suites=(GCM256,)), server, session)
    assert not pair.client.info.resumed and pair.client.info.suite is GCM256


def test_non_ems_session_is_not_resumed_when_the_client_offers_ems() -> None:
    server = server_config()
    old = full(client_config(offer_extended_master_secret=False), server).client.session
    assert old is not None and not old.extended_master_secret
    # RFC 7627 §5.3: the server MUST NOT resume it; a full handshake follows. (Our client would
    # not offer it, so the session is relabelled to make it.)
    relabelled = dataclasses.replace(old, extended_master_secret=True)
    pair = again(client_config(), server, relabelled)
    assert_full(pair, relabelled)
    assert pair.client.info.extended_master_secret


def test_non_ems_session_is_not_resumed_without_ems_either() -> None:
    client = client_config(offer_extended_master_secret=False)
    server = server_config()
    session = full(client, server).client.session
    # Neither side uses EMS: RFC 7627 §5.3 says SHOULD abort; tls12 does a full handshake
    # rather than an insecure resumption.
    assert session is not None
    assert_full(again(client, server, session), session)


def test_ems_session_offered_without_ems_aborts() -> None:
    server = server_config()
    session = full(client_config(), server).client.session
    assert session is not None
    relabelled = dataclasses.replace(session, extended_master_secret=False)
    pair = offering_pair(client_config(offer_extended_master_secret=False), server, relabelled)
    pair.pump()
    # RFC 7627 §5.3: the original session used EMS, the new ClientHello does not: MUST abort.
    assert isinstance(pair.server.error, TLSLocalAlert)
    assert pair.server.error.description == A.handshake_failure
    assert "RFC 7627" in str(pair.server.error)
    assert isinstance(pair.client.error, TLSRemoteAlert)


def test_session_without_client_certificate_is_not_resumed_where_one_is_required() -> None:
    pki = mini_pki()
    optional = server_config(client_auth=ClientAuth.OPTIONAL, client_trust=pki.trust)
    session = full(client_config(credentials=()), optional).client.session
    assert session is not None
    required = dataclasses.replace(optional, client_auth=ClientAuth.REQUIRED)
    client = client_config(credentials=(pki.client_ecdsa,))
    pair = again(client, required, session)
    assert_full(pair, session)
    assert pair.server.info.peer_certificates[0] == pki.client_ecdsa.leaf


def test_tampered_ticket_means_a_full_handshake_not_an_error() -> None:
    client, server = client_config(), server_config()
    session = full(client, server).client.session
    assert session is not None
    for pos in (0, 20, len(session.ticket) - 1):  # key name, nonce, tag
        bad = bytearray(session.ticket)
        bad[pos] ^= 0x01
        tampered = dataclasses.replace(session, ticket=bytes(bad))
        pair = again(client, server, tampered)
        assert_full(pair, tampered)
        assert pair.client.session is not None and pair.client.session.ticket  # a fresh one


def test_expired_ticket_means_a_full_handshake() -> None:
    client, server = client_config(), server_config(ticket_lifetime=3600)
    session = full(client, server).client.session
    assert session is not None and session.ticket_lifetime_hint == 3600
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    # Same ticket keys (dataclasses.replace shares them); only the server's clock moved.
    server_later = dataclasses.replace(server, now=lambda: later)
    assert_full(again(client, server_later, session), session)
    # Still within the lifetime on that clock: resumed.
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
    assert again(client, dataclasses.replace(server, now=lambda: soon), session).server.info.resumed


def test_expired_cache_entry_means_a_full_handshake() -> None:
    client, server = client_config(session_tickets=False), server_config(ticket_lifetime=60)
    session = full(client, server).client.session
    assert session is not None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    assert_full(again(client, dataclasses.replace(server, now=lambda: later), session), session)


def test_client_does_not_offer_a_ticket_past_its_lifetime_hint() -> None:
    server = server_config(ticket_lifetime=60)
    session = full(client_config(), server).client.session
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    pair = again(client_config(now=lambda: later), server, session)
    assert not pair.client.info.resumed
    assert session is not None and session.ticket not in pair.client.transcript.messages()


def test_rotated_key_still_opens_old_tickets_and_renews_them() -> None:
    client, server = client_config(), server_config()
    session = full(client, server).client.session
    assert session is not None and server.ticket_keys is not None
    old_name = server.ticket_keys.current.name
    new_key = server.ticket_keys.rotate()
    rec = Recorder()
    pair = again(dataclasses.replace(client, msg_callback=rec), server, session)
    assert pair.client.info.resumed
    assert rec.received() == ["ServerHello", "NewSessionTicket", "Finished"]
    renewed = pair.client.session
    assert renewed is not None and renewed.ticket[:16] == new_key.name != old_name
    assert renewed.master_secret == session.master_secret
    # Rotated out entirely (keep=2 earlier keys): the old ticket no longer opens.
    server.ticket_keys.rotate()
    server.ticket_keys.rotate()
    assert_full(again(client, server, session), session)
    assert again(client, server, renewed).client.info.resumed


def test_tickets_off_on_the_server() -> None:
    client, server = client_config(), server_config(session_tickets=False)
    pair = full(client, server)
    session = pair.client.session
    assert session is not None and session.ticket == b"" and len(session.session_id) == 32
    assert again(client, server, session).client.info.resumed


# ------------------------------------------------------------------------------ client checks


def _server_hello_record(session_id: bytes, suite: int, ems: bool, ticket: bool = False) -> bytes:
    exts: list[Any] = [RenegotiationInfoExtension(renegotiated_connection=b"")]
    if ems:
        exts.append(ExtendedMasterSecretExtension())
    if ticket:
        exts.append(SessionTicketExtension())
    raw = ServerHello(
        server_version=0x0303,
        random=bytes(range(32)),
        session_id=session_id,
        cipher_suite=suite,
        compression_method=0,
        extensions=exts,
    ).build()
    return build_header(ContentType.handshake, 0x0303, len(raw)) + raw


def _offering(client: ClientConfig) -> tuple[TLSConnection, Session]:
    server = server_config()
    session = full(client, server).client.session
    assert session is not None
    conn = TLSConnection(client, session=session)
    conn.data_to_send()
    return conn, session


def test_client_refuses_a_resumption_with_another_suite() -> None:
    client = client_config(cipher_suites=(GCM128, GCM256), session_tickets=False)
    conn, session = _offering(client)
    assert session.suite is GCM128
    conn.receive_data(_server_hello_record(session.session_id, GCM256.code, ems=True))
    with pytest.raises(TLSLocalAlert) as exc:
        conn.next_event()
    assert exc.value.description == A.illegal_parameter
    assert "cipher suite" in str(exc.value)


def test_client_aborts_a_resumption_that_drops_ems() -> None:
    conn, session = _offering(client_config(session_tickets=False))
    conn.receive_data(_server_hello_record(session.session_id, session.suite.code, ems=False))
    with pytest.raises(TLSLocalAlert) as exc:
        conn.next_event()
    assert exc.value.description == A.handshake_failure  # RFC 7627 §5.3
    assert "RFC 7627" in str(exc.value)


def test_client_refuses_an_abbreviated_handshake_it_did_not_offer() -> None:
    conn = TLSConnection(client_config())
    hello = _server_hello_record(b"\x07" * 32, GCM128.code, ems=True)
    ccs = build_header(ContentType.change_cipher_spec, 0x0303, 1) + b"\x01"
    conn.receive_data(hello + ccs)
    with pytest.raises(TLSLocalAlert) as exc:
        conn.next_event()
    assert exc.value.description == A.unexpected_message
    assert "ChangeCipherSpec" in str(exc.value)


def test_client_needs_the_ticket_the_server_promised() -> None:
    # The ServerHello echoed session_ticket: NewSessionTicket MUST come before the server's
    # ChangeCipherSpec (RFC 5077 §3.3).
    conn, session = _offering(client_config())
    hello = _server_hello_record(conn.transcript.messages()[39:71], session.suite.code, True, True)
    ccs = build_header(ContentType.change_cipher_spec, 0x0303, 1) + b"\x01"
    conn.receive_data(hello)
    assert conn.info.resumed and conn.state_name == "ExpectNewSessionTicket"
    conn.receive_data(ccs)
    with pytest.raises(TLSLocalAlert) as exc:
        conn.next_event()
    assert exc.value.description == A.unexpected_message
    assert "new_session_ticket" in str(exc.value)


def test_server_refuses_a_session_argument() -> None:
    session = full(client_config(), server_config()).client.session
    with pytest.raises(ConfigError):
        TLSConnection(server_config(), session=session)


# ------------------------------------------------------------------------------ building blocks


def _state(n: int = 0) -> SessionState:
    return SessionState.new(
        version=0x0303,
        cipher_suite=GCM128.code,
        master_secret=bytes([n]) * 48,
        extended_master_secret=True,
        created=1_700_000_000,
        server_name="example.com",
        alpn=b"h2",
        client_chain=(b"\x30\x03\x02\x01\x01", b"\x30\x00"),
    )


def test_session_state_round_trips() -> None:
    state = _state(5)
    assert SessionState.from_bytes(state.to_bytes()) == state
    bare = dataclasses.replace(state, sni=b"", alpn_protocol=b"", client_chain=[])
    assert bare.server_name is None and bare.alpn is None
    assert SessionState.from_bytes(bare.to_bytes()) == bare
    assert SessionState.from_bytes(state.to_bytes() + b"\x00") is None  # trailing bytes
    assert SessionState.from_bytes(b"\x02" + state.to_bytes()[1:]) is None  # unknown format
    assert SessionState.from_bytes(b"") is None


def test_ticket_keys_refuse_garbage() -> None:
    keys = TicketKeys.generate(__import__("os").urandom)
    ticket = keys.seal(_state(), __import__("os").urandom)
    assert keys.open(ticket) == (_state(), False)
    for bad in (b"", b"\x00" * 43, ticket[:-1], ticket + b"\x00", b"\x00" * len(ticket)):
        assert keys.open(bad) is None
    assert TicketKeys.generate(__import__("os").urandom).open(ticket) is None


def test_session_cache_is_bounded_lru_with_a_lifetime() -> None:
    cache = SessionCache(capacity=2, lifetime=100)
    now = _state().created
    cache.put(b"a", _state(1))
    cache.put(b"b", _state(2))
    assert cache.get(b"a", now) == _state(1)  # a is now the most recent
    cache.put(b"c", _state(3))  # evicts b
    assert cache.get(b"b", now) is None
    assert cache.get(b"a", now) == _state(1) and cache.get(b"c", now) == _state(3)
    assert cache.get(b"a", now + 100) is None  # expired, and dropped
    assert len(cache) == 1
    with pytest.raises(ValueError):
        SessionCache(capacity=0)


def test_session_cache_is_thread_safe() -> None:
    cache = SessionCache(capacity=64)
    now = _state().created
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(500):
                key = bytes([k, i % 100])
                cache.put(key, _state(k))
                got = cache.get(key, now)
                assert got is None or got.master_secret == bytes([k]) * 48
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(cache) == 64


def test_server_config_validates_ticket_lifetime() -> None:
    with pytest.raises(ConfigError):
        server_config(ticket_lifetime=0)


# ------------------------------------------------------------------------------ OpenSSL


def _www_args(pki: PKI) -> list[Any]:
    return ["-www", "-cert", pki.server_ecdsa.chain_path, "-key", pki.server_ecdsa.key_path]


def _get(port: int, config: ClientConfig, session: Session | None) -> tuple[TLSSocket, str]:
    with connect("127.0.0.1", port, config, timeout=30, session=session) as tls:
        tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
        page = bytearray()
        while chunk := tls.recv():
            page += chunk
    return tls, page.decode("utf-8", "replace")


@pytest.mark.interop
@pytest.mark.parametrize("tickets", [True, False], ids=["ticket", "session_id"])
def test_our_client_resumes_with_openssl_s_server(
    request: pytest.FixtureRequest, openssl_bin: Path, pki: PKI, tickets: bool
) -> None:
    args = _www_args(pki) + ([] if tickets else ["-no_ticket"])
    server = SServer.start(openssl_bin, args)
    request.addfinalizer(server.stop)
    rec = Recorder()
    config = ClientConfig.create(cafile=pki.ca_path, msg_callback=rec)
    first, page = _get(server.port, config, None)
    assert page.count("New, TLSv1.2") == 1, page
    session = first.session
    assert session is not None
    assert bool(session.ticket) is tickets
    assert "Certificate" in rec.received()
    rec.seen.clear()
    second, page = _get(server.port, config, session)
    assert "Reused, TLSv1.2" in page, page
    assert second.info.resumed
    assert "Certificate" not in rec.received()
    assert bytes.fromhex(www_page_facts(page)["master_key"]) == session.master_secret
    assert second.info.peer_certificates == list(session.peer_certificates)


def _s_client_twice(openssl: Path, port: int, pki: PKI, tmp: Path, extra: list[str]) -> list[str]:
    sess = tmp / "session.pem"
    out = []
    for args in (["-sess_out", sess], ["-sess_in", sess]):
        result = run_s_client(openssl, port, ["-CAfile", pki.ca_path, *extra, *args], b"hello\n")
        assert result.returncode == 0, result.describe()
        assert "echo: hello" in result.stdout, result.describe()
        out.append(result.output)
    return out


@pytest.mark.interop
@pytest.mark.parametrize("tickets", [True, False], ids=["ticket", "session_id"])
@pytest.mark.parametrize("verify", ["none", "required"])
def test_openssl_s_client_resumes_with_our_server(
    openssl_bin: Path, pki: PKI, tmp_path: Path, tickets: bool, verify: str
) -> None:
    infos: list[Any] = []
    errors: list[BaseException] = []

    def handle(tls: TLSSocket) -> None:
        infos.append(tls.info)
        line = b""
        while b"\n" not in line and (chunk := tls.recv()):
            line += chunk
        tls.sendall(b"echo: " + line)

    config = ServerConfig.create(
        certfile=pki.server_ecdsa.chain_path,
        keyfile=pki.server_ecdsa.key_path,
        verify=verify,
        cafile=pki.ca_path if verify != "none" else None,
        session_tickets=tickets,
    )
    server = TLSServer(("127.0.0.1", 0), config, handle, on_error=lambda _p, e: errors.append(e))
    server.start()
    try:
        extra = [] if tickets else ["-no_ticket"]
        if verify != "none":
            extra += ["-cert", str(pki.client_ecdsa.chain_path)]
            extra += ["-key", str(pki.client_ecdsa.key_path)]
        first, second = _s_client_twice(openssl_bin, server.address[1], pki, tmp_path, extra)
    finally:
        server.shutdown()
    assert "New, TLSv1.2" in first
    assert "Reused, TLSv1.2" in second, second
    assert not errors, errors
    assert [i.resumed for i in infos] == [False, True]
    if verify == "required":
        assert infos[1].peer_certificates[0].subject == pki.client_ecdsa.cert.subject


# ------------------------------------------------------------------------------ benchmarks


@pytest.mark.parametrize("impl", ["tls12", "ssl", "tlslite"])
@pytest.mark.parametrize("how", ["session_id", "ticket"])
def test_bench_resumed_scenarios_really_resume(impl: str, how: str) -> None:
    """The resumed-handshake benchmarks time abbreviated handshakes on every implementation
    (each round raises if the server did not resume; here the results are looked at too)."""
    from bench import impl_ssl, impl_tls12, impl_tlslite
    from bench.report import Result, render
    from bench.scenarios import SCENARIOS

    sc = SCENARIOS[f"handshake_resumed_{how}"]
    run = {"tls12": impl_tls12, "ssl": impl_ssl, "tlslite": impl_tlslite}[impl].handshake(sc)
    for _ in range(2):
        pair = run()
        if impl == "tls12":
            assert pair[0].info.resumed and pair[1].info.resumed
        elif impl == "ssl":
            assert pair.client.session_reused and pair.server.session_reused
            assert pair.client.session.has_ticket is (how == "ticket")
        else:
            assert pair.client.resumed and pair.server.resumed
    text = render({(sc.name, "tls12"): Result(sc, "tls12", 0.001, 3, 1)}, {}, "no chart", None)
    assert f"| `{sc.name}` | 1.00 ms | - | - | n/a (full handshakes only) |" in text
