"""Signatures by SignatureScheme for ServerKeyExchange and CertificateVerify (RFC 5246 §7.4.1.4.1,
RFC 8446 §4.2.3 code points as used by TLS 1.2, RFC 8422 for ECDSA/EdDSA).

- :func:`sign` / :func:`verify`: one scheme, one key. ``verify`` raises
  TLSLocalAlert(decrypt_error, "<context>: signature does not verify with the certificate's key
  (<scheme>)"), or illegal_parameter when the scheme is unsupported, not offered or does not fit
  the key.
- :func:`schemes_for_key`, :func:`choose_scheme`: what a key can produce; which scheme to use for a
  peer's signature_algorithms.
- :func:`parse_sigalgs_list`: OpenSSL-style (``RSA+SHA256``, ``RSA-PSS+SHA256``, ``ECDSA+SHA256``)
  and IANA names.

RSASSA-PSS keys (SubjectPublicKeyInfo with the id-RSASSA-PSS OID, 1.2.840.113549.1.1.10):
cryptography 48 loads them, keys and certificates alike, but as plain ``RSAPrivateKey`` /
``RSAPublicKey`` objects: the OID and any PSS parameter restrictions in the key are dropped. The
only trace left is ``certificate.public_key_algorithm_oid``. So the rsa_pss_pss_* schemes are
supported with an explicit ``rsa_pss_oid=True`` flag (see :func:`uses_rsa_pss_oid`), or by passing
the certificate itself to :func:`verify`. As RFC 8446 §4.2.3 requires, a key flagged PSS-OID
only produces/accepts rsa_pss_pss_*, and an rsaEncryption key never does. The parameter
restrictions of a PSS key (a fixed hash or salt) are not enforced: we always use hash = MGF1 hash
and salt length = hash length, which is what TLS requires anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import PublicKeyAlgorithmOID

from records.registry import AlertDescription, ClientCertificateType, SignatureScheme

from .errors import ConfigError, TLSLocalAlert

__all__ = [
    "DEFAULT_SIGNATURE_SCHEMES",
    "LEGACY_SHA1_SCHEMES",
    "SUPPORTED_SIGNATURE_SCHEMES",
    "PrivateKey",
    "PublicKey",
    "certificate_type_for_key",
    "certificate_types_for",
    "choose_scheme",
    "describe_key",
    "key_type_name",
    "parse_sigalgs_list",
    "scheme_name",
    "schemes_for_key",
    "sign",
    "uses_rsa_pss_oid",
    "verify",
]

PrivateKey = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | ed448.Ed448PrivateKey
)
PublicKey = (
    rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey
)

# Key kinds a scheme needs. "rsa" is an rsaEncryption key, "rsa_pss" an RSASSA-PSS-OID key.
_RSA, _RSA_PSS, _ECDSA, _ED25519, _ED448 = "rsa", "rsa_pss", "ecdsa", "ed25519", "ed448"


@dataclass(frozen=True, slots=True)
class _Scheme:
    key_kind: str
    hash: type[hashes.HashAlgorithm] | None  # None for EdDSA
    pss: bool = False


_SCHEMES: Final[dict[SignatureScheme, _Scheme]] = {
    SignatureScheme.rsa_pkcs1_sha1: _Scheme(_RSA, hashes.SHA1),
    SignatureScheme.rsa_pkcs1_sha256: _Scheme(_RSA, hashes.SHA256),
    SignatureScheme.rsa_pkcs1_sha384: _Scheme(_RSA, hashes.SHA384),
    SignatureScheme.rsa_pkcs1_sha512: _Scheme(_RSA, hashes.SHA512),
    SignatureScheme.rsa_pss_rsae_sha256: _Scheme(_RSA, hashes.SHA256, pss=True),
    SignatureScheme.rsa_pss_rsae_sha384: _Scheme(_RSA, hashes.SHA384, pss=True),
    SignatureScheme.rsa_pss_rsae_sha512: _Scheme(_RSA, hashes.SHA512, pss=True),
    SignatureScheme.rsa_pss_pss_sha256: _Scheme(_RSA_PSS, hashes.SHA256, pss=True),
    SignatureScheme.rsa_pss_pss_sha384: _Scheme(_RSA_PSS, hashes.SHA384, pss=True),
    SignatureScheme.rsa_pss_pss_sha512: _Scheme(_RSA_PSS, hashes.SHA512, pss=True),
    SignatureScheme.ecdsa_sha1: _Scheme(_ECDSA, hashes.SHA1),
    SignatureScheme.ecdsa_secp256r1_sha256: _Scheme(_ECDSA, hashes.SHA256),
    SignatureScheme.ecdsa_secp384r1_sha384: _Scheme(_ECDSA, hashes.SHA384),
    SignatureScheme.ecdsa_secp521r1_sha512: _Scheme(_ECDSA, hashes.SHA512),
    SignatureScheme.ed25519: _Scheme(_ED25519, None),
    SignatureScheme.ed448: _Scheme(_ED448, None),
}
SUPPORTED_SIGNATURE_SCHEMES: Final[frozenset[SignatureScheme]] = frozenset(_SCHEMES)

# OpenSSL's default order (ssl/t1_lib.c tls12_sigalgs), without SHA-1/SHA-224/DSA.
DEFAULT_SIGNATURE_SCHEMES: Final[tuple[SignatureScheme, ...]] = (
    SignatureScheme.ecdsa_secp256r1_sha256,
    SignatureScheme.ecdsa_secp384r1_sha384,
    SignatureScheme.ecdsa_secp521r1_sha512,
    SignatureScheme.ed25519,
    SignatureScheme.ed448,
    SignatureScheme.rsa_pss_pss_sha256,
    SignatureScheme.rsa_pss_pss_sha384,
    SignatureScheme.rsa_pss_pss_sha512,
    SignatureScheme.rsa_pss_rsae_sha256,
    SignatureScheme.rsa_pss_rsae_sha384,
    SignatureScheme.rsa_pss_rsae_sha512,
    SignatureScheme.rsa_pkcs1_sha256,
    SignatureScheme.rsa_pkcs1_sha384,
    SignatureScheme.rsa_pkcs1_sha512,
)
LEGACY_SHA1_SCHEMES: Final[tuple[SignatureScheme, ...]] = (
    SignatureScheme.ecdsa_sha1,
    SignatureScheme.rsa_pkcs1_sha1,
)

# ECDSA scheme whose hash matches the curve (preferred, though TLS 1.2 does not bind them).
_ECDSA_FOR_CURVE: Final[dict[str, SignatureScheme]] = {
    "secp256r1": SignatureScheme.ecdsa_secp256r1_sha256,
    "secp384r1": SignatureScheme.ecdsa_secp384r1_sha384,
    "secp521r1": SignatureScheme.ecdsa_secp521r1_sha512,
}


def scheme_name(scheme: int) -> str:
    """IANA name of a scheme, or its hex code point when unregistered."""
    try:
        return SignatureScheme(scheme).name
    except ValueError:
        return f"0x{scheme:04x}"


def uses_rsa_pss_oid(certificate: x509.Certificate) -> bool:
    """True when the certificate's key is an RSASSA-PSS key (id-RSASSA-PSS in its SPKI)."""
    return certificate.public_key_algorithm_oid == PublicKeyAlgorithmOID.RSASSA_PSS


