"""Real OpenSSL peers for the interop tests: ``openssl s_server`` on a free loopback port and
``openssl s_client`` runs, with their logs captured and their reports parsed.

    server = SServer.start(openssl, ["-www", "-cert", chain, "-key", key])
    try:
        ...connect to server.port...
        server.wait_for("sslv3 alert")        # a line in its stdout or stderr
    finally:
        server.stop()

    result = run_s_client(openssl, port, ["-CAfile", ca], b"hello\\n")
    result.cipher, result.peer_signature_type, result.server_temp_key, result.verify_code

Readiness is read from the process, never slept for: ``s_server`` prints ``ACCEPT`` on stdout
(and flushes it) once it listens. A port taken between our probe and openssl's bind makes
openssl exit before ``ACCEPT``; the start is then retried on another port.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "PeerError",
    "SClientResult",
    "SServer",
    "free_port",
    "run_s_client",
    "www_page_facts",
]

#: Generous upper bounds for a real process to do something; exceeded only when it is stuck.
READY_TIMEOUT = 15.0
RUN_TIMEOUT = 30.0


class PeerError(RuntimeError):
    """An OpenSSL peer did not start or did not behave; carries its captured output."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Log:
    """Lines read from one pipe by a daemon thread; waiters are woken on each new line."""

    def __init__(self, stream: object, cond: threading.Condition) -> None:
        self.lines: list[str] = []
        self._cond = cond
        self.closed = False
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: object) -> None:
        for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
            with self._cond:
                self.lines.append(raw.decode("utf-8", "replace"))
                self._cond.notify_all()
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def text(self) -> str:
        with self._cond:
            return "".join(self.lines)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


