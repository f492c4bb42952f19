"""tls.signatures: sign/verify per SignatureScheme, scheme choice, sigalgs lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from records.registry import AlertDescription, ClientCertificateType, SignatureScheme
from tls.errors import ConfigError, TLSLocalAlert
from tls.signatures import (
    DEFAULT_SIGNATURE_SCHEMES,
    LEGACY_SHA1_SCHEMES,
    PrivateKey,
    certificate_type_for_key,
    certificate_types_for,
    choose_scheme,
    describe_key,
    key_type_name,
    parse_sigalgs_list,
    schemes_for_key,
    sign,
    uses_rsa_pss_oid,
    verify,
)

S = SignatureScheme
VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "signatures"
DATA = b"ServerKeyExchange params: client_random || server_random || params"
WITH_SHA1 = (*DEFAULT_SIGNATURE_SCHEMES, *LEGACY_SHA1_SCHEMES)


@pytest.fixture(scope="module")
def keys() -> dict[str, PrivateKey]:
    """One key of each kind; the only RSA key generation in this module."""
    return {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "p256": ec.generate_private_key(ec.SECP256R1()),
        "p384": ec.generate_private_key(ec.SECP384R1()),
        "p521": ec.generate_private_key(ec.SECP521R1()),
        "ed25519": ed25519.Ed25519PrivateKey.generate(),
        "ed448": ed448.Ed448PrivateKey.generate(),
    }


# scheme -> (key name, rsa_pss_oid)
SCHEME_KEYS: dict[SignatureScheme, tuple[str, bool]] = {
    S.rsa_pkcs1_sha1: ("rsa", False),
    S.rsa_pkcs1_sha256: ("rsa", False),
    S.rsa_pkcs1_sha384: ("rsa", False),
    S.rsa_pkcs1_sha512: ("rsa", False),
    S.rsa_pss_rsae_sha256: ("rsa", False),
    S.rsa_pss_rsae_sha384: ("rsa", False),
    S.rsa_pss_rsae_sha512: ("rsa", False),
    # The same RSA key treated as if its certificate carried the RSASSA-PSS OID.
    S.rsa_pss_pss_sha256: ("rsa", True),
    S.rsa_pss_pss_sha384: ("rsa", True),
    S.rsa_pss_pss_sha512: ("rsa", True),
    S.ecdsa_sha1: ("p256", False),
    S.ecdsa_secp256r1_sha256: ("p256", False),
    S.ecdsa_secp384r1_sha384: ("p384", False),
    S.ecdsa_secp521r1_sha512: ("p521", False),
    S.ed25519: ("ed25519", False),
    S.ed448: ("ed448", False),
}


@pytest.mark.parametrize("scheme", list(SCHEME_KEYS), ids=lambda s: s.name)
def test_sign_verify_every_scheme(keys: dict[str, PrivateKey], scheme: SignatureScheme) -> None:
    name, pss_oid = SCHEME_KEYS[scheme]
    key = keys[name]
    signature = sign(key, scheme, DATA, rsa_pss_oid=pss_oid)
    verify(
        key.public_key(), scheme, DATA, signature, context="CertificateVerify", rsa_pss_oid=pss_oid
    )

    with pytest.raises(TLSLocalAlert) as info:
        verify(
            key.public_key(),
            scheme,
            DATA + b"!",
            signature,
            context="ServerKeyExchange",
            rsa_pss_oid=pss_oid,
        )
    assert info.value.description == AlertDescription.decrypt_error
    assert info.value.message == (
        f"ServerKeyExchange: signature does not verify with the certificate's key ({scheme.name})"
    )

    tampered = bytearray(signature)
    tampered[len(tampered) // 2] ^= 0x01
    with pytest.raises(TLSLocalAlert, match=scheme.name) as info:
        verify(key.public_key(), scheme, DATA, bytes(tampered), rsa_pss_oid=pss_oid)
    assert info.value.description == AlertDescription.decrypt_error


@pytest.mark.parametrize("scheme", list(SCHEME_KEYS), ids=lambda s: s.name)
def test_wrong_key_of_same_type(keys: dict[str, PrivateKey], scheme: SignatureScheme) -> None:
    name, pss_oid = SCHEME_KEYS[scheme]
    signature = sign(keys[name], scheme, DATA, rsa_pss_oid=pss_oid)
    other: PrivateKey
    if name == "rsa":
        # A second RSA key costs a generation; a 1024-bit one is quick and is "another key".
        other = _small_rsa()
    elif name == "ed25519":
        other = ed25519.Ed25519PrivateKey.generate()
    elif name == "ed448":
        other = ed448.Ed448PrivateKey.generate()
    else:
        other = ec.generate_private_key(keys[name].curve)  # type: ignore[union-attr]
    with pytest.raises(TLSLocalAlert) as info:
        verify(other.public_key(), scheme, DATA, signature, context="CV", rsa_pss_oid=pss_oid)
    assert info.value.description == AlertDescription.decrypt_error
    assert f"({scheme.name})" in str(info.value)


_SMALL_RSA: list[rsa.RSAPrivateKey] = []


def _small_rsa() -> rsa.RSAPrivateKey:
    if not _SMALL_RSA:
        _SMALL_RSA.append(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    return _SMALL_RSA[0]


def test_ecdsa_hash_not_bound_to_curve(keys: dict[str, PrivateKey]) -> None:
    # TLS 1.2 (unlike 1.3) lets any ECDSA scheme go with any curve, as OpenSSL accepts.
    for name in ("p256", "p384", "p521"):
        for scheme in (
            S.ecdsa_secp256r1_sha256,
            S.ecdsa_secp384r1_sha384,
            S.ecdsa_secp521r1_sha512,
        ):
            verify(keys[name].public_key(), scheme, DATA, sign(keys[name], scheme, DATA))


@pytest.mark.parametrize(
    ("key_name", "scheme"),
    [
        ("rsa", S.ecdsa_secp256r1_sha256),
        ("rsa", S.ed25519),
        ("rsa", S.rsa_pss_pss_sha256),  # rsaEncryption key: no rsa_pss_pss_* (RFC 8446 §4.2.3)
        ("p256", S.rsa_pkcs1_sha256),
        ("p256", S.ed25519),
        ("ed25519", S.ed448),
        ("ed448", S.ecdsa_secp256r1_sha256),
    ],
)
def test_scheme_not_fitting_key_is_illegal_parameter(
    keys: dict[str, PrivateKey], key_name: str, scheme: SignatureScheme
) -> None:
    key = keys[key_name]
    with pytest.raises(TLSLocalAlert) as info:
        verify(key.public_key(), scheme, DATA, b"\x00" * 64, context="ServerKeyExchange")
    assert info.value.description == AlertDescription.illegal_parameter
    assert scheme.name in str(info.value)
    assert "does not fit" in str(info.value)
    with pytest.raises(TLSLocalAlert) as info:
        sign(key, scheme, DATA)
    assert info.value.description == AlertDescription.illegal_parameter


def test_pss_oid_key_refuses_rsae_and_pkcs1(keys: dict[str, PrivateKey]) -> None:
    for scheme in (S.rsa_pkcs1_sha256, S.rsa_pss_rsae_sha256):
        with pytest.raises(TLSLocalAlert) as info:
            sign(keys["rsa"], scheme, DATA, rsa_pss_oid=True)
        assert info.value.description == AlertDescription.illegal_parameter
        assert "RSA-PSS 2048-bit" in str(info.value)


@pytest.mark.parametrize("scheme", [S.rsa_pkcs1_md5, S.dsa_sha256, S.rsa_pkcs1_sha224, 0x0A0A])
def test_unsupported_scheme(keys: dict[str, PrivateKey], scheme: int) -> None:
    with pytest.raises(TLSLocalAlert) as info:
        verify(keys["rsa"].public_key(), scheme, DATA, b"", context="ServerKeyExchange")
    assert info.value.description == AlertDescription.illegal_parameter
    assert "is not supported" in str(info.value)


def test_verify_refuses_scheme_we_did_not_offer(keys: dict[str, PrivateKey]) -> None:
    signature = sign(keys["rsa"], S.rsa_pkcs1_sha1, DATA)
    verify(keys["rsa"].public_key(), S.rsa_pkcs1_sha1, DATA, signature, allowed=WITH_SHA1)
    with pytest.raises(TLSLocalAlert) as info:
        verify(
            keys["rsa"].public_key(),
            S.rsa_pkcs1_sha1,
            DATA,
            signature,
            context="ServerKeyExchange",
            allowed=DEFAULT_SIGNATURE_SCHEMES,
        )
    assert info.value.description == AlertDescription.illegal_parameter
    assert "rsa_pkcs1_sha1, which we did not offer" in str(info.value)


def test_pss_salt_length_is_hash_length(keys: dict[str, PrivateKey]) -> None:
    # A PSS signature with another salt length must not verify (RFC 8446 §4.2.3).
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key = keys["rsa"]
    assert isinstance(key, rsa.RSAPrivateKey)
    other_salt = key.sign(
        DATA, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=20), hashes.SHA256()
    )
    with pytest.raises(TLSLocalAlert) as info:
        verify(key.public_key(), S.rsa_pss_rsae_sha256, DATA, other_salt)
    assert info.value.description == AlertDescription.decrypt_error


# --------------------------------------------------------------------------------------------------
# Signatures made by openssl (vectors/signatures/make.sh)
# --------------------------------------------------------------------------------------------------

OPENSSL_VECTORS: list[tuple[str, str, SignatureScheme]] = [
    ("rsa", "rsa_pkcs1_sha1", S.rsa_pkcs1_sha1),
    ("rsa", "rsa_pkcs1_sha256", S.rsa_pkcs1_sha256),
    ("rsa", "rsa_pkcs1_sha384", S.rsa_pkcs1_sha384),
    ("rsa", "rsa_pkcs1_sha512", S.rsa_pkcs1_sha512),
    ("rsa", "rsa_pss_rsae_sha256", S.rsa_pss_rsae_sha256),
    ("rsa", "rsa_pss_rsae_sha384", S.rsa_pss_rsae_sha384),
    ("rsa", "rsa_pss_rsae_sha512", S.rsa_pss_rsae_sha512),
    ("p256", "ecdsa_secp256r1_sha256", S.ecdsa_secp256r1_sha256),
    ("p384", "ecdsa_secp384r1_sha384", S.ecdsa_secp384r1_sha384),
    ("p521", "ecdsa_secp521r1_sha512", S.ecdsa_secp521r1_sha512),
    ("p256", "ecdsa_sha1", S.ecdsa_sha1),
    ("p384", "p384_ecdsa_secp256r1_sha256", S.ecdsa_secp256r1_sha256),
    ("ed25519", "ed25519", S.ed25519),
    ("ed448", "ed448", S.ed448),
]


def _public(name: str) -> object:
    return serialization.load_pem_public_key((VECTORS / f"{name}.pub.pem").read_bytes())


@pytest.mark.parametrize(
    ("key", "sig", "scheme"), OPENSSL_VECTORS, ids=[v[1] for v in OPENSSL_VECTORS]
)
def test_openssl_signatures_verify(key: str, sig: str, scheme: SignatureScheme) -> None:
    message = (VECTORS / "message.bin").read_bytes()
    signature = (VECTORS / f"{sig}.sig").read_bytes()
    public = _public(key)
    verify(public, scheme, message, signature)  # type: ignore[arg-type]
    with pytest.raises(TLSLocalAlert, match=scheme.name):
        verify(public, scheme, message[:-1], signature)  # type: ignore[arg-type]


@pytest.mark.parametrize("hash_name", ["sha256", "sha384", "sha512"])
def test_openssl_rsa_pss_oid_certificate(hash_name: str) -> None:
    # vectors/signatures/rsa_pss.crt: an RSASSA-PSS-OID key. cryptography loads it as a plain RSA
    # key; the OID survives only in the certificate, which verify() reads.
    cert = x509.load_pem_x509_certificate((VECTORS / "rsa_pss.crt").read_bytes())
    assert uses_rsa_pss_oid(cert)
    assert isinstance(cert.public_key(), rsa.RSAPublicKey)
    message = (VECTORS / "message.bin").read_bytes()
    signature = (VECTORS / f"rsa_pss_pss_{hash_name}.sig").read_bytes()
    scheme = S[f"rsa_pss_pss_{hash_name}"]
    verify(cert, scheme, message, signature, context="ServerKeyExchange")
    # The same key without the OID flag is an rsaEncryption key: rsa_pss_pss_* does not fit.
    with pytest.raises(TLSLocalAlert) as info:
        verify(cert.public_key(), scheme, message, signature)
    assert info.value.description == AlertDescription.illegal_parameter
    # And a PSS-OID certificate does not accept rsa_pss_rsae_* (RFC 8446 §4.2.3).
    with pytest.raises(TLSLocalAlert) as info:
        verify(cert, S[f"rsa_pss_rsae_{hash_name}"], message, signature)
    assert info.value.description == AlertDescription.illegal_parameter
    with pytest.raises(TLSLocalAlert, match=scheme.name) as info:
        verify(cert, scheme, message + b"x", signature, context="ServerKeyExchange")
    assert info.value.description == AlertDescription.decrypt_error


def test_rsa_pss_oid_public_key_loads_as_rsa() -> None:
    # The finding behind the rsa_pss_oid flag: the SPKI's OID is dropped on load.
    assert isinstance(_public("rsa_pss"), rsa.RSAPublicKey)


# --------------------------------------------------------------------------------------------------
# Scheme lists and choice
# --------------------------------------------------------------------------------------------------


def test_default_schemes_have_no_sha1() -> None:
    assert not set(DEFAULT_SIGNATURE_SCHEMES) & {S.rsa_pkcs1_sha1, S.ecdsa_sha1}
    assert set(LEGACY_SHA1_SCHEMES) == {S.rsa_pkcs1_sha1, S.ecdsa_sha1}


def test_schemes_for_key(keys: dict[str, PrivateKey]) -> None:
    assert schemes_for_key(keys["rsa"]) == [
        S.rsa_pss_rsae_sha256,
        S.rsa_pss_rsae_sha384,
        S.rsa_pss_rsae_sha512,
        S.rsa_pkcs1_sha256,
        S.rsa_pkcs1_sha384,
        S.rsa_pkcs1_sha512,
        S.rsa_pkcs1_sha1,
    ]
    assert schemes_for_key(keys["rsa"], rsa_pss_oid=True) == [
        S.rsa_pss_pss_sha256,
        S.rsa_pss_pss_sha384,
        S.rsa_pss_pss_sha512,
    ]
    assert schemes_for_key(keys["p384"])[0] == S.ecdsa_secp384r1_sha384
    assert set(schemes_for_key(keys["p384"])) == {
        S.ecdsa_secp256r1_sha256,
        S.ecdsa_secp384r1_sha384,
        S.ecdsa_secp521r1_sha512,
        S.ecdsa_sha1,
    }
    assert schemes_for_key(keys["ed25519"]) == [S.ed25519]
    assert schemes_for_key(keys["ed448"].public_key()) == [S.ed448]  # type: ignore[union-attr]
    # A 1024-bit key cannot hold PSS with SHA-512 and a 64-byte salt (RFC 8017 §9.1.1).
    small = schemes_for_key(_small_rsa())
    assert S.rsa_pss_rsae_sha512 not in small
    assert S.rsa_pss_rsae_sha384 in small


def test_choose_scheme_follows_our_order(keys: dict[str, PrivateKey]) -> None:
    peer = [S.rsa_pkcs1_sha256, S.rsa_pss_rsae_sha384, S.ecdsa_secp256r1_sha256]
    assert choose_scheme(keys["rsa"], peer, DEFAULT_SIGNATURE_SCHEMES) == S.rsa_pss_rsae_sha384
    assert choose_scheme(keys["rsa"], peer, (S.rsa_pkcs1_sha256,)) == S.rsa_pkcs1_sha256
    assert choose_scheme(keys["p256"], peer, DEFAULT_SIGNATURE_SCHEMES) == S.ecdsa_secp256r1_sha256
    # GREASE and unknown code points in the peer's list are ignored.
    assert choose_scheme(keys["ed25519"], [0x0A0A, 0xFFFF, S.ed25519]) == S.ed25519


def test_choose_scheme_prefers_the_curves_hash(keys: dict[str, PrivateKey]) -> None:
    peer = [S.ecdsa_secp256r1_sha256, S.ecdsa_secp384r1_sha384]
    assert choose_scheme(keys["p384"], peer) == S.ecdsa_secp384r1_sha384
    # Not offered: any other ECDSA scheme will do in TLS 1.2.
    assert choose_scheme(keys["p521"], peer) == S.ecdsa_secp256r1_sha256


def test_choose_scheme_pss_oid_key(keys: dict[str, PrivateKey]) -> None:
    peer = [S.rsa_pss_rsae_sha256, S.rsa_pss_pss_sha384, S.rsa_pkcs1_sha256]
    assert choose_scheme(keys["rsa"], peer, rsa_pss_oid=True) == S.rsa_pss_pss_sha384
    with pytest.raises(TLSLocalAlert) as info:
        choose_scheme(keys["rsa"], [S.rsa_pss_rsae_sha256], rsa_pss_oid=True)
    assert info.value.description == AlertDescription.handshake_failure


def test_choose_scheme_no_common_scheme(keys: dict[str, PrivateKey]) -> None:
    with pytest.raises(TLSLocalAlert) as info:
        choose_scheme(keys["p256"], [S.rsa_pkcs1_sha256, S.ed25519])
    assert info.value.description == AlertDescription.handshake_failure
    message = str(info.value)
    assert "ECDSA secp256r1" in message
    assert "rsa_pkcs1_sha256, ed25519" in message
    # SHA-1 offered by the peer but not enabled by us.
    with pytest.raises(TLSLocalAlert) as info:
        choose_scheme(keys["rsa"], [S.rsa_pkcs1_sha1])
    assert info.value.description == AlertDescription.handshake_failure


def test_choose_scheme_peer_sent_no_signature_algorithms(keys: dict[str, PrivateKey]) -> None:
    # RFC 5246 §7.4.1.4.1: no extension means {sha1, <key's algorithm>}.
    assert choose_scheme(keys["rsa"], None, WITH_SHA1) == S.rsa_pkcs1_sha1
    assert choose_scheme(keys["p256"], None, WITH_SHA1) == S.ecdsa_sha1
    with pytest.raises(TLSLocalAlert) as info:
        choose_scheme(keys["rsa"], None, DEFAULT_SIGNATURE_SCHEMES)
    assert info.value.description == AlertDescription.handshake_failure
    assert "rsa_pkcs1_sha1" in str(info.value)
    assert "SHA-1 signatures are not enabled" in str(info.value)
    with pytest.raises(TLSLocalAlert) as info:
        choose_scheme(keys["ed25519"], None, WITH_SHA1)
    assert info.value.description == AlertDescription.handshake_failure
    with pytest.raises(TLSLocalAlert):
        choose_scheme(keys["rsa"], None, WITH_SHA1, rsa_pss_oid=True)


def test_parse_sigalgs_list() -> None:
    assert parse_sigalgs_list("ECDSA+SHA256:RSA-PSS+SHA256:rsa_pkcs1_sha256:ed25519:RSA+SHA1") == (
        S.ecdsa_secp256r1_sha256,
        S.rsa_pss_rsae_sha256,
        S.rsa_pkcs1_sha256,
        S.ed25519,
        S.rsa_pkcs1_sha1,
    )
    assert parse_sigalgs_list("rsa+sha384:PSS+SHA512:ecdsa+sha1:Ed448:rsa_pss_pss_sha256") == (
        S.rsa_pkcs1_sha384,
        S.rsa_pss_rsae_sha512,
        S.ecdsa_sha1,
        S.ed448,
        S.rsa_pss_pss_sha256,
    )
    assert parse_sigalgs_list("ed25519:ED25519") == (S.ed25519,)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("RSA+SHA256:RSA+MD4", "unknown signature algorithm 'RSA+MD4'"),
        ("dsa_sha256", "dsa_sha256 is not supported"),
        ("rsa_pkcs1_sha224", "rsa_pkcs1_sha224 is not supported"),
        ("RSA+SHA256::ed25519", "empty name"),
        ("", "empty name"),
    ],
)
def test_parse_sigalgs_list_errors(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment.replace("+", r"\+")):
        parse_sigalgs_list(text)


def test_key_names_and_certificate_types(keys: dict[str, PrivateKey]) -> None:
    assert key_type_name(keys["rsa"]) == "RSA"
    assert key_type_name(keys["rsa"], rsa_pss_oid=True) == "RSA-PSS"
    assert describe_key(keys["rsa"].public_key()) == "RSA 2048-bit"
    assert describe_key(keys["p521"]) == "ECDSA secp521r1"
    assert key_type_name(keys["ed25519"]) == "Ed25519"
    assert key_type_name(keys["ed448"]) == "Ed448"
    assert certificate_types_for(DEFAULT_SIGNATURE_SCHEMES) == [
        ClientCertificateType.rsa_sign,
        ClientCertificateType.ecdsa_sign,
    ]
    assert certificate_types_for([S.ed25519]) == [ClientCertificateType.ecdsa_sign]
    assert certificate_types_for([S.rsa_pss_rsae_sha256, 0x0A0A]) == [
        ClientCertificateType.rsa_sign
    ]
    assert certificate_type_for_key(keys["rsa"]) == ClientCertificateType.rsa_sign
    assert certificate_type_for_key(keys["p256"].public_key()) == ClientCertificateType.ecdsa_sign
    assert certificate_type_for_key(keys["ed448"]) == ClientCertificateType.ecdsa_sign
