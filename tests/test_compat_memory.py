"""tls.compat over ssl.MemoryBIO (what asyncio uses) and over socket pairs, against the stdlib's
real OpenSSL objects: every value compared here (tls-unique, key log, decoded certificates,
verify codes) has OpenSSL's answer on the other side or from ``ssl._ssl._test_decode_cert``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import weakref
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
from pki_fixtures import PKI

import tls
from tls.compat import decode_certificate

Obj = Any
FIRST_ERROR: weakref.WeakKeyDictionary[Any, ssl.SSLError] = weakref.WeakKeyDictionary()


def _pump(
    a: Obj,
    a_bios: tuple[ssl.MemoryBIO, ssl.MemoryBIO],
    b: Obj,
    b_bios: tuple[ssl.MemoryBIO, ssl.MemoryBIO],
) -> None:
    """Run both handshakes to completion (or an error), moving bytes between the BIOs."""
    for _ in range(20):
        for obj in (a, b):
            try:
                obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError as exc:
                FIRST_ERROR.setdefault(obj, exc)  # OpenSSL reports later calls differently
        moved = False
        for src, dst in ((a_bios[1], b_bios[0]), (b_bios[1], a_bios[0])):
            data = src.read()
            if data:
                dst.write(data)
                moved = True
        if not moved:
            return


def _pair(cctx: ssl.SSLContext, sctx: ssl.SSLContext, host: str | None = "localhost") -> Any:
    c_bios = (ssl.MemoryBIO(), ssl.MemoryBIO())
    s_bios = (ssl.MemoryBIO(), ssl.MemoryBIO())
    client = cctx.wrap_bio(*c_bios, server_hostname=host)
    server = sctx.wrap_bio(*s_bios, server_side=True)
    return client, c_bios, server, s_bios


def _handshake(cctx: ssl.SSLContext, sctx: ssl.SSLContext, host: str | None = "localhost") -> Any:
    client, c_bios, server, s_bios = _pair(cctx, sctx, host)
    _pump(client, c_bios, server, s_bios)
    return client, c_bios, server, s_bios


def _openssl_server(identity: Any, *, client_ca: Path | None = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(identity.chain_path, identity.key_path)
    if client_ca is not None:
        ctx.load_verify_locations(client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def _openssl_client(pki: PKI) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=pki.ca_path)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def _tls_server(pki: PKI, identity: Any = None, **kw: Any) -> tls.SSLContext:
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    identity = identity or pki.server_rsa
    ctx.load_cert_chain(identity.chain_path, identity.key_path)
    if kw.get("require_client"):
        ctx.load_verify_locations(pki.ca_path)
        ctx.verify_mode = tls.CERT_REQUIRED
    return ctx


# ----------------------------------------------------------------------------- against OpenSSL


@pytest.mark.parametrize("side", ["tls12-client", "tls12-server"])
def test_mutual_tls_against_openssl_in_memory(pki: PKI, side: str, tmp_path: Path) -> None:
    if side == "tls12-client":
        cctx: ssl.SSLContext = tls.create_default_context(cafile=pki.ca_path)
        cctx.load_cert_chain(pki.client_ecdsa.chain_path, pki.client_ecdsa.key_path)
        sctx: ssl.SSLContext = _openssl_server(pki.server_rsa, client_ca=pki.ca_path)
    else:
        cctx = _openssl_client(pki)
        cctx.load_cert_chain(pki.client_ecdsa.chain_path, pki.client_ecdsa.key_path)
        sctx = _tls_server(pki, require_client=True)
    cctx.set_alpn_protocols(["h2", "http/1.1"])
    sctx.set_alpn_protocols(["http/1.1"])
    cctx.keylog_filename = str(tmp_path / "client.keys")
    sctx.keylog_filename = str(tmp_path / "server.keys")
    client, c_bios, server, s_bios = _handshake(cctx, sctx)
    assert client.version() == server.version() == "TLSv1.2"
    assert client.cipher() == server.cipher()
    assert client.selected_alpn_protocol() == server.selected_alpn_protocol() == "http/1.1"
    # RFC 5929 tls-unique: OpenSSL's value on one side, tls12's on the other.
    cb = client.get_channel_binding("tls-unique")
    assert cb is not None and len(cb) == 12 and cb == server.get_channel_binding("tls-unique")
    # Key logs: one written by OpenSSL, one by tls12's keylog callback, same master secret.
    client_lines = [x for x in (tmp_path / "client.keys").read_text().splitlines() if x[:1] != "#"]
    server_lines = [x for x in (tmp_path / "server.keys").read_text().splitlines() if x[:1] != "#"]
    assert client_lines == server_lines and client_lines[0].startswith("CLIENT_RANDOM ")
    # Peer certificates as both stacks decode them.
    assert client.getpeercert() == ssl._ssl._test_decode_cert(str(pki.server_rsa.cert_path))
    assert server.getpeercert() == ssl._ssl._test_decode_cert(str(pki.client_ecdsa.cert_path))
    assert client.getpeercert(binary_form=True) == pki.server_rsa.der
    # Data both ways, then a clean close (unwrap) from the client.
    client.write(b"ping")
    s_bios[0].write(c_bios[1].read())
    assert server.read(100) == b"ping"
    server.write(b"pong" * 5000)
    c_bios[0].write(s_bios[1].read())
    assert client.pending() == 0 or client.pending() > 0
    got = b""
    while len(got) < 20000:
        got += client.read(65536)
    assert got == b"pong" * 5000
    with pytest.raises(ssl.SSLWantReadError):
        client.read(10)
    with pytest.raises(ssl.SSLWantReadError):
        client.unwrap()
    s_bios[0].write(c_bios[1].read())
    assert server.read(10) == b""  # close_notify
    server.unwrap()
    c_bios[0].write(s_bios[1].read())
    assert client.unwrap() is None


def test_shared_ciphers_and_cipher_names(pki: PKI) -> None:
    cctx = _openssl_client(pki)
    cctx.set_ciphers("ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256")
    sctx = _tls_server(pki)
    sctx.set_ciphers("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:ECDHE+AESGCM")
    client, _, server, _ = _handshake(cctx, sctx)
    assert server.cipher() == ("ECDHE-RSA-CHACHA20-POLY1305", "TLSv1.2", 256)
    shared = {name for name, _, _ in server.shared_ciphers()}
    assert shared == {"ECDHE-RSA-CHACHA20-POLY1305", "ECDHE-RSA-AES128-GCM-SHA256"}
    assert client.cipher() == server.cipher()


def test_sni_callback_switches_certificate_and_can_refuse(pki: PKI) -> None:
    rsa_ctx = _tls_server(pki, pki.server_rsa)
    ecdsa_ctx = _tls_server(pki, pki.server_ecdsa)
    names: list[Any] = []

    def pick(obj: Any, name: str | None, ctx: ssl.SSLContext) -> int | None:
        names.append((type(obj).__name__, name, ctx is rsa_ctx))
        if name == "refused.example":
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        if name == "localhost":
            obj.context = ecdsa_ctx
        return None

    rsa_ctx.sni_callback = pick
    client, _, server, _ = _handshake(_openssl_client(pki), rsa_ctx)
    assert names[0] == ("SSLObject", "localhost", True)
    assert client.getpeercert(True) == pki.server_ecdsa.der and server.context is ecdsa_ctx
    assert "ECDSA" in client.cipher()[0]
    refused = _openssl_client(pki)
    refused.check_hostname = False
    client, _, server, _ = _handshake(refused, rsa_ctx, host="refused.example")
    with pytest.raises(ssl.SSLError, match="UNRECOGNIZED_NAME"):
        server.do_handshake()
    assert "UNRECOGNIZED_NAME" in str(FIRST_ERROR[client])  # OpenSSL got the alert


CERT_FAILURES = [
    # identity, host, verify_code (OpenSSL X509_V_ERR_*), words of tls12's message
    ("server_expired", "localhost", 10, "expired at"),
    ("server_not_yet_valid", "localhost", 9, "not valid before"),
    ("server_unknown_ca", "localhost", 20, "no path to a trusted CA"),
    ("server_selfsigned", "localhost", 18, "self-signed"),
    ("server_wrong_host", "localhost", 62, "not in subjectAltName"),
    ("server_rsa", "127.0.0.9", 64, "not in subjectAltName"),
]


@pytest.mark.parametrize(("identity", "host", "code", "words"), CERT_FAILURES)
def test_certificate_failures_are_ssl_cert_verification_errors(
    pki: PKI, identity: str, host: str, code: int, words: str
) -> None:
    cctx = tls.create_default_context(cafile=pki.ca_path)
    sctx = _openssl_server(getattr(pki, identity))
    client, _, server, _ = _handshake(cctx, sctx, host=host)
    with pytest.raises(ssl.SSLCertVerificationError) as info:
        client.do_handshake()
    err = info.value
    assert err.verify_code == code and words in str(err)
    assert err.reason == "CERTIFICATE_VERIFY_FAILED" and err.args[0] == ssl.SSL_ERROR_SSL
    assert isinstance(err, ssl.CertificateError) and isinstance(err, OSError)
    assert "ALERT" in str(FIRST_ERROR[server])  # OpenSSL got tls12's fatal alert
    # The same error again on every later call, as ssl does.
    with pytest.raises(ssl.SSLCertVerificationError):
        client.read(10)


def test_check_hostname_off_still_verifies_the_chain(pki: PKI) -> None:
    cctx = tls.create_default_context(cafile=pki.ca_path)
    cctx.check_hostname = False
    client, _, _, _ = _handshake(cctx, _openssl_server(pki.server_wrong_host), host="localhost")
    assert client.version() == "TLSv1.2"
    client, _, _, _ = _handshake(cctx, _openssl_server(pki.server_unknown_ca), host=None)
    with pytest.raises(ssl.SSLCertVerificationError):
        client.do_handshake()
    cctx.verify_mode = tls.CERT_NONE
    client, _, _, _ = _handshake(cctx, _openssl_server(pki.server_unknown_ca), host=None)
    assert client.getpeercert() == {} and client.getpeercert(True) == pki.server_unknown_ca.der


def test_server_client_auth_failures(pki: PKI) -> None:
    sctx = _tls_server(pki, require_client=True)
    client, _, server, _ = _handshake(_openssl_client(pki), sctx)  # no client certificate
    with pytest.raises(ssl.SSLError) as info:
        server.do_handshake()
    assert info.value.reason == "PEER_DID_NOT_RETURN_A_CERTIFICATE"
    untrusted = _openssl_client(pki)
    untrusted.load_cert_chain(pki.client_untrusted.chain_path, pki.client_untrusted.key_path)
    client, _, server, _ = _handshake(untrusted, sctx)
    with pytest.raises(ssl.SSLCertVerificationError) as info2:
        server.do_handshake()
    assert info2.value.verify_code == 20
    assert "UNKNOWN_CA" in str(FIRST_ERROR[client])  # OpenSSL got tls12's alert
    sctx.verify_mode = tls.CERT_OPTIONAL
    client, _, server, _ = _handshake(_openssl_client(pki), sctx)
    assert server.version() == "TLSv1.2" and server.getpeercert() is None


def test_eof_without_close_notify_is_ssl_eof_error(pki: PKI) -> None:
    client, c_bios, _server, _s_bios = _handshake(
        tls.create_default_context(cafile=pki.ca_path), _openssl_server(pki.server_rsa)
    )
    c_bios[0].write_eof()
    with pytest.raises(ssl.SSLEOFError) as info:
        client.read(10)
    assert info.value.args[0] == ssl.SSL_ERROR_EOF


def test_getpeercert_before_handshake_and_channel_binding_errors(pki: PKI) -> None:
    client, *_ = _pair(tls.create_default_context(cafile=pki.ca_path), _tls_server(pki))
    with pytest.raises(ValueError, match="handshake not done yet"):
        client.getpeercert()
    assert client.get_channel_binding() is None and client.cipher() is None
    with pytest.raises(ValueError, match="not implemented"):
        client.get_channel_binding("tls-server-end-point")


def test_decode_certificate_matches_openssl(tmp_path: Path) -> None:
    """Every field ssl's getpeercert() shows, against CPython/OpenSSL's own decoder."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Noord-Holland"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tls12 ∆ test"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "compat"),
            x509.NameAttribute(NameOID.COMMON_NAME, "rich.example"),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, "ops@rich.example"),
            x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "example"),
        ]
    )
    san = x509.SubjectAlternativeName(
        [
            x509.DNSName("rich.example"),
            x509.DNSName("*.rich.example"),
            x509.IPAddress(ipaddress.ip_address("192.0.2.7")),
            x509.IPAddress(ipaddress.ip_address("2001:db8::1")),
            x509.RFC822Name("ops@rich.example"),
            x509.UniformResourceIdentifier("https://rich.example/id"),
        ]
    )
    aia = x509.AuthorityInformationAccess(
        [
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier("http://ocsp.rich.example"),
            ),
            x509.AccessDescription(
                AuthorityInformationAccessOID.CA_ISSUERS,
                x509.UniformResourceIdentifier("http://ca.rich.example/ca.crt"),
            ),
        ]
    )
    cdp = x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                [x509.UniformResourceIdentifier("http://crl.rich.example/1.crl")], None, None, None
            ),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x00ABCDEF)
        .not_valid_before(dt.datetime(2024, 3, 5, 1, 2, 3))
        .not_valid_after(dt.datetime(2034, 11, 25, 23, 59, 59))
        .add_extension(san, False)
        .add_extension(aia, False)
        .add_extension(cdp, False)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "rich.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    assert decode_certificate(cert) == ssl._ssl._test_decode_cert(str(path))


