"""Interop with a real OpenSSL (issue 3 §8): our client against ``openssl s_server -tls1_2`` and
``openssl s_client -tls1_2`` against our server, on loopback ports, in both roles.

Every check has an independent witness: what OpenSSL itself reports about the connection (the
``s_server -www`` status page, s_client's session summary, both of which print the master key, so
our key schedule is compared byte for byte), plus an application-data round trip each time.

Each direction covers every suite tls12 implements, each ECDHE group and the FFDHE groups, the
signature schemes, client auth none / optional / required with RSA and ECDSA client certificates,
and the negative cases: untrusted / missing / unlisted client certificates at our server, and
expired / wrong-host / unknown-CA / self-signed server certificates at our client, and a
transport closed without close_notify (truncation).

openssl 3.0 is the reference; it is a process started per configuration (module-scoped where one
s_server can serve many tests). Without openssl the module is skipped, except under CI=true,
where it fails (fixture ``openssl_bin`` in conftest.py).
"""

from __future__ import annotations

import contextlib
import queue
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openssl_peer import SClientResult, SServer, run_s_client, www_page_facts
from pki_fixtures import PKI, Identity

from records.record import HEADER_SIZE, parse_header
from records.registry import AlertDescription, ContentType, NamedGroup, SignatureScheme
from tls.config import ClientConfig, ServerConfig
from tls.errors import CertificateError, TLSRemoteAlert, TruncationError
from tls.handshake.common import ConnectionInfo
from tls.sockets import TLSServer, TLSSocket, connect
from tls.suites import SUITES, Auth, KeyExchange, SuiteInfo

pytestmark = pytest.mark.interop

A = AlertDescription
G = NamedGroup
S = SignatureScheme

GET = b"GET / HTTP/1.0\r\n\r\n"
PING = b"hello from s_client\n"

#: OpenSSL's spelling of each group, as printed by s_server ("Shared groups: ...") and accepted
#: by -groups; and s_client's "Server Temp Key" line for it (openssl 3.0 apps/lib/s_cb.c
#: ssl_print_tmp_key: "<name>, <bits> bits", with "ECDH, <curve>" for the NIST curves).
GROUPS: dict[NamedGroup, tuple[str, str]] = {
    G.x25519: ("x25519", "X25519, 253 bits"),
    G.secp256r1: ("secp256r1", "ECDH, prime256v1, 256 bits"),
    G.secp384r1: ("secp384r1", "ECDH, secp384r1, 384 bits"),
    G.secp521r1: ("secp521r1", "ECDH, secp521r1, 521 bits"),
    G.x448: ("x448", "X448, 448 bits"),
}
FFDHE_BITS = {G.ffdhe2048: 2048, G.ffdhe3072: 3072, G.ffdhe4096: 4096}

#: s_client's "Peer signature type" / "Peer signing digest" for a scheme (apps/lib/s_cb.c).
SCHEME_REPORT: dict[int, tuple[str, str]] = {
    S.rsa_pkcs1_sha256: ("RSA", "SHA256"),
    S.rsa_pkcs1_sha384: ("RSA", "SHA384"),
    S.rsa_pkcs1_sha512: ("RSA", "SHA512"),
    S.rsa_pss_rsae_sha256: ("RSA-PSS", "SHA256"),
    S.rsa_pss_rsae_sha384: ("RSA-PSS", "SHA384"),
    S.rsa_pss_rsae_sha512: ("RSA-PSS", "SHA512"),
    S.ecdsa_secp256r1_sha256: ("ECDSA", "SHA256"),
    S.ecdsa_secp384r1_sha384: ("ECDSA", "SHA384"),
    S.ecdsa_secp521r1_sha512: ("ECDSA", "SHA512"),
}

CBC_SUITES = [s for s in SUITES if not s.is_aead]


def suite_id(suite: SuiteInfo) -> str:
    return suite.openssl_name


# =====================================================================================
# Our client → openssl s_server
# =====================================================================================


def start_s_server(request: pytest.FixtureRequest, openssl: Path, args: list[Any]) -> SServer:
    server = SServer.start(openssl, args)
    request.addfinalizer(server.stop)
    return server


def server_cert_args(pki: PKI) -> list[Any]:
    """RSA certificate plus the ECDSA one as s_server's second (-dcert) identity."""
    return [
        "-cert",
        pki.server_rsa.chain_path,
        "-key",
        pki.server_rsa.key_path,
        "-dcert",
        pki.server_ecdsa.chain_path,
        "-dkey",
        pki.server_ecdsa.key_path,
    ]


def client_config(pki: PKI, **kw: Any) -> ClientConfig:
    kw.setdefault("cafile", pki.ca_path)
    return ClientConfig.create(**kw)


