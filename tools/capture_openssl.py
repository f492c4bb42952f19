#!/usr/bin/env python3
"""Capture real TLS 1.2 connections between ``openssl s_client`` and ``openssl s_server``.

For each cipher suite, this starts ``openssl s_server -tls1_2`` and ``openssl s_client -tls1_2
-keylogfile ...`` on loopback, relays the TCP bytes between them through a small Python proxy that
records each direction, sends one known line of application data each way, lets the client close
(close_notify), and writes ``vectors/aead/<suite>.json`` with:

- the raw records of each direction (hex, 5-byte header included), as they crossed the proxy;
- the NSS key log line written by s_client (``CLIENT_RANDOM <client random> <master secret>``);
- the application data lines sent each way;
- the RFC 5705 exporter output s_client printed (``-keymatexport``) for a fixed label;
- whether encrypt_then_mac was asked for, and the exact command lines.

Nothing here uses tls12: the bytes come from OpenSSL on both ends. Run from the repository root:
``python tools/capture_openssl.py [SUITE ...]`` (default: every suite in CAPTURES).
Needs openssl 3.x.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "vectors" / "aead"
EXPORTER_LABEL = "EXPERIMENTAL-tls12-capture"
EXPORTER_LENGTH = 32
TIMEOUT = 20.0

# OpenSSL suite name -> extra s_client options
CAPTURES: dict[str, list[str]] = {
    "ECDHE-RSA-AES128-GCM-SHA256": [],
    "ECDHE-RSA-AES256-GCM-SHA384": [],
    "ECDHE-RSA-CHACHA20-POLY1305": [],
    "ECDHE-RSA-AES128-SHA256": [],  # CBC: openssl negotiates encrypt_then_mac by default
    "ECDHE-RSA-AES256-SHA": [],  # CBC + HMAC-SHA1, encrypt_then_mac
    "ECDHE-RSA-AES256-SHA384": ["-no_etm"],  # CBC + HMAC-SHA384, MAC-then-encrypt
}


class Output:
    """Collects a process's stdout in a thread so we can wait for a marker."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.data = b""
        self._lock = threading.Lock()
        assert proc.stdout is not None
        self._thread = threading.Thread(target=self._pump, args=(proc.stdout,), daemon=True)
        self._thread.start()

    def _pump(self, stream) -> None:  # type: ignore[no-untyped-def]
        for chunk in iter(lambda: stream.read1(4096), b""):
            with self._lock:
                self.data += chunk

    def wait_for(self, marker: bytes, what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with self._lock:
                if marker in self.data:
                    return
            time.sleep(0.02)
        raise SystemExit(
            f"timed out waiting for {what} ({marker!r}); output so far:\n{self.data!r}"
        )


class RecordingProxy:
    """Accepts one connection, connects to the server, relays both ways and keeps every byte."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.client_to_server = bytearray()
        self.server_to_client = bytearray()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        down, _ = self.listener.accept()
        up = socket.create_connection(("127.0.0.1", self.upstream_port))
        pumps = [
            threading.Thread(target=self._pump, args=(down, up, self.client_to_server)),
            threading.Thread(target=self._pump, args=(up, down, self.server_to_client)),
        ]
        for p in pumps:
            p.start()
        for p in pumps:
            p.join()
        down.close()
        up.close()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket, log: bytearray) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                with contextlib.suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)
                return
            log += data
            dst.sendall(data)

    def join(self) -> None:
        self._thread.join(TIMEOUT)
        self.listener.close()


def split_records(stream: bytes) -> list[str]:
    records = []
    pos = 0
    while pos < len(stream):
        if len(stream) - pos < 5:
            raise SystemExit(f"truncated record header at offset {pos}")
        length = int.from_bytes(stream[pos + 3 : pos + 5], "big")
        end = pos + 5 + length
        if end > len(stream):
            raise SystemExit(f"truncated record at offset {pos}")
        records.append(stream[pos:end].hex())
        pos = end
    return records


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(tmp: Path) -> tuple[Path, Path]:
    key, cert = tmp / "key.pem", tmp / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


def capture(suite: str, client_opts: list[str], tmp: Path, key: Path, cert: Path) -> dict:
    port = free_port()
    keylog = tmp / f"{suite}.keylog"
    keylog.unlink(missing_ok=True)
    server_cmd = [
        "openssl", "s_server", "-tls1_2", "-accept", f"127.0.0.1:{port}", "-naccept", "1",
        "-cert", str(cert), "-key", str(key), "-cipher", suite,
    ]  # fmt: skip
    server = subprocess.Popen(
        server_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    server_out = Output(server)
    client = None
    try:
        server_out.wait_for(b"ACCEPT", "s_server to listen")
        proxy = RecordingProxy(port)
        client_cmd = [
            "openssl", "s_client", "-tls1_2", "-connect", f"127.0.0.1:{proxy.port}",
            "-cipher", suite, "-keylogfile", str(keylog), "-no_ign_eof",
            "-keymatexport", EXPORTER_LABEL, "-keymatexportlen", str(EXPORTER_LENGTH),
            *client_opts,
        ]  # fmt: skip
        client = subprocess.Popen(
            client_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        client_out = Output(client)
        client_out.wait_for(b"Keying material: ", "s_client to finish the handshake")
        client_line = f"ping over {suite} from openssl s_client\n".encode()
        server_line = f"pong over {suite} from openssl s_server\n".encode()
        assert client.stdin is not None and server.stdin is not None
        client.stdin.write(client_line)
        client.stdin.flush()
        server_out.wait_for(client_line, "the client's line at the server")
        server.stdin.write(server_line)
        server.stdin.flush()
        client_out.wait_for(server_line, "the server's line at the client")
        client.stdin.close()  # s_client sends close_notify and exits
        client.wait(TIMEOUT)
        proxy.join()
        server.wait(TIMEOUT)
    finally:
        for proc in (client, server):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()

    exporter = None
    for line in client_out.data.decode(errors="replace").splitlines():
        if line.strip().startswith("Keying material:"):
            exporter = line.split(":", 1)[1].strip().lower()
    return {
        "suite": suite,
        "source": (
            "openssl s_client <-> openssl s_server over loopback, both ends OpenSSL; bytes "
            "recorded by a relaying proxy in tools/capture_openssl.py; keylog written by s_client"
        ),
        "openssl_version": subprocess.run(
            ["openssl", "version"], capture_output=True, text=True, check=True
        ).stdout.strip(),
        "server_command": " ".join(server_cmd),
        "client_command": " ".join(client_cmd),
        "encrypt_then_mac_offered": "-no_etm" not in client_opts,
        "keylog": keylog.read_text().strip(),
        "client_to_server": split_records(bytes(proxy.client_to_server)),
        "server_to_client": split_records(bytes(proxy.server_to_client)),
        "client_application_data": client_line.decode(),
        "server_application_data": server_line.decode(),
        "exporter": {"label": EXPORTER_LABEL, "context": None, "length": EXPORTER_LENGTH,
                     "output": exporter},
    }  # fmt: skip


def main(argv: list[str]) -> int:
    suites = argv or list(CAPTURES)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        key, cert = make_cert(tmp)
        for suite in suites:
            doc = capture(suite, CAPTURES.get(suite, []), tmp, key, cert)
            path = OUT_DIR / f"{suite}.json"
            path.write_text(json.dumps(doc, indent=1) + "\n")
            print(
                f"{suite}: {len(doc['client_to_server'])} + {len(doc['server_to_client'])} records"
                f" -> {path}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
