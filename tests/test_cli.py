"""The ``tls12`` command line, run for real: ``python -m tls ...`` in subprocesses on loopback
ports, against itself and against OpenSSL (``openssl s_server`` / ``openssl s_client``, TLS 1.2).

Servers listen on port 0 and the tests read the port from the server's own announcement
(``listening on HOST:PORT`` from tls12, ``ACCEPT HOST:PORT`` from openssl), so nothing sleeps and
no port is guessed. Every child process is killed by a fixture finalizer.

The PKI is the session ``pki`` fixture (tests/conftest.py): the demo PKI of ``tls12 certs`` plus
negative material. OpenSSL comes from the ``openssl_bin`` fixture: skipped with a reason when
missing, a failure under CI=true.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pki_fixtures import PKI

import tls
from tls import ServerConfig, TLSServer
from tls.pki import DEMO_FILES
from tls.trust import load_certificates, load_private_key

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 30
#: NSS key log format (https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/):
#: CLIENT_RANDOM <32-byte client random, hex> <48-byte master secret, hex>
KEYLOG_LINE = re.compile(r"^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$")
TLS12 = [sys.executable, "-m", "tls"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SSLKEYLOGFILE"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_cli(
    *args: str | Path, stdin: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*TLS12, *map(str, args)],
        input=stdin,
        capture_output=True,
        timeout=TIMEOUT,
        env=env or _env(),
        cwd=REPO,
    )


@dataclass
class Peer:
    """A child process (a server) whose output lines are collected by reader threads."""

    proc: subprocess.Popen[bytes]
    port: int = 0
    lines: list[str] = field(default_factory=list)
    _queue: queue.Queue[str | None] = field(default_factory=queue.Queue)
    _eof: threading.Event = field(default_factory=threading.Event)

    def read_lines(self, stream: object) -> None:
        for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            self._queue.put(line)
        self._queue.put(None)
        self._eof.set()

    def wait_for(self, pattern: str) -> re.Match[str]:
        """Block until a line matches (the process's own announcement, not a sleep)."""
        rx = re.compile(pattern)
        while True:
            try:
                line = self._queue.get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r}: {self.lines}") from None
            if line is None:
                raise AssertionError(f"process ended before {pattern!r}: {self.lines}")
            if m := rx.search(line):
                return m

    def output(self) -> str:
        return "\n".join(self.lines)

    def finish(self) -> int:
        """Wait for a process expected to exit (``--once``) and for the last of its output;
        return its exit code."""
        code = self.proc.wait(timeout=TIMEOUT)
        assert self._eof.wait(timeout=TIMEOUT), "output pipe still open after exit"
        return code


Launcher = Callable[..., Peer]