# ----------------------------------------------------------------------------- sockets


def _serve_once(sctx: ssl.SSLContext, listener: socket.socket, out: list[Any]) -> None:
    try:
        conn, _ = listener.accept()
        with conn:
            out.append(conn)
            f = conn.makefile("rwb")
            line = f.readline()
            f.write(line.upper())
            f.flush()
            out.append(conn.unwrap())
    except Exception as exc:
        out.append(exc)


def test_wrap_socket_accept_makefile_unwrap(pki: PKI) -> None:
    sctx = _tls_server(pki)
    plain = socket.create_server(("127.0.0.1", 0))
    listener = sctx.wrap_socket(plain, server_side=True)  # a listening SSL socket, as socketserver
    assert isinstance(listener, ssl.SSLSocket)
    out: list[Any] = []
    t = threading.Thread(target=_serve_once, args=(sctx, listener, out))
    t.start()
    cctx = tls.create_default_context(cafile=pki.ca_path)
    try:
        with socket.create_connection(listener.getsockname()[:2], timeout=10) as raw:
            s = cctx.wrap_socket(raw, server_hostname="localhost")
            assert s.version() == "TLSv1.2" and s.server_hostname == "localhost"
            s.sendall(b"hello makefile\n")
            assert s.recv(100) == b"HELLO MAKEFILE\n"
            assert s.recv(100) == b""  # the server's close_notify (unwrap)
            plain_again = s.unwrap()
            assert plain_again is s
    finally:
        t.join(10)
        listener.close()
    assert isinstance(out[0], tls.compat.SSLSocket), out
    assert out[0].tls12_connection is not None


def test_non_blocking_want_read_and_timeout(pki: PKI) -> None:
    a, b = socket.socketpair()
    sctx = _tls_server(pki)
    cctx = tls.create_default_context(cafile=pki.ca_path)
    with a, b:
        server = sctx.wrap_socket(b, server_side=True, do_handshake_on_connect=False)
        client = cctx.wrap_socket(a, server_hostname="localhost", do_handshake_on_connect=False)
        client.setblocking(False)
        server.setblocking(False)
        done = set()
        for _ in range(50):
            for name, s in (("c", client), ("s", server)):
                if name in done:
                    continue
                try:
                    s.do_handshake()
                    done.add(name)
                except ssl.SSLWantReadError:
                    pass
            if done == {"c", "s"}:
                break
        assert done == {"c", "s"}
        with pytest.raises(ssl.SSLWantReadError):
            client.recv(10)
        server.send(b"x")
        assert client.recv(10) == b"x"
        client.settimeout(0.05)
        with pytest.raises(TimeoutError):
            client.recv(10)
        client.close()
        server.close()
