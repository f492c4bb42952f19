"""Demo PKI generation for trying (mutual) TLS: ``tls12 certs DIR``.

:func:`write_demo_pki` writes a small PKI as PEM files (see :data:`DEMO_FILES` for the names):

==========================  ===========================================================
``ca.pem`` / ``ca.key``     root CA "tls12 demo CA" (ECDSA P-256, keyCertSign), the trust
                            anchor for both sides (``--cafile ca.pem``)
``server-rsa.pem``          server leaf, RSA-2048, CN=localhost, SAN DNS:localhost and
                            IP:127.0.0.1, EKU serverAuth (keyUsage digitalSignature and
                            keyEncipherment, so RSA key exchange works too)
``server-rsa.key``          its private key (PKCS#8, unencrypted)
``server-rsa-chain.pem``    leaf followed by the CA certificate: what a server sends
``server-ecdsa.*``          the same with an ECDSA P-256 key
``client-rsa.*``            client leaf, RSA-2048, CN=tls12 demo client (RSA), EKU clientAuth
                            (``.pem``, ``.key``, ``-chain.pem``)
``client-ecdsa.*``          the same with ECDSA P-256
``client-selfsigned.*``     a self-signed ECDSA P-256 client certificate with EKU clientAuth,
                            signed by no CA: accepted only when put on a server's allow-list
                            (``--allow-client client-selfsigned.pem``)
==========================  ===========================================================

The certificates satisfy both ``cryptography.x509.verification`` (the WebPKI profile) and
OpenSSL: CA certificates carry a critical basicConstraints CA:TRUE and keyUsage keyCertSign,
leaves carry basicConstraints CA:FALSE, keyUsage, extendedKeyUsage and (servers)
subjectAltName; every certificate has a subjectKeyIdentifier and an authorityKeyIdentifier.
Private keys are written unencrypted with mode 0600: they are for demos and tests only.

Lower-level builders: :func:`generate_key`, :func:`make_ca` (root or intermediate) and
:func:`make_leaf` (CA-issued or self-signed), plus :func:`cert_pem` / :func:`key_pem`.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, TypeAlias

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .errors import ConfigError

__all__ = [
    "DEMO_FILES",
    "KEY_TYPES",
    "CertificateIssuerKey",
    "KeyType",
    "cert_pem",
    "generate_key",
    "key_pem",
    "make_ca",
    "make_leaf",
    "write_demo_pki",
    "write_files",
]

KeyType: TypeAlias = Literal["rsa2048", "rsa3072", "p256", "p384", "p521", "ed25519"]
KEY_TYPES: tuple[str, ...] = ("rsa2048", "rsa3072", "p256", "p384", "p521", "ed25519")

CertificateIssuerKey: TypeAlias = (
    rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
)

_CURVES: dict[str, ec.EllipticCurve] = {
    "p256": ec.SECP256R1(),
    "p384": ec.SECP384R1(),
    "p521": ec.SECP521R1(),
}

#: Validity used when the caller gives none: certificates start one hour in the past (clock skew).
CA_LIFETIME = _dt.timedelta(days=3650)
LEAF_LIFETIME = _dt.timedelta(days=825)
BACKDATE = _dt.timedelta(hours=1)

#: Files written by :func:`write_demo_pki`, keyed by the names of the returned dict.
DEMO_FILES: dict[str, str] = {
    "ca": "ca.pem",
    "ca_key": "ca.key",
    "server_rsa": "server-rsa.pem",
    "server_rsa_key": "server-rsa.key",
    "server_rsa_chain": "server-rsa-chain.pem",
    "server_ecdsa": "server-ecdsa.pem",
    "server_ecdsa_key": "server-ecdsa.key",
    "server_ecdsa_chain": "server-ecdsa-chain.pem",
    "client_rsa": "client-rsa.pem",
    "client_rsa_key": "client-rsa.key",
    "client_rsa_chain": "client-rsa-chain.pem",
    "client_ecdsa": "client-ecdsa.pem",
    "client_ecdsa_key": "client-ecdsa.key",
    "client_ecdsa_chain": "client-ecdsa-chain.pem",
    "client_selfsigned": "client-selfsigned.pem",
    "client_selfsigned_key": "client-selfsigned.key",
}


def generate_key(key_type: str) -> CertificateIssuerKey:
    """A fresh private key of ``key_type`` (one of :data:`KEY_TYPES`)."""
    if key_type in ("rsa2048", "rsa3072"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[3:]))
    if key_type in _CURVES:
        return ec.generate_private_key(_CURVES[key_type])
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ConfigError(f"unknown key type {key_type!r}; expected one of {', '.join(KEY_TYPES)}")


def _signature_hash(
    key: CertificateIssuerKey,
) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512 | None:
    """The hash to sign with ``key``: matched to the curve size for ECDSA, none for Ed25519."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        size = key.curve.key_size
        return hashes.SHA512() if size > 384 else hashes.SHA384() if size > 256 else hashes.SHA256()
    return hashes.SHA256()