def read_to_close(tls: TLSSocket) -> bytes:
    """Everything until the peer's close_notify (recv returns b"")."""
    out = bytearray()
    while chunk := tls.recv():
        out += chunk
    return bytes(out)


def fetch_page(port: int, config: ClientConfig) -> tuple[ConnectionInfo, str]:
    """GET / from an ``s_server -www``; return our view of the connection and the page."""
    with connect("127.0.0.1", port, config, timeout=30) as tls:
        tls.sendall(GET)
        page = read_to_close(tls)
        info = tls.info
    text = page.decode("utf-8", "replace")
    assert text.startswith("HTTP/1.0 200 ok"), text[:200]
    return info, text


def check_page(info: ConnectionInfo, page: str) -> dict[str, str]:
    """What both sides must agree on, whatever was negotiated."""
    facts = www_page_facts(page)
    assert info.suite is not None
    assert facts["cipher"] == info.suite.openssl_name
    assert bytes.fromhex(facts["master_key"]) == info.master_secret
    assert facts["ems"] == "yes" and info.extended_master_secret
    return facts


@pytest.fixture(scope="module")
def www_server(request: pytest.FixtureRequest, openssl_bin: Path, pki: PKI) -> SServer:
    """One s_server -www (RSA + ECDSA certificates, openssl's default suites and groups)."""
    return start_s_server(request, openssl_bin, ["-www", *server_cert_args(pki)])


@pytest.mark.parametrize("suite", SUITES, ids=suite_id)
def test_client_every_suite(www_server: SServer, pki: PKI, suite: SuiteInfo) -> None:
    info, page = fetch_page(www_server.port, client_config(pki, ciphers=[suite]))
    assert info.suite is suite
    check_page(info, page)
    # RFC 7366: openssl offers and accepts encrypt_then_mac; it applies to CBC suites only.
    assert info.encrypt_then_mac is (not suite.is_aead)
    if suite.kex is KeyExchange.DHE:
        # openssl 3.0's automatic DH parameters (ssl/t1_lib.c ssl_get_auto_dh) for a 2048-bit
        # RSA key are RFC 3526 MODP group 14, not an RFC 7919 group: no named group to report.
        # (test_client_dhe_rfc7919_parameters gives s_server the RFC 7919 groups.)
        assert info.group is None
    if suite.kex is KeyExchange.RSA:
        assert info.server_signature_scheme is None
    else:
        assert info.server_signature_scheme is not None


@pytest.mark.parametrize("group", list(FFDHE_BITS), ids=lambda g: g.name)
def test_client_dhe_rfc7919_parameters(
    request: pytest.FixtureRequest, openssl_bin: Path, pki: PKI, tmp_path: Path, group: NamedGroup
) -> None:
    """s_server -dhparam with an RFC 7919 group (written by openssl genpkey): we recognise it."""
    pem = tmp_path / f"{group.name}.pem"
    subprocess.run(
        [
            openssl_bin,
            "genpkey",
            "-genparam",
            "-algorithm",
            "DH",
            "-pkeyopt",
            f"group:{group.name}",
            "-out",
            pem,
        ],
        check=True,
        capture_output=True,
    )
    server = start_s_server(request, openssl_bin, ["-www", "-dhparam", pem, *server_cert_args(pki)])
    info, page = fetch_page(server.port, client_config(pki, ciphers="DHE-RSA-CHACHA20-POLY1305"))
    check_page(info, page)
    assert info.group == group


@pytest.mark.parametrize("suite", CBC_SUITES[:2] + CBC_SUITES[-2:], ids=suite_id)
def test_client_cbc_without_encrypt_then_mac(
    request: pytest.FixtureRequest, openssl_bin: Path, pki: PKI, suite: SuiteInfo
) -> None:
    """s_server -no_etm: MAC-then-encrypt records, RFC 5246 §6.2.3.2."""
    server = start_s_server(request, openssl_bin, ["-www", "-no_etm", *server_cert_args(pki)])
    info, page = fetch_page(server.port, client_config(pki, ciphers=[suite]))
    check_page(info, page)
    assert info.suite is suite
    assert info.encrypt_then_mac is False


@pytest.mark.parametrize("group", list(GROUPS), ids=lambda g: g.name)
def test_client_group_we_offer(www_server: SServer, pki: PKI, group: NamedGroup) -> None:
    info, page = fetch_page(www_server.port, client_config(pki, groups=[group]))
    facts = check_page(info, page)
    assert info.group == group
    assert facts["shared_groups"] == GROUPS[group][0]


