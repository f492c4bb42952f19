"""Record protection and key schedule against real OpenSSL connections (vectors/aead/, see README).

Each capture is openssl s_client <-> openssl s_server over TLS 1.2, recorded by a proxy with the
client's key log. From the recorded bytes alone (no openssl at test time) we: take the randoms from
ClientHello and ServerHello, derive the keys from the key log's master secret, decrypt every
protected record of both directions (Finished, application data, close_notify), check the
application data lines and both Finished messages (verify_data recomputed over the handshake
transcript), re-encrypt every record to the same bytes, and check the RFC 5705 exporter output.

Fixed offsets used (RFC 5246 §6.2.1, §7.4): a record is type(1) version(2) length(2) fragment; a
handshake message is type(1) length(3) body; ClientHello/ServerHello bodies start with version(2)
random(32) session_id<0..32>, and the ServerHello continues cipher_suite(2) compression(1)
extensions<0..2^16-1>.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tls.keyschedule import KeyMaterial, export_keying_material, verify_data
from tls.protection import RecordProtection, new_protection
from tls.suites import BY_CODE, SuiteInfo, suite_by_name

CAPTURES = sorted((Path(__file__).resolve().parent.parent / "vectors" / "aead").glob("*.json"))
EXPECTED_SUITES = {
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-RSA-AES256-SHA",
    "ECDHE-RSA-AES256-SHA384",
}
# AES-GCM explicit nonces differ by design: OpenSSL 3.0 starts from a random value and increments,
# tls12 uses the sequence number, so GCM records are re-encrypted in test_gcm_explicit_nonces.
GCM_CAPTURES = [p for p in CAPTURES if "-GCM-" in p.stem]
OTHER_CAPTURES = [p for p in CAPTURES if "-GCM-" not in p.stem]
CCS, ALERT, HANDSHAKE, APPLICATION_DATA = 20, 21, 22, 23
EXT_ENCRYPT_THEN_MAC = 22
EXT_EXTENDED_MASTER_SECRET = 23


@dataclass
class Record:
    content_type: int
    version: int
    fragment: bytes


@dataclass
class Capture:
    doc: dict[str, Any]
    suite: SuiteInfo
    c2s: list[Record]
    s2c: list[Record]
    client_random: bytes
    server_random: bytes
    master_secret: bytes
    etm: bool
    ems: bool


def _records(hexes: list[str]) -> list[Record]:
    out = []
    for h in hexes:
        raw = bytes.fromhex(h)
        assert int.from_bytes(raw[3:5], "big") == len(raw) - 5
        out.append(Record(raw[0], int.from_bytes(raw[1:3], "big"), raw[5:]))
    return out


def _server_hello_extensions(fragment: bytes) -> set[int]:
    assert fragment[0] == 2  # server_hello
    body = fragment[4 : 4 + int.from_bytes(fragment[1:4], "big")]
    pos = 2 + 32
    pos += 1 + body[pos]  # session_id
    pos += 2 + 1  # cipher_suite, compression_method
    found = set()
    if pos < len(body):
        end = pos + 2 + int.from_bytes(body[pos : pos + 2], "big")
        pos += 2
        while pos < end:
            found.add(int.from_bytes(body[pos : pos + 2], "big"))
            pos += 4 + int.from_bytes(body[pos + 2 : pos + 4], "big")
    return found


@functools.cache
def _load(path: Path) -> Capture:
    doc = json.loads(path.read_text())
    c2s, s2c = _records(doc["client_to_server"]), _records(doc["server_to_client"])
    hello, server_hello = c2s[0].fragment, s2c[0].fragment
    assert c2s[0].content_type == s2c[0].content_type == HANDSHAKE
    assert hello[0] == 1 and server_hello[0] == 2
    client_random, server_random = hello[6:38], server_hello[6:38]
    sid_len = server_hello[38]
    suite = BY_CODE[int.from_bytes(server_hello[39 + sid_len : 41 + sid_len], "big")]
    (line,) = [ln for ln in doc["keylog"].splitlines() if ln.startswith("CLIENT_RANDOM ")]
    _, logged_random, secret = line.split()
    assert bytes.fromhex(logged_random) == client_random
    extensions = _server_hello_extensions(server_hello)
    return Capture(
        doc,
        suite,
        c2s,
        s2c,
        client_random,
        server_random,
        bytes.fromhex(secret),
        EXT_ENCRYPT_THEN_MAC in extensions,
        EXT_EXTENDED_MASTER_SECRET in extensions,
    )


@pytest.fixture(params=CAPTURES, ids=lambda p: p.stem)
def cap(request: pytest.FixtureRequest) -> Capture:
    return _load(request.param)


def test_all_captures_present() -> None:
    assert {p.stem for p in CAPTURES} == EXPECTED_SUITES
    assert len(GCM_CAPTURES) == 2


def test_negotiated_suite_is_the_one_asked_for(cap: Capture) -> None:
    assert cap.suite is suite_by_name(cap.doc["suite"])
    # OpenSSL negotiates encrypt_then_mac for CBC suites unless told not to; never for AEAD.
    assert cap.etm == (not cap.suite.is_aead and cap.doc["encrypt_then_mac_offered"])
    # Extended master secret is negotiated too (OpenSSL default); the key log holds the resulting
    # master secret, so derivation from the pre-master secret is not checked here (no private keys).
    assert cap.ems


def _protection(cap: Capture, sender: str, random=None) -> RecordProtection:  # type: ignore[no-untyped-def]
    km = KeyMaterial.derive(cap.suite, cap.master_secret, cap.client_random, cap.server_random)
    extra = {"random": random} if random else {}
    if sender == "client":
        key, iv, mac = km.client_write_key, km.client_write_iv, km.client_write_mac_key
    else:
        key, iv, mac = km.server_write_key, km.server_write_iv, km.server_write_mac_key
    return new_protection(
        cap.suite, key=key, fixed_iv=iv, mac_key=mac, encrypt_then_mac=cap.etm, **extra
    )


def _open_direction(cap: Capture, sender: str) -> list[tuple[Record, bytes, bool]]:
    """(record, plaintext, was_protected) for each record of one direction."""
    prot = _protection(cap, sender)
    protected = False
    out = []
    for rec in cap.c2s if sender == "client" else cap.s2c:
        if protected:
            out.append((rec, prot.decrypt(rec.content_type, rec.version, rec.fragment), True))
        else:
            out.append((rec, rec.fragment, False))
        if rec.content_type == CCS:
            assert rec.fragment == b"\x01"
            protected = True
    return out


def _handshake_messages(opened: list[tuple[Record, bytes, bool]]) -> list[bytes]:
    stream = b"".join(p for rec, p, _ in opened if rec.content_type == HANDSHAKE)
    msgs = []
    while stream:
        n = 4 + int.from_bytes(stream[1:4], "big")
        msgs.append(stream[:n])
        stream = stream[n:]
    return msgs


def test_decrypt_application_data_and_close_notify(cap: Capture) -> None:
    for sender, line_key in (
        ("client", "client_application_data"),
        ("server", "server_application_data"),
    ):
        opened = _open_direction(cap, sender)
        app = [p for rec, p, prot in opened if rec.content_type == APPLICATION_DATA]
        assert app == [cap.doc[line_key].encode()]
        assert all(prot for rec, _, prot in opened if rec.content_type == APPLICATION_DATA)
        alerts = [p for rec, p, prot in opened if rec.content_type == ALERT and prot]
        assert alerts == [b"\x01\x00"]  # warning close_notify


def test_finished_verify_data(cap: Capture) -> None:
    client = _handshake_messages(_open_direction(cap, "client"))
    server = _handshake_messages(_open_direction(cap, "server"))
    assert [m[0] for m in client] == [1, 16, 20]  # ClientHello, ClientKeyExchange, Finished
    assert [m[0] for m in server] == [2, 11, 12, 14, 4, 20]  # ..., NewSessionTicket, Finished
    h = getattr(hashlib, cap.suite.prf_hash)
    transcript = client[0] + b"".join(server[:4]) + client[1]
    expected_client = verify_data(
        cap.suite.prf_hash, cap.master_secret, b"client finished", h(transcript).digest()
    )
    assert client[2] == b"\x14\x00\x00\x0c" + expected_client
    transcript += client[2] + server[4]
    expected_server = verify_data(
        cap.suite.prf_hash, cap.master_secret, b"server finished", h(transcript).digest()
    )
    assert server[5] == b"\x14\x00\x00\x0c" + expected_server


@pytest.mark.parametrize("path", OTHER_CAPTURES, ids=lambda p: p.stem)
def test_reencrypt_to_the_recorded_bytes(path: Path) -> None:
    cap = _load(path)
    for sender in ("client", "server"):
        opened = _open_direction(cap, sender)
        protected = [(rec, p) for rec, p, prot in opened if prot]
        ivs = [rec.fragment[:16] for rec, _ in protected]
        prot = _protection(cap, sender, random=lambda n, ivs=ivs: ivs.pop(0))
        for rec, plaintext in protected:
            # ChaCha20-Poly1305 is deterministic; CBC gets the recorded IVs injected.
            assert prot.encrypt(rec.content_type, rec.version, plaintext) == rec.fragment
        assert prot.seq_num == len(protected) == 3


@pytest.mark.parametrize("path", GCM_CAPTURES, ids=lambda p: p.stem)
def test_gcm_explicit_nonces(path: Path) -> None:
    cap = _load(path)
    assert cap.suite.cipher.name.endswith("_GCM")
    for sender in ("client", "server"):
        protected = [(rec, p) for rec, p, prot in _open_direction(cap, sender) if prot]
        # What OpenSSL sent: a random 64-bit start, then +1 per record.
        nonces = [int.from_bytes(rec.fragment[:8], "big") for rec, _ in protected]
        assert nonces == [(nonces[0] + i) % 2**64 for i in range(len(nonces))]
        # What tls12 sends: the sequence number. The decrypt path (checked against OpenSSL's
        # records above) must open it again, with the same AD.
        enc, dec = _protection(cap, sender), _protection(cap, sender)
        for seq, (rec, plaintext) in enumerate(protected):
            fragment = enc.encrypt(rec.content_type, rec.version, plaintext)
            assert fragment[:8] == seq.to_bytes(8, "big")
            assert len(fragment) == len(rec.fragment)
            assert dec.decrypt(rec.content_type, rec.version, fragment) == plaintext


def test_exporter(cap: Capture) -> None:
    exp = cap.doc["exporter"]
    out = export_keying_material(
        cap.suite.prf_hash,
        cap.master_secret,
        exp["label"].encode(),
        cap.client_random,
        cap.server_random,
        None,
        exp["length"],
    )
    assert out.hex() == exp["output"]
