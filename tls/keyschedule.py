"""The TLS 1.2 key schedule: small pure functions, each naming its RFC section.

Everything here is a deterministic function of its arguments (no state, no randomness), so each can
be checked against known answers: see ``vectors/prf/`` (OpenSSL's TLS1-PRF) and
``vectors/illustrated-tls12/`` (a recorded connection with its key log).

Hash names are the lower-case names used by :class:`tls.suites.SuiteInfo` (``"sha256"``,
``"sha384"``; ``"sha1"`` is accepted for HMAC but TLS 1.2 never uses it as the PRF hash).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.hmac import HMAC

from .suites import SuiteInfo

__all__ = [
    "MASTER_SECRET_LENGTH",
    "VERIFY_DATA_LENGTH",
    "KeyMaterial",
    "export_keying_material",
    "extended_master_secret",
    "hash_algorithm",
    "key_block",
    "master_secret",
    "prf",
    "verify_data",
]

MASTER_SECRET_LENGTH = 48  # RFC 5246 §8.1
VERIFY_DATA_LENGTH = 12  # RFC 5246 §7.4.9 (all TLS 1.2 suites implemented here)

_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha1": hashes.SHA1(),
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
}

#: Labels fixed by the RFCs.
LABEL_MASTER_SECRET = b"master secret"  # RFC 5246 §8.1
LABEL_EXTENDED_MASTER_SECRET = b"extended master secret"  # RFC 7627 §4
LABEL_KEY_EXPANSION = b"key expansion"  # RFC 5246 §6.3
LABEL_CLIENT_FINISHED = b"client finished"  # RFC 5246 §7.4.9
LABEL_SERVER_FINISHED = b"server finished"

# RFC 5705 §4: exporter labels must not collide with the labels the key schedule itself uses.
_RESERVED_EXPORTER_LABELS = frozenset(
    {
        LABEL_MASTER_SECRET,
        LABEL_EXTENDED_MASTER_SECRET,
        LABEL_KEY_EXPANSION,
        LABEL_CLIENT_FINISHED,
        LABEL_SERVER_FINISHED,
    }
)


def hash_algorithm(hash_name: str) -> hashes.HashAlgorithm:
    """The ``cryptography`` hash object for a suite hash name (``"sha256"``...)."""
    try:
        return _HASHES[hash_name]
    except KeyError:
        known = sorted(_HASHES)
        raise ValueError(f"unknown hash {hash_name!r} (expected one of {known})") from None


def prf(hash_name: str, secret: bytes, label: bytes, seed: bytes, length: int) -> bytes:
    """RFC 5246 §5: ``PRF(secret, label, seed) = P_<hash>(secret, label + seed)``, first ``length``
    bytes.

    ``P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...`` with
    ``A(0) = seed`` and ``A(i) = HMAC(secret, A(i-1))``. The keyed HMAC is set up once and copied
    for every block, so the key schedule is computed only once per call.
    """
    if length < 0:
        raise ValueError(f"PRF output length must be >= 0, got {length}")
    keyed = HMAC(secret, hash_algorithm(hash_name))
    full_seed = label + seed
    out = bytearray()
    a = full_seed
    while len(out) < length:
        h = keyed.copy()
        h.update(a)
        a = h.finalize()  # A(i)
        h = keyed.copy()
        h.update(a)
        h.update(full_seed)
        out += h.finalize()
    return bytes(out[:length])


def master_secret(
    hash_name: str, pre_master_secret: bytes, client_random: bytes, server_random: bytes
) -> bytes:
    """RFC 5246 §8.1: ``PRF(pre_master_secret, "master secret", ClientHello.random +
    ServerHello.random)[0..47]``."""
    _check_random("client_random", client_random)
    _check_random("server_random", server_random)
    return prf(
        hash_name,
        pre_master_secret,
        LABEL_MASTER_SECRET,
        client_random + server_random,
        MASTER_SECRET_LENGTH,
    )


def extended_master_secret(hash_name: str, pre_master_secret: bytes, session_hash: bytes) -> bytes:
    """RFC 7627 §4: ``PRF(pre_master_secret, "extended master secret", session_hash)[0..47]``.

    ``session_hash`` is the hash (with the PRF hash) of the handshake messages up to and including
    ClientKeyExchange (RFC 7627 §3).
    """
    return prf(
        hash_name,
        pre_master_secret,
        LABEL_EXTENDED_MASTER_SECRET,
        session_hash,
        MASTER_SECRET_LENGTH,
    )


def key_block(
    hash_name: str, master_secret: bytes, server_random: bytes, client_random: bytes, length: int
) -> bytes:
    """RFC 5246 §6.3: ``PRF(master_secret, "key expansion", server_random + client_random)``.

    Note the order of the randoms: server first here, client first in the master secret.
    """
    _check_random("server_random", server_random)
    _check_random("client_random", client_random)
    return prf(hash_name, master_secret, LABEL_KEY_EXPANSION, server_random + client_random, length)


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    """The key block of RFC 5246 §6.3, split in its order: MAC keys, encryption keys, fixed IVs.

    For AEAD suites the MAC keys are empty; for CBC suites the fixed IVs are empty (TLS 1.2 sends an
    explicit IV in every record); for AES-GCM the IVs are the 4-byte salts of RFC 5288 §3 and for
    ChaCha20-Poly1305 the 12-byte IVs of RFC 7905 §2.
    """

    client_write_mac_key: bytes
    server_write_mac_key: bytes
    client_write_key: bytes
    server_write_key: bytes
    client_write_iv: bytes
    server_write_iv: bytes

    @classmethod
    def derive(
        cls, suite: SuiteInfo, master_secret: bytes, client_random: bytes, server_random: bytes
    ) -> KeyMaterial:
        """Expand the master secret into the six keys ``suite`` needs (RFC 5246 §6.3)."""
        mac_len, key_len, iv_len = suite.mac_length, suite.key_length, suite.fixed_iv_length
        block = key_block(
            suite.prf_hash, master_secret, server_random, client_random, suite.key_block_length
        )
        parts = []
        pos = 0
        for size in (mac_len, mac_len, key_len, key_len, iv_len, iv_len):
            parts.append(block[pos : pos + size])
            pos += size
        return cls(*parts)


def verify_data(hash_name: str, master_secret: bytes, label: bytes, handshake_hash: bytes) -> bytes:
    """RFC 5246 §7.4.9: ``PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]``.

    ``label`` is ``b"client finished"`` or ``b"server finished"``; ``handshake_hash`` is the digest
    (with the PRF hash) of every handshake message so far, excluding HelloRequest and the Finished
    being computed.
    """
    if label not in (LABEL_CLIENT_FINISHED, LABEL_SERVER_FINISHED):
        raise ValueError(
            f"Finished label must be b'client finished' or b'server finished', got {label!r}"
        )
    return prf(hash_name, master_secret, label, handshake_hash, VERIFY_DATA_LENGTH)


def export_keying_material(
    hash_name: str,
    master_secret: bytes,
    label: bytes,
    client_random: bytes,
    server_random: bytes,
    context: bytes | None,
    length: int,
) -> bytes:
    """RFC 5705 §4: ``PRF(master_secret, label, client_random + server_random
    [+ context_value_length + context_value])[length]``.

    ``context=None`` means "no context", which differs from an empty context (RFC 5705 §4).
    """
    if label in _RESERVED_EXPORTER_LABELS:
        raise ValueError(f"exporter label {label!r} is reserved by the TLS key schedule (RFC 5705)")
    _check_random("client_random", client_random)
    _check_random("server_random", server_random)
    seed = client_random + server_random
    if context is not None:
        if len(context) >= 1 << 16:
            raise ValueError(
                f"exporter context is {len(context)} bytes; RFC 5705 allows at most 65535"
            )
        seed += len(context).to_bytes(2, "big") + context
    return prf(hash_name, master_secret, label, seed, length)


def _check_random(name: str, value: bytes) -> None:
    if len(value) != 32:
        raise ValueError(f"{name} must be 32 bytes (RFC 5246 §7.4.1.2), got {len(value)}")