def _key_kind(key: PrivateKey | PublicKey, rsa_pss_oid: bool) -> str:
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return _RSA_PSS if rsa_pss_oid else _RSA
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return _ECDSA
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return _ED25519
    if isinstance(key, ed448.Ed448PrivateKey | ed448.Ed448PublicKey):
        return _ED448
    raise TypeError(f"unsupported key type for TLS signatures: {type(key).__name__}")


def key_type_name(key: PrivateKey | PublicKey, *, rsa_pss_oid: bool = False) -> str:
    """ "RSA", "RSA-PSS", "ECDSA", "Ed25519" or "Ed448"."""
    return {
        _RSA: "RSA",
        _RSA_PSS: "RSA-PSS",
        _ECDSA: "ECDSA",
        _ED25519: "Ed25519",
        _ED448: "Ed448",
    }[_key_kind(key, rsa_pss_oid)]


def describe_key(key: PrivateKey | PublicKey, *, rsa_pss_oid: bool = False) -> str:
    """A short human description: "RSA 2048-bit", "ECDSA secp256r1", "Ed25519"."""
    name = key_type_name(key, rsa_pss_oid=rsa_pss_oid)
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return f"{name} {key.key_size}-bit"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return f"{name} {key.curve.name}"
    return name


def _rsa_scheme_fits(key: rsa.RSAPrivateKey | rsa.RSAPublicKey, info: _Scheme) -> bool:
    """Whether the modulus is big enough for the encoding (RFC 8017 §9.1.1, §9.2)."""
    assert info.hash is not None
    em_len = (key.key_size - 1 + 7) // 8
    digest = info.hash().digest_size
    if info.pss:
        return em_len >= 2 * digest + 2  # salt length = digest length
    return em_len >= digest + 19 + 11  # DigestInfo prefix is 15-19 bytes, padding >= 11


