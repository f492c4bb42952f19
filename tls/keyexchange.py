"""Key exchange for TLS 1.2: ECDHE (RFC 8422, RFC 7748), DHE (RFC 5246 §8.1.2, RFC 7919) and RSA
key transport with the RFC 5246 §7.4.7.1 countermeasure.

Every primitive comes from ``cryptography``. This module checks what the peer sends (point encoding,
curve membership, DH value ranges, parameter sizes) and raises :class:`TLSLocalAlert` with the alert
to send and a message naming the group and what was wrong.

- :class:`EcdheKeyPair`: ``generate(group)``, ``.public_bytes`` (TLS encoding), ``.exchange(peer)``.
- :class:`DheKeyPair`: ``generate_server(group)`` (RFC 7919 groups), ``generate_client(p, g)``
  (server parameters checked), ``.public_bytes``, ``.exchange(peer_y)``.
- :func:`rsa_encrypt_pre_master_secret` / :func:`rsa_decrypt_pre_master_secret`.
- :func:`parse_groups_list`, :func:`choose_ecdhe_group`, :func:`choose_ffdhe_group`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh, ec, padding, rsa, x448, x25519
from cryptography.utils import CryptographyDeprecationWarning

from records.registry import AlertDescription, NamedGroup

from .errors import ConfigError, TLSLocalAlert

# cryptography 50 deprecates finite-field Diffie-Hellman. tls12 implements DHE (RFC 7919) on
# purpose, for the OpenSSL peers that still negotiate it: silence exactly that warning.
warnings.filterwarnings(
    "ignore", message="Diffie-Hellman over finite fields", category=CryptographyDeprecationWarning
)

__all__ = [
    "DEFAULT_FFDHE_GROUPS",
    "DEFAULT_GROUPS",
    "ECDHE_GROUPS",
    "FFDHE_GENERATOR",
    "FFDHE_PRIMES",
    "MAX_DHE_BITS",
    "MIN_DHE_BITS",
    "PRE_MASTER_SECRET_LENGTH",
    "DheKeyPair",
    "EcdheKeyPair",
    "choose_ecdhe_group",
    "choose_ffdhe_group",
    "group_name",
    "parse_groups_list",
    "rsa_decrypt_pre_master_secret",
    "rsa_encrypt_pre_master_secret",
]

Random = Callable[[int], bytes]

# --------------------------------------------------------------------------------------------------
# Groups
# --------------------------------------------------------------------------------------------------

_NIST_CURVES: Final[dict[NamedGroup, tuple[type[ec.EllipticCurve], int]]] = {
    # group -> (curve class, field element length in bytes)
    NamedGroup.secp256r1: (ec.SECP256R1, 32),
    NamedGroup.secp384r1: (ec.SECP384R1, 48),
    NamedGroup.secp521r1: (ec.SECP521R1, 66),
}
_MONTGOMERY_LENGTHS: Final[dict[NamedGroup, int]] = {
    NamedGroup.x25519: 32,  # RFC 7748 §5
    NamedGroup.x448: 56,
}

ECDHE_GROUPS: Final[frozenset[NamedGroup]] = frozenset({*_NIST_CURVES, *_MONTGOMERY_LENGTHS})
DEFAULT_GROUPS: Final[tuple[NamedGroup, ...]] = (
    NamedGroup.x25519,
    NamedGroup.secp256r1,
    NamedGroup.secp384r1,
    NamedGroup.x448,
    NamedGroup.secp521r1,
)
DEFAULT_FFDHE_GROUPS: Final[tuple[NamedGroup, ...]] = (
    NamedGroup.ffdhe2048,
    NamedGroup.ffdhe3072,
    NamedGroup.ffdhe4096,
)

# RFC 7919 Appendix A.1-A.3. The hex text is copied from tlslite-ng 0.8.2 (tlslite/mathtls.py,
# FFDHE2048/3072/4096), which reproduces the RFC's appendix. tests/test_keyexchange.py recomputes
# each prime from the RFC's formula p = 2^b - 2^{b-64} + ({2^{b-130} e} + X) * 2^64 - 1, checks it
# is a safe prime, and compares it with `openssl genpkey -genparam` output in vectors/ffdhe/.
_FFDHE2048_HEX = """
    FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1
    D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9
    7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561
    2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
    984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735
    30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB
    B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19
    0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
    9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73
    3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA
    886B4238 61285C97 FFFFFFFF FFFFFFFF