@dataclass
class SServer:
    """A running ``openssl s_server -tls1_2`` on 127.0.0.1:``port``."""

    proc: subprocess.Popen[bytes]
    port: int
    command: list[str]
    _out: _Log
    _err: _Log
    _cond: threading.Condition

    @classmethod
    def start(
        cls,
        openssl: str | os.PathLike[str],
        args: Sequence[str | os.PathLike[str]],
        *,
        cwd: str | os.PathLike[str] | None = None,
        attempts: int = 5,
    ) -> SServer:
        """Start s_server with ``args`` (``-accept`` and ``-tls1_2`` are added) and wait for its
        ``ACCEPT``. Retries on another port when the chosen one turned out to be taken."""
        last = ""
        for _ in range(attempts):
            port = free_port()
            command = [
                str(openssl),
                "s_server",
                "-tls1_2",
                "-accept",
                f"127.0.0.1:{port}",
                *map(str, args),
            ]
            proc = subprocess.Popen(
                command,
                cwd=cwd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            cond = threading.Condition()
            server = cls(
                proc, port, command, _Log(proc.stdout, cond), _Log(proc.stderr, cond), cond
            )
            if server._wait_ready():
                return server
            server.stop()
            last = server.log()
            if "in use" not in last and "bind" not in last.lower():
                break
        raise PeerError(f"s_server did not start: {' '.join(command)}\n{last}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT
        with self._cond:
            while True:
                if any(line.strip() == "ACCEPT" for line in self._out.lines):
                    return True
                if self._out.closed or self.proc.poll() is not None:
                    return False
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)

    # ------------------------------------------------------------------ logs

    @property
    def stdout(self) -> str:
        return self._out.text()

    @property
    def stderr(self) -> str:
        return self._err.text()

    def log(self) -> str:
        return f"--- s_server stdout\n{self.stdout}--- s_server stderr\n{self.stderr}"

    def mark(self) -> tuple[int, int]:
        """Current end of (stdout, stderr), to look only at what a later connection logs."""
        with self._cond:
            return len(self._out.lines), len(self._err.lines)

    def since(self, mark: tuple[int, int]) -> str:
        with self._cond:
            return "".join(self._out.lines[mark[0] :] + self._err.lines[mark[1] :])

    def wait_for(
        self, pattern: str, *, since: tuple[int, int] = (0, 0), timeout: float = READY_TIMEOUT
    ) -> str:
        """Wait until ``pattern`` (a regex) appears in the output after ``since``; return the
        matching text. Raises PeerError with the whole log when it does not come."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                text = "".join(self._out.lines[since[0] :] + self._err.lines[since[1] :])
                m = rx.search(text)
                if m:
                    return m.group(0)
                left = deadline - time.monotonic()
                ended = self._out.closed and self._err.closed
                if left <= 0 or ended:
                    raise PeerError(f"s_server never printed /{pattern}/\n{self.log()}")
                self._cond.wait(left)

    # ------------------------------------------------------------------ control

    def send_stdin(self, data: bytes) -> None:
        """Give s_server (plain mode) data to send to the connected client."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def kill(self) -> None:
        """SIGKILL: the kernel closes its socket without a close_notify."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(READY_TIMEOUT)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        self._out.join(5)
        self._err.join(5)


# ---------------------------------------------------------------------- s_client


@dataclass(frozen=True)
class SClientResult:
    """What ``openssl s_client`` printed, with the facts the tests look at."""

    command: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return f"{self.stdout}\n{self.stderr}"

    def _field(self, pattern: str) -> str | None:
        m = re.search(pattern, self.output, re.MULTILINE)
        return m.group(1).strip() if m else None

    @property
    def cipher(self) -> str | None:
        """OpenSSL name of the negotiated suite ("New, TLSv1.2, Cipher is X")."""
        return self._field(r"^New, [^,]+, Cipher is (\S+)")

    @property
    def protocol(self) -> str | None:
        return self._field(r"^\s*Protocol\s*: (\S+)")

    @property
    def peer_signature_type(self) -> str | None:
        return self._field(r"^Peer signature type: (.+)$")

    @property
    def peer_signing_digest(self) -> str | None:
        return self._field(r"^Peer signing digest: (.+)$")

    @property
    def server_temp_key(self) -> str | None:
        """E.g. "X25519, 253 bits", "ECDH, prime256v1, 256 bits", "DH, 2048 bits"."""
        return self._field(r"^Server Temp Key: (.+)$")

    @property
    def verify_code(self) -> str | None:
        """E.g. "0 (ok)"."""
        return self._field(r"^\s*Verify return code: (.+)$")

    @property
    def master_key(self) -> bytes | None:
        value = self._field(r"^\s*Master-Key: ([0-9A-Fa-f]+)$")
        return bytes.fromhex(value) if value else None

    @property
    def extended_master_secret(self) -> bool:
        return self._field(r"^\s*Extended master secret: (\w+)") == "yes"

    @property
    def server_extensions(self) -> list[str]:
        """Names of the ServerHello extensions (needs ``-tlsextdebug``)."""
        return re.findall(r'^TLS server extension "([^"]+)"', self.output, re.MULTILINE)

    @property
    def requested_client_ca_names(self) -> str | None:
        m = re.search(
            r"^Acceptable client certificate CA names\n((?:.+\n)+?)Client Certificate Types",
            self.output,
            re.MULTILINE,
        )
        return m.group(1) if m else None

    def describe(self) -> str:
        return (
            f"$ {' '.join(self.command)}\n(exit {self.returncode})\n--- stdout\n{self.stdout}"
            f"--- stderr\n{self.stderr}"
        )


def run_s_client(
    openssl: str | os.PathLike[str],
    port: int,
    args: Sequence[str | os.PathLike[str]],
    stdin: bytes = b"",
    *,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = RUN_TIMEOUT,
) -> SClientResult:
    """Run ``openssl s_client -tls1_2 -connect 127.0.0.1:port -ign_eof`` with ``args``.

    ``stdin`` is sent once the handshake is done; ``-ign_eof`` keeps s_client reading after its
    input ends, until the server closes, so the reply is in ``stdout``."""
    command = [
        str(openssl),
        "s_client",
        "-tls1_2",
        "-connect",
        f"127.0.0.1:{port}",
        "-ign_eof",
        *map(str, args),
    ]
    try:
        done = subprocess.run(
            command, input=stdin, capture_output=True, cwd=cwd, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode("utf-8", "replace")
        err = (exc.stderr or b"").decode("utf-8", "replace")
        raise PeerError(
            f"s_client did not finish in {timeout} s: {' '.join(command)}\n"
            f"--- stdout\n{out}--- stderr\n{err}"
        ) from exc
    return SClientResult(
        command,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


# ---------------------------------------------------------------------- s_server -www page


def www_page_facts(page: str) -> dict[str, str]:
    """The facts an ``s_server -www`` status page states about the connection that fetched it.

    Keys: ``cipher`` ("New, TLSv1.2, Cipher is X"), ``master_key`` (hex), ``ems`` ("yes"/"no"),
    ``shared_groups``, ``shared_sigalgs``, ``client_certificate`` (the subject line, or "" when
    the page says "no client certificate available")."""
    facts: dict[str, str] = {}
    patterns = {
        "cipher": r"^(?:New|Reused), [^,]+, Cipher is (\S+)",
        "master_key": r"^\s*Master-Key: ([0-9A-Fa-f]+)",
        "ems": r"^\s*Extended master secret: (\w+)",
        "shared_groups": r"^Shared groups: (.+)$",
        "shared_sigalgs": r"^Shared Signature Algorithms: (.+)$",
    }
    for key, pattern in patterns.items():
        m = re.search(pattern, page, re.MULTILINE)
        if m:
            facts[key] = m.group(1).strip()
    if "no client certificate available" in page:
        facts["client_certificate"] = ""
    else:
        m = re.search(r"^Client certificate\n(?:.*\n)*?\s+Subject: (.+)$", page, re.MULTILINE)
        if m:
            facts["client_certificate"] = m.group(1).strip()
    return facts
