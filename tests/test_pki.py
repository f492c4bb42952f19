"""tls.pki: the demo PKI, its builders, and acceptance by cryptography and a real OpenSSL."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID
from pki_fixtures import PKI

from tls.errors import ConfigError
from tls.pki import DEMO_FILES, KEY_TYPES, make_ca, make_leaf
from tls.trust import (
    TrustStore,
    check_key_matches,
    load_certificates,
    load_private_key,
    verify_client_chain,
    verify_server_chain,
)


def _ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.Extension:
    return cert.extensions.get_extension_for_class(kind)


def test_demo_pki_files(pki: PKI) -> None:
    paths = pki.demo_paths
    assert set(paths) == set(DEMO_FILES)
    for role, name in DEMO_FILES.items():
        assert paths[role] == pki.directory / name
        assert paths[role].is_file()
        if name.endswith(".key"):
            assert stat.S_IMODE(paths[role].stat().st_mode) == 0o600
    for stem in ("server-rsa", "server-ecdsa", "client-rsa", "client-ecdsa"):
        leaf, ca = load_certificates(pki.directory / f"{stem}-chain.pem")
        assert ca == pki.ca
        assert load_certificates(pki.directory / f"{stem}.pem") == [leaf]
        check_key_matches(load_private_key(pki.directory / f"{stem}.key"), leaf)
    selfsigned = load_certificates(paths["client_selfsigned"])[0]
    check_key_matches(load_private_key(paths["client_selfsigned_key"]), selfsigned)


def test_demo_pki_key_types_and_extensions(pki: PKI) -> None:
    ca_key = pki.ca.public_key()
    assert isinstance(ca_key, ec.EllipticCurvePublicKey) and ca_key.curve.name == "secp256r1"
    bc = _ext(pki.ca, x509.BasicConstraints)
    assert bc.critical and bc.value.ca
    assert _ext(pki.ca, x509.KeyUsage).value.key_cert_sign
    for ident, kind in [
        (pki.server_rsa, rsa.RSAPublicKey),
        (pki.server_ecdsa, ec.EllipticCurvePublicKey),
        (pki.client_rsa, rsa.RSAPublicKey),
        (pki.client_ecdsa, ec.EllipticCurvePublicKey),
    ]:
        public = ident.cert.public_key()
        assert isinstance(public, kind)
        if isinstance(public, rsa.RSAPublicKey):
            assert public.key_size == 2048
        else:
            assert public.curve.name == "secp256r1"
        assert not _ext(ident.cert, x509.BasicConstraints).value.ca
        aki = _ext(ident.cert, x509.AuthorityKeyIdentifier).value
        assert aki.key_identifier == _ext(pki.ca, x509.SubjectKeyIdentifier).value.digest
    server_san = _ext(pki.server_rsa.cert, x509.SubjectAlternativeName).value
    assert server_san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(a) for a in server_san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    eku = _ext(pki.server_rsa.cert, x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    # RSA server keys are usable for RSA key exchange (keyEncipherment), ECDSA ones only sign.
    assert _ext(pki.server_rsa.cert, x509.KeyUsage).value.key_encipherment
    assert not _ext(pki.server_ecdsa.cert, x509.KeyUsage).value.key_encipherment
    assert list(_ext(pki.client_ecdsa.cert, x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.CLIENT_AUTH
    ]
    ss = pki.client_selfsigned.cert
    assert ss.issuer == ss.subject
    assert not _ext(ss, x509.BasicConstraints).value.ca


def test_demo_pki_verifies_with_cryptography(pki: PKI) -> None:
    trust = TrustStore.from_pem(pki.demo_paths["ca"])
    for ident in (pki.server_rsa, pki.server_ecdsa):
        for name in ("localhost", "127.0.0.1"):
            verify_server_chain(ident.chain_der, trust, name)
    for ident in (pki.client_rsa, pki.client_ecdsa):
        verify_client_chain(ident.chain_der, trust)


@pytest.mark.parametrize("key_type", [k for k in KEY_TYPES if k != "rsa3072"])
def test_builders_for_each_key_type(key_type: str, pki: PKI) -> None:
    # rsa3072 is left out only to keep RSA generation to a minimum; it shares rsa2048's code.
    # The CA is Ed25519 only for the leaf check below: cryptography's verifier refuses
    # Ed25519-signed certificates (see test_trust), so the verified CA here is P-256 for ed25519.
    ca, ca_key = make_ca(f"ca {key_type}", "p256" if key_type == "ed25519" else key_type)
    cert, key = make_leaf(
        ca,
        ca_key,
        "localhost",
        key_type=key_type,
        server=True,
        client=True,
        dns_names=["localhost"],
    )
    check_key_matches(key, cert)
    if key_type == "ed25519":
        assert isinstance(key, ed25519.Ed25519PrivateKey)
    trust = TrustStore.from_certificates([ca])
    der = [cert.public_bytes(Encoding.DER)]
    assert verify_server_chain(der, trust, "localhost") == [cert, ca]
    assert verify_client_chain(der, trust) == [cert, ca]


def test_intermediate_ca(pki: PKI) -> None:
    bc = _ext(pki.intermediate, x509.BasicConstraints).value
    assert bc.ca and pki.intermediate.issuer == pki.ca.subject
    path = verify_server_chain(pki.server_intermediate.chain_der, pki.trust, "127.0.0.1")
    assert path == [pki.server_intermediate.cert, pki.intermediate, pki.ca]


def test_builder_errors(pki: PKI) -> None:
    with pytest.raises(ConfigError, match="unknown key type 'rsa1024'"):
        make_ca("x", "rsa1024")
    with pytest.raises(ConfigError, match="server=True and/or client=True"):
        make_leaf(pki.ca, pki.ca_key, "x")
    with pytest.raises(ConfigError, match="needs dns_names or ip_addresses"):
        make_leaf(pki.ca, pki.ca_key, "x", server=True)
    with pytest.raises(ConfigError, match="both issuer_cert and issuer_key"):
        make_leaf(pki.ca, None, "x", client=True)


# --------------------------------------------------------------------------- real OpenSSL


def _openssl_verify(openssl: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(openssl), "verify", *map(str, args)], capture_output=True, text=True, timeout=30
    )


@pytest.mark.interop
@pytest.mark.parametrize("stem", ["server-rsa", "server-ecdsa"])
def test_openssl_accepts_demo_server_certificates(pki: PKI, openssl_bin: Path, stem: str) -> None:
    ca = pki.demo_paths["ca"]
    chain = pki.directory / f"{stem}-chain.pem"
    result = _openssl_verify(openssl_bin, "-CAfile", ca, "-purpose", "sslserver", chain)
    assert result.returncode == 0 and result.stdout.strip().endswith(": OK"), result
    for host in (["-verify_hostname", "localhost"], ["-verify_ip", "127.0.0.1"]):
        result = _openssl_verify(openssl_bin, "-CAfile", ca, "-purpose", "sslserver", *host, chain)
        assert result.returncode == 0, result


@pytest.mark.interop
@pytest.mark.parametrize("stem", ["client-rsa", "client-ecdsa"])
def test_openssl_accepts_demo_client_certificates(pki: PKI, openssl_bin: Path, stem: str) -> None:
    ca = pki.demo_paths["ca"]
    chain = pki.directory / f"{stem}-chain.pem"
    result = _openssl_verify(openssl_bin, "-CAfile", ca, "-purpose", "sslclient", chain)
    assert result.returncode == 0 and result.stdout.strip().endswith(": OK"), result


@pytest.mark.interop
def test_openssl_accepts_self_signed_client_as_its_own_anchor(pki: PKI, openssl_bin: Path) -> None:
    cert = pki.demo_paths["client_selfsigned"]
    result = _openssl_verify(openssl_bin, "-CAfile", cert, "-purpose", "sslclient", cert)
    assert result.returncode == 0, result


@pytest.mark.interop
def test_openssl_accepts_intermediate_chain(pki: PKI, openssl_bin: Path) -> None:
    chain = pki.server_intermediate.chain_path
    result = _openssl_verify(
        openssl_bin, "-CAfile", pki.ca_path, "-untrusted", chain, "-purpose", "sslserver", chain
    )
    assert result.returncode == 0, result


@pytest.mark.interop
@pytest.mark.parametrize(
    ("stem", "purpose", "error"),
    [
        # the checks are real: openssl refuses wrong usage, wrong CA and expiry
        ("client-rsa", "sslserver", "certificate purpose"),  # 3.0: "unsuitable ..."
        ("server-ecdsa", "sslclient", "certificate purpose"),
        ("server-unknown-ca", "sslserver", "unable to get local issuer certificate"),
        ("server-expired", "sslserver", "certificate has expired"),
    ],
)
def test_openssl_refuses_negative_material(
    pki: PKI, openssl_bin: Path, stem: str, purpose: str, error: str
) -> None:
    cert = pki.directory / f"{stem}.pem"
    result = _openssl_verify(openssl_bin, "-CAfile", pki.ca_path, "-purpose", purpose, cert)
    assert result.returncode != 0
    assert error in result.stdout + result.stderr


@pytest.mark.interop
def test_openssl_accepts_ed25519_ca(openssl_bin: Path, tmp_path: Path) -> None:
    # make_ca("ed25519") is valid X.509 (OpenSSL accepts it), though cryptography's WebPKI
    # verifier refuses Ed25519-signed certificates.
    from tls.pki import cert_pem

    ca, ca_key = make_ca("ed25519 CA", "ed25519")
    leaf, _ = make_leaf(ca, ca_key, "localhost", key_type="ed25519", server=True, dns_names=["x"])
    (tmp_path / "ca.pem").write_bytes(cert_pem(ca))
    (tmp_path / "leaf.pem").write_bytes(cert_pem(leaf))
    result = _openssl_verify(
        openssl_bin, "-CAfile", tmp_path / "ca.pem", "-purpose", "sslserver", tmp_path / "leaf.pem"
    )
    assert result.returncode == 0, result
