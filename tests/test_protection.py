"""Unit tests of tls.protection: round trips, sequence numbers, additional data, failure uniformity.

Known answers for these ciphers are in test_illustrated_crypto.py (AES-CBC MtE, recorded) and
test_aead_capture.py (GCM, ChaCha20-Poly1305, CBC EtM and MtE from OpenSSL). Here, malformed
records are built by hand with ``cryptography`` primitives (not with tls.protection) so that each
failure (bad padding with a good MAC, bad MAC with good padding...) can be produced on its own.
"""

from __future__ import annotations

import hmac as std_hmac
import os

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from hypothesis import given, settings
from hypothesis import strategies as st

from records.registry import AlertDescription
from tls.errors import BadRecordMac, TLSLocalAlert
from tls.protection import (
    MAX_SEQUENCE_NUMBER,
    AESGCMProtection,
    CBCProtection,
    ChaCha20Poly1305Protection,
    NullProtection,
    new_protection,
)
from tls.suites import SuiteInfo, suite_by_name

APP, HS = 23, 22
V12 = 0x0303

GCM128 = suite_by_name("ECDHE-RSA-AES128-GCM-SHA256")
GCM256 = suite_by_name("ECDHE-ECDSA-AES256-GCM-SHA384")
CHACHA = suite_by_name("ECDHE-RSA-CHACHA20-POLY1305")
CBC_SHA1 = suite_by_name("ECDHE-RSA-AES128-SHA")
CBC_SHA256 = suite_by_name("ECDHE-RSA-AES128-SHA256")
CBC_SHA384 = suite_by_name("ECDHE-ECDSA-AES256-SHA384")
CBC256_SHA1 = suite_by_name("AES256-SHA")

AEAD_SUITES = [GCM128, GCM256, CHACHA]
CBC_SUITES = [CBC_SHA1, CBC_SHA256, CBC_SHA384, CBC256_SHA1]
# (suite, encrypt_then_mac)
CONFIGS = [(s, False) for s in AEAD_SUITES] + [
    (s, etm) for s in CBC_SUITES for etm in (False, True)
]
HMAC_NAMES = {"sha1": "sha1", "sha256": "sha256", "sha384": "sha384"}


def _ids(config: tuple[SuiteInfo, bool]) -> str:
    suite, etm = config
    return suite.openssl_name + ("+etm" if etm else "")


def _secrets(suite: SuiteInfo) -> dict[str, bytes]:
    return {
        "key": bytes(range(1, suite.key_length + 1)),
        "fixed_iv": bytes(range(100, 100 + suite.fixed_iv_length)),
        "mac_key": bytes(range(50, 50 + suite.mac_length)),
    }


def _pair(suite: SuiteInfo, etm: bool = False, random=os.urandom):  # type: ignore[no-untyped-def]
    s = _secrets(suite)
    return (
        new_protection(suite, encrypt_then_mac=etm, random=random, **s),
        new_protection(suite, encrypt_then_mac=etm, random=random, **s),
    )


def _ad(seq: int, ctype: int, version: int, length: int) -> bytes:
    return (
        seq.to_bytes(8, "big")
        + bytes([ctype])
        + version.to_bytes(2, "big")
        + length.to_bytes(2, "big")
    )


# --- hand-built records (independent of tls.protection) ---------------------------------------


def _hmac(suite: SuiteInfo, key: bytes, data: bytes) -> bytes:
    assert suite.mac is not None
    return std_hmac.new(key, data, HMAC_NAMES[suite.mac]).digest()


