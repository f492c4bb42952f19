"""Corrupted handshake flights, at every step of a mutual-TLS handshake: whatever the damage,
the receiver ends with a TLSError (with a fatal alert queued when the error is ours), never
another exception, and never a silent success.

The handshakes are replayed byte for byte (injected randomness, deterministic RSA PKCS#1
signatures), so flight N can be corrupted and fed to a peer that has really reached the state
that expects it."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memory_pair import client_config, mini_pki, server_config
from test_replay import drbg

from records.registry import AlertDescription, SignatureScheme
from tls import TLSConnection
from tls.config import ClientAuth, ClientConfig, ServerConfig
from tls.errors import TLSError, TLSLocalAlert
from tls.suites import parse_cipher_list

KINDS = {
    "ecdhe_rsa_gcm": "ECDHE-RSA-AES128-GCM-SHA256",
    "ecdhe_rsa_cbc": "ECDHE-RSA-AES128-SHA256",
    "dhe_chacha": "DHE-RSA-CHACHA20-POLY1305",
    "rsa_kx": "AES256-GCM-SHA384",
}


def _configs(kind: str) -> tuple[ClientConfig, ServerConfig]:
    pki = mini_pki()
    suites = parse_cipher_list(KINDS[kind])
    pkcs1 = (SignatureScheme.rsa_pkcs1_sha256,)  # deterministic signatures
    client = client_config(
        cipher_suites=suites,
        credentials=(pki.client_rsa,),
        signature_schemes=pkcs1,
        random=drbg(b"fuzz client " + kind.encode()),
    )
    server = server_config(
        cipher_suites=suites,
        credentials=(pki.server_rsa,),
        signature_schemes=pkcs1,
        client_auth=ClientAuth.REQUIRED,
        client_trust=pki.trust,
        session_tickets=False,
        random=drbg(b"fuzz server " + kind.encode()),
    )
    return client, server


def _fresh(kind: str) -> tuple[TLSConnection, TLSConnection]:
    client, server = _configs(kind)  # new DRBGs: the same bytes every time
    return TLSConnection(client), TLSConnection(server)


def _record(kind: str) -> list[bytes]:
    """Flights 0 (ClientHello), 1 (server to ServerHelloDone), 2 (client Certificate …
    Finished), 3 (server ChangeCipherSpec, Finished)."""
    client, server = _fresh(kind)
    flights = [client.data_to_send()]
    server.receive_data(flights[0])
    flights.append(server.data_to_send())
    client.receive_data(flights[1])
    flights.append(client.data_to_send())
    server.receive_data(flights[2])
    flights.append(server.data_to_send())
    client.receive_data(flights[3])
    assert client.handshake_complete and server.handshake_complete
    return flights


_FLIGHTS: dict[str, list[bytes]] = {}


def _last_replayable(kind: str) -> int:
    """RSA key transport pads its encryption with OpenSSL's randomness, so the client's second
    flight (and the server's answer to it) cannot be replayed: fuzz up to flight 2 there."""
    return 2 if kind == "rsa_kx" else 3


def _flights(kind: str) -> list[bytes]:
    if kind not in _FLIGHTS:
        _FLIGHTS[kind] = _record(kind)
        last = _last_replayable(kind)
        again = _record(kind)
        assert again[:last] == _FLIGHTS[kind][:last], "the handshake must replay byte for byte"
    return _FLIGHTS[kind]


def _receiver_for(kind: str, index: int) -> TLSConnection:
    """A connection that has really reached the state expecting flight ``index``."""
    client, server = _fresh(kind)
    flights = _flights(kind)
    if index >= 1:
        server.receive_data(flights[0])
    if index >= 2:
        client.receive_data(flights[1])
    if index >= 3:
        server.receive_data(flights[2])
    return server if index % 2 == 0 else client


def _mutate(data: bytes, draw: st.DrawFn) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(out) - 1))
        how = draw(st.sampled_from(["flip", "flip", "cut", "insert", "delete", "byte"]))
        if how == "flip":
            out[pos] ^= 1 << draw(st.integers(0, 7))
        elif how == "byte":
            out[pos] = draw(st.integers(0, 255))
        elif how == "cut":
            del out[max(pos, 1) :]
        elif how == "insert":
            out[pos:pos] = draw(st.binary(min_size=1, max_size=6))
        elif len(out) > 1:
            del out[pos]
    return bytes(out)


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, int, bytes]:
    kind = draw(st.sampled_from(sorted(KINDS)))
    index = draw(st.integers(0, _last_replayable(kind)))
    original = _flights(kind)[index]
    mutated = _mutate(original, draw)
    if mutated == original:
        mutated = original[:-1]
    return kind, index, mutated


def test_unchanged_flights_complete_the_handshake():
    for kind in KINDS:
        last = _last_replayable(kind)
        receiver = _receiver_for(kind, last)
        receiver.receive_data(_flights(kind)[last])
        if last == 3:
            assert receiver.handshake_complete
        else:  # the server got the client's whole flight and answered it
            assert receiver.data_to_send() and receiver.error is None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_any_corruption_ends_in_a_tls_error(case):
    kind, index, mutated = case
    receiver = _receiver_for(kind, index)
    try:
        receiver.receive_data(mutated)
        receiver.receive_data(b"")  # and then the transport ends
        while receiver.next_event() is not None:
            pass
    except TLSError as exc:
        if isinstance(exc, TLSLocalAlert):
            assert receiver.data_to_send(), "a local alert must be queued for the peer"
            # internal_error is the connection's safety net for a bug of ours, not an answer
            assert exc.description != AlertDescription.internal_error, repr(exc.__cause__)
        return
    raise AssertionError(f"flight {index} of {kind} corrupted, yet no error")
