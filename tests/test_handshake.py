"""In-memory client ↔ server handshakes over the sans-IO core: every key exchange and suite
family, mutual TLS policies, odd input splits, and the error paths of the state machines."""

from __future__ import annotations

import pytest
from memory_pair import Pair, byte_by_byte, client_config, mini_pki, server_config

from records.registry import AlertDescription, NamedGroup, SignatureScheme
from tls.config import ClientAuth
from tls.errors import CertificateError, TLSLocalAlert, TLSRemoteAlert, TruncationError
from tls.events import AlertReceived, ApplicationData, ConnectionClosed, HandshakeComplete
from tls.suites import SUITES, KeyExchange, parse_cipher_list
from tls.trust import AllowList

A = AlertDescription


def _roundtrip(pair: Pair) -> None:
    pair.client.send(b"ping from client")
    pair.server.send(b"pong from server" * 2000)  # > 2^14: several records
    pair.pump()
    assert b"".join(e.data for e in pair.server_events if isinstance(e, ApplicationData)) == (
        b"ping from client"
    )
    got = b"".join(e.data for e in pair.client_events if isinstance(e, ApplicationData))
    assert got == b"pong from server" * 2000


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
def test_every_suite_handshakes_and_carries_data(suite):
    pair = Pair(
        client_config(cipher_suites=(suite,)), server_config(cipher_suites=(suite,))
    ).handshake()
    assert pair.client.info.suite is suite and pair.server.info.suite is suite
    assert pair.client.info.master_secret == pair.server.info.master_secret
    assert pair.client.info.extended_master_secret
    assert pair.client.info.encrypt_then_mac is (not suite.is_aead)
    if suite.kex is KeyExchange.DHE:
        assert pair.client.info.group == NamedGroup.ffdhe2048
    _roundtrip(pair)


@pytest.mark.parametrize(
    "group",
    [
        NamedGroup.x25519,
        NamedGroup.secp256r1,
        NamedGroup.secp384r1,
        NamedGroup.x448,
        NamedGroup.secp521r1,
    ],
)
def test_ecdhe_groups_follow_the_client(group):
    pair = Pair(client_config(groups=(group,)), server_config()).handshake()
    assert pair.client.info.group == group == pair.server.info.group


@pytest.mark.parametrize("split", ["whole", "byte_by_byte"])
@pytest.mark.parametrize("client_creds", ["client_rsa", "client_ecdsa"])
def test_mutual_tls_required(split, client_creds):
    pki = mini_pki()
    creds = getattr(pki, client_creds)
    pair = Pair(
        client_config(credentials=(creds,)),
        server_config(client_auth=ClientAuth.REQUIRED, client_trust=pki.trust),
    )
    pair.handshake(byte_by_byte if split == "byte_by_byte" else (lambda d: [d] if d else []))
    assert pair.server.info.peer_certificates[0] == creds.leaf
    assert pair.client.info.client_certificate_sent
    assert pair.server.info.client_signature_scheme is not None
    _roundtrip(pair)


def test_required_mode_refuses_a_client_without_certificate():
    pki = mini_pki()
    pair = Pair(
        client_config(), server_config(client_auth=ClientAuth.REQUIRED, client_trust=pki.trust)
    )
    pair.pump()
    assert isinstance(pair.server.error, CertificateError)
    assert pair.server.error.description == A.handshake_failure
    assert "requires" in str(pair.server.error)
    assert isinstance(pair.client.error, TLSRemoteAlert)
    assert pair.client.error.description == A.handshake_failure


def test_optional_mode_accepts_a_client_without_certificate():
    pki = mini_pki()
    pair = Pair(
        client_config(), server_config(client_auth=ClientAuth.OPTIONAL, client_trust=pki.trust)
    ).handshake()
    assert pair.server.info.peer_certificates == []
    assert not pair.client.info.client_certificate_sent


def test_untrusted_client_certificate_is_refused():
    pki = mini_pki()
    pair = Pair(
        client_config(credentials=(pki.other_ca_client,)),
        server_config(client_auth=ClientAuth.REQUIRED, client_trust=pki.trust),
    )
    pair.pump()
    assert isinstance(pair.server.error, CertificateError)
    assert isinstance(pair.client.error, TLSRemoteAlert)
    assert pair.client.error.description == pair.server.error.description


