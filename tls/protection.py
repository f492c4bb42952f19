"""TLS 1.2 record protection: one object per direction, holding its keys and sequence number.

``encrypt(content_type, version, plaintext) -> fragment`` and
``decrypt(content_type, version, fragment) -> plaintext`` turn a TLSPlaintext fragment into a
TLSCiphertext fragment and back (the 5-byte record header is the caller's; its type and version go
into the additional data / MAC). Each object owns a 64-bit sequence number that starts at 0 and
advances on every successful call; it never wraps (RFC 5246 §6.1): the call that would reuse a
number raises :class:`~tls.errors.TLSLocalAlert` instead. A failed ``decrypt`` does not advance it.

Ciphers (primitives from ``cryptography`` only):

- AES-128/256-GCM, RFC 5288: nonce = 4-byte salt (``fixed_iv``) + 8-byte explicit nonce carried in
  the record. The explicit nonce is the sequence number, as Go's crypto/tls and BoringSSL do
  (RFC 5288 §3 allows any value that never repeats under one key; the sequence number cannot).
  OpenSSL 3.0 instead starts from a random value and increments it (see vectors/aead/); the
  receiver takes the explicit nonce from the record either way.
- ChaCha20-Poly1305, RFC 7905 §2: nonce = 12-byte ``fixed_iv`` XOR the sequence number left-padded
  to 12 bytes; no explicit nonce.
- AES-128/256-CBC with HMAC-SHA1/SHA256/SHA384, MAC-then-encrypt (RFC 5246 §6.2.3.2) with a fresh
  random explicit IV per record, or encrypt-then-MAC (RFC 7366) when negotiated.

Additional data (and the CBC MAC header) is ``seq_num(8) + type(1) + version(2) + length(2)``
(RFC 5246 §6.2.3.3, §6.2.3.1), the length being the plaintext length (the IV + ciphertext length
for encrypt-then-MAC, RFC 7366 §3).

Every decryption failure (short or misaligned fragment, bad tag, bad padding, bad MAC) raises the
same :class:`~tls.errors.BadRecordMac`, raised ``from None`` so no underlying exception is chained.
A plaintext longer than 2^14 bytes after decryption raises ``TLSLocalAlert(record_overflow)``.

Timing, honestly. MAC-then-encrypt CBC is the construction behind the padding-oracle and Lucky
Thirteen attacks. The decryption here never branches on *which* check failed: it always computes
the MAC (over the record as if it had no padding when the padding is malformed, as RFC 5246
§6.2.3.2 recommends), compares MAC and padding with :func:`hmac.compare_digest`, combines the two
results with ``&`` and raises once. It is *not* constant time, and cannot be in CPython: the HMAC
runs over a length that depends on the padding length (the Lucky Thirteen signal, a few compression
function calls), slicing costs time proportional to the padding length, and the interpreter itself
(small-int caching, allocation) adds data-dependent noise. A remote attacker measuring per-record
timing over many connections may still learn something from MAC-then-encrypt. Prefer the AEAD suites
(the defaults), or encrypt-then-MAC, where the MAC is checked over the ciphertext before any padding
is looked at and none of this applies.
"""

from __future__ import annotations

import hmac
import os
import struct
from collections.abc import Callable
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.hmac import HMAC

from records.registry import AlertDescription

from .errors import BadRecordMac, TLSLocalAlert
from .keyschedule import hash_algorithm
from .suites import BulkCipher, SuiteInfo

__all__ = [
    "MAX_PLAINTEXT",
    "MAX_SEQUENCE_NUMBER",
    "AESGCMProtection",
    "CBCProtection",
    "ChaCha20Poly1305Protection",
    "NullProtection",
    "RecordProtection",
    "new_protection",
]

MAX_PLAINTEXT = 2**14  # RFC 5246 §6.2.1
MAX_SEQUENCE_NUMBER = 2**64 - 1  # RFC 5246 §6.1: uint64, must not wrap

_AD = struct.Struct(">QBHH")  # seq_num, type, version, length
_SEQ = struct.Struct(">Q")
_TAG_LEN = 16
_BLOCK = 16


class RecordProtection(Protocol):
    """What the record layer needs from a protection object (one per direction)."""

    seq_num: int

    def encrypt(self, content_type: int, version: int, plaintext: bytes) -> bytes: ...

    def decrypt(self, content_type: int, version: int, fragment: bytes | memoryview) -> bytes: ...


