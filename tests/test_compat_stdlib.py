"""The stdlib's own TLS callers, unmodified, over tls.SSLContext, against real peers.

urllib.request / http.client against ``openssl s_server -www -tls1_2`` (one-way and mutual),
asyncio clients and servers against openssl s_client / s_server and against each other, an
http.server HTTPS server queried by curl and openssl s_client, and certificate / host name
failures surfacing as ssl.SSLCertVerificationError through each of them.

Skips: a missing openssl or curl binary skips these tests only outside CI (CI=true fails them).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import http.server
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pki_fixtures import PKI

import tls

TIMEOUT = 10.0


# ----------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def curl_bin() -> str:
    found = shutil.which("curl")
    if found is None:
        reason = "curl executable not found on PATH (the http.server test queries with curl)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true: install curl, this is not skippable in CI")
        pytest.skip(reason)
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def s_server(openssl: Path, tmp_path: Path, *args: str) -> Iterator[int]:
    """``openssl s_server -tls1_2`` on a free loopback port; killed on exit."""
    port = _free_port()
    log = tmp_path / f"s_server-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(openssl), "s_server", "-accept", f"127.0.0.1:{port}", "-tls1_2", *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + TIMEOUT
        while b"ACCEPT" not in log.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"s_server did not start: {log.read_text(errors='replace')}")
            time.sleep(0.02)
        yield port
    finally:
        proc.kill()
        proc.wait()


def s_client(
    openssl: Path, port: int, *args: str, data: bytes
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [
            str(openssl),
            "s_client",
            "-connect",
            f"127.0.0.1:{port}",
            "-tls1_2",
            "-servername",
            "localhost",
            *args,
        ],
        input=data,
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )


def client_context(pki: PKI, *, cafile: Path | None = None, cert: bool = False) -> tls.SSLContext:
    ctx = tls.create_default_context(cafile=cafile or pki.ca_path)
    if cert:
        ctx.load_cert_chain(pki.client_rsa.chain_path, pki.client_rsa.key_path)
    return ctx


def server_context(pki: PKI, *, require_client: bool = False) -> tls.SSLContext:
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_rsa.chain_path, pki.server_rsa.key_path)
    if require_client:
        ctx.load_verify_locations(pki.ca_path)
        ctx.verify_mode = tls.CERT_REQUIRED
    return ctx


# ----------------------------------------------------------------------------- urllib, http.client


def test_urllib_and_http_client_one_way(openssl_bin: Path, pki: PKI, tmp_path: Path) -> None:
    server = pki.server_rsa
    with s_server(
        openssl_bin, tmp_path, "-www", "-cert", str(server.chain_path), "-key", str(server.key_path)
    ) as port:
        ctx = client_context(pki)
        with urllib.request.urlopen(
            f"https://localhost:{port}/", context=ctx, timeout=TIMEOUT
        ) as resp:
            body = resp.read()
        assert resp.status == 200
        # s_server -www reports what it negotiated: it saw TLS 1.2 and tls12's suite.
        assert b"Protocol  : TLSv1.2" in body
        conn = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=TIMEOUT)
        try:
            conn.request("GET", "/")
            sock = conn.sock  # before the response: HTTP/1.0 closes the connection
            assert isinstance(sock, tls.compat.SSLSocket) and isinstance(sock, ssl.SSLSocket)
            name, version, _ = sock.cipher()
            assert sock.getpeercert()["subject"][-1] == (("commonName", "localhost"),)
            resp2 = conn.getresponse()
            page = resp2.read()
            assert resp2.status == 200
            assert version == "TLSv1.2" and f"Cipher    : {name}".encode() in page
        finally:
            conn.close()


def test_urllib_and_http_client_mutual(openssl_bin: Path, pki: PKI, tmp_path: Path) -> None:
    server = pki.server_ecdsa
    with s_server(
        openssl_bin,
        tmp_path,
        "-www",
        "-cert",
        str(server.chain_path),
        "-key",
        str(server.key_path),
        "-Verify",
        "1",
        "-CAfile",
        str(pki.ca_path),
    ) as port:
        ctx = client_context(pki, cert=True)
        with urllib.request.urlopen(
            f"https://localhost:{port}/", context=ctx, timeout=TIMEOUT
        ) as resp:
            body = resp.read()
        # -www prints the client certificate it verified
        assert b"Client certificate" in body and b"CN=tls12 demo client (RSA)" in body
        conn = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=TIMEOUT)
        try:
            conn.request("GET", "/")
            assert conn.getresponse().status == 200
        finally:
            conn.close()
        # Without a client certificate the server refuses: an ssl.SSLError (alert), not a hang.
        with pytest.raises(urllib.error.URLError) as info:
            urllib.request.urlopen(
                f"https://localhost:{port}/", context=client_context(pki), timeout=TIMEOUT
            )
        assert isinstance(info.value.reason, ssl.SSLError)
        assert info.value.reason.reason == "SSLV3_ALERT_HANDSHAKE_FAILURE"


def test_urllib_and_http_client_certificate_failures(
    openssl_bin: Path, pki: PKI, tmp_path: Path
) -> None:
    server = pki.server_rsa
    with s_server(
        openssl_bin, tmp_path, "-www", "-cert", str(server.chain_path), "-key", str(server.key_path)
    ) as port:
        # Unknown CA: urllib wraps the ssl error in URLError, as with ssl.
        untrusting = client_context(pki, cafile=pki.other_ca_path)
        with pytest.raises(urllib.error.URLError) as info:
            urllib.request.urlopen(
                f"https://localhost:{port}/", context=untrusting, timeout=TIMEOUT
            )
        err = info.value.reason
        assert isinstance(err, ssl.SSLCertVerificationError)
        assert err.verify_code == 20 and "no path to a trusted CA" in str(err)
        # Host name mismatch through http.client (the certificate names localhost/127.0.0.1).
        conn = http.client.HTTPSConnection(
            "127.0.0.2", port, context=client_context(pki), timeout=TIMEOUT
        )
        conn.host = "127.0.0.2"
        conn._create_connection = (  # type: ignore[method-assign]
            lambda addr, *a, **k: socket.create_connection(("127.0.0.1", port), *a, **k)
        )
        with pytest.raises(ssl.SSLCertVerificationError) as info2:
            conn.request("GET", "/")
        conn.close()
        assert info2.value.verify_code == 64  # IP address mismatch
        assert "127.0.0.2" in info2.value.verify_message


# ----------------------------------------------------------------------------- asyncio


async def _http_get(port: int, ctx: ssl.SSLContext, host: str = "localhost") -> bytes:
    reader, writer = await asyncio.open_connection(host, port, ssl=ctx, server_hostname="localhost")
    writer.write(b"GET / HTTP/1.0\r\n\r\n")
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), TIMEOUT)
    obj = writer.get_extra_info("ssl_object")
    assert isinstance(obj, tls.compat.SSLObject)
    assert writer.get_extra_info("cipher")[1] == "TLSv1.2"
    writer.close()
    with contextlib.suppress(ssl.SSLError, ConnectionError):
        await writer.wait_closed()
    return data


def test_asyncio_client_against_s_server(openssl_bin: Path, pki: PKI, tmp_path: Path) -> None:
    server = pki.server_ecdsa
    with s_server(
        openssl_bin,
        tmp_path,
        "-www",
        "-cert",
        str(server.chain_path),
        "-key",
        str(server.key_path),
        "-Verify",
        "1",
        "-CAfile",
        str(pki.ca_path),
    ) as port:
        body = asyncio.run(_http_get(port, client_context(pki, cert=True)))
        assert body.startswith(b"HTTP/1.0 200") and b"Protocol  : TLSv1.2" in body
        with pytest.raises(ssl.SSLCertVerificationError) as info:
            asyncio.run(_http_get(port, client_context(pki, cafile=pki.other_ca_path)))
        assert info.value.verify_code == 20


async def _upper_server(ctx: ssl.SSLContext, seen: list[Any]) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        obj = writer.get_extra_info("ssl_object")
        seen.append((obj.version(), obj.getpeercert(), obj.tls12_connection.info.suite.name))
        writer.write(line.upper())
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ctx)


def test_asyncio_server_against_s_client(openssl_bin: Path, pki: PKI) -> None:
    seen: list[Any] = []

    async def main() -> subprocess.CompletedProcess[bytes]:
        server = await _upper_server(server_context(pki, require_client=True), seen)
        port = server.sockets[0].getsockname()[1]
        async with server:
            proc = await asyncio.create_subprocess_exec(
                str(openssl_bin),
                "s_client",
                "-connect",
                f"127.0.0.1:{port}",
                "-tls1_2",
                "-servername",
                "localhost",
                "-CAfile",
                str(pki.ca_path),
                "-verify_return_error",
                "-cert",
                str(pki.client_ecdsa.cert_path),
                "-key",
                str(pki.client_ecdsa.key_path),
                "-quiet",
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            try:
                out, err = await asyncio.wait_for(proc.communicate(b"hello tls12\n"), TIMEOUT)
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
            return subprocess.CompletedProcess([], proc.returncode or 0, out, err)

    result = asyncio.run(main())
    assert b"HELLO TLS12" in result.stdout, result.stderr
    version, peercert, _suite = seen[0]
    assert version == "TLSv1.2"
    assert peercert["subject"][-1] == (("commonName", "tls12 demo client (ECDSA)"),)


def test_asyncio_client_and_server_on_tls12(pki: PKI) -> None:
    seen: list[Any] = []

    async def main() -> tuple[bytes, Any]:
        server = await _upper_server(server_context(pki, require_client=True), seen)
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1",
                port,
                ssl=client_context(pki, cert=True),
                server_hostname="localhost",
            )
            writer.write(b"over tls12 both ways\n")
            reply = await asyncio.wait_for(reader.readline(), TIMEOUT)
            cert = writer.get_extra_info("peercert")
            writer.close()
            with contextlib.suppress(ssl.SSLError, ConnectionError):
                await writer.wait_closed()
            # An untrusted client certificate: the server refuses it, the client sees an alert.
            bad = tls.create_default_context(cafile=pki.ca_path)
            bad.load_cert_chain(pki.client_untrusted.chain_path, pki.client_untrusted.key_path)
            with pytest.raises((ssl.SSLError, ConnectionError)):
                r2, _w2 = await asyncio.open_connection(
                    "127.0.0.1", port, ssl=bad, server_hostname="localhost"
                )
                await asyncio.wait_for(r2.read(), TIMEOUT)
            return reply, cert

    reply, cert = asyncio.run(main())
    assert reply == b"OVER TLS12 BOTH WAYS\n"
    assert dict(x[0] for x in cert["subject"])["commonName"] == "localhost"
    assert seen[0][1]["subject"][-1] == (("commonName", "tls12 demo client (RSA)"),)


def test_asyncio_host_name_failure(pki: PKI) -> None:
    async def main() -> None:
        server = await _upper_server(server_context(pki), [])
        port = server.sockets[0].getsockname()[1]
        async with server:
            await asyncio.open_connection(
                "127.0.0.1", port, ssl=client_context(pki), server_hostname="wrong.example"
            )

    with pytest.raises(ssl.SSLCertVerificationError) as info:
        asyncio.run(main())
    assert info.value.verify_code == 62
    assert "wrong.example" in info.value.verify_message


# ----------------------------------------------------------------------------- http.server


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        conn = self.request.tls12_connection
        peer = self.request.getpeercert()
        who = dict(x[0] for x in peer["subject"])["commonName"] if peer else "anonymous"
        body = f"hello {who} over {conn.info.suite.name}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.handshakes.append(conn)  # type: ignore[attr-defined]

    def log_message(self, *args: Any) -> None:
        pass


class _HTTPSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, ctx: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.socket = ctx.wrap_socket(self.socket, server_side=True)
        self.handshakes: list[Any] = []
        self.errors: list[BaseException] = []

    def get_request(self) -> Any:
        try:
            return super().get_request()  # accept() runs the tls12 handshake
        except OSError as exc:
            self.errors.append(exc)
            raise


@contextlib.contextmanager
def https_server(ctx: ssl.SSLContext) -> Iterator[_HTTPSServer]:
    server = _HTTPSServer(ctx)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


def _wait_for(predicate: Any) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_http_server_queried_by_curl_and_s_client(
    curl_bin: str, openssl_bin: Path, pki: PKI
) -> None:
    with https_server(server_context(pki)) as server:
        port = server.server_address[1]
        out = subprocess.run(
            [curl_bin, "-sS", "--cacert", str(pki.ca_path), f"https://localhost:{port}/"],
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith(b"hello anonymous over TLS_ECDHE_RSA_WITH_")
        res = s_client(
            openssl_bin,
            port,
            "-CAfile",
            str(pki.ca_path),
            "-verify_return_error",
            "-ign_eof",
            data=b"GET / HTTP/1.0\r\n\r\n",
        )
        assert b"hello anonymous over" in res.stdout, res.stderr
        assert b"Verify return code: 0 (ok)" in res.stdout
        # curl refuses a server it cannot verify (exit 60) — the server is the tls12 one.
        bad = subprocess.run(
            [curl_bin, "-sS", "--cacert", str(pki.other_ca_path), f"https://localhost:{port}/"],
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert bad.returncode == 60, bad.stderr
        # ...and urllib (tls12 client) against the same server with the wrong trust anchor.
        with pytest.raises(urllib.error.URLError) as info:
            urllib.request.urlopen(
                f"https://127.0.0.1:{port}/",
                context=client_context(pki, cafile=pki.other_ca_path),
                timeout=TIMEOUT,
            )
        assert isinstance(info.value.reason, ssl.SSLCertVerificationError)


def test_http_server_mutual_tls_with_curl(curl_bin: str, pki: PKI) -> None:
    with https_server(server_context(pki, require_client=True)) as server:
        port = server.server_address[1]
        ok = subprocess.run(
            [
                curl_bin,
                "-sS",
                "--cacert",
                str(pki.ca_path),
                "--cert",
                str(pki.client_ecdsa.chain_path),
                "--key",
                str(pki.client_ecdsa.key_path),
                f"https://localhost:{port}/",
            ],
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert ok.returncode == 0, ok.stderr
        assert ok.stdout.startswith(b"hello tls12 demo client (ECDSA) over ")
        # An untrusted client certificate: the tls12 server's accept() raises
        # SSLCertVerificationError (socketserver drops the connection), curl sees an alert.
        bad = subprocess.run(
            [
                curl_bin,
                "-sS",
                "--cacert",
                str(pki.ca_path),
                "--cert",
                str(pki.client_untrusted.cert_path),
                "--key",
                str(pki.client_untrusted.key_path),
                f"https://localhost:{port}/",
            ],
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert bad.returncode != 0
        _wait_for(lambda: server.errors)
        err = server.errors[-1]
        assert isinstance(err, ssl.SSLCertVerificationError), err
        assert err.verify_code == 20 and "no path to a trusted CA" in str(err)


# ----------------------------------------------------------------------------- proof


def test_openssl_did_none_of_the_handshake(pki: PKI, tmp_path: Path) -> None:
    """A real OpenSSL client (stdlib ssl) talks to http.server on a tls12 context. What OpenSSL
    saw on the wire is what tls12's state machine produced and recorded: the ServerHello random
    OpenSSL received is the one tls12 generated (ConnectionInfo.server_random), the ClientHello
    OpenSSL sent is the first message in tls12's transcript, and OpenSSL's key log line (its
    master secret) equals the one tls12's keylog callback wrote. An OpenSSL server could not
    produce a ServerHello whose random tls12 chose, nor fill tls12's transcript."""
    seen: dict[str, bytes] = {}

    def msg_cb(
        conn: Any, direction: str, version: Any, content_type: Any, msg_type: Any, data: bytes
    ) -> None:
        if content_type == ssl._TLSContentType.HANDSHAKE:  # type: ignore[attr-defined]
            if msg_type == ssl._TLSMessageType.SERVER_HELLO:  # type: ignore[attr-defined]
                seen["server_hello"] = data
            elif msg_type == ssl._TLSMessageType.CLIENT_HELLO:  # type: ignore[attr-defined]
                seen["client_hello"] = data

    server_ctx = server_context(pki)
    server_ctx.keylog_filename = str(tmp_path / "tls12.keys")
    client = ssl.create_default_context(cafile=pki.ca_path)  # OpenSSL
    client.maximum_version = ssl.TLSVersion.TLSv1_2
    client._msg_callback = msg_cb  # type: ignore[attr-defined]
    client.keylog_filename = str(tmp_path / "openssl.keys")
    with https_server(server_ctx) as server:
        port = server.server_address[1]
        with urllib.request.urlopen(
            f"https://localhost:{port}/", context=client, timeout=TIMEOUT
        ) as resp:
            assert resp.read().startswith(b"hello anonymous")
        _wait_for(lambda: server.handshakes)
    conn = server.handshakes[0]
    assert seen["server_hello"][6:38] == conn.info.server_random
    transcript = conn.transcript.messages()
    assert transcript.startswith(seen["client_hello"])
    ours = (tmp_path / "tls12.keys").read_text().splitlines()
    theirs = (tmp_path / "openssl.keys").read_text().splitlines()
    line = f"CLIENT_RANDOM {conn.info.client_random.hex()} {conn.info.master_secret.hex()}"
    assert line in ours and line in theirs
