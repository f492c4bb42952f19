"""The crypto floor: what a handshake scenario costs in ``cryptography`` calls alone.

For each handshake scenario, :func:`handshake` returns a callable doing the cryptographic work of
both sides of one full handshake — the same key generations, exchanges, signatures, verifications,
certificate parsing and chain validation, transcript hashes, PRF calls and record protection of the
two Finished messages — directly with ``cryptography`` and nothing else: no message parsing or
building, no state machine, no checks beyond the cryptographic ones. It is the limit a Python TLS
stack built on ``cryptography`` cannot beat; tls12's time is reported as a multiple of it.

Byte volumes match tls12's: the transcript hashed and signed is a real tls12 transcript of the same
scenario (captured once, outside the timing), and the certificate chains are the ones sent.
Per-configuration work is done once outside the timing, as a TLS library does it once per context:
loading keys, building the trust store and the ffdhe2048 parameters on the server.

The PRF (RFC 5246 §5) is P_hash over ``cryptography``'s HMAC, keyed once per secret and copied per
block: ``cryptography`` has no TLS PRF of its own.

For transfers, :func:`transfer` seals and opens each record with the suite's AEAD (or AES-CBC +
HMAC-SHA256, encrypt-then-MAC), building the nonce and additional data as TLS does: the
per-record crypto and nothing else.
"""

from __future__ import annotations

import datetime as dt
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, hmac, padding
from cryptography.hazmat.primitives.asymmetric import dh, ec, rsa, x25519
from cryptography.hazmat.primitives.asymmetric import padding as apadding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.x509 import verification as xv

from records.registry import NamedGroup
from tls.keyexchange import FFDHE_GENERATOR, FFDHE_PRIMES

from . import impl_tls12
from .scenarios import Scenario, bench_pki

_SHA256 = hashes.SHA256()
# Client certificates carry no subjectAltName: the WebPKI profile with SAN optional, as tls12 and
# OpenSSL accept them (cryptography's ExtensionPolicy, built once).
_CLIENT_EE = xv.ExtensionPolicy.webpki_defaults_ee().may_be_present(
    x509.SubjectAlternativeName, xv.Criticality.AGNOSTIC, None
)
_CLIENT_CA = xv.ExtensionPolicy.webpki_defaults_ca()


def prf(
    secret: bytes, label: bytes, seed: bytes, length: int, algorithm: hashes.HashAlgorithm = _SHA256
) -> bytes:
    """RFC 5246 §5 P_hash(secret, label + seed) with cryptography's HMAC."""
    seed = label + seed
    keyed = hmac.HMAC(secret, algorithm)
    out = b""
    a = seed
    while len(out) < length:
        h = keyed.copy()
        h.update(a)
        a = h.finalize()
        h = keyed.copy()
        h.update(a + seed)
        out += h.finalize()
    return out[:length]


def _sha256(data: bytes) -> bytes:
    h = hashes.Hash(_SHA256)
    h.update(data)
    return h.finalize()


def _sign(key: Any, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, apadding.PSS(apadding.MGF1(_SHA256), 32), _SHA256)
    return key.sign(data, ec.ECDSA(_SHA256))


def _verify(key: Any, signature: bytes, data: bytes) -> None:
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, data, apadding.PSS(apadding.MGF1(_SHA256), 32), _SHA256)
    else:
        key.verify(signature, data, ec.ECDSA(_SHA256))


@dataclass
class _Sizes:
    """Byte offsets in a real tls12 transcript of the scenario."""

    transcript: bytes
    before_cke_end: int  # session hash covers up to and including ClientKeyExchange
    before_cv: int  # CertificateVerify signs everything before it
    before_client_finished: int
    before_server_finished: int


def _capture(sc: Scenario) -> _Sizes:
    """One tls12 handshake of the scenario, to learn the transcript's real size and layout."""
    client, _server = impl_tls12.connect(*impl_tls12.configs(sc))
    raw = client.transcript.messages()
    offsets: list[tuple[int, int]] = []  # (msg_type, end offset)
    pos = 0
    while pos < len(raw):
        length = int.from_bytes(raw[pos + 1 : pos + 4], "big")
        pos += 4 + length
        offsets.append((raw[pos - 4 - length], pos))
    ends = {t: end for t, end in offsets}  # last occurrence wins (Finished: server's)
    finished = [end for t, end in offsets if t == 20]
    cke_end = ends[16]
    cv_start = cke_end
    return _Sizes(raw, cke_end, cv_start, finished[0] - 16, finished[1] - 16)