def test_allow_list_accepts_a_listed_self_signed_client_and_refuses_an_unlisted_one():
    pki = mini_pki()
    allow = AllowList.from_items([pki.client_selfsigned.leaf])
    pair = Pair(
        client_config(credentials=(pki.client_selfsigned,)),
        server_config(client_auth=ClientAuth.REQUIRED, client_allow_list=allow),
    )
    pair.handshake()
    assert pair.server.info.peer_certificates[0] == pki.client_selfsigned.leaf
    # CA-signed but not listed: refused even though the CA is trusted.
    pair = Pair(
        client_config(credentials=(pki.client_ecdsa,)),
        server_config(
            client_auth=ClientAuth.REQUIRED, client_trust=pki.trust, client_allow_list=allow
        ),
    )
    pair.pump()
    assert isinstance(pair.server.error, CertificateError)


def test_client_refuses_a_server_it_does_not_trust():
    from tls.trust import TrustStore

    other = TrustStore.from_certificates([mini_pki().other_ca_client.chain[1]])
    pair = Pair(client_config(trust=other), server_config())
    pair.pump()
    assert isinstance(pair.client.error, CertificateError)
    assert pair.client.error.description == A.unknown_ca
    assert isinstance(pair.server.error, TLSRemoteAlert)


def test_client_refuses_wrong_host_name():
    pair = Pair(client_config(server_name="example.com"), server_config())
    pair.pump()
    assert isinstance(pair.client.error, CertificateError)
    assert "example.com" in str(pair.client.error)


def test_insecure_skip_verify_accepts_anything():
    pair = Pair(
        client_config(server_name="example.com", trust=None, insecure_skip_verify=True),
        server_config(),
    ).handshake()
    assert pair.client.info.peer_certificates


def test_no_shared_suite_is_a_handshake_failure_naming_both_lists():
    pair = Pair(
        client_config(cipher_suites=parse_cipher_list("ECDHE-ECDSA-AES128-GCM-SHA256")),
        server_config(cipher_suites=parse_cipher_list("ECDHE-RSA-AES256-GCM-SHA384")),
    )
    pair.pump()
    assert isinstance(pair.server.error, TLSLocalAlert)
    assert pair.server.error.description == A.handshake_failure
    assert "ECDHE-ECDSA-AES128-GCM-SHA256" in str(pair.server.error)
    assert isinstance(pair.client.error, TLSRemoteAlert)


def test_server_signature_scheme_follows_client_list():
    pair = Pair(
        client_config(signature_schemes=(SignatureScheme.rsa_pss_rsae_sha384,)),
        server_config(credentials=(mini_pki().server_rsa,)),
    ).handshake()
    assert pair.client.info.server_signature_scheme == SignatureScheme.rsa_pss_rsae_sha384


def test_close_notify_is_answered_and_delivers_everything_before_it():
    pair = Pair(client_config(), server_config()).handshake()
    pair.server.send(b"last words")
    pair.server.close()
    pair.pump()
    kinds = [type(e) for e in pair.client_events]
    assert kinds[-2:] == [ApplicationData, ConnectionClosed]
    assert pair.client.close_sent  # answered
    assert any(isinstance(e, ConnectionClosed) for e in pair.server_events)


def test_eof_without_close_notify_is_truncation_after_the_data():
    pair = Pair(client_config(), server_config()).handshake()
    pair.server.send(b"partial")
    pair.client.receive_data(pair.server.data_to_send())
    pair.client.receive_data(b"")
    assert isinstance(pair.client.next_event(), ApplicationData)
    with pytest.raises(TruncationError):
        pair.client.next_event()


def test_tampered_record_is_bad_record_mac_after_earlier_data():
    pair = Pair(client_config(), server_config()).handshake()
    pair.server.send(b"good")
    good = pair.server.data_to_send()
    pair.server.send(b"evil")
    bad = bytearray(pair.server.data_to_send())
    bad[-1] ^= 1
    pair.client.receive_data(good + bytes(bad))
    ev = pair.client.next_event()
    assert isinstance(ev, ApplicationData) and ev.data == b"good"
    with pytest.raises(TLSLocalAlert) as info:
        pair.client.next_event()
    assert info.value.description == A.bad_record_mac
    assert pair.client.data_to_send()  # the fatal alert
    with pytest.raises(TLSLocalAlert):  # every later call raises the same error
        pair.client.send(b"x")


