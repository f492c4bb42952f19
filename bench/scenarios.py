"""The benchmark scenarios and the PKI they share, one definition for every implementation.

A scenario says what is done (a full handshake, or writes of one size on one suite); each
implementation module (:mod:`bench.impl_tls12`, :mod:`bench.impl_ssl`, :mod:`bench.impl_tlslite`,
:mod:`bench.floor`) turns it into a callable. The PKI is generated once per process with
:mod:`tls.pki` and written as PEM for ``ssl`` and tlslite-ng, so all three load the same
certificates and keys.

Fixed choices, the same for every implementation:

- TLS 1.2 only; extended master secret on (all three send it by default). Full handshakes issue
  no session ticket (ssl's server gets ``OP_NO_TICKET``, tls12's ``session_tickets=False``) so
  none of them spends time sealing one; the servers' session caches stay on (OpenSSL's default).
- Resumed handshakes (:data:`RESUMED`): one full handshake outside the timing makes the session;
  each timed round is one abbreviated handshake (RFC 5246 §7.3 fig. 2) offering it, by session ID
  (no tickets anywhere) or by RFC 5077 ticket (the server opens the ticket; no cache lookup).
- ECDHE over X25519 (the first group of all three libraries' defaults; both sides accept X25519
  and P-256, the curve of the ECDSA certificates); DHE over RFC 7919 ffdhe2048.
- Signatures: ecdsa_secp256r1_sha256 with the P-256 keys, rsa_pss_rsae_sha256 with the RSA-2048
  keys (what OpenSSL picks for TLS 1.2; tls12 and tlslite-ng are pinned to it).
- The server's chain is leaf + CA; the client validates it against the CA and checks the host
  name ``localhost``. With mutual TLS the server asks for, and validates, a client chain of the same
  key type as its own.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh

from records.registry import NamedGroup
from tls.config import Credentials
from tls.keyexchange import FFDHE_GENERATOR, FFDHE_PRIMES
from tls.pki import cert_pem, key_pem, make_ca, make_leaf
from tls.trust import TrustStore

__all__ = [
    "HANDSHAKES",
    "RESUMED",
    "SCENARIOS",
    "SOCKET_SCENARIOS",
    "TRANSFERS",
    "BenchPKI",
    "Identity",
    "Scenario",
    "bench_pki",
]


# --------------------------------------------------------------------------------------------------
# PKI
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """One certificate chain (leaf + CA) and key, as tls12 credentials and as PEM files."""

    credentials: Credentials
    chain_path: Path
    key_path: Path
    chain_pem: bytes
    key_pem: bytes

    @property
    def chain_der(self) -> tuple[bytes, ...]:
        return self.credentials.chain_der


@dataclass(frozen=True)
class BenchPKI:
    directory: Path
    ca_path: Path
    trust: TrustStore
    server_ecdsa: Identity
    server_rsa: Identity
    client_ecdsa: Identity
    client_rsa: Identity
    ffdhe2048_path: Path


@cache
def bench_pki() -> BenchPKI:
    """Generate the PKI once per process (two RSA-2048 keys, the rest P-256) and write it out."""
    directory = Path(tempfile.mkdtemp(prefix="tls12-bench-"))
    ca, ca_key = make_ca("tls12 bench CA", "p256")
    ca_path = directory / "ca.pem"
    ca_path.write_bytes(cert_pem(ca))

    def identity(stem: str, key_type: str, server: bool) -> Identity:
        cert, key = make_leaf(
            ca,
            ca_key,
            "localhost" if server else f"bench client {key_type}",
            key_type=key_type,
            server=server,
            client=not server,
            dns_names=["localhost"] if server else [],
        )
        chain = cert_pem(cert, ca)
        pem_key = key_pem(key)
        chain_path, key_path = directory / f"{stem}-chain.pem", directory / f"{stem}.key"
        chain_path.write_bytes(chain)
        key_path.write_bytes(pem_key)
        return Identity(Credentials((cert, ca), key), chain_path, key_path, chain, pem_key)

    params = dh.DHParameterNumbers(FFDHE_PRIMES[NamedGroup.ffdhe2048], FFDHE_GENERATOR)
    ffdhe_path = directory / "ffdhe2048.pem"
    ffdhe_path.write_bytes(
        params.parameters().parameter_bytes(
            serialization.Encoding.PEM, serialization.ParameterFormat.PKCS3
        )
    )
    return BenchPKI(
        directory=directory,
        ca_path=ca_path,
        trust=TrustStore.from_certificates([ca]),
        server_ecdsa=identity("server-ecdsa", "p256", True),
        server_rsa=identity("server-rsa", "rsa2048", True),
        client_ecdsa=identity("client-ecdsa", "p256", False),
        client_rsa=identity("client-rsa", "rsa2048", False),
        ffdhe2048_path=ffdhe_path,
    )


# --------------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """What one benchmark does, independent of the implementation doing it."""

    name: str
    kind: str  # "handshake" | "transfer"
    #: the one suite offered and accepted, OpenSSL name (ssl's set_ciphers, tls12's ciphers)
    suite: str
    kex: str  # "ecdhe" | "dhe" | "rsa"
    auth: str  # "ecdsa" | "rsa": the server key (and the client key with mutual TLS)
    mtls: bool = False
    #: transfer: bytes per write (one record each: 16 KiB or 64 B)
    write_size: int = 0
    #: over a loopback TCP socket instead of in memory
    socket: bool = False
    #: handshake: "" for a full handshake, "session_id" or "ticket" for a resumed one
    resumed: str = ""

    @property
    def groups(self) -> str:
        """The groups both sides accept, as tls12 names them: X25519 (chosen, being first) and
        P-256, because in TLS 1.2 the curve of an ECDSA certificate must be among the peers'
        groups (RFC 8422 §5.1; OpenSSL enforces it)."""
        return "ffdhe2048:X25519:P-256" if self.kex == "dhe" else "X25519:P-256"

    @property
    def unit(self) -> str:
        """What the report counts for this scenario."""
        if self.kind == "handshake":
            return "handshakes/s"
        return "MiB/s" if self.write_size >= 1024 else "records/s"

    def server_identity(self, pki: BenchPKI) -> Identity:
        return pki.server_ecdsa if self.auth == "ecdsa" else pki.server_rsa

    def client_identity(self, pki: BenchPKI) -> Identity | None:
        if not self.mtls:
            return None
        return pki.client_ecdsa if self.auth == "ecdsa" else pki.client_rsa


_GCM_ECDSA = "ECDHE-ECDSA-AES128-GCM-SHA256"


def _handshakes() -> list[Scenario]:
    base = [
        Scenario(
            "handshake_full_ecdhe_ecdsa_p256_aes128gcm", "handshake", _GCM_ECDSA, "ecdhe", "ecdsa"
        ),
        Scenario(
            "handshake_full_ecdhe_rsa2048_aes128gcm",
            "handshake",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "ecdhe",
            "rsa",
        ),
        Scenario(
            "handshake_full_rsa_kx_rsa2048_aes128gcm",
            "handshake",
            "AES128-GCM-SHA256",
            "rsa",
            "rsa",
        ),
        Scenario(
            "handshake_full_dhe_ffdhe2048_rsa2048_aes128gcm",
            "handshake",
            "DHE-RSA-AES128-GCM-SHA256",
            "dhe",
            "rsa",
        ),
    ]
    out: list[Scenario] = []
    for sc in base:
        out.append(sc)
        out.append(Scenario(sc.name + "_mtls", sc.kind, sc.suite, sc.kex, sc.auth, mtls=True))
    return out


def _transfers() -> list[Scenario]:
    suites = [
        ("aes128gcm", _GCM_ECDSA),
        ("aes256gcm", "ECDHE-ECDSA-AES256-GCM-SHA384"),
        ("chacha20", "ECDHE-ECDSA-CHACHA20-POLY1305"),
        ("cbc", "ECDHE-ECDSA-AES128-SHA256"),  # AES-128-CBC, HMAC-SHA256, encrypt-then-MAC
    ]
    return [
        Scenario(f"transfer_{label}_{short}", "transfer", suite, "ecdhe", "ecdsa", write_size=size)
        for label, size in (("16k", 16384), ("64b", 64))
        for short, suite in suites
    ]


HANDSHAKES: tuple[Scenario, ...] = tuple(_handshakes())
#: Resumed handshakes (ECDHE-ECDSA-P256 sessions, AES-128-GCM), listed apart from HANDSHAKES: the
#: crypto floor models full handshakes only.
RESUMED: tuple[Scenario, ...] = tuple(
    Scenario(f"handshake_resumed_{how}", "handshake", _GCM_ECDSA, "ecdhe", "ecdsa", resumed=how)
    for how in ("session_id", "ticket")
)
TRANSFERS: tuple[Scenario, ...] = tuple(_transfers())
SOCKET_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "handshake_full_ecdhe_ecdsa_p256_aes128gcm_socket",
        "handshake",
        _GCM_ECDSA,
        "ecdhe",
        "ecdsa",
        socket=True,
    ),
    Scenario(
        "transfer_16k_aes128gcm_socket",
        "transfer",
        _GCM_ECDSA,
        "ecdhe",
        "ecdsa",
        write_size=16384,
        socket=True,
    ),
)
SCENARIOS: dict[str, Scenario] = {
    s.name: s for s in (*HANDSHAKES, *RESUMED, *TRANSFERS, *SOCKET_SCENARIOS)
}