"""
_FFDHE3072_HEX = """
    FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1
    D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9
    7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561
    2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
    984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735
    30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB
    B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19
    0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
    9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73
    3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA
    886B4238 611FCFDC DE355B3B 6519035B BC34F4DE F99C0238
    61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C
    AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3
    64F2E21E 71F54BFF 5CAE82AB 9C9DF69E E86D2BC5 22363A0D
    ABC52197 9B0DEADA 1DBF9A42 D5C4484E 0ABCD06B FA53DDEF
    3C1B20EE 3FD59D7C 25E41D2B 66C62E37 FFFFFFFF FFFFFFFF
"""
_FFDHE4096_HEX = """
    FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A AFDC5620 273D3CF1
    D8B9C583 CE2D3695 A9E13641 146433FB CC939DCE 249B3EF9
    7D2FE363 630C75D8 F681B202 AEC4617A D3DF1ED5 D5FD6561
    2433F51F 5F066ED0 85636555 3DED1AF3 B557135E 7F57C935
    984F0C70 E0E68B77 E2A689DA F3EFE872 1DF158A1 36ADE735
    30ACCA4F 483A797A BC0AB182 B324FB61 D108A94B B2C8E3FB
    B96ADAB7 60D7F468 1D4F42A3 DE394DF4 AE56EDE7 6372BB19
    0B07A7C8 EE0A6D70 9E02FCE1 CDF7E2EC C03404CD 28342F61
    9172FE9C E98583FF 8E4F1232 EEF28183 C3FE3B1B 4C6FAD73
    3BB5FCBC 2EC22005 C58EF183 7D1683B2 C6F34A26 C1B2EFFA
    886B4238 611FCFDC DE355B3B 6519035B BC34F4DE F99C0238
    61B46FC9 D6E6C907 7AD91D26 91F7F7EE 598CB0FA C186D91C
    AEFE1309 85139270 B4130C93 BC437944 F4FD4452 E2D74DD3
    64F2E21E 71F54BFF 5CAE82AB 9C9DF69E E86D2BC5 22363A0D
    ABC52197 9B0DEADA 1DBF9A42 D5C4484E 0ABCD06B FA53DDEF
    3C1B20EE 3FD59D7C 25E41D2B 669E1EF1 6E6F52C3 164DF4FB
    7930E9E4 E58857B6 AC7D5F42 D69F6D18 7763CF1D 55034004
    87F55BA5 7E31CC7A 7135C886 EFB4318A ED6A1E01 2D9E6832
    A907600A 918130C4 6DC778F9 71AD0038 092999A3 33CB8B7A
    1A1DB93D 7140003C 2A4ECEA9 F98D0ACC 0A8291CD CEC97DCF
    8EC9B55A 7F88A46B 4DB5A851 F44182E1 C68A007E 5E655F6A
    FFFFFFFF FFFFFFFF