def handshake(sc: Scenario) -> Callable[[], bytes]:
    pki = bench_pki()
    sizes = _capture(sc)
    transcript = sizes.transcript
    store = xv.Store([pki.server_ecdsa.credentials.chain[-1]])  # the CA
    server_id = sc.server_identity(pki)
    server_key = server_id.credentials.private_key
    server_chain = list(server_id.chain_der)
    client_id = sc.client_identity(pki)
    client_key = client_id.credentials.private_key if client_id else None
    client_chain = list(client_id.chain_der) if client_id else []
    dh_p = FFDHE_PRIMES[NamedGroup.ffdhe2048]
    server_dh_params = dh.DHParameterNumbers(dh_p, FFDHE_GENERATOR).parameters()
    localhost = xv.DNSName("localhost")
    kex = sc.kex

    def run() -> bytes:
        client_random, server_random = os.urandom(32), os.urandom(32)
        randoms = client_random + server_random
        # --- server: ephemeral key and its signature (ServerKeyExchange)
        if kex == "ecdhe":
            s_priv: Any = x25519.X25519PrivateKey.generate()
            s_pub = s_priv.public_key().public_bytes_raw()
            params = b"\x03\x00\x1d\x20" + s_pub
        elif kex == "dhe":
            s_priv = server_dh_params.generate_private_key()
            s_y = s_priv.public_key().public_numbers().y
            s_pub = s_y.to_bytes((s_y.bit_length() + 7) // 8, "big")
            params = b"\x01\x00" + dh_p.to_bytes(256, "big") + b"\x00\x01\x02" + s_pub
        if kex != "rsa":
            ske_sig = _sign(server_key, randoms + params)
        # --- client: parse and validate the server's chain, verify ServerKeyExchange
        now = dt.datetime.now(dt.UTC)
        certs = [x509.load_der_x509_certificate(d) for d in server_chain]
        verifier = xv.PolicyBuilder().store(store).time(now).build_server_verifier(localhost)
        verifier.verify(certs[0], certs[1:])
        server_pub = certs[0].public_key()
        if kex != "rsa":
            _verify(server_pub, ske_sig, randoms + params)
        # --- client: its key share and pre-master secret
        if kex == "ecdhe":
            c_priv: Any = x25519.X25519PrivateKey.generate()
            c_pub = c_priv.public_key().public_bytes_raw()
            c_pms = c_priv.exchange(x25519.X25519PublicKey.from_public_bytes(s_pub))
        elif kex == "dhe":
            pn = dh.DHParameterNumbers(dh_p, FFDHE_GENERATOR)
            c_priv = pn.parameters().generate_private_key()
            c_y = c_priv.public_key().public_numbers().y
            c_pub = c_y.to_bytes((c_y.bit_length() + 7) // 8, "big")
            c_pms = c_priv.exchange(
                dh.DHPublicNumbers(int.from_bytes(s_pub, "big"), pn).public_key()
            )
        else:
            c_pms = b"\x03\x03" + os.urandom(46)
            c_pub = server_pub.encrypt(c_pms, apadding.PKCS1v15())
        # --- mutual TLS: client signs the transcript; server validates the chain and the signature
        if client_key is not None:
            cv_sig = _sign(client_key, transcript[: sizes.before_cv])
            ccerts = [x509.load_der_x509_certificate(d) for d in client_chain]
            cverifier = (
                xv.PolicyBuilder()
                .store(store)
                .time(dt.datetime.now(dt.UTC))
                .extension_policies(ca_policy=_CLIENT_CA, ee_policy=_CLIENT_EE)
                .build_client_verifier()
            )
            cverifier.verify(ccerts[0], ccerts[1:])
            _verify(ccerts[0].public_key(), cv_sig, transcript[: sizes.before_cv])
        # --- server: pre-master secret
        if kex == "ecdhe":
            s_pms = s_priv.exchange(x25519.X25519PublicKey.from_public_bytes(c_pub))
        elif kex == "dhe":
            s_pms = s_priv.exchange(
                dh.DHPublicNumbers(
                    int.from_bytes(c_pub, "big"), server_dh_params.parameter_numbers()
                ).public_key()
            )
        else:
            s_pms = server_key.decrypt(c_pub, apadding.PKCS1v15())
        # --- both: extended master secret, key block, record protection
        seed = server_random + client_random
        keys = []
        for pms in (c_pms, s_pms):
            ms = prf(
                pms, b"extended master secret", _sha256(transcript[: sizes.before_cke_end]), 48
            )
            kb = prf(ms, b"key expansion", seed, 40)
            keys.append((ms, AESGCM(kb[:16]), AESGCM(kb[16:32]), kb[32:36], kb[36:40]))
        (c_ms, c_cw, c_sw, c_civ, c_siv), (s_ms, s_cw, s_sw, s_civ, s_siv) = keys
        aad = b"\x00" * 8 + b"\x16\x03\x03\x00\x10"
        explicit = b"\x00" * 8
        # --- client Finished: compute, seal; server: open, recompute, compare
        c_fin = prf(
            c_ms, b"client finished", _sha256(transcript[: sizes.before_client_finished]), 12
        )
        sealed = c_cw.encrypt(c_civ + explicit, b"\x14\x00\x00\x0c" + c_fin, aad)
        opened = s_cw.decrypt(s_civ + explicit, sealed, aad)
        expect = prf(
            s_ms, b"client finished", _sha256(transcript[: sizes.before_client_finished]), 12
        )
        if opened[4:] != expect:
            raise AssertionError("floor: client Finished mismatch")
        # --- server Finished: compute, seal; client: open, recompute, compare
        s_fin = prf(
            s_ms, b"server finished", _sha256(transcript[: sizes.before_server_finished]), 12
        )
        sealed = s_sw.encrypt(s_siv + explicit, b"\x14\x00\x00\x0c" + s_fin, aad)
        opened = c_sw.decrypt(c_siv + explicit, sealed, aad)
        expect = prf(
            c_ms, b"server finished", _sha256(transcript[: sizes.before_server_finished]), 12
        )
        if opened[4:] != expect:
            raise AssertionError("floor: server Finished mismatch")
        return c_ms

    return run


# --------------------------------------------------------------------------------------------------
# Transfers: per-record crypto only
# --------------------------------------------------------------------------------------------------

_HEADER = struct.Struct("!QBHH")


@dataclass
class Transfer:
    sc: Scenario
    writes: int
    keep: bool = False
    received: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        size = self.sc.write_size
        self.payload = (bytes(range(256)) * (size // 256 + 1))[:size]
        suite = self.sc.suite
        self.seq = 0
        if "GCM" in suite:
            key = os.urandom(16 if "AES128" in suite else 32)
            self.aead: Any = AESGCM(key)
            self.salt = os.urandom(4)
        elif "CHACHA20" in suite:
            self.aead = ChaCha20Poly1305(os.urandom(32))
            self.iv = os.urandom(12)
        else:
            self.aead = None
            self.cbc_key = os.urandom(16)
            self.mac_key = os.urandom(32)

    def _record(self, data: bytes) -> bytes:
        seq = self.seq
        self.seq += 1
        suite = self.sc.suite
        if "GCM" in suite:
            explicit = seq.to_bytes(8, "big")
            aad = _HEADER.pack(seq, 23, 0x0303, len(data))
            sealed = self.aead.encrypt(self.salt + explicit, data, aad)
            return self.aead.decrypt(self.salt + explicit, sealed, aad)
        if "CHACHA20" in suite:
            nonce = (int.from_bytes(self.iv, "big") ^ seq).to_bytes(12, "big")
            aad = _HEADER.pack(seq, 23, 0x0303, len(data))
            sealed = self.aead.encrypt(nonce, data, aad)
            return self.aead.decrypt(nonce, sealed, aad)
        # AES-128-CBC + HMAC-SHA256, encrypt-then-MAC (RFC 7366)
        iv = os.urandom(16)
        padder = padding.PKCS7(128).padder()  # TLS padding differs in bytes, not in cost
        padded = padder.update(data) + padder.finalize()
        enc = Cipher(algorithms.AES(self.cbc_key), modes.CBC(iv)).encryptor()
        ct = iv + enc.update(padded) + enc.finalize()
        mac = hmac.HMAC(self.mac_key, _SHA256)
        mac.update(_HEADER.pack(seq, 23, 0x0303, len(ct)) + ct)
        tag = mac.finalize()
        check = hmac.HMAC(self.mac_key, _SHA256)
        check.update(_HEADER.pack(seq, 23, 0x0303, len(ct)) + ct)
        check.verify(tag)
        dec = Cipher(algorithms.AES(self.cbc_key), modes.CBC(ct[:16])).decryptor()
        plain = dec.update(ct[16:]) + dec.finalize()
        return plain[: len(plain) - plain[-1]]

    def round(self) -> int:
        total = 0
        for _ in range(self.writes):
            out = self._record(self.payload)
            total += len(out)
            if self.keep:
                self.received.append(out)
        return total


def transfer(sc: Scenario, writes: int, *, keep: bool = False) -> Transfer:
    return Transfer(sc, writes, keep)
