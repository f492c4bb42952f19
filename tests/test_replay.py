"""Randomness comes in through the configuration: the same seed replays a handshake byte for byte
(a research feature: change one message, keep everything else)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from memory_pair import Pair, client_config, mini_pki, server_config

from records.registry import NamedGroup, SignatureScheme
from tls.suites import parse_cipher_list


def drbg(seed: bytes) -> Callable[[int], bytes]:
    """A deterministic byte stream (SHAKE-256 over seed and a counter). Tests only."""
    counter = 0

    def random(n: int) -> bytes:
        nonlocal counter
        counter += 1
        return hashlib.shake_256(seed + counter.to_bytes(8, "big")).digest(n)

    return random


def _wire(seed: bytes, group: int, cipher: str) -> list[bytes]:
    """Every flight both ways of one handshake plus a data exchange, as sent."""
    suites = parse_cipher_list(cipher)
    pair = Pair(
        client_config(
            random=drbg(b"client" + seed),
            groups=(group,),
            cipher_suites=suites,
            signature_schemes=(SignatureScheme.rsa_pkcs1_sha256,),
        ),
        server_config(
            random=drbg(b"server" + seed),
            credentials=(mini_pki().server_rsa,),
            cipher_suites=suites,
            session_tickets=False,
        ),
    )
    flights = []
    for _ in range(6):
        a, b = pair.client.data_to_send(), pair.server.data_to_send()
        if not a and not b:
            break
        flights += [a, b]
        if a:
            pair.server.receive_data(a)
        if b:
            pair.client.receive_data(b)
    assert pair.client.handshake_complete and pair.server.handshake_complete
    pair.client.send(b"same bytes every time")
    flights.append(pair.client.data_to_send())
    return flights


@pytest.mark.parametrize(
    ("group", "cipher"),
    [
        (NamedGroup.x25519, "ECDHE-RSA-AES128-GCM-SHA256"),
        (NamedGroup.secp256r1, "ECDHE-RSA-CHACHA20-POLY1305"),
        (NamedGroup.x448, "ECDHE-RSA-AES256-SHA384"),
        (NamedGroup.ffdhe2048, "DHE-RSA-AES128-GCM-SHA256"),
    ],
)
def test_same_seed_same_bytes_other_seed_other_bytes(group, cipher):
    first = _wire(b"seed-1", group, cipher)
    assert _wire(b"seed-1", group, cipher) == first
    other = _wire(b"seed-2", group, cipher)
    assert other[0] != first[0]  # ClientHello random differs
    assert other[-1] != first[-1]  # and so do the keys