def _seq_exhausted(direction: str) -> TLSLocalAlert:
    return TLSLocalAlert(
        AlertDescription.internal_error,
        f"record {direction}: 64-bit sequence number exhausted; refusing to wrap (RFC 5246 §6.1)",
    )


def _too_long_to_send(length: int) -> TLSLocalAlert:
    return TLSLocalAlert(
        AlertDescription.internal_error,
        f"record encrypt: plaintext of {length} bytes exceeds 2^14 (RFC 5246 §6.2.1)",
    )


def _overflow(length: int) -> TLSLocalAlert:
    return TLSLocalAlert(
        AlertDescription.record_overflow,
        f"record decrypt: plaintext of {length} bytes exceeds 2^14 (RFC 5246 §6.2.3)",
    )


class NullProtection:
    """The initial TLS_NULL_WITH_NULL_NULL state (RFC 5246 §6.1): fragments pass unchanged.

    Sequence numbers are still counted, so the record layer can treat every epoch alike.
    """

    __slots__ = ("seq_num",)

    def __init__(self) -> None:
        self.seq_num = 0

    def encrypt(self, content_type: int, version: int, plaintext: bytes) -> bytes:
        if len(plaintext) > MAX_PLAINTEXT:
            raise _too_long_to_send(len(plaintext))
        self.seq_num += 1
        return bytes(plaintext)

    def decrypt(self, content_type: int, version: int, fragment: bytes | memoryview) -> bytes:
        if len(fragment) > MAX_PLAINTEXT:
            raise _overflow(len(fragment))
        self.seq_num += 1
        return bytes(fragment)


class AESGCMProtection:
    """AES-GCM records, RFC 5288 §3: ``explicit_nonce(8) + ciphertext + tag(16)``."""

    __slots__ = ("_aead", "_salt", "seq_num")

    def __init__(self, key: bytes, fixed_iv: bytes) -> None:
        self._aead = AESGCM(key)
        self._salt = bytes(fixed_iv)
        self.seq_num = 0

    def encrypt(self, content_type: int, version: int, plaintext: bytes) -> bytes:
        seq = self.seq_num
        if seq > MAX_SEQUENCE_NUMBER:
            raise _seq_exhausted("encrypt")
        if len(plaintext) > MAX_PLAINTEXT:
            raise _too_long_to_send(len(plaintext))
        explicit = _SEQ.pack(seq)
        n = len(plaintext)
        # One buffer for explicit nonce + ciphertext + tag: no concatenation copy of the payload.
        out = bytearray(8 + n + _TAG_LEN)
        out[:8] = explicit
        self._aead.encrypt_into(
            self._salt + explicit,
            plaintext,
            _AD.pack(seq, content_type, version, n),
            memoryview(out)[8:],
        )
        self.seq_num = seq + 1
        return out  # type: ignore[return-value]

    def decrypt(self, content_type: int, version: int, fragment: bytes | memoryview) -> bytes:
        seq = self.seq_num
        if seq > MAX_SEQUENCE_NUMBER:
            raise _seq_exhausted("decrypt")
        length = len(fragment) - 8 - _TAG_LEN
        if length < 0:
            raise BadRecordMac()
        try:
            plaintext = self._aead.decrypt(
                self._salt + fragment[:8],
                fragment[8:],
                _AD.pack(seq, content_type, version, length),
            )
        except InvalidTag:
            raise BadRecordMac() from None
        if length > MAX_PLAINTEXT:
            raise _overflow(length)
        self.seq_num = seq + 1
        return plaintext


class ChaCha20Poly1305Protection:
    """ChaCha20-Poly1305 records, RFC 7905 §2: ``ciphertext + tag(16)``, nonce from iv XOR seq."""

    __slots__ = ("_aead", "_iv", "seq_num")

    def __init__(self, key: bytes, fixed_iv: bytes) -> None:
        self._aead = ChaCha20Poly1305(key)
        self._iv = int.from_bytes(fixed_iv, "big")
        self.seq_num = 0

    def encrypt(self, content_type: int, version: int, plaintext: bytes) -> bytes:
        seq = self.seq_num
        if seq > MAX_SEQUENCE_NUMBER:
            raise _seq_exhausted("encrypt")
        if len(plaintext) > MAX_PLAINTEXT:
            raise _too_long_to_send(len(plaintext))
        out = self._aead.encrypt(
            (self._iv ^ seq).to_bytes(12, "big"),
            plaintext,
            _AD.pack(seq, content_type, version, len(plaintext)),
        )
        self.seq_num = seq + 1
        return out

    def decrypt(self, content_type: int, version: int, fragment: bytes | memoryview) -> bytes:
        seq = self.seq_num
        if seq > MAX_SEQUENCE_NUMBER:
            raise _seq_exhausted("decrypt")
        length = len(fragment) - _TAG_LEN
        if length < 0:
            raise BadRecordMac()
        try:
            plaintext = self._aead.decrypt(
                (self._iv ^ seq).to_bytes(12, "big"),
                fragment,
                _AD.pack(seq, content_type, version, length),
            )
        except InvalidTag:
            raise BadRecordMac() from None
        if length > MAX_PLAINTEXT:
            raise _overflow(length)
        self.seq_num = seq + 1
        return plaintext


