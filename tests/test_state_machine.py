"""The state machines as data: every state lists what it expects, and real handshakes walk the
RFC 5246 §7.3 paths through them (full, mutual TLS, resumed)."""

from __future__ import annotations

import pytest
from memory_pair import Pair, byte_by_byte, client_config, mini_pki, server_config

from tls import TLSConnection
from tls.config import ClientAuth
from tls.handshake import state_table


def _walk(pair: Pair) -> tuple[list[str], list[str]]:
    """Run the handshake, recording each side's state after every message and ChangeCipherSpec
    (several messages share one record, so the record layer's view is too coarse)."""
    seen: dict[str, list[str]] = {}
    for side, conn in (("client", pair.client), ("server", pair.server)):
        seen[side] = [conn.state_name]
        for name in ("_on_handshake_message", "_on_change_cipher_spec"):
            original = getattr(conn, name)

            def step(*args, _original=original, _conn=conn, _side=side):
                _original(*args)
                if seen[_side][-1] != _conn.state_name:
                    seen[_side].append(_conn.state_name)

            setattr(conn, name, step)
    pair.pump(byte_by_byte)
    return seen["client"], seen["server"]


def test_every_state_declares_what_it_expects():
    table = state_table()
    for side in ("client", "server"):
        assert table[side], side
        for state, expects in table[side].items():
            assert expects and expects != "nothing", (side, state)


def test_full_handshake_path():
    pair = Pair(client_config(), server_config(session_tickets=False))
    client, server = _walk(pair)
    assert client == [
        "ExpectServerHello",
        "ExpectCertificate",
        "ExpectServerKeyExchange",
        "ExpectCertificateRequestOrDone",
        "ExpectChangeCipherSpec",
        "ExpectFinished",
        "Traffic",
    ]
    assert server == [
        "ExpectClientHello",
        "ExpectClientKeyExchange",
        "ExpectChangeCipherSpec",
        "ExpectFinished",
        "Traffic",
    ]
    table = state_table()
    assert set(client) <= set(table["client"]) and set(server) <= set(table["server"])


def test_mutual_tls_path():
    pki = mini_pki()
    pair = Pair(
        client_config(credentials=(pki.client_ecdsa,)),
        server_config(
            client_auth=ClientAuth.REQUIRED, client_trust=pki.trust, session_tickets=False
        ),
    )
    client, server = _walk(pair)
    assert "ExpectServerHelloDone" in client  # after the CertificateRequest
    assert server == [
        "ExpectClientHello",
        "ExpectClientCertificate",
        "ExpectClientKeyExchange",
        "ExpectCertificateVerify",
        "ExpectChangeCipherSpec",
        "ExpectFinished",
        "Traffic",
    ]


@pytest.mark.parametrize("tickets", [True, False], ids=["ticket", "session_id"])
def test_resumed_path(tickets):
    server_cfg = server_config(session_tickets=tickets)
    first = Pair(client_config(), server_cfg).handshake()
    session = first.client.session
    pair = Pair(client_config(), server_cfg)
    pair.client = TLSConnection(pair.client.config, session=session)
    client, server = _walk(pair)
    assert pair.client.info.resumed and pair.server.info.resumed
    assert "ExpectCertificate" not in client
    assert server == [
        "ExpectClientHello",
        "ExpectResumedChangeCipherSpec",
        "ExpectResumedFinished",
        "Traffic",
    ]