def _cbc(key: bytes, iv: bytes, data: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def mte_record(
    suite: SuiteInfo,
    content: bytes,
    *,
    seq: int = 0,
    padding: bytes | None = None,
    mac: bytes | None = None,
    iv: bytes = b"\x11" * 16,
) -> bytes:
    """RFC 5246 §6.2.3.2 by hand; ``padding`` (incl. the length byte) and ``mac`` can be forced."""
    s = _secrets(suite)
    tag = (
        mac
        if mac is not None
        else _hmac(suite, s["mac_key"], _ad(seq, APP, V12, len(content)) + content)
    )
    if padding is None:
        n = 15 - (len(content) + len(tag)) % 16
        padding = bytes([n]) * (n + 1)
    return iv + _cbc(s["key"], iv, content + tag + padding)


def etm_record(
    suite: SuiteInfo,
    content: bytes,
    *,
    seq: int = 0,
    padding: bytes | None = None,
    iv: bytes = b"\x22" * 16,
) -> bytes:
    """RFC 7366 §3 by hand, with a correct MAC over whatever padding is given."""
    s = _secrets(suite)
    if padding is None:
        n = 15 - len(content) % 16
        padding = bytes([n]) * (n + 1)
    body = iv + _cbc(s["key"], iv, content + padding)
    return body + _hmac(suite, s["mac_key"], _ad(seq, APP, V12, len(body)) + body)


def _assert_bad_record_mac(prot, fragment: bytes, ctype: int = APP, version: int = V12) -> str:  # type: ignore[no-untyped-def]
    seq = prot.seq_num
    with pytest.raises(BadRecordMac) as info:
        prot.decrypt(ctype, version, fragment)
    exc = info.value
    assert exc.description == AlertDescription.bad_record_mac
    assert exc.__cause__ is None
    assert exc.__context__ is None or exc.__suppress_context__
    assert prot.seq_num == seq  # a failed record does not consume a sequence number
    return f"{type(exc).__name__}|{exc.args}|{exc.message}"


# --- round trips and sequence numbers ------------------------------------------------------------


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_round_trip_many_lengths(config: tuple[SuiteInfo, bool]) -> None:
    suite, etm = config
    enc, dec = _pair(suite, etm)
    lengths = [0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 1000, 2**14]
    for seq, n in enumerate(lengths):
        data = os.urandom(n)
        fragment = enc.encrypt(APP, V12, data)
        overhead = len(fragment) - n
        if suite.is_aead:
            assert overhead == suite.record_iv_length + 16
        else:
            assert overhead >= 16 + suite.mac_length + 1
            assert (len(fragment) - (suite.mac_length if etm else 0)) % 16 == 0
        assert dec.decrypt(APP, V12, fragment) == data
        assert enc.seq_num == dec.seq_num == seq + 1


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_same_plaintext_different_records(config: tuple[SuiteInfo, bool]) -> None:
    suite, etm = config
    enc, _ = _pair(suite, etm)
    assert enc.encrypt(APP, V12, b"same") != enc.encrypt(APP, V12, b"same")


def test_gcm_explicit_nonce_is_sequence_number() -> None:
    enc, _ = _pair(GCM128)
    for seq in range(3):
        assert enc.encrypt(APP, V12, b"x")[:8] == seq.to_bytes(8, "big")


def test_gcm_matches_rfc5288_construction() -> None:
    s = _secrets(GCM256)
    enc = new_protection(GCM256, **s)
    enc.seq_num = 7
    fragment = enc.encrypt(HS, V12, b"hello")
    nonce = s["fixed_iv"] + (7).to_bytes(8, "big")
    expected = AESGCM(s["key"]).encrypt(nonce, b"hello", _ad(7, HS, V12, 5))
    assert fragment == (7).to_bytes(8, "big") + expected


def test_chacha_matches_rfc7905_nonce() -> None:
    s = _secrets(CHACHA)
    enc = new_protection(CHACHA, **s)
    enc.seq_num = 0x0102030405060708
    fragment = enc.encrypt(APP, V12, b"data")
    padded_seq = bytes(4) + (0x0102030405060708).to_bytes(8, "big")
    nonce = bytes(a ^ b for a, b in zip(s["fixed_iv"], padded_seq, strict=True))
    assert fragment == ChaCha20Poly1305(s["key"]).encrypt(
        nonce, b"data", _ad(0x0102030405060708, APP, V12, 4)
    )


@pytest.mark.parametrize("suite", CBC_SUITES, ids=lambda s: s.openssl_name)
def test_cbc_mte_matches_hand_built(suite: SuiteInfo) -> None:
    ivs = iter([b"\x11" * 16, b"\x33" * 16])
    enc = new_protection(suite, random=lambda n: next(ivs), **_secrets(suite))
    assert enc.encrypt(APP, V12, b"abc") == mte_record(suite, b"abc")
    assert enc.encrypt(APP, V12, b"def") == mte_record(suite, b"def", seq=1, iv=b"\x33" * 16)


@pytest.mark.parametrize("suite", CBC_SUITES, ids=lambda s: s.openssl_name)
def test_cbc_etm_matches_hand_built(suite: SuiteInfo) -> None:
    enc = new_protection(
        suite, encrypt_then_mac=True, random=lambda n: b"\x22" * n, **_secrets(suite)
    )
    assert enc.encrypt(APP, V12, b"abcdefghijklmnopq") == etm_record(suite, b"abcdefghijklmnopq")


@pytest.mark.parametrize("etm", [False, True])
def test_cbc_accepts_long_padding(etm: bool) -> None:
    # RFC 5246 §6.2.3.2: padding may be longer than needed, up to 255 bytes.
    suite = CBC_SHA256
    _, dec = _pair(suite, etm)
    content = b"x" * 7
    # Choose the longest padding that keeps the total a whole number of blocks.
    base = len(content) + (0 if etm else suite.mac_length)
    pad_len = max(n for n in range(256) if (base + n + 1) % 16 == 0)
    padding = bytes([pad_len]) * (pad_len + 1)
    record = (etm_record if etm else mte_record)(suite, content, padding=padding)
    assert dec.decrypt(APP, V12, record) == content


def test_cbc_random_source_must_give_16_bytes() -> None:
    enc = new_protection(CBC_SHA1, random=lambda n: b"short", **_secrets(CBC_SHA1))
    with pytest.raises(TLSLocalAlert, match="16-byte CBC IV"):
        enc.encrypt(APP, V12, b"x")


def test_null_protection() -> None:
    null = NullProtection()
    assert null.encrypt(HS, V12, b"abc") == b"abc"
    assert null.decrypt(HS, V12, b"abc") == b"abc"
    assert null.seq_num == 2
    with pytest.raises(TLSLocalAlert) as info:
        null.decrypt(HS, V12, bytes(2**14 + 1))
    assert info.value.description == AlertDescription.record_overflow


def test_factory_types_and_key_checks() -> None:
    assert isinstance(new_protection(GCM128, **_secrets(GCM128)), AESGCMProtection)
    assert isinstance(new_protection(CHACHA, **_secrets(CHACHA)), ChaCha20Poly1305Protection)
    assert isinstance(new_protection(CBC_SHA1, **_secrets(CBC_SHA1)), CBCProtection)
    bad = dict(_secrets(GCM128), key=bytes(15))
    with pytest.raises(TLSLocalAlert, match="key is 15 bytes, expected 16"):
        new_protection(GCM128, **bad)
    bad = dict(_secrets(CBC_SHA256), mac_key=bytes(20))
    with pytest.raises(TLSLocalAlert, match="mac_key is 20 bytes, expected 32"):
        new_protection(CBC_SHA256, **bad)


# --- additional data and tampering -------------------------------------------------------------


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_additional_data_covers_type_version_seq(config: tuple[SuiteInfo, bool]) -> None:
    suite, etm = config
    enc, _ = _pair(suite, etm)
    fragment = enc.encrypt(APP, V12, b"payload bytes")
    for ctype, version in ((HS, V12), (APP, 0x0302), (APP, 0x0403)):
        _, dec = _pair(suite, etm)
        _assert_bad_record_mac(dec, fragment, ctype, version)
    _, dec = _pair(suite, etm)
    dec.seq_num = 1  # the receiver expects another record number
    _assert_bad_record_mac(dec, fragment)
    _, dec = _pair(suite, etm)
    assert dec.decrypt(APP, V12, fragment) == b"payload bytes"


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_any_flipped_bit_fails(config: tuple[SuiteInfo, bool]) -> None:
    suite, etm = config
    enc, dec = _pair(suite, etm)
    fragment = enc.encrypt(APP, V12, b"0123456789abcdef0123")
    for i in range(len(fragment)):
        broken = bytearray(fragment)
        broken[i] ^= 0x80
        _assert_bad_record_mac(dec, bytes(broken))
    assert dec.decrypt(APP, V12, fragment) == b"0123456789abcdef0123"


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_short_and_misaligned_fragments(config: tuple[SuiteInfo, bool]) -> None:
    suite, etm = config
    enc, dec = _pair(suite, etm)
    fragment = enc.encrypt(APP, V12, b"")
    messages = set()
    for n in range(len(fragment)):
        messages.add(_assert_bad_record_mac(dec, fragment[:n]))
        messages.add(_assert_bad_record_mac(dec, fragment[n:]) if n else "")
    messages.add(_assert_bad_record_mac(dec, fragment + b"\x00"))
    messages.discard("")
    assert len(messages) == 1


# --- CBC: padding and MAC failures are indistinguishable ------------------------------------------


@pytest.mark.parametrize("suite", CBC_SUITES, ids=lambda s: s.openssl_name)
def test_mte_failures_are_identical(suite: SuiteInfo) -> None:
    _, dec = _pair(suite)
    content = b"sixteen bytes!!!"  # with any MAC length here, padding is 16 - (mac_len % 16)
    good = mte_record(suite, content)
    assert _pair(suite)[1].decrypt(APP, V12, good) == content
    n = 15 - (len(content) + suite.mac_length) % 16
    assert n > 0
    wrong_mac = bytes(suite.mac_length)
    cases = {
        "bad padding byte, good MAC": mte_record(
            suite, content, padding=bytes([n ^ 1]) + bytes([n]) * n
        ),
        "padding value wrong in the middle": mte_record(
            suite, content, padding=bytes([n]) * (n // 2) + b"\xff" + bytes([n]) * (n - n // 2)
        ),
        "padding longer than the record": mte_record(
            suite, content, padding=bytes([200]) * (n + 1)
        ),
        "bad MAC, good padding": mte_record(suite, content, mac=wrong_mac),
        "bad MAC and bad padding": mte_record(
            suite, content, mac=wrong_mac, padding=bytes([n + 1 & 0xFF]) * (n + 1)
        ),
        "short": good[:16],
        "not whole blocks": good[:-1],
    }
    seen = {name: _assert_bad_record_mac(dec, record) for name, record in cases.items()}
    assert len(set(seen.values())) == 1, seen


@pytest.mark.parametrize("suite", CBC_SUITES, ids=lambda s: s.openssl_name)
def test_etm_failures_are_identical(suite: SuiteInfo) -> None:
    _, dec = _pair(suite, True)
    good = etm_record(suite, b"content")
    assert _pair(suite, True)[1].decrypt(APP, V12, good) == b"content"
    cases = {
        # MAC valid over the ciphertext, padding invalid inside: only the padding check can fail.
        "bad padding, good MAC": etm_record(suite, b"content", padding=b"\x07" + b"\x08" * 8),
        "padding longer than record": etm_record(suite, b"content", padding=b"\xfe" * 9),
        "bad MAC": good[:-1] + bytes([good[-1] ^ 1]),
        "short": good[: 16 + suite.mac_length],
        "not whole blocks": good[:15] + good[16:],
    }
    seen = {name: _assert_bad_record_mac(dec, record) for name, record in cases.items()}
    assert len(set(seen.values())) == 1, seen


def test_aead_failure_message_matches_cbc() -> None:
    messages = set()
    for suite, etm in CONFIGS:
        enc, dec = _pair(suite, etm)
        fragment = enc.encrypt(APP, V12, b"abc")
        messages.add(_assert_bad_record_mac(dec, fragment[:-1] + bytes([fragment[-1] ^ 1])))
    assert len(messages) == 1


# --- limits ------------------------------------------------------------------------------------


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_sequence_number_never_wraps(config: tuple[SuiteInfo, bool]) -> None:
    suite, etm = config
    enc, dec = _pair(suite, etm)
    enc.seq_num = dec.seq_num = MAX_SEQUENCE_NUMBER
    last = enc.encrypt(APP, V12, b"last")
    assert dec.decrypt(APP, V12, last) == b"last"
    assert enc.seq_num == dec.seq_num == 2**64
    for op, arg in ((enc.encrypt, b"again"), (dec.decrypt, last)):
        with pytest.raises(TLSLocalAlert, match="sequence number exhausted") as info:
            op(APP, V12, arg)
        assert not isinstance(info.value, BadRecordMac)
    assert enc.seq_num == dec.seq_num == 2**64


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_encrypt_refuses_oversized_plaintext(config: tuple[SuiteInfo, bool]) -> None:
    suite, etm = config
    enc, _ = _pair(suite, etm)
    with pytest.raises(TLSLocalAlert, match="exceeds 2\\^14"):
        enc.encrypt(APP, V12, bytes(2**14 + 1))
    assert enc.seq_num == 0


def _oversized(suite: SuiteInfo, etm: bool) -> bytes:
    content = bytes(2**14 + 1)
    s = _secrets(suite)
    if suite is CHACHA:
        return ChaCha20Poly1305(s["key"]).encrypt(
            s["fixed_iv"], content, _ad(0, APP, V12, len(content))
        )
    if suite.is_aead:
        return bytes(8) + AESGCM(s["key"]).encrypt(
            s["fixed_iv"] + bytes(8), content, _ad(0, APP, V12, len(content))
        )
    return etm_record(suite, content) if etm else mte_record(suite, content)


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_decrypt_record_overflow(config: tuple[SuiteInfo, bool]) -> None:
    suite, etm = config
    _, dec = _pair(suite, etm)
    with pytest.raises(TLSLocalAlert) as info:
        dec.decrypt(APP, V12, _oversized(suite, etm))
    assert info.value.description == AlertDescription.record_overflow
    assert not isinstance(info.value, BadRecordMac)


# --- property: any plaintext, any interleaving of content types --------------------------------


@settings(max_examples=40, deadline=None)
@given(
    config=st.sampled_from(CONFIGS),
    items=st.lists(
        st.tuples(st.sampled_from([20, 21, 22, 23]), st.binary(max_size=300)), max_size=6
    ),
)
def test_property_round_trip(
    config: tuple[SuiteInfo, bool], items: list[tuple[int, bytes]]
) -> None:
    suite, etm = config
    enc, dec = _pair(suite, etm)
    for ctype, data in items:
        assert dec.decrypt(ctype, V12, enc.encrypt(ctype, V12, data)) == data