def schemes_for_key(
    key: PrivateKey | PublicKey, *, rsa_pss_oid: bool = False
) -> list[SignatureScheme]:
    """Every scheme the key can produce, SHA-1 ones last; for ECDSA the curve's own scheme first.

    ``rsa_pss_oid``: the key's certificate uses the RSASSA-PSS OID (see :func:`uses_rsa_pss_oid`).
    """
    kind = _key_kind(key, rsa_pss_oid)
    order = [*DEFAULT_SIGNATURE_SCHEMES, *LEGACY_SHA1_SCHEMES]
    result = [s for s in order if _SCHEMES[s].key_kind == kind]
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        result = [s for s in result if _rsa_scheme_fits(key, _SCHEMES[s])]
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        own = _ECDSA_FOR_CURVE.get(key.curve.name)
        if own is not None:
            result.remove(own)
            result.insert(0, own)
    return result


def _check_fits(
    key: PrivateKey | PublicKey, scheme: int, rsa_pss_oid: bool, context: str
) -> _Scheme:
    prefix = f"{context}: " if context else ""
    try:
        info = _SCHEMES[SignatureScheme(scheme)]
    except (ValueError, KeyError):
        raise TLSLocalAlert(
            AlertDescription.illegal_parameter,
            f"{prefix}signature scheme {scheme_name(scheme)} is not supported",
        ) from None
    kind = _key_kind(key, rsa_pss_oid)
    if info.key_kind != kind:
        raise TLSLocalAlert(
            AlertDescription.illegal_parameter,
            f"{prefix}signature scheme {scheme_name(scheme)} does not fit the certificate's "
            f"{describe_key(key, rsa_pss_oid=rsa_pss_oid)} key",
        )
    return info


def _pss(info: _Scheme) -> padding.PSS:
    assert info.hash is not None
    return padding.PSS(mgf=padding.MGF1(info.hash()), salt_length=info.hash().digest_size)


def sign(private_key: PrivateKey, scheme: int, data: bytes, *, rsa_pss_oid: bool = False) -> bytes:
    """Sign ``data`` with ``scheme``. A scheme that does not fit the key raises
    TLSLocalAlert(illegal_parameter); choose it with :func:`choose_scheme` to avoid that."""
    info = _check_fits(private_key, scheme, rsa_pss_oid, "")
    if isinstance(private_key, rsa.RSAPrivateKey):
        assert info.hash is not None
        pad = _pss(info) if info.pss else padding.PKCS1v15()
        return private_key.sign(data, pad, info.hash())
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        assert info.hash is not None
        return private_key.sign(data, ec.ECDSA(info.hash()))
    return private_key.sign(data)


