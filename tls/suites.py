"""Cipher suites as frozen data records, one registry (after rustls's ``Tls12CipherSuite``).

Adding a suite is adding a record to :data:`SUITES`. Names are accepted in IANA form
(``TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256``) and OpenSSL form (``ECDHE-ECDSA-AES128-GCM-SHA256``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from records.registry import OPENSSL_NAMES, CipherSuite

from .errors import ConfigError


class KeyExchange(StrEnum):
    ECDHE = "ECDHE"
    DHE = "DHE"
    RSA = "RSA"


class Auth(StrEnum):
    RSA = "RSA"
    ECDSA = "ECDSA"


class BulkCipher(StrEnum):
    AES_128_GCM = "AES_128_GCM"
    AES_256_GCM = "AES_256_GCM"
    CHACHA20_POLY1305 = "CHACHA20_POLY1305"
    AES_128_CBC = "AES_128_CBC"
    AES_256_CBC = "AES_256_CBC"


# (key length, fixed IV length from the key block, record IV length, AEAD?)
_CIPHER_SIZES: dict[BulkCipher, tuple[int, int, int, bool]] = {
    BulkCipher.AES_128_GCM: (16, 4, 8, True),  # RFC 5288 §3: salt 4, explicit nonce 8
    BulkCipher.AES_256_GCM: (32, 4, 8, True),
    BulkCipher.CHACHA20_POLY1305: (32, 12, 0, True),  # RFC 7905 §2
    BulkCipher.AES_128_CBC: (16, 0, 16, False),  # RFC 5246 §6.2.3.2: IV per record
    BulkCipher.AES_256_CBC: (32, 0, 16, False),
}

# MAC algorithm name -> (hash name, MAC length); AEAD suites have mac None.
MAC_SIZES: dict[str, int] = {"sha1": 20, "sha256": 32, "sha384": 48}


@dataclass(frozen=True, slots=True)
class SuiteInfo:
    """Everything the handshake and record layer need to know about one suite."""

    suite: CipherSuite
    kex: KeyExchange
    auth: Auth
    cipher: BulkCipher
    mac: str | None  # "sha1" | "sha256" | "sha384" for CBC suites, None for AEAD
    prf_hash: str  # "sha256" | "sha384" (RFC 5246 §5; RFC 5288 §3 for the SHA384 suites)

    @property
    def code(self) -> int:
        return int(self.suite)

    @property
    def name(self) -> str:
        return self.suite.name

    @property
    def openssl_name(self) -> str:
        return OPENSSL_NAMES[self.suite]

    @property
    def key_length(self) -> int:
        return _CIPHER_SIZES[self.cipher][0]

    @property
    def fixed_iv_length(self) -> int:
        return _CIPHER_SIZES[self.cipher][1]

    @property
    def record_iv_length(self) -> int:
        return _CIPHER_SIZES[self.cipher][2]

    @property
    def is_aead(self) -> bool:
        return _CIPHER_SIZES[self.cipher][3]

    @property
    def mac_length(self) -> int:
        return MAC_SIZES[self.mac] if self.mac else 0

    @property
    def forward_secret(self) -> bool:
        return self.kex is not KeyExchange.RSA

    @property
    def key_block_length(self) -> int:
        """RFC 5246 §6.3: 2 MAC keys, 2 encryption keys, 2 fixed IVs."""
        return 2 * (self.mac_length + self.key_length + self.fixed_iv_length)


def _suite(
    name: str, kex: KeyExchange, auth: Auth, cipher: BulkCipher, mac: str | None, prf_hash: str
) -> SuiteInfo:
    return SuiteInfo(CipherSuite[name], kex, auth, cipher, mac, prf_hash)


_E, _D, _R = KeyExchange.ECDHE, KeyExchange.DHE, KeyExchange.RSA
_A_RSA, _A_EC = Auth.RSA, Auth.ECDSA
_G128, _G256, _CC = BulkCipher.AES_128_GCM, BulkCipher.AES_256_GCM, BulkCipher.CHACHA20_POLY1305
_C128, _C256 = BulkCipher.AES_128_CBC, BulkCipher.AES_256_CBC

#: Every suite tls12 implements, in the default server preference order: forward-secret AEAD
#: first (ECDSA before RSA, AES-GCM and ChaCha20), then DHE AEAD, then CBC, then RSA key transport.
SUITES: tuple[SuiteInfo, ...] = (
    _suite("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", _E, _A_EC, _G128, None, "sha256"),
    _suite("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", _E, _A_EC, _G256, None, "sha384"),
    _suite("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", _E, _A_EC, _CC, None, "sha256"),
    _suite("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", _E, _A_RSA, _G128, None, "sha256"),
    _suite("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", _E, _A_RSA, _G256, None, "sha384"),
    _suite("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", _E, _A_RSA, _CC, None, "sha256"),
    _suite("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", _D, _A_RSA, _G128, None, "sha256"),
    _suite("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", _D, _A_RSA, _G256, None, "sha384"),
    _suite("TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", _D, _A_RSA, _CC, None, "sha256"),
    _suite("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", _E, _A_EC, _C128, "sha256", "sha256"),
    _suite("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", _E, _A_EC, _C256, "sha384", "sha384"),
    _suite("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", _E, _A_RSA, _C128, "sha256", "sha256"),
    _suite("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", _E, _A_RSA, _C256, "sha384", "sha384"),
    _suite("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", _E, _A_EC, _C128, "sha1", "sha256"),
    _suite("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", _E, _A_EC, _C256, "sha1", "sha256"),
    _suite("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", _E, _A_RSA, _C128, "sha1", "sha256"),
    _suite("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", _E, _A_RSA, _C256, "sha1", "sha256"),
    _suite("TLS_RSA_WITH_AES_128_GCM_SHA256", _R, _A_RSA, _G128, None, "sha256"),
    _suite("TLS_RSA_WITH_AES_256_GCM_SHA384", _R, _A_RSA, _G256, None, "sha384"),
    _suite("TLS_RSA_WITH_AES_128_CBC_SHA256", _R, _A_RSA, _C128, "sha256", "sha256"),
    _suite("TLS_RSA_WITH_AES_256_CBC_SHA256", _R, _A_RSA, _C256, "sha256", "sha256"),
    _suite("TLS_RSA_WITH_AES_128_CBC_SHA", _R, _A_RSA, _C128, "sha1", "sha256"),
    _suite("TLS_RSA_WITH_AES_256_CBC_SHA", _R, _A_RSA, _C256, "sha1", "sha256"),
)

BY_CODE: dict[int, SuiteInfo] = {s.code: s for s in SUITES}
_BY_NAME: dict[str, SuiteInfo] = {}
for _s in SUITES:
    _BY_NAME[_s.name.upper()] = _s
    _BY_NAME[_s.openssl_name.upper()] = _s

#: On by default: the forward-secret AEAD suites. CBC and RSA key transport must be asked for.
DEFAULT_SUITES: tuple[SuiteInfo, ...] = tuple(s for s in SUITES if s.is_aead and s.forward_secret)


def suite_by_name(name: str) -> SuiteInfo:
    """Look a suite up by its IANA or OpenSSL name (case-insensitive)."""
    try:
        return _BY_NAME[name.strip().upper()]
    except KeyError:
        raise ConfigError(f"unknown or unsupported cipher suite {name!r}") from None


def parse_cipher_list(spec: str | list[str] | tuple[str, ...]) -> tuple[SuiteInfo, ...]:
    """A colon-separated list of suite names (IANA or OpenSSL), in preference order.

    Besides single names, the keywords ``DEFAULT`` (the default suites) and ``ALL`` (every suite
    tls12 implements) expand in place. Duplicates keep their first position.
    """
    names = spec.split(":") if isinstance(spec, str) else list(spec)
    out: list[SuiteInfo] = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        if name.upper() == "DEFAULT":
            group: tuple[SuiteInfo, ...] = DEFAULT_SUITES
        elif name.upper() == "ALL":
            group = SUITES
        else:
            group = (suite_by_name(name),)
        out.extend(s for s in group if s not in out)
    if not out:
        raise ConfigError(f"cipher list {spec!r} names no suite")
    return tuple(out)