"""


def _exact(random: Callable[[int], bytes], n: int) -> bytes:
    """``n`` bytes from a random source, checked (an injected source may be wrong)."""
    out = random(n)
    if len(out) != n:
        raise TLSLocalAlert(
            AlertDescription.internal_error, f"random source returned {len(out)} bytes, not {n}"
        )
    return out


def _hex_int(text: str) -> int:
    return int("".join(text.split()), 16)


FFDHE_GENERATOR: Final = 2  # RFC 7919 Appendix A: "The generator is: g = 2"
FFDHE_PRIMES: Final[dict[NamedGroup, int]] = {
    NamedGroup.ffdhe2048: _hex_int(_FFDHE2048_HEX),
    NamedGroup.ffdhe3072: _hex_int(_FFDHE3072_HEX),
    NamedGroup.ffdhe4096: _hex_int(_FFDHE4096_HEX),
}
_FFDHE_BY_PRIME: Final[dict[int, NamedGroup]] = {p: g for g, p in FFDHE_PRIMES.items()}

MIN_DHE_BITS: Final = 2048  # smallest server DH prime a client accepts (Logjam, RFC 7919 §1)
MAX_DHE_BITS: Final = 8192  # largest (bounds the work a server can make a client do)

# Names accepted by parse_groups_list (lower-cased): IANA names and OpenSSL's aliases.
_GROUP_ALIASES: Final[dict[str, NamedGroup]] = {
    "x25519": NamedGroup.x25519,
    "x448": NamedGroup.x448,
    "secp256r1": NamedGroup.secp256r1,
    "p-256": NamedGroup.secp256r1,
    "prime256v1": NamedGroup.secp256r1,
    "secp384r1": NamedGroup.secp384r1,
    "p-384": NamedGroup.secp384r1,
    "secp521r1": NamedGroup.secp521r1,
    "p-521": NamedGroup.secp521r1,
    "ffdhe2048": NamedGroup.ffdhe2048,
    "ffdhe3072": NamedGroup.ffdhe3072,
    "ffdhe4096": NamedGroup.ffdhe4096,
}
SUPPORTED_GROUPS: Final[frozenset[NamedGroup]] = frozenset(_GROUP_ALIASES.values())


def group_name(group: int) -> str:
    """IANA name of a group, or its hex code point when unregistered."""
    try:
        return NamedGroup(group).name
    except ValueError:
        return f"group 0x{group:04x}"


def parse_groups_list(text: str) -> tuple[NamedGroup, ...]:
    """Parse a colon-separated group list in OpenSSL or IANA spelling, case-insensitively.

    ``"X25519:P-256:prime256v1:secp384r1:ffdhe2048"`` → ``(x25519, secp256r1, secp384r1,
    ffdhe2048)``: a group named twice (even by two aliases) is kept once, at its first place.
    Unknown or unsupported names and empty lists raise :class:`ConfigError`.
    """
    groups: list[NamedGroup] = []
    for raw in text.split(":"):
        name = raw.strip()
        if not name:
            raise ConfigError(f"groups list {text!r}: empty group name")
        group = _GROUP_ALIASES.get(name.lower())
        if group is None:
            try:
                known = NamedGroup[name]
            except KeyError:
                raise ConfigError(
                    f"groups list {text!r}: unknown group {name!r} (supported: "
                    f"{', '.join(sorted(_GROUP_ALIASES))})"
                ) from None
            raise ConfigError(f"groups list {text!r}: group {known.name} is not supported")
        if group not in groups:
            groups.append(group)
    return tuple(groups)


def choose_ecdhe_group(
    peer_groups: Sequence[int] | None, allowed: Sequence[int]
) -> NamedGroup | None:
    """Server side: the first of our ``allowed`` ECDHE groups that the client listed.

    ``peer_groups`` None means the client sent no supported_groups extension; RFC 8422 §4 then
    lets the server use any curve, and we take secp256r1 if allowed (every client has it), else our
    first ECDHE group. Returns None when nothing fits (the server must not pick an ECDHE suite).
    """
    ours = [NamedGroup(g) for g in allowed if g in ECDHE_GROUPS]
    if peer_groups is None:
        if NamedGroup.secp256r1 in ours:
            return NamedGroup.secp256r1
        return ours[0] if ours else None
    offered = set(peer_groups)
    return next((g for g in ours if g in offered), None)


def choose_ffdhe_group(
    peer_groups: Sequence[int] | None, allowed: Sequence[int] = DEFAULT_FFDHE_GROUPS
) -> NamedGroup | None:
    """Server side, RFC 7919 §4: the DH group for a DHE suite.

    If the client listed FFDHE groups, the first of our ``allowed`` groups it listed, or None when
    there is none in common (the server must then not choose a DHE suite). If it listed none (or
    sent no supported_groups), our first allowed group.
    """
    ours = [NamedGroup(g) for g in allowed if g in FFDHE_PRIMES]
    if peer_groups is not None:
        listed = {g for g in peer_groups if 256 <= g <= 511}  # RFC 7919 §5.1: 0x01xx is FFDHE
        if listed:
            return next((g for g in ours if g in listed), None)
    return ours[0] if ours else None


def _alert(description: AlertDescription, context: str, message: str) -> TLSLocalAlert:
    return TLSLocalAlert(description, f"{context}: {message}" if context else message)


# --------------------------------------------------------------------------------------------------
# ECDHE
# --------------------------------------------------------------------------------------------------

_EcPrivate = x25519.X25519PrivateKey | x448.X448PrivateKey | ec.EllipticCurvePrivateKey


class EcdheKeyPair:
    """An ephemeral ECDHE key pair on one named group.

    ``public_bytes`` is the TLS encoding (RFC 8422 §5.4, RFC 7748 §5): the raw 32/56 bytes for
    x25519/x448, the uncompressed point ``04 || X || Y`` for the NIST curves.
    """

    __slots__ = ("_private", "group", "public_bytes")

    def __init__(self, group: NamedGroup, private_key: _EcPrivate) -> None:
        self.group = group
        self._private = private_key
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            self.public_bytes = private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        else:
            self.public_bytes = private_key.public_key().public_bytes_raw()

    @classmethod
    def generate(cls, group: int, random: Callable[[int], bytes] | None = None) -> EcdheKeyPair:
        """A fresh key pair. An unsupported group raises TLSLocalAlert(illegal_parameter): the
        group usually comes from the peer (a ServerKeyExchange naming a curve we did not offer).

        ``random`` None lets OpenSSL draw the key. A ``random`` source (a configuration's injected
        randomness, for replaying a handshake byte for byte) draws the private key from it: the
        raw scalar for X25519/X448 (RFC 7748 §5 clamps it), and for the NIST curves a scalar of
        one bit less than the curve order's length (so it is below the order without knowing it:
        a one-bit smaller key space, acceptable for research replays, not used by default).
        """
        if group == NamedGroup.x25519:
            if random is not None:
                key = x25519.X25519PrivateKey.from_private_bytes(_exact(random, 32))
                return cls(NamedGroup.x25519, key)
            return cls(NamedGroup.x25519, x25519.X25519PrivateKey.generate())
        if group == NamedGroup.x448:
            if random is not None:
                return cls(
                    NamedGroup.x448, x448.X448PrivateKey.from_private_bytes(_exact(random, 56))
                )
            return cls(NamedGroup.x448, x448.X448PrivateKey.generate())
        if group in _NIST_CURVES:
            curve = _NIST_CURVES[NamedGroup(group)][0]()
            if random is not None:
                bits = curve.key_size - 1
                scalar = int.from_bytes(_exact(random, (bits + 7) // 8), "big") >> (-bits % 8)
                return cls(NamedGroup(group), ec.derive_private_key(scalar or 1, curve))
            return cls(NamedGroup(group), ec.generate_private_key(curve))
        raise TLSLocalAlert(
            AlertDescription.illegal_parameter,
            f"ECDHE: {group_name(group)} is not a supported ECDHE group",
        )

    def exchange(self, peer_public: bytes, *, context: str = "") -> bytes:
        """The pre-master secret shared with ``peer_public`` (RFC 8422 §5.10: the x-coordinate for
        the NIST curves; RFC 7748 §6 for x25519/x448).

        The peer's value is validated; anything wrong raises TLSLocalAlert(illegal_parameter) with a
        message naming the group and the defect, prefixed by ``context`` (e.g. "ClientKeyExchange").
        """
        name = self.group.name
        peer_public = bytes(peer_public)
        if self.group in _MONTGOMERY_LENGTHS:
            size = _MONTGOMERY_LENGTHS[self.group]
            if len(peer_public) != size:
                raise _alert(
                    AlertDescription.illegal_parameter,
                    context,
                    f"{name} public key is {len(peer_public)} bytes, expected {size}",
                )
            return self._exchange_montgomery(peer_public, context)
        return self._exchange_nist(peer_public, context)

    def _exchange_montgomery(self, peer_public: bytes, context: str) -> bytes:
        name = self.group.name
        try:
            if isinstance(self._private, x25519.X25519PrivateKey):
                shared = self._private.exchange(
                    x25519.X25519PublicKey.from_public_bytes(peer_public)
                )
            else:
                assert isinstance(self._private, x448.X448PrivateKey)
                shared = self._private.exchange(x448.X448PublicKey.from_public_bytes(peer_public))
        except ValueError:
            # OpenSSL refuses an all-zero result (RFC 7748 §6.1 check) with an opaque error.
            shared = bytes(_MONTGOMERY_LENGTHS[self.group])
        if not any(shared):
            raise _alert(
                AlertDescription.illegal_parameter,
                context,
                f"{name} public key is a low-order point: the shared secret is all zeros "
                "(RFC 7748 §6)",
            )
        return shared

    def _exchange_nist(self, peer_public: bytes, context: str) -> bytes:
        name = self.group.name
        curve_cls, size = _NIST_CURVES[self.group]
        expected = 1 + 2 * size
        if peer_public[:1] != b"\x04":
            form = (
                "empty"
                if not peer_public
                else f"compressed or hybrid point (first byte 0x{peer_public[0]:02x})"
                if peer_public[0] in (2, 3, 6, 7)
                else f"first byte 0x{peer_public[0]:02x}"
            )
            raise _alert(
                AlertDescription.illegal_parameter,
                context,
                f"{name} public key is not an uncompressed point ({form}); RFC 8422 §5.4 "
                "requires the uncompressed form 0x04",
            )
        if len(peer_public) != expected:
            raise _alert(
                AlertDescription.illegal_parameter,
                context,
                f"{name} public key is {len(peer_public)} bytes, expected {expected} "
                "(uncompressed point)",
            )
        try:
            peer = ec.EllipticCurvePublicKey.from_encoded_point(curve_cls(), peer_public)
        except ValueError:
            raise _alert(
                AlertDescription.illegal_parameter,
                context,
                f"{name} public key is not a point on the curve",
            ) from None
        assert isinstance(self._private, ec.EllipticCurvePrivateKey)
        return self._private.exchange(ec.ECDH(), peer)


# --------------------------------------------------------------------------------------------------
# DHE
# --------------------------------------------------------------------------------------------------


def _to_int(value: int | bytes) -> int:
    return int.from_bytes(value, "big") if isinstance(value, bytes | bytearray) else int(value)


def _int_to_bytes(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


class DheKeyPair:
    """An ephemeral finite-field Diffie-Hellman key pair (RFC 5246 §8.1.2).

    ``public_bytes`` is Y big-endian without leading zeros (what OpenSSL sends in ServerDHParams
    and ClientDiffieHellmanPublic). ``group`` is the RFC 7919 group when ``(p, g)`` is one of them,
    else None.

    Two paths, measured with cryptography 48 / OpenSSL 4.0:

    - RFC 7919 groups: everything in OpenSSL. ``DHParameterNumbers(p, 2).parameters()
      .generate_private_key()`` takes about 1 ms (OpenSSL recognises the group, skips the
      parameter check and draws a 225-bit exponent); loading the peer's Y is as cheap.
    - Any other (p, g), which only a client meets (a server's custom parameters): cryptography
      checks the parameters (a primality test of p) every time a DH object is built from numbers:
      0.34 s for 2048 bits and 6 s for 4096, once for our key and again for the peer's Y. That is
      a stall a server could force on us, so this path does the arithmetic with Python integers
      instead: a short random exponent (twice the security strength of p, 256-512 bits, as RFC
      7919 §5.2 / NIST SP 800-56A allow) and ``pow``, a few ms in all. p is not tested for
      primality (a malicious server knows the shared secret anyway), and Python's ``pow`` is not
      constant-time (the exponent is used once).
    """

    __slots__ = ("_private", "_x", "g", "group", "p", "public_bytes")

    def __init__(self, p: int, g: int, private: dh.DHPrivateKey | int) -> None:
        self.p = p
        self.g = g
        self.group: NamedGroup | None = _FFDHE_BY_PRIME.get(p) if g == FFDHE_GENERATOR else None
        if isinstance(private, dh.DHPrivateKey):
            self._private: dh.DHPrivateKey | None = private
            self._x: int | None = None
            y = private.public_key().public_numbers().y
        else:
            self._private = None
            self._x = private
            y = pow(g, private, p)
        self.public_bytes = _int_to_bytes(y)

    @property
    def p_bytes(self) -> bytes:
        return _int_to_bytes(self.p)

    @property
    def g_bytes(self) -> bytes:
        return _int_to_bytes(self.g)

    @property
    def name(self) -> str:
        return self.group.name if self.group is not None else f"DH {self.p.bit_length()}-bit"

    @classmethod
    def generate_server(
        cls, group: int = NamedGroup.ffdhe2048, random: Callable[[int], bytes] | None = None
    ) -> DheKeyPair:
        """Server side: a key pair in one of the RFC 7919 groups (ffdhe2048/3072/4096).
        ``random`` as in :meth:`EcdheKeyPair.generate` (None: OpenSSL draws the key)."""
        if group not in FFDHE_PRIMES:
            raise ConfigError(
                f"DHE: {group_name(group)} is not a supported FFDHE group "
                f"(supported: {', '.join(g.name for g in FFDHE_PRIMES)})"
            )
        p = FFDHE_PRIMES[NamedGroup(group)]
        return cls._generate(p, FFDHE_GENERATOR, random)

    @classmethod
    def generate_client(
        cls,
        p: int | bytes,
        g: int | bytes,
        server_public: bytes | None = None,
        *,
        min_bits: int = MIN_DHE_BITS,
        max_bits: int = MAX_DHE_BITS,
        context: str = "ServerKeyExchange",
        random: Callable[[int], bytes] | None = None,
    ) -> DheKeyPair:
        """Client side: check the server's ServerDHParams, then make our key pair on them.

        - p shorter than ``min_bits`` (2048) bits → insufficient_security;
        - p longer than ``max_bits`` (8192), p even, or g outside 1 < g < p-1 → illegal_parameter;
        - ``server_public`` (dh_Ys), when given, outside 1 < Ys < p-1 → illegal_parameter
          (``exchange`` checks it again in any case).
        """
        p_int, g_int = _to_int(p), _to_int(g)
        bits = p_int.bit_length()
        if bits < min_bits:
            raise _alert(
                AlertDescription.insufficient_security,
                context,
                f"server DH prime is {bits} bits; at least {min_bits} are required",
            )
        if bits > max_bits:
            raise _alert(
                AlertDescription.illegal_parameter,
                context,
                f"server DH prime is {bits} bits; at most {max_bits} are accepted",
            )
        if p_int % 2 == 0:
            raise _alert(AlertDescription.illegal_parameter, context, "server DH prime p is even")
        if not 1 < g_int < p_int - 1:
            shown = g_int if g_int.bit_length() <= 32 else "(large)"
            raise _alert(
                AlertDescription.illegal_parameter,
                context,
                f"server DH generator g = {shown} is not in 1 < g < p-1",
            )
        if server_public is not None:
            _check_dh_public(_to_int(server_public), p_int, f"{context}: server DH public value Ys")
        return cls._generate(p_int, g_int, random)

    @classmethod
    def _generate(cls, p: int, g: int, random: Callable[[int], bytes] | None = None) -> DheKeyPair:
        if random is None and g == FFDHE_GENERATOR and p in _FFDHE_BY_PRIME:
            params = dh.DHParameterNumbers(p, g).parameters()
            return cls(p, g, params.generate_private_key())
        bits = _short_exponent_bits(p.bit_length())
        draw = random if random is not None else os.urandom
        x = (int.from_bytes(_exact(draw, bits // 8), "big") | (1 << (bits - 1))) % (p - 2) + 1
        return cls(p, g, x)

    def exchange(self, peer_y: bytes | int, *, context: str = "") -> bytes:
        """The pre-master secret Z, leading zero bytes stripped (RFC 5246 §8.1.2).

        The peer's Y must satisfy 1 < Y < p-1 (RFC 7919 §5.1 / NIST SP 800-56A); else
        TLSLocalAlert(illegal_parameter).
        """
        y = _to_int(peer_y)
        what = f"{context}: peer DH public value" if context else "peer DH public value"
        _check_dh_public(y, self.p, f"{what} ({self.name})")
        if self._private is not None:
            params = dh.DHParameterNumbers(self.p, self.g)
            z = self._private.exchange(dh.DHPublicNumbers(y, params).public_key())
            return z.lstrip(b"\x00")
        assert self._x is not None
        return _int_to_bytes(pow(y, self._x, self.p))


def _short_exponent_bits(p_bits: int) -> int:
    """Private exponent size for unknown DH parameters: 2x the NIST SP 800-57 security strength."""
    strength = 112 if p_bits < 3072 else 128 if p_bits < 7680 else 192 if p_bits < 15360 else 256
    return max(256, 2 * strength)


def _check_dh_public(y: int, p: int, what: str) -> None:
    if not 1 < y < p - 1:
        small = y < 2**16
        detail = f"= {y}" if small else ("= p-1" if y == p - 1 else ">= p")
        raise TLSLocalAlert(
            AlertDescription.illegal_parameter, f"{what} {detail}; it must satisfy 1 < Y < p-1"
        )


# --------------------------------------------------------------------------------------------------
# RSA key transport
# --------------------------------------------------------------------------------------------------

PRE_MASTER_SECRET_LENGTH: Final = 48


def rsa_encrypt_pre_master_secret(
    public_key: rsa.RSAPublicKey, client_version: int, random: Random = os.urandom
) -> tuple[bytes, bytes]:
    """Client side (RFC 5246 §7.4.7.1): a fresh pre-master secret ``client_version || 46 random
    bytes`` and its PKCS#1 v1.5 encryption under the server's key. Returns ``(pms, encrypted)``."""
    pms = client_version.to_bytes(2, "big") + random(PRE_MASTER_SECRET_LENGTH - 2)
    return pms, public_key.encrypt(pms, padding.PKCS1v15())


def rsa_decrypt_pre_master_secret(
    private_key: rsa.RSAPrivateKey,
    encrypted: bytes,
    client_version: int,
    random: Random = os.urandom,
) -> bytes:
    """Server side, with the Bleichenbacher countermeasure of RFC 5246 §7.4.7.1.

    A 48-byte random fallback is drawn first; decryption is always attempted; if the padding, the
    length (48 bytes) or the version (``ClientHello.client_version``) is wrong, the fallback is
    returned. No exception, alert or return type tells the cases apart: the handshake goes on and
    fails at Finished. The good/bad choice is a mask computed arithmetically and applied to whole
    48-byte integers (no ``if`` on the decrypted bytes). Like OpenSSL, the fallback replaces the
    whole secret, including on a version mismatch (the RFC keeps ``client_version || M[2..47]``
    there; either way the peer's secret is not used).

    What the bundled OpenSSL does on bad padding (measured with cryptography 48, OpenSSL 4.0):
    implicit rejection. ``decrypt`` does not raise on a bad PKCS#1 v1.5 padding; it returns a
    synthetic message derived deterministically from the key and the ciphertext, of pseudo-random
    length (draft-irtf-cfrg-rsa-guidance). It raises ``ValueError`` only for a ciphertext of the
    wrong length or one that is not below the modulus. Both behaviours are handled: a
    ``ValueError`` maps to an empty message, and every message (real or synthetic) goes through the
    same length and version checks, so a synthetic one almost always selects the fallback; the
    rare synthetic message of 48 bytes with the right version bytes is a secret the client does
    not know, so Finished fails exactly as with the fallback.

    Python cannot promise constant time (exceptions and big-integer arithmetic have their own
    timings); this keeps the code path as uniform as it can be.
    """
    fallback = random(PRE_MASTER_SECRET_LENGTH)
    if len(fallback) != PRE_MASTER_SECRET_LENGTH:
        raise ValueError("random() must return the requested number of bytes")
    try:
        message = private_key.decrypt(bytes(encrypted), padding.PKCS1v15())
    except ValueError:
        message = b""
    padded = (message + bytes(PRE_MASTER_SECRET_LENGTH))[:PRE_MASTER_SECRET_LENGTH]
    # diff == 0 iff length is 48 and the first two bytes are the client version; 0 <= diff < 2**31.
    diff = (
        (len(message) ^ PRE_MASTER_SECRET_LENGTH)
        | (padded[0] ^ (client_version >> 8))
        | (padded[1] ^ (client_version & 0xFF))
    )
    good = ((diff - 1) >> 31) & 1  # 1 when diff == 0, else 0
    mask = ((1 << (8 * PRE_MASTER_SECRET_LENGTH)) - 1) * good
    chosen = (int.from_bytes(padded, "big") & mask) | (int.from_bytes(fallback, "big") & ~mask)
    return chosen.to_bytes(PRE_MASTER_SECRET_LENGTH, "big")