def verify(
    public_key: PublicKey | x509.Certificate,
    scheme: int,
    data: bytes,
    signature: bytes,
    *,
    context: str = "",
    allowed: Sequence[int] | None = None,
    rsa_pss_oid: bool = False,
) -> None:
    """Check ``signature`` over ``data``.

    ``public_key`` may be the certificate itself (then ``rsa_pss_oid`` is read from it).
    ``allowed``: the schemes we offered; a scheme outside it is illegal_parameter (RFC 5246
    §7.4.1.4.1 / §7.4.8: the peer must use one of them). A scheme that is unsupported or does not
    fit the key is illegal_parameter; a signature that does not verify is decrypt_error:
    "``context``: signature does not verify with the certificate's key (scheme)".
    """
    if isinstance(public_key, x509.Certificate):
        rsa_pss_oid = uses_rsa_pss_oid(public_key)
        key = public_key.public_key()
        if not isinstance(
            key,
            rsa.RSAPublicKey
            | ec.EllipticCurvePublicKey
            | ed25519.Ed25519PublicKey
            | ed448.Ed448PublicKey,
        ):
            raise TLSLocalAlert(
                AlertDescription.unsupported_certificate,
                f"{context}: certificate key type {type(key).__name__} cannot sign TLS messages",
            )
    else:
        key = public_key
    prefix = f"{context}: " if context else ""
    if allowed is not None and scheme not in allowed:
        raise TLSLocalAlert(
            AlertDescription.illegal_parameter,
            f"{prefix}peer signed with {scheme_name(scheme)}, which we did not offer",
        )
    info = _check_fits(key, scheme, rsa_pss_oid, context)
    try:
        if isinstance(key, rsa.RSAPublicKey):
            assert info.hash is not None
            pad = _pss(info) if info.pss else padding.PKCS1v15()
            key.verify(signature, data, pad, info.hash())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            assert info.hash is not None
            key.verify(signature, data, ec.ECDSA(info.hash()))
        else:
            key.verify(signature, data)
    except (InvalidSignature, ValueError):
        raise TLSLocalAlert(
            AlertDescription.decrypt_error,
            f"{prefix}signature does not verify with the certificate's key ({scheme_name(scheme)})",
        ) from None


def choose_scheme(
    private_key: PrivateKey,
    peer_schemes: Sequence[int] | None,
    allowed: Sequence[int] = DEFAULT_SIGNATURE_SCHEMES,
    *,
    rsa_pss_oid: bool = False,
) -> SignatureScheme:
    """The scheme to sign with: in our ``allowed`` order, the first the key can produce and the peer
    listed (for ECDSA, the scheme matching the key's curve when it qualifies).

    ``peer_schemes`` None means the peer (a client) sent no signature_algorithms extension:
    RFC 5246 §7.4.1.4.1 then implies SHA-1 with the key's algorithm
    (rsa_pkcs1_sha1 or ecdsa_sha1), usable only when that scheme is in ``allowed``. When nothing
    fits: TLSLocalAlert(handshake_failure) saying why.
    """
    key_desc = describe_key(private_key, rsa_pss_oid=rsa_pss_oid)
    producible = schemes_for_key(private_key, rsa_pss_oid=rsa_pss_oid)
    if peer_schemes is None:
        default = {
            _RSA: SignatureScheme.rsa_pkcs1_sha1,
            _ECDSA: SignatureScheme.ecdsa_sha1,
        }.get(_key_kind(private_key, rsa_pss_oid))
        if default is None:
            raise TLSLocalAlert(
                AlertDescription.handshake_failure,
                f"the peer sent no signature_algorithms, and a {key_desc} key cannot use the "
                "RFC 5246 §7.4.1.4.1 default (SHA-1 with RSA or ECDSA)",
            )
        if default not in allowed:
            raise TLSLocalAlert(
                AlertDescription.handshake_failure,
                f"the peer sent no signature_algorithms, so RFC 5246 §7.4.1.4.1 requires "
                f"{default.name} for our {key_desc} key, and SHA-1 signatures are not enabled",
            )
        return default
    offered = set(peer_schemes)
    candidates = [s for s in producible if s in offered and s in allowed]
    if not candidates:
        peer_names = ", ".join(scheme_name(s) for s in peer_schemes) or "(empty list)"
        raise TLSLocalAlert(
            AlertDescription.handshake_failure,
            f"no signature scheme in common for our {key_desc} key: the peer accepts {peer_names}",
        )
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        own = _ECDSA_FOR_CURVE.get(private_key.curve.name)
        if own in candidates:
            return own
    allowed_order = [s for s in allowed if s in candidates]
    return SignatureScheme(allowed_order[0])


