"""Key schedule and record protection against "The Illustrated TLS 1.2 Connection".

Source: vectors/illustrated-tls12/ (see its NOTE.md and LICENSE.txt): one recorded connection,
TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA over x25519, MAC-then-encrypt (no encrypt_then_mac extension),
with both ephemeral key pairs, the key log, every record and the decrypted payloads.

Records are read by the record layer's fixed layout (RFC 5246 §6.2.1): type at offset 0, version at
1..2, length at 3..4, fragment from 5. Randoms sit at offset 5 (record header) + 4 (handshake
header) + 2 (version) = 11 of the ClientHello and ServerHello records.

Layout of the ``*plain`` files, as found in the recording: ``clientfinishedplain`` is the
Finished message alone; the others are the record content followed by its 20-byte HMAC-SHA1 and the
final padding_length byte (the rest of the padding is not shown). The tests check that layout
against a plain AES-CBC decryption done here with ``cryptography`` directly.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from tls.errors import BadRecordMac
from tls.keyschedule import KeyMaterial, key_block, master_secret, verify_data
from tls.protection import new_protection
from tls.suites import BY_CODE

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "illustrated-tls12"
RECORDS = VECTORS / "records"
SUITE = BY_CODE[0xC013]  # TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, from serverhello
MAC_LEN = 20

HANDSHAKE_BEFORE_CLIENT_FINISHED = (
    "clienthello",
    "serverhello",
    "servercert",
    "serverkeyexchange",
    "serverhellodone",
    "clientkeyexchange",
)
# (record, sender, the content's length inside the *plain file, plain file holds MAC + pad byte)
ENCRYPTED = (
    ("clientfinished", "client", 16, False),
    ("clientdata", "client", 4, True),
    ("clientalert", "client", 2, True),
    ("serverfinished", "server", 16, True),
    ("serverdata", "server", 4, True),
)


def record(name: str) -> tuple[int, int, bytes]:
    raw = (RECORDS / name).read_bytes()
    length = int.from_bytes(raw[3:5], "big")
    assert len(raw) == 5 + length, f"{name}: header length {length} vs {len(raw) - 5} bytes"
    return raw[0], int.from_bytes(raw[1:3], "big"), raw[5:]


def plain(name: str) -> bytes:
    return (RECORDS / (name + "plain")).read_bytes()


@pytest.fixture(scope="module")
def randoms() -> tuple[bytes, bytes]:
    client_random = (RECORDS / "clienthello").read_bytes()[11:43]
    server_random = (RECORDS / "serverhello").read_bytes()[11:43]
    return client_random, server_random


@pytest.fixture(scope="module")
def keylog_master_secret(randoms: tuple[bytes, bytes]) -> bytes:
    (line,) = (VECTORS / "keylog.txt").read_text().split("\n", 1)[:1]
    tag, client_random, secret = line.split()
    assert tag == "CLIENT_RANDOM"
    assert bytes.fromhex(client_random) == randoms[0]
    return bytes.fromhex(secret)


@pytest.fixture(scope="module")
def keys(keylog_master_secret: bytes, randoms: tuple[bytes, bytes]) -> KeyMaterial:
    return KeyMaterial.derive(SUITE, keylog_master_secret, *randoms)


def _pem_private(name: str):  # type: ignore[no-untyped-def]
    return load_pem_private_key((VECTORS / name).read_bytes(), None)


def _pem_public(name: str):  # type: ignore[no-untyped-def]
    return load_pem_public_key((VECTORS / name).read_bytes())


def test_suite_is_the_one_recorded() -> None:
    _, _, fragment = record("serverhello")
    # ServerHello: type(1) len(3) version(2) random(32) sid_len(1)=0 cipher_suite(2)
    assert fragment[38] == 0
    assert int.from_bytes(fragment[39:41], "big") == SUITE.code


def test_master_secret_from_x25519_matches_keylog(
    randoms: tuple[bytes, bytes], keylog_master_secret: bytes
) -> None:
    client_side = _pem_private("client-ephemeral-private.key").exchange(
        _pem_public("server-ephemeral-public.key")
    )
    server_side = _pem_private("server-ephemeral-private.key").exchange(
        _pem_public("client-ephemeral-public.key")
    )
    assert client_side == server_side
    # The public keys on the wire are the ones in the PEM files.
    ske = record("serverkeyexchange")[2]
    cke = record("clientkeyexchange")[2]
    assert ske[8:40] == _pem_public("server-ephemeral-public.key").public_bytes_raw()
    assert cke[5:37] == _pem_public("client-ephemeral-public.key").public_bytes_raw()
    assert master_secret(SUITE.prf_hash, client_side, *randoms) == keylog_master_secret


def test_key_block_split(
    keys: KeyMaterial, keylog_master_secret: bytes, randoms: tuple[bytes, bytes]
) -> None:
    client_random, server_random = randoms
    block = key_block(
        SUITE.prf_hash, keylog_master_secret, server_random, client_random, 2 * (20 + 16)
    )
    assert keys.client_write_mac_key + keys.server_write_mac_key == block[:40]
    assert keys.client_write_key + keys.server_write_key == block[40:72]
    assert keys.client_write_iv == keys.server_write_iv == b""
    # Swapping the randoms (a classic bug) gives other keys.
    assert key_block(SUITE.prf_hash, keylog_master_secret, client_random, server_random, 72) != (
        block
    )


def _raw_cbc_decrypt(key: bytes, fragment: bytes) -> bytes:
    dec = Cipher(algorithms.AES(key), modes.CBC(fragment[:16])).decryptor()
    return dec.update(fragment[16:]) + dec.finalize()


@pytest.mark.parametrize(("name", "sender", "content_len", "with_mac"), ENCRYPTED)
def test_plain_file_layout(
    keys: KeyMaterial, name: str, sender: str, content_len: int, with_mac: bool
) -> None:
    key = keys.client_write_key if sender == "client" else keys.server_write_key
    padded = _raw_cbc_decrypt(key, record(name)[2])
    pad = padded[-1]
    assert padded[-pad - 1 :] == bytes([pad]) * (pad + 1)
    assert len(padded) == content_len + MAC_LEN + pad + 1
    expected = padded[: content_len + MAC_LEN] + padded[-1:] if with_mac else padded[:content_len]
    assert plain(name) == expected


def _protections(keys: KeyMaterial, iv_source=None):  # type: ignore[no-untyped-def]
    extra = {"random": iv_source} if iv_source else {}
    client = new_protection(
        SUITE,
        key=keys.client_write_key,
        fixed_iv=keys.client_write_iv,
        mac_key=keys.client_write_mac_key,
        **extra,
    )
    server = new_protection(
        SUITE,
        key=keys.server_write_key,
        fixed_iv=keys.server_write_iv,
        mac_key=keys.server_write_mac_key,
        **extra,
    )
    return client, server


def test_decrypt_every_encrypted_record(keys: KeyMaterial) -> None:
    client, server = _protections(keys)
    # Records in each direction's order; sequence numbers restart at 0 after ChangeCipherSpec.
    for name, sender, content_len, _ in ENCRYPTED:
        prot = client if sender == "client" else server
        content_type, version, fragment = record(name)
        assert prot.decrypt(content_type, version, fragment) == plain(name)[:content_len]
    assert (client.seq_num, server.seq_num) == (3, 2)


def test_decrypted_contents(keys: KeyMaterial) -> None:
    assert plain("clientdata")[:4] == b"ping"
    assert plain("serverdata")[:4] == b"pong"
    assert plain("clientalert")[:2] == b"\x01\x00"  # warning close_notify


def test_verify_data_over_transcript(keylog_master_secret: bytes) -> None:
    transcript = b"".join(record(n)[2] for n in HANDSHAKE_BEFORE_CLIENT_FINISHED)
    client_finished = plain("clientfinished")[:16]
    assert client_finished[:4] == b"\x14\x00\x00\x0c"
    assert (
        verify_data(
            SUITE.prf_hash,
            keylog_master_secret,
            b"client finished",
            hashlib.sha256(transcript).digest(),
        )
        == client_finished[4:]
    )
    server_finished = plain("serverfinished")[:16]
    assert server_finished[:4] == b"\x14\x00\x00\x0c"
    assert (
        verify_data(
            SUITE.prf_hash,
            keylog_master_secret,
            b"server finished",
            hashlib.sha256(transcript + client_finished).digest(),
        )
        == server_finished[4:]
    )


def test_reencrypt_with_recorded_ivs(keys: KeyMaterial) -> None:
    ivs = {
        sender: [record(name)[2][:16] for name, s, _, _ in ENCRYPTED if s == sender]
        for sender in ("client", "server")
    }

    def source(sender: str):  # type: ignore[no-untyped-def]
        queue = list(ivs[sender])

        def random(n: int) -> bytes:
            assert n == 16
            return queue.pop(0)

        return random

    client, _ = _protections(keys, source("client"))
    _, server = _protections(keys, source("server"))
    for name, sender, content_len, _ in ENCRYPTED:
        prot = client if sender == "client" else server
        content_type, version, fragment = record(name)
        content = plain(name)[:content_len]
        assert prot.encrypt(content_type, version, content) == fragment, name


def test_tampered_recorded_record_fails(keys: KeyMaterial) -> None:
    content_type, version, fragment = record("clientfinished")
    for i in (0, 15, 16, len(fragment) - 1):  # IV, first and last ciphertext bytes
        client, _ = _protections(keys)
        broken = bytearray(fragment)
        broken[i] ^= 0x01
        with pytest.raises(BadRecordMac):
            client.decrypt(content_type, version, bytes(broken))
