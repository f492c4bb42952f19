"""tls.trust: loading, trust stores, allow-lists, server and client chain validation."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import Encoding
from pki_fixtures import PKI

from records.registry import AlertDescription as AD
from tls.errors import CertificateError, ConfigError
from tls.pki import make_ca, make_leaf
from tls.trust import (
    AllowList,
    TrustStore,
    check_key_matches,
    fingerprint_sha256,
    load_certificates,
    load_private_key,
    verify_client_chain,
    verify_server_chain,
)

# --------------------------------------------------------------------------- loading


def test_load_certificates_from_path_pem_bytes_text_and_der(pki: PKI) -> None:
    path = pki.server_rsa.chain_path
    from_path = load_certificates(path)
    assert [c.subject for c in from_path] == [pki.server_rsa.cert.subject, pki.ca.subject]
    assert load_certificates(str(path)) == from_path
    assert load_certificates(path.read_bytes()) == from_path
    assert load_certificates(path.read_text()) == from_path
    assert load_certificates(pki.server_rsa.der) == [pki.server_rsa.cert]


def test_load_certificates_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    with pytest.raises(ConfigError, match=r"missing\.pem: cannot read certificates"):
        load_certificates(missing)
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"not a certificate")
    with pytest.raises(ConfigError, match=r"garbage\.pem: not a valid PEM or DER certificate"):
        load_certificates(garbage)
    key_only = tmp_path / "key.pem"
    key_only.write_bytes(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(ConfigError, match="no CERTIFICATE block"):
        load_certificates(key_only)


def test_load_private_key_plain_and_encrypted(pki: PKI, tmp_path: Path) -> None:
    key = load_private_key(pki.server_ecdsa.key_path)
    check_key_matches(key, pki.server_ecdsa.cert)
    encrypted = tmp_path / "enc.key"
    encrypted.write_bytes(
        pki.server_ecdsa.key.private_bytes(
            Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"s3cret"),
        )
    )
    check_key_matches(load_private_key(encrypted, "s3cret"), pki.server_ecdsa.cert)
    check_key_matches(load_private_key(encrypted.read_bytes(), b"s3cret"), pki.server_ecdsa.cert)
    with pytest.raises(ConfigError, match=r"enc\.key: cannot load private key \(wrong password"):
        load_private_key(encrypted, "wrong")
    with pytest.raises(ConfigError, match=r"enc\.key: .*encrypted"):
        load_private_key(encrypted)
    der = pki.client_ecdsa.key.private_bytes(
        Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    check_key_matches(load_private_key(der), pki.client_ecdsa.cert)


def test_check_key_matches_refuses_a_foreign_key(pki: PKI) -> None:
    check_key_matches(pki.server_rsa.key, pki.server_rsa.cert)
    with pytest.raises(
        ConfigError,
        match=r"^server-rsa\.key: private key does not match certificate "
        r"CN=localhost,O=tls12 demo$",
    ):
        check_key_matches(pki.server_ecdsa.key, pki.server_rsa.cert, source="server-rsa.key")


# --------------------------------------------------------------------------- trust store


def test_trust_store_from_pem_dedupes_and_lists_subject_names(pki: PKI) -> None:
    store = TrustStore.from_pem(pki.ca_path, pki.ca_path.read_bytes(), pki.other_ca_path)
    assert store.certificates == (pki.ca, pki.other_ca)
    names = store.subject_names_der()
    assert names == [pki.ca.subject.public_bytes(), pki.other_ca.subject.public_bytes()]
    assert len(store) == 2
    assert store.store is store.store  # built once


def test_trust_store_from_directory(tmp_path: Path, pki: PKI) -> None:
    (tmp_path / "a.pem").write_bytes(pki.ca_path.read_bytes())
    (tmp_path / "b.crt").write_bytes(pki.other_ca_path.read_bytes())
    (tmp_path / "notes.txt").write_text("not a certificate")
    store = TrustStore.from_pem(tmp_path)
    assert set(store.certificates) == {pki.ca, pki.other_ca}


def test_trust_store_empty_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no CA certificates found"):
        TrustStore.from_pem(tmp_path)


def test_system_trust_store_reads_ssl_default_paths(
    pki: PKI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ssl.get_default_verify_paths() honours SSL_CERT_FILE / SSL_CERT_DIR; point both at our CAs
    # (the capath with an OpenSSL c_rehash-style name, which is all OpenSSL reads there).
    capath = tmp_path / "capath"
    capath.mkdir()
    (capath / "0123abcd.0").write_bytes(pki.other_ca_path.read_bytes())
    (capath / "ignored.pem").write_bytes(pki.intermediate_path.read_bytes())
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_path))
    monkeypatch.setenv("SSL_CERT_DIR", str(capath))
    store = TrustStore.system()
    assert set(store.certificates) == {pki.ca, pki.other_ca}
    verify_server_chain(pki.server_rsa.chain_der, store, "localhost")


def test_system_trust_store_without_certificates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "none.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="system trust store: no CA certificates found"):
        TrustStore.system()


# --------------------------------------------------------------------------- allow-lists


def _openssl_fingerprint(openssl: Path, cert: Path) -> str:
    out = subprocess.run(
        [str(openssl), "x509", "-noout", "-fingerprint", "-sha256", "-in", str(cert)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return out  # e.g. "sha256 Fingerprint=AB:CD:..." (OpenSSL 3) or "SHA256 Fingerprint=..."


def test_fingerprint_matches_openssl(pki: PKI, openssl_bin: Path) -> None:
    line = _openssl_fingerprint(openssl_bin, pki.client_selfsigned.cert_path)
    hex_colons = line.split("=", 1)[1]
    assert fingerprint_sha256(pki.client_selfsigned.der) == hex_colons.replace(":", "").lower()
    assert fingerprint_sha256(pki.client_selfsigned.cert) == fingerprint_sha256(
        pki.client_selfsigned.der
    )
    for item in (line, hex_colons, hex_colons.replace(":", ""), hex_colons.lower()):
        allow = AllowList.from_items([item])
        assert allow.contains(pki.client_selfsigned.der), item
        assert not allow.contains(pki.client_rsa.der)


def test_allow_list_from_files_bytes_and_objects(pki: PKI) -> None:
    allow = AllowList.from_items(
        [pki.client_selfsigned.cert_path, str(pki.client_rsa.cert_path), pki.client_ecdsa.cert]
    )
    assert len(allow) == 3
    assert pki.client_rsa.der in allow
    assert allow.contains(pki.client_ecdsa.cert)
    assert not allow.contains(pki.client_untrusted.der)
    # a chain file allows every certificate in it
    assert AllowList.from_items([pki.client_rsa.chain_path]).contains(pki.ca)


@pytest.mark.parametrize("item", ["no-such-file.pem", "abcd", "zz" * 32, "ab:cd"])
def test_allow_list_rejects_bad_items(item: str) -> None:
    with pytest.raises(ConfigError, match="allow-list item"):
        AllowList.from_items([item])


# --------------------------------------------------------------------------- server chains


def _check(exc: pytest.ExceptionInfo[CertificateError], alert: AD) -> None:
    assert exc.value.description == alert, exc.value
    assert alert.name in str(exc.value)


@pytest.mark.parametrize("who", ["server_rsa", "server_ecdsa"])
@pytest.mark.parametrize("name", ["localhost", "LOCALHOST.", "127.0.0.1"])
def test_server_chain_ok(pki: PKI, who: str, name: str) -> None:
    ident = getattr(pki, who)
    path = verify_server_chain(ident.chain_der, pki.trust, name)
    assert path == [ident.cert, pki.ca]


def test_server_leaf_alone_and_intermediate_chain(pki: PKI) -> None:
    assert verify_server_chain(pki.server_ecdsa.chain_der[:1], pki.trust, "localhost") == [
        pki.server_ecdsa.cert,
        pki.ca,
    ]
    path = verify_server_chain(pki.server_intermediate.chain_der, pki.trust, "localhost")
    assert path == [pki.server_intermediate.cert, pki.intermediate, pki.ca]


def test_server_missing_intermediate_is_unknown_ca(pki: PKI) -> None:
    with pytest.raises(CertificateError, match="no path to a trusted CA") as exc:
        verify_server_chain(pki.server_intermediate.chain_der[:1], pki.trust, "localhost")
    _check(exc, AD.unknown_ca)


def test_server_expired(pki: PKI) -> None:
    with pytest.raises(
        CertificateError, match=r"^server certificate CN=localhost,O=tls12 demo: expired at "
    ) as exc:
        verify_server_chain(pki.server_expired.chain_der, pki.trust, "localhost")
    _check(exc, AD.certificate_expired)


def test_server_not_yet_valid(pki: PKI) -> None:
    with pytest.raises(CertificateError, match="not valid before") as exc:
        verify_server_chain(pki.server_not_yet_valid.chain_der, pki.trust, "localhost")
    _check(exc, AD.certificate_expired)


def test_server_validity_uses_injected_time(pki: PKI) -> None:
    later = pki.server_rsa.cert.not_valid_after_utc + dt.timedelta(seconds=1)
    with pytest.raises(CertificateError, match="expired at") as exc:
        verify_server_chain(pki.server_rsa.chain_der, pki.trust, "localhost", now=later)
    _check(exc, AD.certificate_expired)
    inside = pki.server_not_yet_valid.cert.not_valid_before_utc + dt.timedelta(hours=1)
    verify_server_chain(pki.server_not_yet_valid.chain_der, pki.trust, "localhost", now=inside)
    naive = inside.replace(tzinfo=None)  # naive datetimes are taken as UTC
    verify_server_chain(pki.server_not_yet_valid.chain_der, pki.trust, "localhost", now=naive)
    # before the CA itself is valid: the message names the CA
    early = pki.ca.not_valid_before_utc - dt.timedelta(days=1)
    with pytest.raises(CertificateError, match="issuer CN=tls12 demo CA,O=tls12 demo not valid"):
        verify_server_chain(pki.server_expired.chain_der, pki.trust, "localhost", now=early)


def test_server_expired_intermediate_names_the_issuer(pki: PKI) -> None:
    now = dt.datetime.now(dt.UTC)
    inter, inter_key = make_ca(
        "short-lived intermediate",
        issuer_cert=pki.ca,
        issuer_key=pki.ca_key,
        not_before=now - dt.timedelta(days=10),
        not_after=now - dt.timedelta(days=1),
    )
    leaf, _ = make_leaf(inter, inter_key, "localhost", server=True, dns_names=["localhost"])
    chain = [c.public_bytes(Encoding.DER) for c in (leaf, inter)]
    with pytest.raises(
        CertificateError,
        match=r"^server certificate CN=localhost,O=tls12 demo: issuer CN=short-lived "
        r"intermediate,O=tls12 demo expired at ",
    ) as exc:
        verify_server_chain(chain, pki.trust, "localhost")
    _check(exc, AD.certificate_expired)


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1"])
def test_server_wrong_host(pki: PKI, name: str) -> None:
    with pytest.raises(
        CertificateError,
        match=rf"^server certificate CN=localhost,O=tls12 demo: host name '{name}' not in "
        r"subjectAltName \(subjectAltName DNS:wrong\.example, IP:192\.0\.2\.1\)",
    ) as exc:
        verify_server_chain(pki.server_wrong_host.chain_der, pki.trust, name)
    _check(exc, AD.bad_certificate)


@pytest.mark.parametrize("name", ["example.com", "127.0.0.2", "::1", "localhost.example"])
def test_server_name_mismatch_on_good_cert(pki: PKI, name: str) -> None:
    with pytest.raises(CertificateError, match="not in subjectAltName") as exc:
        verify_server_chain(pki.server_rsa.chain_der, pki.trust, name)
    _check(exc, AD.bad_certificate)


def test_ip_literal_is_not_matched_as_a_dns_name(pki: PKI) -> None:
    # A certificate naming DNS:127.0.0.1 must not match the IP address 127.0.0.1 (RFC 6125 §6.2).
    cert, _ = make_leaf(pki.ca, pki.ca_key, "ip-as-dns", server=True, dns_names=["127.0.0.1"])
    with pytest.raises(CertificateError, match="not in subjectAltName") as exc:
        verify_server_chain([cert.public_bytes(Encoding.DER)], pki.trust, "127.0.0.1")
    _check(exc, AD.bad_certificate)


def test_server_unknown_ca(pki: PKI) -> None:
    with pytest.raises(
        CertificateError, match="no path to a trusted CA \\(issuer CN=tls12 test other CA"
    ) as exc:
        verify_server_chain(pki.server_unknown_ca.chain_der, pki.trust, "localhost")
    _check(exc, AD.unknown_ca)


def test_server_self_signed_refused_unless_trusted(pki: PKI) -> None:
    chain = pki.server_selfsigned.chain_der
    with pytest.raises(CertificateError, match="self-signed certificate is not trusted") as exc:
        verify_server_chain(chain, pki.trust, "localhost")
    _check(exc, AD.unknown_ca)
    assert pki.server_selfsigned.fingerprint in str(exc.value)
    # (a) explicitly trusted: the self-signed leaf itself in the trust store
    store = TrustStore.from_pem(pki.server_selfsigned.cert_path)
    assert verify_server_chain(chain, store, "127.0.0.1") == [pki.server_selfsigned.cert]
    with pytest.raises(CertificateError, match="not in subjectAltName") as exc:
        verify_server_chain(chain, store, "example.com")
    _check(exc, AD.bad_certificate)


def test_server_pinned(pki: PKI) -> None:
    pins = AllowList.from_items([pki.server_selfsigned.fingerprint])
    chain = pki.server_selfsigned.chain_der
    assert verify_server_chain(chain, pki.trust, "localhost", pinned=pins) == [
        pki.server_selfsigned.cert
    ]
    assert verify_server_chain(chain, None, "localhost", pinned=pins)  # pins only
    # pinning still checks the host name and the validity period
    with pytest.raises(CertificateError, match="not in subjectAltName") as exc:
        verify_server_chain(chain, pki.trust, "example.com", pinned=pins)
    _check(exc, AD.bad_certificate)
    late = pki.server_selfsigned.cert.not_valid_after_utc + dt.timedelta(days=1)
    with pytest.raises(CertificateError, match="expired at") as exc:
        verify_server_chain(chain, pki.trust, "localhost", pinned=pins, now=late)
    _check(exc, AD.certificate_expired)
    # a pin for another certificate does not help an unknown-CA one
    with pytest.raises(CertificateError) as exc:
        verify_server_chain(pki.server_unknown_ca.chain_der, pki.trust, "localhost", pinned=pins)
    _check(exc, AD.unknown_ca)
    with pytest.raises(CertificateError, match="not pinned") as exc:
        verify_server_chain(pki.server_rsa.chain_der, None, "localhost", pinned=pins)
    _check(exc, AD.unknown_ca)


def test_server_pinned_expired_ca_issued_leaf(pki: PKI) -> None:
    pins = AllowList.from_items([pki.server_expired.cert])
    with pytest.raises(CertificateError, match="expired at") as exc:
        verify_server_chain(pki.server_expired.chain_der, pki.trust, "localhost", pinned=pins)
    _check(exc, AD.certificate_expired)


def test_server_chain_with_client_certificate_is_wrong_usage(pki: PKI) -> None:
    # client-rsa has EKU clientAuth only (and no subjectAltName, so check without a name)
    with pytest.raises(CertificateError, match="extendedKeyUsage does not allow serverAuth") as exc:
        verify_server_chain(pki.client_rsa.chain_der, pki.trust, None, check_hostname=False)
    _check(exc, AD.unsupported_certificate)


def test_server_chain_without_hostname_check(pki: PKI) -> None:
    path = verify_server_chain(
        pki.server_wrong_host.chain_der, pki.trust, None, check_hostname=False
    )
    assert path[0] == pki.server_wrong_host.cert
    with pytest.raises(CertificateError) as exc:
        verify_server_chain(pki.server_unknown_ca.chain_der, pki.trust, None, check_hostname=False)
    _check(exc, AD.unknown_ca)
    with pytest.raises(CertificateError) as exc:
        verify_server_chain(pki.server_expired.chain_der, pki.trust, None, check_hostname=False)
    _check(exc, AD.certificate_expired)


def test_server_name_none_needs_explicit_opt_out(pki: PKI) -> None:
    with pytest.raises(ConfigError, match="check_hostname=False"):
        verify_server_chain(pki.server_rsa.chain_der, pki.trust, None)


def test_server_malformed_and_empty_chains(pki: PKI) -> None:
    with pytest.raises(CertificateError, match="server certificate: malformed DER") as exc:
        verify_server_chain([b"\x30\x03\x02\x01\x01"], pki.trust, "localhost")
    _check(exc, AD.bad_certificate)
    with pytest.raises(CertificateError, match="chain entry #1: malformed DER") as exc:
        verify_server_chain([pki.server_rsa.der, b"junk"], pki.trust, "localhost")
    _check(exc, AD.bad_certificate)
    with pytest.raises(CertificateError, match="empty certificate chain") as exc:
        verify_server_chain([], pki.trust, "localhost")
    _check(exc, AD.bad_certificate)


def test_server_bad_signature(pki: PKI) -> None:
    # Flip one bit in the signature (the last bytes of the DER): the CA's signature fails.
    der = bytearray(pki.server_ecdsa.der)
    der[-5] ^= 0x01
    x509.load_der_x509_certificate(bytes(der))  # still well-formed DER
    with pytest.raises(CertificateError) as exc:
        verify_server_chain([bytes(der)], pki.trust, "localhost")
    _check(exc, AD.bad_certificate)


def test_server_bad_signature_same_issuer_name(pki: PKI) -> None:
    # A leaf naming the demo CA as issuer but signed by another key with the same name.
    impostor, impostor_key = make_ca("tls12 demo CA")
    cert, _ = make_leaf(impostor, impostor_key, "localhost", server=True, dns_names=["localhost"])
    assert cert.issuer == pki.ca.subject
    with pytest.raises(CertificateError, match="signature on the chain does not verify") as exc:
        verify_server_chain([cert.public_bytes(Encoding.DER)], pki.trust, "localhost")
    _check(exc, AD.bad_certificate)


# --------------------------------------------------------------------------- client chains


@pytest.mark.parametrize("who", ["client_rsa", "client_ecdsa"])
def test_client_chain_ok(pki: PKI, who: str) -> None:
    ident = getattr(pki, who)
    assert verify_client_chain(ident.chain_der, pki.trust) == [ident.cert, pki.ca]
    assert verify_client_chain(ident.chain_der[:1], pki.trust) == [ident.cert, pki.ca]


def test_client_untrusted_ca(pki: PKI) -> None:
    with pytest.raises(
        CertificateError,
        match=r"^client certificate CN=tls12 untrusted client,O=tls12 demo: no path to a trusted",
    ) as exc:
        verify_client_chain(pki.client_untrusted.chain_der, pki.trust)
    _check(exc, AD.unknown_ca)


def test_client_self_signed_without_allow_list(pki: PKI) -> None:
    with pytest.raises(CertificateError, match="self-signed") as exc:
        verify_client_chain(pki.client_selfsigned.chain_der, pki.trust)
    _check(exc, AD.unknown_ca)


def test_client_expired(pki: PKI) -> None:
    with pytest.raises(CertificateError, match="expired at") as exc:
        verify_client_chain(pki.client_expired.chain_der, pki.trust)
    _check(exc, AD.certificate_expired)


def test_client_chain_with_server_certificate_is_wrong_usage(pki: PKI) -> None:
    with pytest.raises(CertificateError, match="does not allow clientAuth") as exc:
        verify_client_chain(pki.server_ecdsa.chain_der, pki.trust)
    _check(exc, AD.unsupported_certificate)


def test_client_empty_chain_is_handshake_failure(pki: PKI) -> None:
    with pytest.raises(CertificateError, match="client sent no certificate") as exc:
        verify_client_chain([], pki.trust)
    _check(exc, AD.handshake_failure)


def test_client_malformed(pki: PKI) -> None:
    with pytest.raises(CertificateError, match="client certificate: malformed DER") as exc:
        verify_client_chain([b"\x00"], pki.trust)
    _check(exc, AD.bad_certificate)


def test_client_needs_trust_or_allow_list(pki: PKI) -> None:
    with pytest.raises(ConfigError, match="trust store, an allow-list"):
        verify_client_chain(pki.client_rsa.chain_der, None)


def test_allow_list_listed_ca_signed(pki: PKI) -> None:
    allow = AllowList.from_items([pki.client_rsa.cert_path])
    assert verify_client_chain(pki.client_rsa.chain_der, pki.trust, allow_list=allow) == [
        pki.client_rsa.cert,
        pki.ca,
    ]


def test_allow_list_listed_self_signed(pki: PKI) -> None:
    allow = AllowList.from_items([pki.client_selfsigned.fingerprint])
    expected = [pki.client_selfsigned.cert]
    assert verify_client_chain(pki.client_selfsigned.chain_der, pki.trust, allow_list=allow) == (
        expected
    )
    assert verify_client_chain(pki.client_selfsigned.chain_der, None, allow_list=allow) == expected


def test_allow_list_listed_self_signed_still_checks_validity(pki: PKI) -> None:
    allow = AllowList.from_items([pki.client_selfsigned.cert])
    late = pki.client_selfsigned.cert.not_valid_after_utc + dt.timedelta(days=1)
    with pytest.raises(CertificateError, match="expired at") as exc:
        verify_client_chain(pki.client_selfsigned.chain_der, None, allow_list=allow, now=late)
    _check(exc, AD.certificate_expired)
    early = pki.client_selfsigned.cert.not_valid_before_utc - dt.timedelta(days=1)
    with pytest.raises(CertificateError, match="not valid before") as exc:
        verify_client_chain(pki.client_selfsigned.chain_der, pki.trust, allow_list=allow, now=early)
    _check(exc, AD.certificate_expired)


def test_allow_list_listed_expired_ca_signed(pki: PKI) -> None:
    allow = AllowList.from_items([pki.client_expired.cert])
    with pytest.raises(CertificateError, match="expired at") as exc:
        verify_client_chain(pki.client_expired.chain_der, pki.trust, allow_list=allow)
    _check(exc, AD.certificate_expired)


def test_allow_list_listed_server_certificate_still_needs_client_auth(pki: PKI) -> None:
    allow = AllowList.from_items([pki.server_ecdsa.cert])
    with pytest.raises(CertificateError, match="clientAuth") as exc:
        verify_client_chain(pki.server_ecdsa.chain_der, pki.trust, allow_list=allow)
    _check(exc, AD.unsupported_certificate)


def test_allow_list_unlisted_but_ca_trusted_is_refused(pki: PKI) -> None:
    allow = AllowList.from_items([pki.client_selfsigned.cert, pki.client_ecdsa.cert])
    with pytest.raises(
        CertificateError,
        match=r"^client certificate CN=tls12 demo client \(RSA\),O=tls12 demo: not on the "
        rf"allow-list \(sha256 {pki.client_rsa.fingerprint}\)",
    ) as exc:
        verify_client_chain(pki.client_rsa.chain_der, pki.trust, allow_list=allow)
    _check(exc, AD.access_denied)
    # the listed one from the same CA passes
    verify_client_chain(pki.client_ecdsa.chain_der, pki.trust, allow_list=allow)


def test_allow_list_listed_from_untrusted_ca_is_accepted(pki: PKI) -> None:
    # Listing a certificate trusts that exact certificate, whoever issued it.
    allow = AllowList.from_items([pki.client_untrusted.cert])
    assert verify_client_chain(pki.client_untrusted.chain_der, pki.trust, allow_list=allow) == [
        pki.client_untrusted.cert
    ]


def test_unknown_ca_when_the_chain_carries_its_own_root(pki: PKI) -> None:
    # server-unknown-ca-chain.pem = leaf + its (untrusted) root: still unknown_ca
    assert len(pki.server_unknown_ca.chain_der) == 2
    with pytest.raises(CertificateError, match="no path to a trusted CA") as exc:
        verify_server_chain(pki.server_unknown_ca.chain_der[:1], pki.trust, "localhost")
    _check(exc, AD.unknown_ca)


def test_ed25519_signed_chain_is_unsupported(pki: PKI) -> None:
    # cryptography's WebPKI profile refuses Ed25519 signatures on certificates.
    ca, ca_key = make_ca("ed25519 CA", "ed25519")
    leaf, _ = make_leaf(ca, ca_key, "client", client=True)
    with pytest.raises(CertificateError, match="Ed25519") as exc:
        verify_client_chain([leaf.public_bytes(Encoding.DER)], TrustStore.from_certificates([ca]))
    _check(exc, AD.unsupported_certificate)
    # an Ed25519 leaf key under an ECDSA CA is fine, and so is a listed self-signed Ed25519 leaf
    leaf, _ = make_leaf(pki.ca, pki.ca_key, "ed", key_type="ed25519", server=True, dns_names=["a"])
    assert verify_server_chain([leaf.public_bytes(Encoding.DER)], pki.trust, "a")[0] == leaf
    own, _ = make_leaf(None, None, "own", key_type="ed25519", client=True)
    allow = AllowList.from_items([own])
    assert verify_client_chain([own.public_bytes(Encoding.DER)], None, allow_list=allow) == [own]