@pytest.mark.parametrize("group", list(GROUPS), ids=lambda g: g.name)
def test_client_group_server_insists_on(
    request: pytest.FixtureRequest, openssl_bin: Path, pki: PKI, group: NamedGroup
) -> None:
    name = GROUPS[group][0]
    flag = "-curves" if group is G.secp384r1 else "-groups"  # both spellings of the option
    server = start_s_server(request, openssl_bin, ["-www", flag, name, *server_cert_args(pki)])
    info, page = fetch_page(server.port, client_config(pki))
    check_page(info, page)
    assert info.group == group


SERVER_SIGALGS = [
    ("ECDHE-RSA-AES128-GCM-SHA256", "RSA-PSS+SHA256", S.rsa_pss_rsae_sha256),
    ("ECDHE-RSA-AES128-GCM-SHA256", "RSA-PSS+SHA512", S.rsa_pss_rsae_sha512),
    ("ECDHE-RSA-AES128-GCM-SHA256", "RSA+SHA256", S.rsa_pkcs1_sha256),
    ("DHE-RSA-AES256-GCM-SHA384", "RSA+SHA384", S.rsa_pkcs1_sha384),
    ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDSA+SHA256", S.ecdsa_secp256r1_sha256),
    # TLS 1.2 does not bind the hash to the curve: a P-256 key signing with SHA-384.
    ("ECDHE-ECDSA-AES256-GCM-SHA384", "ECDSA+SHA384", S.ecdsa_secp384r1_sha384),
]


@pytest.mark.parametrize(
    ("cipher", "sigalg", "scheme"), SERVER_SIGALGS, ids=[f"{c}-{a}" for c, a, _ in SERVER_SIGALGS]
)
def test_client_server_signature_we_ask_for(
    www_server: SServer, pki: PKI, cipher: str, sigalg: str, scheme: int
) -> None:
    """Our signature_algorithms lists one scheme; s_server must sign ServerKeyExchange with it."""
    info, page = fetch_page(www_server.port, client_config(pki, ciphers=cipher, sigalgs=sigalg))
    facts = check_page(info, page)
    assert info.server_signature_scheme == scheme
    assert facts["shared_sigalgs"] == sigalg


@pytest.mark.parametrize(
    ("cipher", "sigalg", "scheme"),
    SERVER_SIGALGS[:3] + SERVER_SIGALGS[4:5],
    ids=[f"{c}-{a}" for c, a, _ in SERVER_SIGALGS[:3] + SERVER_SIGALGS[4:5]],
)
def test_client_server_signature_server_insists_on(
    request: pytest.FixtureRequest,
    openssl_bin: Path,
    pki: PKI,
    cipher: str,
    sigalg: str,
    scheme: int,
) -> None:
    """s_server -sigalgs: the server's own list limits what it signs with; we offer them all."""
    server = start_s_server(
        request, openssl_bin, ["-www", "-sigalgs", sigalg, *server_cert_args(pki)]
    )
    info, page = fetch_page(server.port, client_config(pki, ciphers=cipher))
    check_page(info, page)
    assert info.server_signature_scheme == scheme


@pytest.mark.parametrize("cipher", ["ECDHE-ECDSA-CHACHA20-POLY1305", "AES256-SHA256"])
def test_client_rev_echo_several_records(
    request: pytest.FixtureRequest, openssl_bin: Path, pki: PKI, cipher: str
) -> None:
    """s_server -rev answers each line reversed: a round trip of several full records."""
    server = start_s_server(request, openssl_bin, ["-rev", *server_cert_args(pki)])
    lines = [b"line %04d: " % n + b"abcdefghij" * 10 for n in range(300)]  # 36 kB, 3 records
    payload = b"".join(x + b"\n" for x in lines)
    expected = b"".join(x[::-1] + b"\n" for x in lines)  # apps/s_server.c rev_body, per line
    with connect("127.0.0.1", server.port, client_config(pki, ciphers=cipher), timeout=30) as tls:
        assert tls.info.suite is not None and tls.info.suite.openssl_name == cipher
        tls.sendall(payload)
        got = b""
        while len(got) < len(expected):
            chunk = tls.recv()
            assert chunk, f"closed after {len(got)} bytes"
            got += chunk
    assert got == expected


# ------------------------------------------------------------------ client authentication

CLIENT_AUTH_FLAGS = {"none": [], "optional": ["-verify", "1"], "required": ["-Verify", "1"]}


@pytest.fixture(scope="module", params=list(CLIENT_AUTH_FLAGS))
def auth_server(request: pytest.FixtureRequest, openssl_bin: Path, pki: PKI) -> tuple[str, SServer]:
    mode = request.param
    args = ["-www", *CLIENT_AUTH_FLAGS[mode], "-CAfile", pki.ca_path, *server_cert_args(pki)]
    return mode, start_s_server(request, openssl_bin, args)