def test_unexpected_message_is_refused():
    pair = Pair(client_config(), server_config())
    hello = pair.client.data_to_send()
    pair.client.receive_data(hello)  # a ClientHello is not what a client expects
    with pytest.raises(TLSLocalAlert) as info:
        pair.client.next_event()
    assert info.value.description == A.unexpected_message
    assert "client_hello" in str(info.value)


def test_application_data_before_the_handshake_is_unexpected():
    pair = Pair(client_config(), server_config())
    pair.server.receive_data(b"\x17\x03\x03\x00\x01x")
    with pytest.raises(TLSLocalAlert) as info:
        pair.server.next_event()
    assert info.value.description == A.unexpected_message


def test_renegotiation_is_refused_with_a_warning():
    pair = Pair(client_config(), server_config()).handshake()
    from records.handshake import HelloRequest

    pair.server._write_record(22, HelloRequest().build())
    pair.pump()
    assert pair.client.error is None
    alerts = [e for e in pair.server_events if isinstance(e, AlertReceived)]
    assert alerts and alerts[0].description == A.no_renegotiation
    _roundtrip(pair)


def test_handshake_complete_event_comes_once_each_side():
    pair = Pair(client_config(), server_config()).handshake()
    assert sum(isinstance(e, HandshakeComplete) for e in pair.client_events) == 1
    assert sum(isinstance(e, HandshakeComplete) for e in pair.server_events) == 1


def test_keylog_lines_match_the_master_secret():
    lines: list[str] = []
    pair = Pair(client_config(keylog=lines.append), server_config()).handshake()
    info = pair.client.info
    assert lines == [f"CLIENT_RANDOM {info.client_random.hex()} {info.master_secret.hex()}"]


def test_a_new_client_hello_after_the_handshake_is_refused_with_a_warning():
    from tls import TLSConnection

    pair = Pair(client_config(), server_config()).handshake()
    second_hello = TLSConnection(client_config()).transcript.messages()
    pair.client._write_record(22, second_hello)  # renegotiation attempt, encrypted
    pair.pump()
    assert pair.server.error is None
    alerts = [e for e in pair.client_events if isinstance(e, AlertReceived)]
    assert alerts and alerts[0].description == A.no_renegotiation
    _roundtrip(pair)


def test_handshake_message_split_across_many_records_and_sharing_them():
    """A server flight re-framed into 7-byte records (messages span records) still works, and the
    whole flight in one write (messages share records) too."""
    from records.record import HEADER_SIZE, split_records

    pair = Pair(client_config(), server_config())
    pair.server.receive_data(pair.client.data_to_send())
    flight = pair.server.data_to_send()
    records, rest = split_records(flight)
    assert not rest and all(r.content_type == 22 for r in records)
    payload = b"".join(r.fragment for r in records)
    reframed = b"".join(
        bytes([22, 3, 3, 0, len(payload[i : i + 7])]) + payload[i : i + 7]
        for i in range(0, len(payload), 7)
    )
    assert len(reframed) > len(flight) + HEADER_SIZE
    pair.client.receive_data(reframed)
    pair.handshake()
    _roundtrip(pair)


def test_a_certificate_with_a_malformed_name_is_bad_certificate_not_a_crash():
    """Found by tests/test_fuzz_handshake.py: cryptography decodes names lazily, so a broken
    subject surfaced as a ValueError while describing a validation failure. It is a
    bad_certificate alert now, on the server that validates the client's chain."""
    from cryptography import x509

    from tls.config import Credentials

    pki = mini_pki()
    good = pki.client_rsa
    der = good.chain_der[0]
    at = der.rindex(b"\x0c\ntls12 demo")  # the subject's (the issuer's comes first)
    broken_der = der[:at] + b"\x0d" + der[at + 1 :]  # UTF8String -> tag 13
    assert broken_der != good.chain_der[0]
    broken = Credentials(
        (x509.load_der_x509_certificate(broken_der), good.chain[1]), good.private_key
    )
    pair = Pair(
        client_config(credentials=(broken,)),
        server_config(client_auth=ClientAuth.REQUIRED, client_trust=pki.trust),
    )
    pair.pump()
    assert isinstance(pair.server.error, CertificateError), repr(pair.server.error)
    assert pair.server.error.description == A.bad_certificate
    assert isinstance(pair.client.error, TLSRemoteAlert)
