"""tls.SSLContext's configuration API: ssl's defaults and rules, tls12's TLS-1.2-only limits."""

from __future__ import annotations

import shutil
import ssl
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from pki_fixtures import PKI

import tls
from tls import compat


def test_top_level_exports_are_ssl_objects() -> None:
    for name in (
        "PROTOCOL_TLS_CLIENT",
        "PROTOCOL_TLS_SERVER",
        "PROTOCOL_TLS",
        "CERT_NONE",
        "CERT_OPTIONAL",
        "CERT_REQUIRED",
        "TLSVersion",
        "Purpose",
        "Options",
    ):
        assert getattr(tls, name) is getattr(ssl, name), name
    assert issubclass(tls.SSLContext, ssl.SSLContext)
    assert tls.create_default_context is compat.create_default_context


def test_defaults_mirror_ssl() -> None:
    client = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    server = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    ref_c, ref_s = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    assert (client.verify_mode, client.check_hostname) == (ref_c.verify_mode, ref_c.check_hostname)
    assert (server.verify_mode, server.check_hostname) == (ref_s.verify_mode, ref_s.check_hostname)
    assert client.protocol is ssl.PROTOCOL_TLS_CLIENT
    assert client.minimum_version == client.maximum_version == ssl.TLSVersion.TLSv1_2
    assert client.options == ref_c.options


def test_verify_mode_and_check_hostname_rules() -> None:
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    with pytest.raises(ValueError, match="check_hostname is enabled"):
        ctx.verify_mode = tls.CERT_NONE
    ctx.check_hostname = False
    ctx.verify_mode = tls.CERT_NONE
    ctx.check_hostname = True  # turns verification back on, as ssl does
    assert ctx.verify_mode == tls.CERT_REQUIRED
    with pytest.raises(ValueError, match="invalid value"):
        ctx.verify_mode = 7


def test_tls12_only() -> None:
    with pytest.raises(ValueError, match=r"only TLS 1\.2"):
        tls.SSLContext(ssl.PROTOCOL_TLSv1)
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
    for bad in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1):
        with pytest.raises(ValueError, match=r"tls12 speaks only TLS 1\.2"):
            ctx.maximum_version = bad
        with pytest.raises(ValueError, match=r"tls12 speaks only TLS 1\.2"):
            ctx.minimum_version = bad
    ctx.options |= ssl.OP_NO_TLSv1_3 | ssl.OP_NO_TICKET
    with pytest.raises(ValueError, match="OP_NO_TLSv1_2"):
        ctx.options |= ssl.OP_NO_TLSv1_2
    with pytest.raises(ssl.SSLError, match=r"TLS 1\.3 only"):
        compat.TLSObject.verify_client_post_handshake(None)  # type: ignore[arg-type]


def test_load_cert_chain_password_forms_and_errors(pki: PKI, tmp_path: Path) -> None:
    encrypted = tmp_path / "enc.key"
    encrypted.write_bytes(
        pki.server_ecdsa.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"s3cret"),
        )
    )
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    for password in ("s3cret", b"s3cret", bytearray(b"s3cret"), lambda: "s3cret"):
        ctx.load_cert_chain(pki.server_ecdsa.chain_path, encrypted, password)
    with pytest.raises(ssl.SSLError, match="wrong password"):
        ctx.load_cert_chain(pki.server_ecdsa.chain_path, encrypted, "nope")
    with pytest.raises(ssl.SSLError, match="KEY_VALUES_MISMATCH"):
        ctx.load_cert_chain(pki.server_ecdsa.chain_path, pki.server_rsa.key_path)
    with pytest.raises(FileNotFoundError):
        ctx.load_cert_chain(tmp_path / "missing.pem")
    with pytest.raises(TypeError):
        ctx.load_cert_chain(pki.server_ecdsa.chain_path, encrypted, 42)


def test_load_verify_locations_cafile_capath_cadata(pki: PKI, tmp_path: Path) -> None:
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    with pytest.raises(TypeError):
        ctx.load_verify_locations()
    ctx.load_verify_locations(cadata=pki.ca_path.read_text())
    ctx.load_verify_locations(
        cadata=pki.ca.public_bytes(serialization.Encoding.DER)
        + pki.other_ca.public_bytes(serialization.Encoding.DER)
    )
    capath = tmp_path / "capath"
    capath.mkdir()
    shutil.copy(pki.intermediate_path, capath / "inter.pem")
    ctx.load_verify_locations(capath=capath)
    names = {dict(x[0] for x in c["subject"])["commonName"] for c in ctx.get_ca_certs()}
    assert names == {"tls12 demo CA", "tls12 test other CA", "tls12 test intermediate CA"}
    assert ctx.get_ca_certs(binary_form=True)[0] == pki.ca.public_bytes(serialization.Encoding.DER)
    assert ctx.cert_store_stats()["x509_ca"] == 4  # the demo CA twice, as OpenSSL would count
    with pytest.raises(FileNotFoundError):
        ctx.load_verify_locations(tmp_path / "none.pem")
    with pytest.raises(ssl.SSLError):
        ctx.load_verify_locations(cadata=b"\x30\x82\x01")


def test_set_ciphers_names_and_expressions() -> None:
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    ctx.set_ciphers("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:ECDHE-RSA-AES128-GCM-SHA256")
    assert [c["name"] for c in ctx.get_ciphers()] == [
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES128-GCM-SHA256",
    ]
    ctx.set_ciphers("ECDHE+CHACHA20")  # an OpenSSL expression, expanded by OpenSSL's parser
    assert {c["name"] for c in ctx.get_ciphers()} == {
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
    }
    assert ctx.get_ciphers()[0]["protocol"] == "TLSv1.2" and ctx.get_ciphers()[0]["aead"]
    with pytest.raises(ssl.SSLError, match="No cipher can be selected"):
        ctx.set_ciphers("aNULL")


def test_alpn_sni_and_side_checks(pki: PKI) -> None:
    client = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    with pytest.raises(ssl.SSLError, match="1 to 255"):
        client.set_alpn_protocols([""])
    with pytest.raises(ValueError, match="TLS_CLIENT"):
        client.sni_callback = lambda *a: None
    server = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    with pytest.raises(TypeError):
        server.sni_callback = 3  # type: ignore[assignment]
    with pytest.raises(ValueError, match="check_hostname requires server_hostname"):
        client.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO())
    with pytest.raises(ValueError, match="PROTOCOL_TLS_CLIENT"):
        client.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True)
    with pytest.raises(ssl.SSLError, match="load_cert_chain"):
        server.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True)
    server.load_cert_chain(pki.server_rsa.chain_path, pki.server_rsa.key_path)
    server.verify_mode = tls.CERT_REQUIRED
    with pytest.raises(ssl.SSLError, match="load_verify_locations"):
        server.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True)


def test_create_default_context_and_keylog(
    pki: PKI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / "keys.log"))
    ctx = tls.create_default_context(cafile=pki.ca_path)
    assert isinstance(ctx, tls.SSLContext) and ctx.check_hostname
    assert ctx.keylog_filename == str(tmp_path / "keys.log")
    assert (tmp_path / "keys.log").read_text().startswith("# TLS secrets log file")
    server = tls.create_default_context(tls.Purpose.CLIENT_AUTH)
    assert server.protocol is ssl.PROTOCOL_TLS_SERVER and server.verify_mode == tls.CERT_NONE
    with pytest.raises(OSError):
        ctx.keylog_filename = str(tmp_path / "no" / "such" / "dir")
