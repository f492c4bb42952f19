"""What client and server handshake states share: the transcript, negotiated facts, the context
interface to the record layer, and the key derivation that joins the two.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from records.registry import AlertDescription, HandshakeType

from .. import keyschedule
from ..errors import TLSLocalAlert
from ..protection import new_protection

if TYPE_CHECKING:
    from ..protection import RecordProtection
    from ..session import Session
    from ..suites import SuiteInfo

_T = TypeVar("_T")

#: Marker in ``State.expects`` for a ChangeCipherSpec record (not a handshake message).
CCS = "ChangeCipherSpec"

_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384}


class Transcript:
    """The handshake messages so far, buffered until the suite fixes the PRF hash (rustls's
    HandshakeHashBuffer). TLS 1.2 signs the messages themselves (CertificateVerify) and hashes
    them for Finished and the extended master secret, so the raw bytes are kept."""

    __slots__ = ("_buf", "_mark", "hash_name")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._mark = 0
        self.hash_name: str | None = None

    def add(self, raw: bytes) -> None:
        """Append one handshake message. The connection adds each received message before its
        state handles it, so ``before_last`` reaches the transcript that message covers."""
        self._mark = len(self._buf)
        self._buf += raw

    def messages(self, *, before_last: bool = False) -> bytes:
        return bytes(self._buf[: self._mark] if before_last else self._buf)

    def digest(self, *, before_last: bool = False) -> bytes:
        if self.hash_name is None:
            raise RuntimeError("transcript hash used before the suite was chosen")
        h = hashes.Hash(_HASHES[self.hash_name]())
        h.update(memoryview(self._buf)[: self._mark] if before_last else self._buf)
        return h.finalize()


@dataclass
class ConnectionInfo:
    """What was negotiated, filled in as the handshake goes (complete after HandshakeComplete)."""

    version: int | None = None
    suite: SuiteInfo | None = None
    group: int | None = None
    #: scheme of the server's ServerKeyExchange signature (None for RSA key exchange)
    server_signature_scheme: int | None = None
    #: scheme of the client's CertificateVerify (None without client authentication)
    client_signature_scheme: int | None = None
    server_name: str | None = None
    alpn_protocol: bytes | None = None
    extended_master_secret: bool = False
    encrypt_then_mac: bool = False
    client_random: bytes = b""
    server_random: bytes = b""
    session_id: bytes = b""
    master_secret: bytes = b""
    #: the peer's certificate chain as sent (leaf first), parsed
    peer_certificates: list[x509.Certificate] = field(default_factory=list)
    #: the validated path (leaf to anchor) when validation ran
    verified_chain: list[x509.Certificate] = field(default_factory=list)
    #: client side: did we send a certificate; server side: did the client send one
    client_certificate_sent: bool = False
    #: client side: the CertificateRequest's CA names (DER) if one came
    requested_ca_names: list[bytes] = field(default_factory=list)
    peer_cipher_suites: list[int] = field(default_factory=list)
    #: an abbreviated handshake resumed an earlier session (RFC 5246 §7.3, RFC 5077)
    resumed: bool = False
    #: the server echoed session_ticket: a NewSessionTicket comes before its ChangeCipherSpec
    session_ticket: bool = False

    @property
    def version_name(self) -> str:
        return (
            "TLSv1.2"
            if self.version == 0x0303
            else (f"0x{self.version:04x}" if self.version else "")
        )

    @property
    def peer_certificate(self) -> x509.Certificate | None:
        return self.peer_certificates[0] if self.peer_certificates else None


class Context(Protocol):
    """What a handshake state may ask of the connection (implemented by TLSConnection)."""

    config: Any
    info: ConnectionInfo
    transcript: Transcript
    is_client: bool
    session: Session | None

    def send_handshake(self, message: Any) -> None: ...
    def send_change_cipher_spec(self, protection: RecordProtection) -> None: ...
    def expect_change_cipher_spec(self, protection: RecordProtection) -> None: ...
    def trace(self, direction: str, message: Any) -> None: ...
    def handshake_done(self) -> None: ...


class State:
    """One handshake state. ``expects`` lists what may come next (handshake types or :data:`CCS`);
    the connection refuses anything else with unexpected_message before ``handle`` runs."""

    expects: ClassVar[tuple[HandshakeType | str, ...]] = ()

    def handle(self, ctx: Context, msg_type: int, raw: bytes) -> State:
        raise TLSLocalAlert(AlertDescription.internal_error, f"{type(self).__name__} got a message")

    def handle_ccs(self, ctx: Context) -> State:
        raise TLSLocalAlert(
            AlertDescription.unexpected_message,
            f"ChangeCipherSpec not allowed in {type(self).__name__}",
        )


def expected_names(state: State | type[State]) -> str:
    names = []
    for e in state.expects:
        names.append(e if isinstance(e, str) else HandshakeType(e).name)
    return " or ".join(names) or "nothing"


def derive_protections(
    ctx: Context,
    suite: SuiteInfo,
    master_secret: bytes,
    encrypt_then_mac: bool,
) -> tuple[RecordProtection, RecordProtection]:
    """RFC 5246 §6.3: the key block, split into (client write, server write) protections."""
    info = ctx.info
    km = keyschedule.KeyMaterial.derive(
        suite, master_secret, info.client_random, info.server_random
    )
    rnd = ctx.config.random
    client = new_protection(
        suite,
        key=km.client_write_key,
        fixed_iv=km.client_write_iv,
        mac_key=km.client_write_mac_key,
        encrypt_then_mac=encrypt_then_mac,
        random=rnd,
    )
    server = new_protection(
        suite,
        key=km.server_write_key,
        fixed_iv=km.server_write_iv,
        mac_key=km.server_write_mac_key,
        encrypt_then_mac=encrypt_then_mac,
        random=rnd,
    )
    return client, server


def compute_master_secret(ctx: Context, pre_master_secret: bytes) -> bytes:
    """RFC 5246 §8.1, or RFC 7627 §4 over the session hash when extended master secret is on.
    Called right after ClientKeyExchange is in the transcript. Logs the NSS key log line."""
    info = ctx.info
    hash_name = ctx.transcript.hash_name
    assert hash_name is not None
    if info.extended_master_secret:
        ms = keyschedule.extended_master_secret(
            hash_name, pre_master_secret, ctx.transcript.digest()
        )
    else:
        ms = keyschedule.master_secret(
            hash_name, pre_master_secret, info.client_random, info.server_random
        )
    info.master_secret = ms
    log_master_secret(ctx)
    return ms


def log_master_secret(ctx: Context) -> None:
    """The NSS key log line for this connection (full and resumed handshakes alike)."""
    if ctx.config.keylog is not None:
        info = ctx.info
        ctx.config.keylog(f"CLIENT_RANDOM {info.client_random.hex()} {info.master_secret.hex()}")


def finished_verify_data(
    ctx: Context, sender_is_client: bool, *, before_last: bool = False
) -> bytes:
    """RFC 5246 §7.4.9 over the transcript so far (``before_last``: without the message being
    handled, i.e. the received Finished itself)."""
    label = b"client finished" if sender_is_client else b"server finished"
    assert ctx.transcript.hash_name is not None
    return keyschedule.verify_data(
        ctx.transcript.hash_name,
        ctx.info.master_secret,
        label,
        ctx.transcript.digest(before_last=before_last),
    )


def check_finished(ctx: Context, received: bytes, sender_is_client: bool) -> None:
    """Check a received Finished (already in the transcript) against the transcript before it."""
    expected = finished_verify_data(ctx, sender_is_client, before_last=True)
    if not hmac.compare_digest(expected, received):
        who = "client" if sender_is_client else "server"
        raise TLSLocalAlert(
            AlertDescription.decrypt_error,
            f"Finished: the {who}'s verify_data does not match the transcript",
        )


def key_random(config: Any) -> Callable[[int], bytes] | None:
    """The randomness for ephemeral private keys: None (OpenSSL draws them) unless the
    configuration injects its own source, so that a handshake can be replayed byte for byte."""
    return None if config.random is os.urandom else config.random


def first_common(preferred: Sequence[_T], offered: Sequence[_T]) -> _T | None:
    """The first of ``preferred`` (our order) that ``offered`` also lists."""
    offered_set = set(offered)
    for item in preferred:
        if item in offered_set:
            return item
    return None