# _PADDING[n] is the padding of n bytes plus the padding_length byte: n + 1 bytes of value n.
_PADDING: tuple[bytes, ...] = tuple(bytes((n,)) * (n + 1) for n in range(256))


class CBCProtection:
    """AES-CBC + HMAC records with an explicit IV.

    MAC-then-encrypt (RFC 5246 §6.2.3.2): ``IV + E(plaintext + MAC + padding)``.
    Encrypt-then-MAC (RFC 7366 §3): ``IV + E(plaintext + padding) + MAC(header + IV + ciphertext)``.
    Padding is the minimum on sending; any valid length (up to 255) is accepted on receipt.
    """

    __slots__ = ("_aes", "_etm", "_mac", "_mac_len", "_min_len", "_random", "seq_num")

    def __init__(
        self,
        key: bytes,
        mac_key: bytes,
        mac_hash: str,
        *,
        encrypt_then_mac: bool,
        random: Callable[[int], bytes],
    ) -> None:
        self._aes = algorithms.AES(key)
        self._mac = HMAC(mac_key, hash_algorithm(mac_hash))
        self._mac_len = self._mac.algorithm.digest_size
        self._etm = encrypt_then_mac
        self._random = random
        if encrypt_then_mac:
            # IV + at least one block + MAC
            self._min_len = 2 * _BLOCK + self._mac_len
        else:
            # IV + enough whole blocks for MAC + padding_length byte
            self._min_len = _BLOCK + (self._mac_len + 1 + _BLOCK - 1) // _BLOCK * _BLOCK
        self.seq_num = 0

    def _new_iv(self) -> bytes:
        iv = self._random(_BLOCK)
        if len(iv) != _BLOCK:
            raise TLSLocalAlert(
                AlertDescription.internal_error,
                f"record encrypt: random source returned {len(iv)} bytes for a 16-byte CBC IV",
            )
        return iv

    def encrypt(self, content_type: int, version: int, plaintext: bytes) -> bytes:
        seq = self.seq_num
        if seq > MAX_SEQUENCE_NUMBER:
            raise _seq_exhausted("encrypt")
        plaintext = bytes(plaintext)  # the record layer may hand us a memoryview
        n = len(plaintext)
        if n > MAX_PLAINTEXT:
            raise _too_long_to_send(n)
        iv = self._new_iv()
        enc = Cipher(self._aes, modes.CBC(iv)).encryptor()
        if self._etm:
            padded = plaintext + _PADDING[_BLOCK - 1 - n % _BLOCK]
            body = iv + enc.update(padded) + enc.finalize()
            mac = self._mac.copy()
            mac.update(_AD.pack(seq, content_type, version, len(body)))
            mac.update(body)
            out = body + mac.finalize()
        else:
            mac = self._mac.copy()
            mac.update(_AD.pack(seq, content_type, version, n))
            mac.update(plaintext)
            tag = mac.finalize()
            padded = plaintext + tag + _PADDING[_BLOCK - 1 - (n + self._mac_len) % _BLOCK]
            out = iv + enc.update(padded) + enc.finalize()
        self.seq_num = seq + 1
        return out

    def decrypt(self, content_type: int, version: int, fragment: bytes | memoryview) -> bytes:
        seq = self.seq_num
        if seq > MAX_SEQUENCE_NUMBER:
            raise _seq_exhausted("decrypt")
        fragment = bytes(fragment)  # the record layer may hand us a memoryview
        size = len(fragment)
        mac_len = self._mac_len
        # Lengths are public (they are on the wire): rejecting on them reveals nothing secret.
        if size < self._min_len or (size - (mac_len if self._etm else 0)) % _BLOCK:
            raise BadRecordMac()
        if self._etm:
            plaintext = self._decrypt_etm(seq, content_type, version, fragment, size, mac_len)
        else:
            plaintext = self._decrypt_mte(seq, content_type, version, fragment, mac_len)
        if len(plaintext) > MAX_PLAINTEXT:
            raise _overflow(len(plaintext))
        self.seq_num = seq + 1
        return plaintext

    def _decrypt_etm(
        self, seq: int, content_type: int, version: int, fragment: bytes, size: int, mac_len: int
    ) -> bytes:
        # RFC 7366 §3: authenticate IV + ciphertext before touching the padding.
        body_len = size - mac_len
        mac = self._mac.copy()
        mac.update(_AD.pack(seq, content_type, version, body_len))
        mac.update(fragment[:body_len])
        if not hmac.compare_digest(mac.finalize(), fragment[body_len:]):
            raise BadRecordMac()
        dec = Cipher(self._aes, modes.CBC(fragment[:_BLOCK])).decryptor()
        padded = dec.update(fragment[_BLOCK:body_len]) + dec.finalize()
        n = len(padded)
        pad = padded[-1]
        if pad + 1 > n or not hmac.compare_digest(padded[n - pad - 1 :], _PADDING[pad]):
            raise BadRecordMac()
        return padded[: n - pad - 1]

    def _decrypt_mte(
        self, seq: int, content_type: int, version: int, fragment: bytes, mac_len: int
    ) -> bytes:
        dec = Cipher(self._aes, modes.CBC(fragment[:_BLOCK])).decryptor()
        padded = dec.update(fragment[_BLOCK:]) + dec.finalize()
        n = len(padded)
        pad = padded[-1]
        # No early exit from here on: a padding length that does not fit is treated as zero
        # padding (RFC 5246 §6.2.3.2), the MAC is always computed, and both results are combined.
        fits = int(pad + 1 + mac_len <= n)
        eff = pad * fits
        pad_ok = fits & hmac.compare_digest(padded[n - eff - 1 :], _PADDING[eff])
        content_len = n - mac_len - eff - 1
        mac = self._mac.copy()
        mac.update(_AD.pack(seq, content_type, version, content_len))
        mac.update(padded[:content_len])
        mac_ok = hmac.compare_digest(mac.finalize(), padded[content_len : content_len + mac_len])
        if not (pad_ok & mac_ok):
            raise BadRecordMac()
        return padded[:content_len]