@pytest.fixture
def spawn() -> Iterator[Callable[[list[str], str], Peer]]:
    """Start a process, collect its output lines (stdout and stderr merged into one list for
    openssl, stderr for tls12), wait for its ready line; kill it at teardown."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(
        argv: list[str], ready: str, *, merge: bool = False, env: dict[str, str] | None = None
    ) -> Peer:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge else subprocess.PIPE,
            env=env or _env(),
            cwd=REPO,
        )
        procs.append(proc)
        peer = Peer(proc)
        streams = [proc.stdout] if merge else [proc.stderr]
        for stream in streams:
            threading.Thread(target=peer.read_lines, args=(stream,), daemon=True).start()
        if not merge:
            threading.Thread(target=proc.stdout.read, daemon=True).start()  # type: ignore[union-attr]
        peer.port = int(peer.wait_for(ready).group(1))
        return peer

    yield start  # type: ignore[misc]
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=TIMEOUT)


@pytest.fixture
def tls12_server(spawn: Callable[..., Peer]) -> Callable[..., Peer]:
    def start(*args: str | Path, env: dict[str, str] | None = None) -> Peer:
        argv = [*TLS12, "server", "--accept", "127.0.0.1:0", *map(str, args)]
        return spawn(argv, r"listening on 127\.0\.0\.1:(\d+) \(verify=\w+\)", env=env)

    return start


@pytest.fixture
def openssl_server(spawn: Callable[..., Peer], openssl_bin: Path) -> Callable[..., Peer]:
    def start(*args: str | Path) -> Peer:
        argv = [str(openssl_bin), "s_server", "-accept", "127.0.0.1:0", "-tls1_2", *map(str, args)]
        return spawn(argv, r"^ACCEPT 127\.0\.0\.1:(\d+)$", merge=True)

    return start


def server_args(pki: PKI, *extra: str | Path) -> list[str | Path]:
    """Both demo server certificates side by side (ECDSA and RSA)."""
    return [
        "--cert",
        pki.server_ecdsa.chain_path,
        "--key",
        pki.server_ecdsa.key_path,
        "--cert",
        pki.server_rsa.chain_path,
        "--key",
        pki.server_rsa.key_path,
        *extra,
    ]


def client_args(pki: PKI, port: int, *extra: str | Path) -> list[str | Path]:
    return ["client", "--connect", f"localhost:{port}", "--cafile", pki.ca_path, *extra]


def with_cert(identity: object) -> list[str | Path]:
    return ["--cert", identity.chain_path, "--key", identity.key_path]  # type: ignore[attr-defined]


GET = b"GET / HTTP/1.0\r\n\r\n"


# --------------------------------------------------------------------------- tls12 ↔ tls12


def test_www_one_way(pki: PKI, tls12_server: Launcher) -> None:
    server = tls12_server(*server_args(pki, "--www"))
    done = run_cli(*client_args(pki, server.port), stdin=GET)
    assert done.returncode == 0, done.stderr
    page = done.stdout.decode()
    assert page.startswith("HTTP/1.0 200 OK\r\n")
    assert "Protocol:               TLSv1.2" in page
    assert "Cipher suite:           TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" in page
    assert "Group:                  x25519" in page
    assert "Extended master secret: yes" in page
    assert "SNI:                    localhost" in page
    assert "Client certificate:     none" in page
    summary = done.stderr.decode()
    assert "TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" in summary
    assert "group=x25519" in summary
    assert "server=CN=localhost,O=tls12 demo (verified to CN=tls12 demo CA" in summary
    assert "client-certificate=not requested" in summary


def test_www_mutual_with_bare_lf_request_and_alpn(pki: PKI, tls12_server: Launcher) -> None:
    server = tls12_server(
        *server_args(
            pki, "--www", "--cafile", pki.ca_path, "--verify", "required", "--alpn", "http/1.1"
        )
    )
    done = run_cli(
        *client_args(pki, server.port, *with_cert(pki.client_rsa), "--alpn", "h2,http/1.1"),
        stdin=b"GET /x HTTP/1.0\n\n",
    )
    assert done.returncode == 0, done.stderr
    page = done.stdout.decode()
    assert "Request:                GET /x HTTP/1.0" in page
    assert (
        f"Client certificate:     CN=tls12 demo client (RSA),O=tls12 demo (sha256 "
        f"{pki.client_rsa.fingerprint})" in page
    )
    assert "Client signature:       rsa_pss_rsae_sha256" in page
    assert "ALPN:                   http/1.1" in page
    assert "client-certificate=sent CN=tls12 demo client (RSA)" in done.stderr.decode()
    assert "alpn=http/1.1" in done.stderr.decode()
    server.wait_for(
        r"\[1\] 127\.0\.0\.1:\d+: TLSv1\.2 .* client certificate: CN=tls12 demo "
        r"client \(RSA\)"
    )


def test_echo_binary_multi_record_round_trip(pki: PKI, tls12_server: Launcher) -> None:
    server = tls12_server(*server_args(pki, "--echo", "--once"))
    payload = bytes(range(256)) * 160  # 40 KiB, every byte value: several records each way
    client = subprocess.Popen(
        [*TLS12, *map(str, client_args(pki, server.port, "--close-on-eof"))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        cwd=REPO,
    )
    try:
        assert client.stdin is not None and client.stdout is not None
        client.stdin.write(payload)
        client.stdin.flush()
        echoed = b""
        while len(echoed) < len(payload):
            chunk = client.stdout.read1(65536)  # type: ignore[attr-defined]
            assert chunk, "client stopped before the whole echo arrived"
            echoed += chunk
        assert echoed == payload
        client.stdin.close()  # now --close-on-eof sends close_notify; the server answers it
        assert client.stdout.read() == b""
        assert client.wait(timeout=TIMEOUT) == 0, client.stderr.read()  # type: ignore[union-attr]
    finally:
        if client.poll() is None:
            client.kill()
        client.wait()
    assert server.finish() == 0


def test_required_mode_refuses_client_without_certificate(pki: PKI, tls12_server: Launcher) -> None:
    server = tls12_server(
        *server_args(pki, "--cafile", pki.ca_path, "--verify", "required", "--www", "--once")
    )
    done = run_cli(*client_args(pki, server.port), stdin=GET)
    assert done.returncode != 0
    assert done.stdout == b""
    err = done.stderr.decode()
    assert "peer sent fatal alert handshake_failure" in err
    assert "asked for a client certificate" in err
    assert server.finish() != 0  # --once: the one connection failed
    assert re.search(
        r"connection failed: Certificate: the client sent no certificate.* \(sent "
        r"alert handshake_failure\)",
        server.output(),
    )


def test_allow_list_accepts_listed_self_signed_and_refuses_unlisted(
    pki: PKI, tls12_server: Launcher
) -> None:
    # --allow-client alone (no --cafile): verify defaults to required, only listed certs pass.
    server = tls12_server(
        *server_args(pki, "--allow-client", pki.client_selfsigned.cert_path, "--www")
    )
    assert "(verify=required)" in server.lines[0]
    ok = run_cli(*client_args(pki, server.port, *with_cert(pki.client_selfsigned)), stdin=GET)
    assert ok.returncode == 0, ok.stderr
    assert pki.client_selfsigned.fingerprint in ok.stdout.decode()
    refused = run_cli(*client_args(pki, server.port, *with_cert(pki.client_ecdsa)), stdin=GET)
    assert refused.returncode != 0
    assert "peer sent fatal alert" in refused.stderr.decode()
    line = server.wait_for(r"connection failed: .*")
    assert "sent alert" in line.group(0)


def test_msg_prints_every_handshake_message(pki: PKI, tls12_server: Launcher) -> None:
    server = tls12_server(
        *server_args(pki, "--www", "--msg", "--cafile", pki.ca_path, "--verify", "optional")
    )
    done = run_cli(*client_args(pki, server.port, "--msg", *with_cert(pki.client_ecdsa)), stdin=GET)
    assert done.returncode == 0, done.stderr
    err = done.stderr.decode().splitlines()
    expected_client = [
        r"^>>> ClientHello version=TLS1\.2 suites\(9\)=\[ECDHE-ECDSA-AES128-GCM-SHA256,.*\] "
        r"groups=\[x25519,secp256r1,.*\] sigalgs=\[ecdsa_secp256r1_sha256,.*\] sni=localhost "
        r"ext=\[server_name,.*\]$",
        r"^<<< ServerHello version=TLS1\.2 suite=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 "
        r"\(ECDHE-ECDSA-AES128-GCM-SHA256\) ext=\[.*extended_master_secret.*\]$",
        r"^<<< Certificate 2 certs: CN=localhost ← CN=tls12 demo CA$",
        r"^<<< ServerKeyExchange x25519 pub=32 bytes sig=ecdsa_secp256r1_sha256$",
        r"^<<< CertificateRequest types=\[rsa_sign,ecdsa_sign\] sigalgs=\[.*\] "
        r"cas=\[CN=tls12 demo CA\]$",
        r"^<<< ServerHelloDone$",
        r"^>>> Certificate 2 certs: CN=tls12 demo client \(ECDSA\) ← CN=tls12 demo CA$",
        r"^>>> ClientKeyExchange ECDHE pub=32 bytes$",
        r"^>>> CertificateVerify ecdsa_secp256r1_sha256 \(\d+-byte signature\)$",
        r"^>>> ChangeCipherSpec$",
        r"^>>> Finished verify_data=[0-9a-f]{24}$",
        # RFC 5077 §3.3: the client asks for a ticket by default; it comes before the CCS.
        r"^<<< NewSessionTicket lifetime=7200s ticket=\d+ bytes$",
        r"^<<< ChangeCipherSpec$",
        r"^<<< Finished verify_data=[0-9a-f]{24}$",
        r"^tls12 client: connected to localhost:\d+: TLSv1\.2 ",
    ]
    assert len(err) == len(expected_client), err
    for pattern, line in zip(expected_client, err, strict=True):
        assert re.search(pattern, line), (pattern, line)
    # The server traces the same messages from its side, prefixed with the connection number.
    server.wait_for(r"^\[1\] <<< Finished verify_data=")
    server_lines = [x for x in server.lines if x.startswith("[1] ")]
    assert server_lines[0].startswith("[1] <<< ClientHello version=TLS1.2")
    assert (
        "[1] >>> ServerKeyExchange x25519 pub=32 bytes sig=ecdsa_secp256r1_sha256" in server_lines
    )
    assert "[1] <<< ClientKeyExchange ECDHE pub=32 bytes" in server_lines
    # verify_data match across the two sides: what the client sent, the server received.
    sent = next(x for x in err if x.startswith(">>> Finished"))
    assert f"[1] <<< {sent[4:]}" in server.lines


def test_keylog_file_and_sslkeylogfile_agree(
    pki: PKI, tls12_server: Launcher, tmp_path: Path
) -> None:
    server_log = tmp_path / "server.keys"
    env = _env()
    env["SSLKEYLOGFILE"] = str(server_log)
    server = tls12_server(*server_args(pki, "--www"), env=env)
    client_log = tmp_path / "client.keys"
    done = run_cli(*client_args(pki, server.port, "--keylog", client_log), stdin=GET)
    assert done.returncode == 0, done.stderr
    lines = client_log.read_text().splitlines()
    assert len(lines) == 1 and KEYLOG_LINE.match(lines[0]), lines
    server.wait_for(r"\[1\] .*TLSv1\.2")
    assert server_log.read_text().splitlines() == lines
    # appended, not overwritten
    assert (
        run_cli(*client_args(pki, server.port, "--keylog", client_log), stdin=GET).returncode == 0
    )
    assert len(client_log.read_text().splitlines()) == 2


def test_truncation_is_an_error(pki: PKI) -> None:
    """A server that drops the TCP connection without close_notify: the client says so and
    exits non-zero (the data it printed may be incomplete)."""

    def drop(tls: object) -> None:
        tls.sendall(b"partial")  # type: ignore[attr-defined]
        tls.sock.shutdown(socket.SHUT_RDWR)  # type: ignore[attr-defined]

    config = ServerConfig.create(
        certfile=pki.server_ecdsa.chain_path, keyfile=pki.server_ecdsa.key_path
    )
    with TLSServer(("127.0.0.1", 0), config, drop) as server:
        server.start()
        done = run_cli(*client_args(pki, server.address[1]))
    assert done.returncode != 0
    assert done.stdout == b"partial"
    assert "without close_notify" in done.stderr.decode()


def test_client_refuses_unknown_ca_and_insecure_warns(pki: PKI, tls12_server: Launcher) -> None:
    server = tls12_server(
        "--cert", pki.server_unknown_ca.chain_path, "--key", pki.server_unknown_ca.key_path, "--www"
    )
    refused = run_cli(*client_args(pki, server.port), stdin=GET)
    assert refused.returncode != 0
    assert "unknown_ca" in refused.stderr.decode()
    insecure = run_cli("client", "--connect", f"localhost:{server.port}", "--insecure", stdin=GET)
    assert insecure.returncode == 0, insecure.stderr
    err = insecure.stderr.decode()
    assert "WARNING: --insecure: the server certificate is NOT verified" in err
    assert "NOT VERIFIED" in err.splitlines()[-1]
    pinned = run_cli(
        "client",
        "--connect",
        f"127.0.0.1:{server.port}",
        "--servername",
        "localhost",
        "--pin",
        pki.server_unknown_ca.fingerprint,
        stdin=GET,
    )
    assert pinned.returncode == 0, pinned.stderr
    assert "pinned by sha256" in pinned.stderr.decode()


def test_cipher_flag_enables_cbc_and_rsa_key_exchange(pki: PKI, tls12_server: Launcher) -> None:
    server = tls12_server(
        *server_args(pki, "--www", "--cipher", "AES128-SHA256:ECDHE-RSA-AES256-SHA384")
    )
    done = run_cli(
        *client_args(pki, server.port, "--cipher", "TLS_RSA_WITH_AES_128_CBC_SHA256"), stdin=GET
    )
    assert done.returncode == 0, done.stderr
    page = done.stdout.decode()
    assert "Cipher suite:           TLS_RSA_WITH_AES_128_CBC_SHA256" in page
    assert "Group:                  none (RSA key exchange)" in page
    assert "Encrypt-then-MAC:       yes" in page


def test_server_exits_cleanly_on_interrupt(pki: PKI, tls12_server: Launcher) -> None:
    server = tls12_server(*server_args(pki, "--echo"))
    server.proc.send_signal(signal.SIGINT)
    assert server.finish() == 0
    assert "interrupted, shutting down" in server.output()


def test_bad_configuration_is_a_usage_error(pki: PKI) -> None:
    done = run_cli(
        "server",
        "--accept",
        "127.0.0.1:0",
        "--cert",
        pki.server_ecdsa.chain_path,
        "--key",
        pki.server_rsa.key_path,
    )
    assert done.returncode == 2
    assert "private key does not match certificate" in done.stderr.decode()
    done = run_cli("client", "--connect", "localhost:1", "--cipher", "NOPE-CIPHER")
    assert done.returncode == 2
    assert "NOPE-CIPHER" in done.stderr.decode()


# --------------------------------------------------------------------------- tls12 ↔ openssl


@pytest.mark.interop
def test_client_against_openssl_s_server(
    pki: PKI, openssl_server: Launcher, tmp_path: Path
) -> None:
    openssl_keys = tmp_path / "openssl.keys"
    server = openssl_server(
        "-www",
        "-cert",
        pki.server_rsa.cert_path,
        "-key",
        pki.server_rsa.key_path,
        "-keylogfile",
        openssl_keys,
    )
    ours = tmp_path / "tls12.keys"
    done = run_cli(*client_args(pki, server.port, "--keylog", ours), stdin=GET)
    assert done.returncode == 0, done.stderr
    page = done.stdout.decode()
    assert page.startswith("HTTP/1.0 200 ok")
    assert "Protocol  : TLSv1.2" in page
    assert "Cipher    : ECDHE-RSA-AES128-GCM-SHA256" in page
    assert "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" in done.stderr.decode()
    # The master secret we log is the one OpenSSL logs for the same connection: an independent
    # check of the key schedule and of the key log format.
    line = ours.read_text().strip()
    assert KEYLOG_LINE.match(line)
    assert line in openssl_keys.read_text().splitlines()


@pytest.mark.interop
def test_client_mutual_tls_against_openssl_s_server(pki: PKI, openssl_server: Launcher) -> None:
    server = openssl_server(
        "-www",
        "-cert",
        pki.server_ecdsa.cert_path,
        "-key",
        pki.server_ecdsa.key_path,
        "-CAfile",
        pki.ca_path,
        "-Verify",
        "1",
        "-verify_return_error",
    )
    done = run_cli(*client_args(pki, server.port, *with_cert(pki.client_ecdsa)), stdin=GET)
    assert done.returncode == 0, done.stderr
    page = done.stdout.decode()
    assert "Cipher    : ECDHE-ECDSA-AES128-GCM-SHA256" in page
    # OpenSSL's own verdict on our client certificate, and the certificate it saw.
    assert "Verify return code: 0 (ok)" in page
    assert "Subject: O=tls12 demo, CN=tls12 demo client (ECDSA)" in page
    assert "client-certificate=sent CN=tls12 demo client (ECDSA)" in done.stderr.decode()
    refused = run_cli(*client_args(pki, server.port), stdin=GET)
    assert refused.returncode != 0
    assert "handshake_failure" in refused.stderr.decode()


@pytest.mark.interop
@pytest.mark.parametrize("verify", ["optional", "required"])
@pytest.mark.parametrize("client_cert", ["client_rsa", "client_ecdsa", None])
def test_openssl_s_client_against_server(
    pki: PKI, tls12_server: Launcher, openssl_bin: Path, verify: str, client_cert: str | None
) -> None:
    server = tls12_server(*server_args(pki, "--www", "--cafile", pki.ca_path, "--verify", verify))
    argv = [
        str(openssl_bin),
        "s_client",
        "-connect",
        f"127.0.0.1:{server.port}",
        "-tls1_2",
        "-servername",
        "localhost",
        "-CAfile",
        str(pki.ca_path),
        "-verify_return_error",
        "-verify_hostname",
        "localhost",
        "-ign_eof",
        "-msg",
    ]
    if client_cert is not None:
        identity = getattr(pki, client_cert)
        argv += ["-cert", str(identity.cert_path), "-key", str(identity.key_path)]
    done = subprocess.run(argv, input=GET, capture_output=True, timeout=TIMEOUT)
    out = done.stdout.decode()
    if client_cert is None and verify == "required":
        assert done.returncode != 0
        assert "HTTP/1.0 200 OK" not in out
        server.wait_for(
            r"connection failed: Certificate: the client sent no certificate.*"
            r"handshake_failure"
        )
        return
    assert done.returncode == 0, done.stderr
    assert "Verify return code: 0 (ok)" in out
    assert "HTTP/1.0 200 OK" in out
    assert "Protocol:               TLSv1.2" in out
    # openssl -msg prints each record header it reads ("<<< TLS 1.2, RecordHeader" and the 5 bytes
    # on the next line): after the handshake the whole response came in one application-data
    # record (type 0x17), then the close_notify alert (0x15).
    lines = out.splitlines()
    received = [
        lines[i + 1].split()[0]
        for i, x in enumerate(lines)
        if x.startswith("<<< TLS 1.2, RecordHeader")
    ]
    assert received[-2:] == ["17", "15"] and received.count("17") == 1, received
    assert "<<< TLS 1.2, Alert [length 0002], warning close_notify" in out
    if client_cert is None:
        assert "Client certificate:     none" in out
    else:
        identity = getattr(pki, client_cert)
        assert f"Client certificate:     {identity.cert.subject.rfc4514_string()}" in out
        assert "Client chain verified:  to CN=tls12 demo CA" in out


@pytest.mark.interop
def test_openssl_s_client_with_untrusted_certificate_is_refused(
    pki: PKI, tls12_server: Launcher, openssl_bin: Path
) -> None:
    server = tls12_server(
        *server_args(pki, "--www", "--cafile", pki.ca_path, "--verify", "optional")
    )
    argv = [
        str(openssl_bin),
        "s_client",
        "-connect",
        f"127.0.0.1:{server.port}",
        "-tls1_2",
        "-CAfile",
        str(pki.ca_path),
        "-cert",
        str(pki.client_untrusted.cert_path),
        "-key",
        str(pki.client_untrusted.key_path),
        "-ign_eof",
    ]
    done = subprocess.run(argv, input=GET, capture_output=True, timeout=TIMEOUT)
    assert done.returncode != 0
    assert b"HTTP/1.0 200 OK" not in done.stdout
    line = server.wait_for(r"connection failed: .*")
    assert "unknown_ca" in line.group(0)


# --------------------------------------------------------------------------- certs, demo, misc


def test_certs_writes_the_demo_pki(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    done = run_cli("certs", target)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    for name in DEMO_FILES.values():
        assert (target / name).is_file(), name
        assert str(target / name) in out
    for stem in ("server-rsa", "server-ecdsa", "client-rsa", "client-ecdsa"):
        chain = load_certificates(target / f"{stem}-chain.pem")
        assert len(chain) == 2
        load_private_key(target / f"{stem}.key")
    assert f"tls12 server --accept 8443 --cert {target}/server-ecdsa-chain.pem" in out
    assert f"tls12 client --connect localhost:8443 --cafile {target}/ca.pem" in out


def test_demo_runs_and_says_who_proved_what() -> None:
    done = run_cli("demo")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout.decode()
    assert re.search(r"client → server ClientHello version=TLS1\.2 ", out)
    assert "server → client CertificateRequest" in out
    assert re.search(r"client → server CertificateVerify ecdsa_secp256r1_sha256", out)
    assert re.search(
        r"server proved its identity: signed the ECDHE key exchange \(x25519\) with the key of "
        r"CN=localhost \(ECDSA secp256r1, ecdsa_secp256r1_sha256\); chain verified to tls12 demo "
        r"CA, name localhost matched",
        out,
    )
    assert re.search(
        r"client proved its identity: CertificateVerify signature over the transcript with the "
        r"key of CN=tls12 demo client \(ECDSA\) .*chain verified to tls12 demo CA; allow-list: "
        r"sha256 [0-9a-f]{16}\.\.\. is listed",
        out,
    )
    assert "close_notify both ways: yes" in out
    assert "cipher suite           TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" in out


def test_demo_with_rsa_client_and_rsa_key_exchange() -> None:
    done = run_cli("demo", "--client-key", "rsa", "--cipher", "AES256-GCM-SHA384")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout.decode()
    assert "server proved its identity: decrypted the pre-master secret" in out
    assert "key of CN=tls12 demo client (RSA) (RSA 2048-bit, rsa_pss_rsae_sha256)" in out


def test_version_and_help() -> None:
    done = run_cli("--version")
    assert done.returncode == 0
    assert done.stdout.decode().strip() == "tls12 0.1.0"
    for command, flag in (
        ("server", "--accept"),
        ("client", "--connect"),
        ("certs", "DIR"),
        ("demo", "--client-key"),
    ):
        helped = run_cli(command, "--help")
        assert helped.returncode == 0
        assert flag in helped.stdout.decode()
    bare = run_cli()
    assert bare.returncode == 2
    assert "demo" in bare.stderr.decode()


def test_one_way_and_mutual_tls_side_by_side_in_one_process(pki: PKI) -> None:
    """The README's 443 / 8443 split (docs/CLI.md): two TLSServers with their own policies."""
    from tls import TLSSocket

    def hello(conn: TLSSocket) -> None:
        who = conn.info.peer_certificate
        name = who.subject.rfc4514_string() if who else "anonymous"
        conn.sendall(f"hello {name}\n".encode())

    chain, key = pki.server_ecdsa.chain_path, pki.server_ecdsa.key_path
    public = ServerConfig.create(certfile=chain, keyfile=key)
    partners = ServerConfig.create(
        certfile=chain,
        keyfile=key,
        verify="required",
        cafile=pki.ca_path,
        allow_clients=[str(pki.client_ecdsa.cert_path)],
    )
    with (
        TLSServer(("127.0.0.1", 0), public, hello) as one_way,
        TLSServer(("127.0.0.1", 0), partners, hello) as mutual,
    ):
        one_way.start()
        mutual.start()
        anonymous = run_cli(*client_args(pki, one_way.address[1]))
        assert anonymous.returncode == 0, anonymous.stderr
        assert anonymous.stdout == b"hello anonymous\n"
        partner = run_cli(*client_args(pki, mutual.address[1], *with_cert(pki.client_ecdsa)))
        assert partner.returncode == 0, partner.stderr
        assert partner.stdout == b"hello CN=tls12 demo client (ECDSA),O=tls12 demo\n"
        # CA-signed but not on the allow-list: refused on the mutual port only.
        other = run_cli(*client_args(pki, mutual.address[1], *with_cert(pki.client_rsa)))
        assert other.returncode != 0
        assert "peer sent fatal alert" in other.stderr.decode()
        assert run_cli(*client_args(pki, mutual.address[1])).returncode != 0


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback (::1) in this environment")
def test_ipv6_accept_and_connect(pki: PKI, spawn: Callable[..., Peer]) -> None:
    argv = [*TLS12, "server", "--accept", "[::1]:0", *map(str, server_args(pki, "--www"))]
    server = spawn(argv, r"listening on \[::1\]:(\d+) \(verify=none\)")
    done = run_cli(
        "client",
        "--connect",
        f"[::1]:{server.port}",
        "--servername",
        "localhost",
        "--cafile",
        pki.ca_path,
        stdin=GET,
    )
    assert done.returncode == 0, done.stderr
    assert "Client:                 [::1]:" in done.stdout.decode()


def test_console_script_is_not_shadowed() -> None:
    """The installed ``tls12`` script runs the CLI even with tlslite-ng's ``bin/tls.py`` beside
    it (tls12_entry drops the script directory from sys.path before importing ``tls``)."""
    script = Path(sys.executable).parent / "tls12"
    if not script.exists():
        pytest.skip(f"no tls12 console script next to {sys.executable} (package not installed)")
    done = subprocess.run(
        [str(script), "--version"], capture_output=True, timeout=TIMEOUT, env=_env()
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().strip() == f"tls12 {tls.__version__}"