@pytest.mark.parametrize("cert", [None, "client_rsa", "client_ecdsa"])
@pytest.mark.parametrize("cipher", ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305"])
def test_client_auth_modes(
    auth_server: tuple[str, SServer], pki: PKI, cert: str | None, cipher: str
) -> None:
    mode, server = auth_server
    ident: Identity | None = getattr(pki, cert) if cert else None
    kw: dict[str, Any] = {"ciphers": cipher}
    if ident is not None:
        kw.update(certfile=ident.chain_path, keyfile=ident.key_path)
    config = client_config(pki, **kw)
    if mode == "required" and ident is None:
        mark = server.mark()
        with pytest.raises(TLSRemoteAlert) as err:
            fetch_page(server.port, config)
        # openssl 3.0, TLS 1.2: SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE with a handshake_failure
        # alert (certificate_required is TLS 1.3 only).
        assert err.value.description == A.handshake_failure
        server.wait_for("peer did not return a certificate", since=mark)
        return
    info, page = fetch_page(server.port, config)
    facts = check_page(info, page)
    if mode == "none" or ident is None:
        assert not info.client_certificate_sent
        assert info.client_signature_scheme is None
        assert facts["client_certificate"] == ""
    else:
        assert info.client_certificate_sent
        assert info.client_signature_scheme is not None
        subject = ident.cert.subject.rfc4514_string()  # "CN=...,O=tls12 demo"
        cn = subject.split(",")[0].removeprefix("CN=")
        assert cn in facts["client_certificate"], facts


CLIENT_SIGALGS = [
    ("client_rsa", "RSA-PSS+SHA384", S.rsa_pss_rsae_sha384),
    ("client_rsa", "RSA+SHA512", S.rsa_pkcs1_sha512),
    ("client_ecdsa", "ECDSA+SHA256", S.ecdsa_secp256r1_sha256),
    ("client_ecdsa", "ECDSA+SHA512", S.ecdsa_secp521r1_sha512),
]


@pytest.mark.parametrize(
    ("cert", "sigalg", "scheme"), CLIENT_SIGALGS, ids=[f"{c}-{a}" for c, a, _ in CLIENT_SIGALGS]
)
def test_client_certificate_verify_scheme_server_asks_for(
    request: pytest.FixtureRequest,
    openssl_bin: Path,
    pki: PKI,
    cert: str,
    sigalg: str,
    scheme: int,
) -> None:
    """s_server -client_sigalgs: CertificateRequest lists one scheme; our CertificateVerify uses
    it and openssl verifies it (else the handshake fails)."""
    ident: Identity = getattr(pki, cert)
    server = start_s_server(
        request,
        openssl_bin,
        [
            "-www",
            "-Verify",
            "1",
            "-CAfile",
            pki.ca_path,
            "-client_sigalgs",
            sigalg,
            *server_cert_args(pki),
        ],
    )
    config = client_config(pki, certfile=ident.chain_path, keyfile=ident.key_path)
    info, page = fetch_page(server.port, config)
    facts = check_page(info, page)
    assert info.client_signature_scheme == scheme
    assert facts["client_certificate"]


def test_client_server_chain_with_intermediate(
    request: pytest.FixtureRequest, openssl_bin: Path, pki: PKI
) -> None:
    """s_server sends leaf + intermediate; we build the path to the root in ca.pem."""
    ident = pki.server_intermediate
    server = start_s_server(
        request,
        openssl_bin,
        [
            "-www",
            "-cert",
            ident.cert_path,
            "-key",
            ident.key_path,
            "-cert_chain",
            pki.intermediate_path,
        ],
    )
    info, page = fetch_page(server.port, client_config(pki))
    check_page(info, page)
    assert [c.subject for c in info.peer_certificates] == [c.subject for c in ident.chain]


# ------------------------------------------------------------------ server certificate refused

BAD_SERVERS = [
    ("server_expired", A.certificate_expired, "expired at", "sslv3 alert certificate expired"),
    (
        "server_wrong_host",
        A.bad_certificate,
        "host name 'localhost' not in subjectAltName",
        "sslv3 alert bad certificate",
    ),
    ("server_unknown_ca", A.unknown_ca, "no path to a trusted CA", "tlsv1 alert unknown ca"),
    (
        "server_selfsigned",
        A.unknown_ca,
        "self-signed certificate is not trusted",
        "tlsv1 alert unknown ca",
    ),
]


@pytest.mark.parametrize(
    ("cert", "alert", "message", "openssl_says"), BAD_SERVERS, ids=[b[0] for b in BAD_SERVERS]
)
def test_client_refuses_bad_server_certificate(
    request: pytest.FixtureRequest,
    openssl_bin: Path,
    pki: PKI,
    cert: str,
    alert: int,
    message: str,
    openssl_says: str,
) -> None:
    ident: Identity = getattr(pki, cert)
    server = start_s_server(
        request, openssl_bin, ["-www", "-cert", ident.chain_path, "-key", ident.key_path]
    )
    with pytest.raises(CertificateError) as err:
        fetch_page(server.port, client_config(pki, server_name="localhost"))
    assert err.value.description == alert
    assert message in str(err.value)
    assert "server certificate" in str(err.value)
    # The alert reached openssl, which names it in its error output.
    server.wait_for(openssl_says)


def test_client_accepts_self_signed_server_only_when_pinned(
    request: pytest.FixtureRequest, openssl_bin: Path, pki: PKI
) -> None:
    ident = pki.server_selfsigned
    server = start_s_server(
        request, openssl_bin, ["-www", "-cert", ident.chain_path, "-key", ident.key_path]
    )
    pinned = ClientConfig.create(pinned=[ident.fingerprint])
    info, page = fetch_page(server.port, pinned)
    check_page(info, page)
    assert info.peer_certificates[0] == ident.cert
    # A pin on another certificate does not help.
    other = ClientConfig.create(pinned=[pki.server_rsa.fingerprint])
    with pytest.raises(CertificateError) as err:
        fetch_page(server.port, other)
    assert err.value.description == A.unknown_ca
    assert "not pinned" in str(err.value)


# ------------------------------------------------------------------ truncation


@pytest.fixture
def plain_server(request: pytest.FixtureRequest, openssl_bin: Path, pki: PKI) -> SServer:
    """s_server without -www: it sends what it reads on stdin to the connected client."""
    return start_s_server(request, openssl_bin, server_cert_args(pki))


def test_client_reports_truncation_when_s_server_is_killed(plain_server: SServer, pki: PKI) -> None:
    tls = connect("127.0.0.1", plain_server.port, client_config(pki), timeout=30)
    try:
        plain_server.send_stdin(b"first line\n")
        got = b""
        while got != b"first line\n":
            chunk = tls.recv()
            assert chunk, f"clean close before the data arrived: {got!r}"
            got += chunk
        plain_server.kill()  # no close_notify: the kernel closes the socket
        with pytest.raises(TruncationError):
            tls.recv()
        with pytest.raises(TruncationError):  # the error state sticks
            tls.recv()
    finally:
        tls.sock.close()


class CuttingProxy:
    """TCP proxy to an s_server that closes the client's connection right after forwarding the
    first server→client application-data record: data, then EOF without close_notify."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        client, _ = self.listener.accept()
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        threading.Thread(target=self._copy, args=(client, upstream), daemon=True).start()
        buf = b""
        try:
            while True:
                data = upstream.recv(65536)
                if not data:
                    break
                buf += data
                while len(buf) >= HEADER_SIZE:
                    header = parse_header(buf)
                    end = HEADER_SIZE + header.length
                    if len(buf) < end:
                        break
                    client.sendall(buf[:end])
                    buf = buf[end:]
                    if header.content_type == ContentType.application_data:
                        self.cut.set()
                        return
        finally:
            # shutdown first: the FIN goes out now, even with the other thread blocked in recv.
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    @staticmethod
    def _copy(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()


def test_client_delivers_data_then_reports_truncation_on_raw_close(
    plain_server: SServer, pki: PKI
) -> None:
    proxy = CuttingProxy(plain_server.port)
    try:
        tls = connect(
            "127.0.0.1", proxy.port, client_config(pki, server_name="localhost"), timeout=30
        )
        plain_server.send_stdin(b"the last words\n")
        got = b""
        with pytest.raises(TruncationError):
            while True:
                chunk = tls.recv()
                assert chunk, "recv returned b'' (clean close) without a close_notify"
                got += chunk
        assert got == b"the last words\n"
        assert proxy.cut.is_set()
        tls.sock.close()
    finally:
        proxy.close()


# =====================================================================================
# openssl s_client → our server
# =====================================================================================


class OurServer:
    """tls.sockets.TLSServer in a thread, echoing one line per connection prefixed "echo: ",
    recording each connection's ConnectionInfo and each error."""

    def __init__(self, config: ServerConfig) -> None:
        self.infos: queue.Queue[ConnectionInfo] = queue.Queue()
        self.errors: queue.Queue[BaseException] = queue.Queue()
        self.server = TLSServer(
            ("127.0.0.1", 0), config, self._handle, on_error=lambda _peer, exc: self.errors.put(exc)
        )
        self.port = self.server.address[1]
        self.server.start()

    def _handle(self, tls: TLSSocket) -> None:
        self.infos.put(tls.info)
        line = b""
        while b"\n" not in line:
            chunk = tls.recv()
            if not chunk:
                break
            line += chunk
        tls.sendall(b"echo: " + line)

    def info(self) -> ConnectionInfo:
        return self.infos.get(timeout=30)

    def error(self) -> BaseException:
        return self.errors.get(timeout=30)

    def assert_no_error(self) -> None:
        assert self.errors.empty(), self.errors.get_nowait()


ServerFactory = Callable[..., OurServer]


@pytest.fixture
def our_server(request: pytest.FixtureRequest, pki: PKI) -> ServerFactory:
    """Factory: ``our_server(verify=..., ciphers=...)`` → a running OurServer (RSA and ECDSA
    certificates, every suite unless told), shut down after the test."""

    def make(**kw: Any) -> OurServer:
        kw.setdefault("certfile", [pki.server_rsa.chain_path, pki.server_ecdsa.chain_path])
        kw.setdefault("keyfile", [pki.server_rsa.key_path, pki.server_ecdsa.key_path])
        kw.setdefault("ciphers", "ALL")
        if kw.get("verify", "none") != "none" and "allow_clients" not in kw:
            kw.setdefault("cafile", pki.ca_path)
        server = OurServer(ServerConfig.create(**kw))
        request.addfinalizer(server.server.shutdown)
        return server

    return make


@pytest.fixture(scope="module")
def shared_server(pki: PKI) -> Iterator[OurServer]:
    """One server with every suite, for the tests that only vary what s_client asks for."""
    server = OurServer(
        ServerConfig.create(
            certfile=[pki.server_rsa.chain_path, pki.server_ecdsa.chain_path],
            keyfile=[pki.server_rsa.key_path, pki.server_ecdsa.key_path],
            ciphers="ALL",
            groups="X25519:P-256:P-384:P-521:X448:ffdhe2048:ffdhe3072:ffdhe4096",
        )
    )
    yield server
    server.server.shutdown()


def s_client(
    openssl: Path, server: OurServer, pki: PKI, *args: Any, stdin: bytes = PING
) -> SClientResult:
    """s_client with our CA, host name check and hard failure on verification errors."""
    return run_s_client(
        openssl,
        server.port,
        [
            "-CAfile",
            pki.ca_path,
            "-verify_hostname",
            "localhost",
            "-verify_return_error",
            "-servername",
            "localhost",
            "-tlsextdebug",
            *args,
        ],
        stdin,
    )


def check_s_client(result: SClientResult, info: ConnectionInfo) -> None:
    """What s_client reports must match what our server negotiated, and the echo came back."""
    assert result.returncode == 0, result.describe()
    assert info.suite is not None
    assert result.cipher == info.suite.openssl_name, result.describe()
    assert result.protocol == "TLSv1.2"
    assert result.verify_code == "0 (ok)", result.describe()
    assert result.master_key == info.master_secret
    assert result.extended_master_secret and info.extended_master_secret
    assert "echo: " + PING.decode() in result.stdout, result.describe()
    # Encrypt-then-MAC (RFC 7366) is agreed exactly for CBC suites when the client offers it.
    assert ("encrypt-then-mac" in result.server_extensions) is info.encrypt_then_mac
    if info.server_signature_scheme is not None:
        sig_type, digest = SCHEME_REPORT[info.server_signature_scheme]
        assert (result.peer_signature_type, result.peer_signing_digest) == (sig_type, digest)


@pytest.mark.parametrize("suite", SUITES, ids=suite_id)
def test_server_every_suite(
    openssl_bin: Path, pki: PKI, shared_server: OurServer, suite: SuiteInfo
) -> None:
    result = s_client(openssl_bin, shared_server, pki, "-cipher", suite.openssl_name)
    info = shared_server.info()
    assert info.suite is suite
    check_s_client(result, info)
    assert info.encrypt_then_mac is (not suite.is_aead)
    temp_key = result.server_temp_key
    if suite.kex is KeyExchange.ECDHE:
        assert temp_key == GROUPS[G.x25519][1]  # openssl lists x25519 first
    elif suite.kex is KeyExchange.DHE:
        # openssl 3.0 sends no FFDHE groups in TLS 1.2: our server uses its first, ffdhe2048.
        assert temp_key == "DH, 2048 bits" and info.group == G.ffdhe2048
    else:
        assert temp_key is None and info.server_signature_scheme is None
    expected_auth = ("ECDSA",) if suite.auth is Auth.ECDSA else ("RSA", "RSA-PSS")
    if suite.kex is not KeyExchange.RSA:
        assert result.peer_signature_type in expected_auth


@pytest.mark.parametrize("suite", [CBC_SUITES[0], CBC_SUITES[-1]], ids=suite_id)
def test_server_cbc_without_encrypt_then_mac(
    openssl_bin: Path, pki: PKI, shared_server: OurServer, suite: SuiteInfo
) -> None:
    result = s_client(openssl_bin, shared_server, pki, "-cipher", suite.openssl_name, "-no_etm")
    info = shared_server.info()
    check_s_client(result, info)
    assert info.encrypt_then_mac is False


@pytest.mark.parametrize("group", list(GROUPS), ids=lambda g: g.name)
def test_server_group_s_client_asks_for(
    openssl_bin: Path, pki: PKI, shared_server: OurServer, group: NamedGroup
) -> None:
    result = s_client(openssl_bin, shared_server, pki, "-groups", GROUPS[group][0])
    info = shared_server.info()
    check_s_client(result, info)
    assert info.group == group
    assert result.server_temp_key == GROUPS[group][1]


@pytest.mark.parametrize("group", list(FFDHE_BITS), ids=lambda g: g.name)
def test_server_ffdhe_group_we_insist_on(
    openssl_bin: Path, pki: PKI, our_server: ServerFactory, group: NamedGroup
) -> None:
    """Our server's DHE group (RFC 7919) as s_client sees it. The other way round, s_client
    naming an FFDHE group, cannot be tested with openssl 3.0: with -tls1_2 it leaves FFDHE
    groups out of supported_groups (they are TLS 1.3-only in its group table)."""
    server = our_server(groups=group.name, ciphers="DHE-RSA-AES256-GCM-SHA384")
    result = s_client(openssl_bin, server, pki)
    info = server.info()
    check_s_client(result, info)
    assert info.group == group
    assert result.server_temp_key == f"DH, {FFDHE_BITS[group]} bits"


@pytest.mark.parametrize("group", list(GROUPS), ids=lambda g: g.name)
def test_server_group_we_insist_on(
    openssl_bin: Path, pki: PKI, our_server: ServerFactory, group: NamedGroup
) -> None:
    server = our_server(groups=[group])
    result = s_client(openssl_bin, server, pki)
    info = server.info()
    check_s_client(result, info)
    assert result.server_temp_key == GROUPS[group][1]


S_CLIENT_SIGALGS = [
    ("ECDHE-RSA-AES128-GCM-SHA256", "RSA-PSS+SHA256", S.rsa_pss_rsae_sha256),
    ("ECDHE-RSA-AES256-GCM-SHA384", "RSA-PSS+SHA384", S.rsa_pss_rsae_sha384),
    ("DHE-RSA-CHACHA20-POLY1305", "RSA+SHA256", S.rsa_pkcs1_sha256),
    ("ECDHE-RSA-AES128-SHA", "RSA+SHA512", S.rsa_pkcs1_sha512),
    ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDSA+SHA256", S.ecdsa_secp256r1_sha256),
    ("ECDHE-ECDSA-CHACHA20-POLY1305", "ECDSA+SHA384", S.ecdsa_secp384r1_sha384),
]


@pytest.mark.parametrize(
    ("cipher", "sigalg", "scheme"),
    S_CLIENT_SIGALGS,
    ids=[f"{c}-{a}" for c, a, _ in S_CLIENT_SIGALGS],
)
def test_server_signature_s_client_asks_for(
    openssl_bin: Path, pki: PKI, shared_server: OurServer, cipher: str, sigalg: str, scheme: int
) -> None:
    result = s_client(openssl_bin, shared_server, pki, "-cipher", cipher, "-sigalgs", sigalg)
    info = shared_server.info()
    check_s_client(result, info)
    assert info.server_signature_scheme == scheme


def test_server_sends_chain_with_intermediate(
    openssl_bin: Path, pki: PKI, our_server: ServerFactory
) -> None:
    ident = pki.server_intermediate
    server = our_server(certfile=ident.chain_path, keyfile=ident.key_path)
    result = s_client(openssl_bin, server, pki, "-showcerts")
    check_s_client(result, server.info())
    assert "tls12 test intermediate CA" in result.stdout


# ------------------------------------------------------------------ client authentication


@pytest.mark.parametrize("cert", [None, "client_rsa", "client_ecdsa"])
@pytest.mark.parametrize("mode", ["none", "optional", "required"])
def test_server_client_auth_modes(
    openssl_bin: Path, pki: PKI, our_server: ServerFactory, mode: str, cert: str | None
) -> None:
    server = our_server(verify=mode)
    ident: Identity | None = getattr(pki, cert) if cert else None
    args: list[Any] = []
    if ident is not None:
        args = ["-cert", ident.chain_path, "-key", ident.key_path]
    result = s_client(openssl_bin, server, pki, *args)
    if mode == "required" and ident is None:
        error = server.error()
        assert isinstance(error, CertificateError)
        assert error.description == A.handshake_failure
        assert "no certificate" in str(error)
        assert result.returncode != 0
        assert "alert handshake failure" in result.output, result.describe()
        return
    info = server.info()
    check_s_client(result, info)
    server.assert_no_error()
    if mode == "none":
        assert "Acceptable client certificate CA names" not in result.output
        assert info.peer_certificates == [] and info.client_signature_scheme is None
        return
    # CertificateRequest names our client CA (RFC 5246 §7.4.4 certificate_authorities).
    assert "CN = tls12 demo CA" in (result.requested_client_ca_names or ""), result.describe()
    if ident is None:
        assert info.peer_certificates == []
    else:
        assert info.peer_certificates[0] == ident.cert
        assert info.client_signature_scheme is not None
        assert info.verified_chain[-1] == pki.ca


@pytest.mark.parametrize(
    ("cert", "sigalg", "scheme"), CLIENT_SIGALGS, ids=[f"{c}-{a}" for c, a, _ in CLIENT_SIGALGS]
)
def test_server_certificate_verify_scheme_we_ask_for(
    openssl_bin: Path, pki: PKI, our_server: ServerFactory, cert: str, sigalg: str, scheme: int
) -> None:
    """Our server's signature list (CertificateRequest) decides s_client's CertificateVerify."""
    ident: Identity = getattr(pki, cert)
    # The server's list also covers its own signature: add one scheme for the *other* key type,
    # which the server can sign with and the client's key cannot use.
    other = "ECDSA+SHA256" if cert == "client_rsa" else "RSA-PSS+SHA256"
    server = our_server(verify="required", sigalgs=f"{sigalg}:{other}")
    result = s_client(openssl_bin, server, pki, "-cert", ident.chain_path, "-key", ident.key_path)
    info = server.info()
    check_s_client(result, info)
    assert info.client_signature_scheme == scheme


# ------------------------------------------------------------------ client certificate refused


def test_server_refuses_untrusted_client_certificate(
    openssl_bin: Path, pki: PKI, our_server: ServerFactory
) -> None:
    server = our_server(verify="required")
    ident = pki.client_untrusted
    result = s_client(openssl_bin, server, pki, "-cert", ident.chain_path, "-key", ident.key_path)
    error = server.error()
    assert isinstance(error, CertificateError)
    assert error.description == A.unknown_ca
    assert "client certificate" in str(error) and "no path to a trusted CA" in str(error)
    assert result.returncode != 0
    assert "alert unknown ca" in result.output, result.describe()
    assert "echo:" not in result.stdout


def test_server_refuses_expired_client_certificate(
    openssl_bin: Path, pki: PKI, our_server: ServerFactory
) -> None:
    server = our_server(verify="optional")
    ident = pki.client_expired
    result = s_client(openssl_bin, server, pki, "-cert", ident.chain_path, "-key", ident.key_path)
    error = server.error()
    assert isinstance(error, CertificateError)
    assert error.description == A.certificate_expired
    assert "expired at" in str(error)
    assert "alert certificate expired" in result.output, result.describe()


def test_server_allow_list(openssl_bin: Path, pki: PKI, our_server: ServerFactory) -> None:
    """A listed self-signed client certificate is accepted with no CA; a CA-signed certificate
    that is not listed is refused even though its CA is trusted."""
    listed = pki.client_selfsigned
    server = our_server(verify="required", allow_clients=[listed.fingerprint])
    result = s_client(openssl_bin, server, pki, "-cert", listed.chain_path, "-key", listed.key_path)
    info = server.info()
    check_s_client(result, info)
    assert info.peer_certificates[0] == listed.cert

    server = our_server(verify="required", cafile=pki.ca_path, allow_clients=[listed.fingerprint])
    unlisted = pki.client_ecdsa
    result = s_client(
        openssl_bin, server, pki, "-cert", unlisted.chain_path, "-key", unlisted.key_path
    )
    error = server.error()
    assert isinstance(error, CertificateError)
    assert error.description == A.access_denied
    assert "not on the allow-list" in str(error)
    assert "alert access denied" in result.output, result.describe()


def test_server_large_transfer_both_ways(
    openssl_bin: Path, pki: PKI, our_server: ServerFactory
) -> None:
    """Several full records each way (s_client reads stdin in 16 KiB chunks)."""
    server = our_server(ciphers="ECDHE-RSA-AES256-SHA384")
    payload = b"".join(b"%06d " % i for i in range(12000)) + b"\n"  # 84 kB, one line
    result = s_client(openssl_bin, server, pki, "-quiet", stdin=payload)
    server.info()
    assert result.returncode == 0, result.describe()
    assert ("echo: " + payload.decode()) in result.stdout