def _name(common_name: str, organization: str | None = "tls12 demo") -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def _validity(
    not_before: _dt.datetime | None, not_after: _dt.datetime | None, lifetime: _dt.timedelta
) -> tuple[_dt.datetime, _dt.datetime]:
    start = not_before if not_before is not None else _dt.datetime.now(_dt.UTC) - BACKDATE
    end = not_after if not_after is not None else start + lifetime
    if end <= start:
        raise ConfigError(f"certificate validity: not_after {end} is not after not_before {start}")
    return start, end


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: object,
    issuer_public_key: object,
    start: _dt.datetime,
    end: _dt.datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)  # type: ignore[arg-type]
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key),  # type: ignore[arg-type]
            critical=False,
        )
    )


def make_ca(
    name: str,
    key_type: str = "p256",
    *,
    issuer_cert: x509.Certificate | None = None,
    issuer_key: CertificateIssuerKey | None = None,
    key: CertificateIssuerKey | None = None,
    path_length: int | None = None,
    not_before: _dt.datetime | None = None,
    not_after: _dt.datetime | None = None,
) -> tuple[x509.Certificate, CertificateIssuerKey]:
    """A CA certificate and its key: a self-signed root, or an intermediate when ``issuer_cert``
    and ``issuer_key`` are given. ``name`` becomes the subject's CN (O=tls12 demo)."""
    if (issuer_cert is None) != (issuer_key is None):
        raise ConfigError("make_ca: give both issuer_cert and issuer_key, or neither")
    key = key if key is not None else generate_key(key_type)
    subject = _name(name)
    signer_key = issuer_key if issuer_key is not None else key
    issuer = issuer_cert.subject if issuer_cert is not None else subject
    start, end = _validity(not_before, not_after, CA_LIFETIME)
    builder = (
        _builder(subject, issuer, key.public_key(), signer_key.public_key(), start, end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    return builder.sign(signer_key, _signature_hash(signer_key)), key


def make_leaf(
    issuer_cert: x509.Certificate | None,
    issuer_key: CertificateIssuerKey | None,
    name: str,
    *,
    key_type: str = "p256",
    key: CertificateIssuerKey | None = None,
    server: bool = False,
    client: bool = False,
    dns_names: Iterable[str] = (),
    ip_addresses: Iterable[str] = (),
    not_before: _dt.datetime | None = None,
    not_after: _dt.datetime | None = None,
) -> tuple[x509.Certificate, CertificateIssuerKey]:
    """An end-entity certificate and its key.

    ``issuer_cert``/``issuer_key`` None makes a self-signed leaf (CA:FALSE, signed by its own key).
    ``server``/``client`` add the serverAuth / clientAuth extended key usages (at least one is
    required). ``dns_names`` and ``ip_addresses`` go in the subjectAltName; a server certificate
    needs at least one of them (the WebPKI profile names hosts only there).
    """
    if (issuer_cert is None) != (issuer_key is None):
        raise ConfigError("make_leaf: give both issuer_cert and issuer_key, or neither")
    if not (server or client):
        raise ConfigError(f"make_leaf {name!r}: choose server=True and/or client=True")
    general_names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns_names]
    general_names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
    if server and not general_names:
        raise ConfigError(
            f"make_leaf {name!r}: a server certificate needs dns_names or ip_addresses"
        )
    key = key if key is not None else generate_key(key_type)
    subject = _name(name)
    signer_key = issuer_key if issuer_key is not None else key
    issuer = issuer_cert.subject if issuer_cert is not None else subject
    start, end = _validity(not_before, not_after, LEAF_LIFETIME)
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    usages = [ExtendedKeyUsageOID.SERVER_AUTH] if server else []
    usages += [ExtendedKeyUsageOID.CLIENT_AUTH] if client else []
    builder = (
        _builder(subject, issuer, key.public_key(), signer_key.public_key(), start, end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                # RSA key exchange encrypts the pre-master secret to the server's key.
                key_encipherment=is_rsa and server,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    )
    if general_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(general_names), critical=False)
    return builder.sign(signer_key, _signature_hash(signer_key)), key


def cert_pem(*certificates: x509.Certificate) -> bytes:
    """PEM of one or more certificates, concatenated in the order given (a chain: leaf first)."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def key_pem(key: CertificateIssuerKey) -> bytes:
    """Unencrypted PKCS#8 PEM of ``key``."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write(path: Path, data: bytes, *, secret: bool = False) -> Path:
    path.write_bytes(data)
    if secret:
        os.chmod(path, 0o600)
    return path


def write_files(
    directory: Path,
    stem: str,
    cert: x509.Certificate,
    key: CertificateIssuerKey,
    chain: Sequence[x509.Certificate] = (),
) -> dict[str, Path]:
    """Write ``STEM.pem`` (the certificate), ``STEM.key`` and, when ``chain`` (the issuers, nearest
    first) is given, ``STEM-chain.pem`` (certificate then issuers). Returns the paths by role
    ``"cert"``, ``"key"``, ``"chain"``."""
    paths = {
        "cert": _write(directory / f"{stem}.pem", cert_pem(cert)),
        "key": _write(directory / f"{stem}.key", key_pem(key), secret=True),
    }
    if chain:
        paths["chain"] = _write(directory / f"{stem}-chain.pem", cert_pem(cert, *chain))
    return paths


def write_demo_pki(
    directory: str | os.PathLike[str],
    *,
    keys: dict[str, CertificateIssuerKey] | None = None,
) -> dict[str, Path]:
    """Write the demo PKI described in the module docstring into ``directory`` (created if needed;
    existing demo files are overwritten). Returns the paths keyed as in :data:`DEMO_FILES`.

    ``keys`` may supply pre-generated keys by stem (``"ca"``, ``"server-rsa"``, ...), which the test
    suite uses to avoid generating RSA keys more than once.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    keys = keys or {}
    ca, ca_key = make_ca("tls12 demo CA", "p256", key=keys.get("ca"))
    paths: dict[str, Path] = {
        "ca": _write(out / DEMO_FILES["ca"], cert_pem(ca)),
        "ca_key": _write(out / DEMO_FILES["ca_key"], key_pem(ca_key), secret=True),
    }
    leaves = [
        ("server-rsa", "localhost", "rsa2048", True),
        ("server-ecdsa", "localhost", "p256", True),
        ("client-rsa", "tls12 demo client (RSA)", "rsa2048", False),
        ("client-ecdsa", "tls12 demo client (ECDSA)", "p256", False),
    ]
    for stem, cn, key_type, server in leaves:
        cert, key = make_leaf(
            ca,
            ca_key,
            cn,
            key_type=key_type,
            key=keys.get(stem),
            server=server,
            client=not server,
            dns_names=["localhost"] if server else [],
            ip_addresses=["127.0.0.1"] if server else [],
        )
        role = stem.replace("-", "_")
        files = write_files(out, stem, cert, key, chain=[ca])
        paths[role], paths[f"{role}_key"], paths[f"{role}_chain"] = (
            files["cert"],
            files["key"],
            files["chain"],
        )
    cert, key = make_leaf(
        None, None, "tls12 demo self-signed client", key=keys.get("client-selfsigned"), client=True
    )
    files = write_files(out, "client-selfsigned", cert, key)
    paths["client_selfsigned"], paths["client_selfsigned_key"] = files["cert"], files["key"]
    return paths