def new_protection(
    suite: SuiteInfo,
    *,
    key: bytes,
    fixed_iv: bytes,
    mac_key: bytes,
    encrypt_then_mac: bool = False,
    random: Callable[[int], bytes] = os.urandom,
) -> RecordProtection:
    """Build the protection object for one direction of ``suite``.

    ``key``, ``fixed_iv`` and ``mac_key`` are that direction's parts of the key block
    (:class:`tls.keyschedule.KeyMaterial`); ``fixed_iv`` is empty for CBC suites and ``mac_key`` for
    AEAD suites. ``encrypt_then_mac`` (RFC 7366) applies to CBC suites only; it is ignored for AEAD
    suites, to which RFC 7366 does not apply. ``random`` supplies the explicit CBC IVs (inject it to
    reproduce recorded records byte for byte); AEAD suites do not use it.
    """
    for name, value, expected in (
        ("key", key, suite.key_length),
        ("fixed_iv", fixed_iv, suite.fixed_iv_length),
        ("mac_key", mac_key, suite.mac_length),
    ):
        if len(value) != expected:
            raise TLSLocalAlert(
                AlertDescription.internal_error,
                f"new_protection({suite.name}): {name} is {len(value)} bytes, expected {expected}",
            )
    cipher = suite.cipher
    if cipher in (BulkCipher.AES_128_GCM, BulkCipher.AES_256_GCM):
        return AESGCMProtection(key, fixed_iv)
    if cipher is BulkCipher.CHACHA20_POLY1305:
        return ChaCha20Poly1305Protection(key, fixed_iv)
    if cipher in (BulkCipher.AES_128_CBC, BulkCipher.AES_256_CBC) and suite.mac is not None:
        return CBCProtection(
            key, mac_key, suite.mac, encrypt_then_mac=encrypt_then_mac, random=random
        )
    raise TLSLocalAlert(
        AlertDescription.internal_error, f"new_protection: no record protection for {suite.name}"
    )