# Certificate types for CertificateRequest (RFC 5246 §7.4.4; RFC 8422 §5.5: ecdsa_sign also
# covers EdDSA keys).
_CERT_TYPE_FOR_KIND: Final[dict[str, ClientCertificateType]] = {
    _RSA: ClientCertificateType.rsa_sign,
    _RSA_PSS: ClientCertificateType.rsa_sign,
    _ECDSA: ClientCertificateType.ecdsa_sign,
    _ED25519: ClientCertificateType.ecdsa_sign,
    _ED448: ClientCertificateType.ecdsa_sign,
}


def certificate_types_for(schemes: Iterable[int]) -> list[ClientCertificateType]:
    """CertificateRequest.certificate_types for the schemes we accept: rsa_sign (1) first, then
    ecdsa_sign (64), each present only if some accepted scheme uses it."""
    kinds = {_SCHEMES[SignatureScheme(s)].key_kind for s in schemes if s in _SCHEMES}
    types = {_CERT_TYPE_FOR_KIND[k] for k in kinds}
    return [
        t for t in (ClientCertificateType.rsa_sign, ClientCertificateType.ecdsa_sign) if t in types
    ]


def certificate_type_for_key(key: PrivateKey | PublicKey) -> ClientCertificateType:
    """The CertificateRequest certificate type a client key belongs to (to pick a certificate)."""
    return _CERT_TYPE_FOR_KIND[_key_kind(key, False)]


# --------------------------------------------------------------------------------------------------
# Parsing sigalgs lists
# --------------------------------------------------------------------------------------------------

_OPENSSL_SIGALGS: Final[dict[str, SignatureScheme]] = {
    "rsa+sha1": SignatureScheme.rsa_pkcs1_sha1,
    "rsa+sha256": SignatureScheme.rsa_pkcs1_sha256,
    "rsa+sha384": SignatureScheme.rsa_pkcs1_sha384,
    "rsa+sha512": SignatureScheme.rsa_pkcs1_sha512,
    # OpenSSL maps RSA-PSS+hash (and PSS+hash) to rsa_pss_rsae_* (first match in its table).
    "rsa-pss+sha256": SignatureScheme.rsa_pss_rsae_sha256,
    "rsa-pss+sha384": SignatureScheme.rsa_pss_rsae_sha384,
    "rsa-pss+sha512": SignatureScheme.rsa_pss_rsae_sha512,
    "pss+sha256": SignatureScheme.rsa_pss_rsae_sha256,
    "pss+sha384": SignatureScheme.rsa_pss_rsae_sha384,
    "pss+sha512": SignatureScheme.rsa_pss_rsae_sha512,
    "ecdsa+sha1": SignatureScheme.ecdsa_sha1,
    "ecdsa+sha256": SignatureScheme.ecdsa_secp256r1_sha256,
    "ecdsa+sha384": SignatureScheme.ecdsa_secp384r1_sha384,
    "ecdsa+sha512": SignatureScheme.ecdsa_secp521r1_sha512,
}


def parse_sigalgs_list(text: str) -> tuple[SignatureScheme, ...]:
    """Parse a colon-separated signature algorithms list, case-insensitively.

    Accepts OpenSSL forms (``RSA+SHA256`` = rsa_pkcs1_sha256, ``RSA-PSS+SHA256`` =
    rsa_pss_rsae_sha256, ``ECDSA+SHA256`` = ecdsa_secp256r1_sha256, ``ed25519``) and IANA names
    (``rsa_pss_pss_sha256``). Duplicates are kept once. Unknown or unsupported names (DSA, MD5,
    SHA-224) raise :class:`ConfigError`.
    """
    result: list[SignatureScheme] = []
    for raw in text.split(":"):
        name = raw.strip()
        if not name:
            raise ConfigError(f"signature algorithms list {text!r}: empty name")
        scheme = _OPENSSL_SIGALGS.get(name.lower())
        if scheme is None:
            try:
                scheme = SignatureScheme[name.lower()]
            except KeyError:
                raise ConfigError(
                    f"signature algorithms list {text!r}: unknown signature algorithm {name!r}"
                ) from None
            if scheme not in _SCHEMES:
                raise ConfigError(
                    f"signature algorithms list {text!r}: {scheme.name} is not supported"
                )
        if scheme not in result:
            result.append(scheme)
    return tuple(result)
