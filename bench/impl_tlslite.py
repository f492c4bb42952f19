"""tlslite-ng driven in memory: its asynchronous handshake generators over an in-memory socket.

tlslite-ng's ``handshakeClientCert(..., async_=True)`` and ``handshakeServerAsync`` return
generators that yield 0 when they wait for input; the in-memory socket raises
``BlockingIOError(EAGAIN)`` when it has nothing to read, which is how tlslite-ng learns to wait.
Both sides run in one thread, as tls12 and ssl do here.

What tlslite-ng cannot do, and what stands in for it:

- Certificate path validation: tlslite-ng has no CA store or chain validation; its ``Checker``
  compares the peer's leaf with a SHA-1 fingerprint. The client (and the server, with mutual TLS)
  checks the peer's fingerprint, which is cheaper than validating a chain.
- Resumption: session IDs with a server ``SessionCache``; RFC 5077 tickets for TLS 1.2 when the
  server's settings have ``ticketKeys`` (tlslite-ng 0.8).
- It runs its own pure-Python crypto here (no M2Crypto, pycryptodome or gmpy installed):
  python-ecdsa for ECDSA, its own X25519, RSA, AES and ChaCha20 in Python.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from tlslite import HandshakeSettings, SessionCache, TLSConnection, X509CertChain, parsePEMKey
from tlslite.checker import Checker

from .scenarios import Identity, Scenario, bench_pki

_CIPHER = {
    "ECDHE-ECDSA-AES128-GCM-SHA256": ("ecdhe_ecdsa", "aes128gcm", "aead"),
    "ECDHE-ECDSA-AES256-GCM-SHA384": ("ecdhe_ecdsa", "aes256gcm", "aead"),
    "ECDHE-ECDSA-CHACHA20-POLY1305": ("ecdhe_ecdsa", "chacha20-poly1305", "aead"),
    "ECDHE-ECDSA-AES128-SHA256": ("ecdhe_ecdsa", "aes128", "sha256"),
    "ECDHE-RSA-AES128-GCM-SHA256": ("ecdhe_rsa", "aes128gcm", "aead"),
    "AES128-GCM-SHA256": ("rsa", "aes128gcm", "aead"),
    "DHE-RSA-AES128-GCM-SHA256": ("dhe_rsa", "aes128gcm", "aead"),
}


class MemorySocket:
    """The socket calls tlslite-ng makes, over two byte buffers."""

    def __init__(self, inbox: bytearray, outbox: bytearray) -> None:
        self.inbox = inbox
        self.outbox = outbox

    def send(self, data: bytes) -> int:
        self.outbox += data
        return len(data)

    def sendall(self, data: bytes) -> None:
        self.outbox += data

    def recv(self, size: int) -> bytes:
        inbox = self.inbox
        if not inbox:
            raise BlockingIOError(errno.EAGAIN, "no data in memory")
        data = bytes(inbox[:size])
        del inbox[:size]
        return data

    def close(self) -> None:
        pass

    def shutdown(self, how: int) -> None:
        pass


def _settings(sc: Scenario) -> HandshakeSettings:
    kex, cipher, mac = _CIPHER[sc.suite]
    s = HandshakeSettings()
    s.minVersion = s.maxVersion = (3, 3)
    s.keyExchangeNames = [kex]
    s.cipherNames = [cipher]
    s.macNames = [mac]
    s.eccCurves = ["x25519", "secp256r1"]
    s.dhGroups = ["ffdhe2048"]
    s.ecdsaSigHashes = ["sha256"]
    s.rsaSigHashes = ["sha256"]
    # PSS first (what is used); PKCS#1 listed too because a tlslite-ng 0.8 client refuses a
    # TLS 1.2 CertificateRequest that names no rsa_pkcs1 scheme, even with an ECDSA certificate.
    s.rsaSchemes = ["pss", "pkcs1"]
    s.more_sig_schemes = []
    s.useEncryptThenMAC = True
    s.useExtendedMasterSecret = True
    s.use_heartbeat_extension = False
    s.usePaddingExtension = False
    if sc.resumed == "ticket":
        s.ticketKeys = [bytearray(b"tls12 bench ticket key, 32 byte!")]
    return s


@dataclass(frozen=True)
class _Loaded:
    chain: X509CertChain
    key: Any
    fingerprint: str


def _load(ident: Identity) -> _Loaded:
    chain = X509CertChain()
    chain.parsePemList(ident.chain_pem.decode())
    key = parsePEMKey(ident.key_pem.decode(), private=True)
    return _Loaded(chain, key, chain.x509List[0].getFingerprint())


def _drive(
    client: Generator[Any, None, None],
    server: Generator[Any, None, None],
    c_in: bytearray,
    s_in: bytearray,
) -> None:
    """Run both handshake generators until both finish; each runs until it waits for input."""
    sides = [(client, c_in), (server, s_in)]
    done = [False, False]
    for _ in range(50):
        for i, (gen, inbox) in enumerate(sides):
            while not done[i]:
                try:
                    result = next(gen)
                except StopIteration:
                    done[i] = True
                    break
                if result == 0 and not inbox:
                    break  # waits for the peer
        if done[0] and done[1]:
            return
        if not c_in and not s_in:
            raise RuntimeError("tlslite-ng handshake stalled: both sides wait for input")
    raise RuntimeError("tlslite-ng handshake did not finish")


@dataclass
class Pair:
    client: TLSConnection
    server: TLSConnection
    c_in: bytearray
    s_in: bytearray


class Setup:
    """Everything loaded once per scenario: settings, chains and keys, checkers."""

    def __init__(self, sc: Scenario) -> None:
        pki = bench_pki()
        self.sc = sc
        self.settings = _settings(sc)
        self.server_id = _load(sc.server_identity(pki))
        client_id = sc.client_identity(pki)
        self.client_id = _load(client_id) if client_id is not None else None
        self.client_checker = Checker(x509Fingerprint=self.server_id.fingerprint)
        self.server_checker = (
            Checker(x509Fingerprint=self.client_id.fingerprint)
            if self.client_id is not None
            else None
        )

        #: the server's session cache (resumption by session ID)
        self.cache = SessionCache() if sc.resumed == "session_id" else None
        self.session: Any = None  # the client's session to offer (resumed scenarios)

    def connect(self) -> Pair:
        c_in, s_in = bytearray(), bytearray()
        client = TLSConnection(MemorySocket(c_in, s_in))
        server = TLSConnection(MemorySocket(s_in, c_in))
        cid = self.client_id
        c_gen = client.handshakeClientCert(
            cid.chain if cid else None,
            cid.key if cid else None,
            settings=self.settings,
            checker=self.client_checker,
            serverName="localhost",
            session=self.session,
            async_=True,
        )
        s_gen = server.handshakeServerAsync(
            certChain=self.server_id.chain,
            privateKey=self.server_id.key,
            reqCert=cid is not None,
            settings=self.settings,
            checker=self.server_checker,
            sessionCache=self.cache,
        )
        _drive(c_gen, s_gen, c_in, s_in)
        return Pair(client, server, c_in, s_in)

    def resume(self) -> Pair:
        pair = self.connect()
        if not pair.client.resumed:
            raise RuntimeError(f"{self.sc.name}: tlslite-ng's server did not resume the session")
        return pair


def handshake(sc: Scenario) -> Callable[[], Pair]:
    setup = Setup(sc)
    if not sc.resumed:
        return setup.connect
    setup.session = setup.connect().client.session  # one full handshake: the session
    return setup.resume


@dataclass
class Transfer:
    sc: Scenario
    writes: int
    keep: bool = False
    received: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pair = Setup(self.sc).connect()
        size = self.sc.write_size
        self.payload = (bytes(range(256)) * (size // 256 + 1))[:size]

    def round(self) -> int:
        pair, payload = self.pair, self.payload
        for _ in range(self.writes):
            pair.client.write(payload)
        expected = self.writes * len(payload)
        total = 0
        while total < expected:
            data = b""
            for result in pair.server.readAsync(min=expected - total):
                if result in (0, 1):
                    raise RuntimeError("tlslite-ng read would block with data outstanding")
                data = result
            total += len(data)
            if self.keep:
                self.received.append(bytes(data))
        return total


def transfer(sc: Scenario, writes: int, *, keep: bool = False) -> Transfer:
    return Transfer(sc, writes, keep)
