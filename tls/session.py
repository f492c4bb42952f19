"""TLS 1.2 session resumption: the client's :class:`Session`, the server's session cache and
RFC 5077 session tickets.

Client side: after a handshake ``conn.session`` is a :class:`Session` (updated when a
NewSessionTicket arrives); give it to ``TLSConnection(config, session=...)`` (or
``tls.sockets.connect(..., session=...)``) to offer it on the next connection.

Server side: a :class:`ServerConfig <tls.config.ServerConfig>` holds a :class:`SessionCache`
(session IDs, RFC 5246 §7.4.1.2) and :class:`TicketKeys` (RFC 5077 §4). Both are shared by every
connection made with the configuration, across threads. A ticket is the :class:`SessionState`
sealed with AES-256-GCM in the format RFC 5077 §4 recommends, with GCM in place of
AES-CBC + HMAC::

    struct {
        opaque key_name[16];      /* which ticket key, in the clear */
        opaque nonce[12];
        opaque sealed<0..2^16-1>; /* AES-256-GCM(SessionState), tag appended; AAD = key_name */
    } ticket;
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from construct import Bytes, Int64ub
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from records.errors import DecodeError
from records.vocab import (
    Model,
    Opaque8,
    Opaque16,
    Opaque24,
    Uint8,
    Uint16,
    Uint24,
    Validate,
    Vector,
    csfield,
    model,
)

from .suites import SuiteInfo

__all__ = [
    "DEFAULT_LIFETIME",
    "Session",
    "SessionCache",
    "SessionState",
    "TicketKeys",
    "unix_now",
]

#: Sessions and tickets live 2 hours unless configured otherwise (RFC 5246 §F.1.4 suggests at
#: most 24 hours; OpenSSL's default is 2 hours).
DEFAULT_LIFETIME = 7200
KEY_NAME_SIZE = 16  # RFC 5077 §4
NONCE_SIZE = 12  # AES-GCM
SESSION_ID_SIZE = 32  # RFC 5246 §7.4.1.2: opaque SessionID<0..32>


def unix_now(now: Callable[[], datetime] | None) -> int:
    """Seconds since the epoch from a configuration's ``now`` (wall clock when None)."""
    return int(now().timestamp()) if now is not None else int(time.time())


# ------------------------------------------------------------------------------ client side


@dataclass(frozen=True)
class Session:
    """What a client keeps of a TLS 1.2 session to resume it later.

    ``session_id`` is the server's (may be empty when the server only issued a ticket);
    ``ticket`` the server's NewSessionTicket (empty without one). ``created`` is in seconds
    since the epoch (the ticket lifetime hint counts from it)."""

    session_id: bytes
    ticket: bytes
    ticket_lifetime_hint: int
    master_secret: bytes = field(repr=False)
    suite: SuiteInfo
    extended_master_secret: bool
    server_name: str | None
    peer_certificates: tuple[x509.Certificate, ...] = ()
    verified_chain: tuple[x509.Certificate, ...] = ()
    alpn: bytes | None = None
    created: int = 0

    @property
    def resumable(self) -> bool:
        return bool(self.session_id or self.ticket)

    def expired(self, now: int) -> bool:
        """A ticket's lifetime hint (RFC 5077 §3.3) has passed. Sessions without a hint have no
        known lifetime: the server decides."""
        hint = self.ticket_lifetime_hint
        return bool(self.ticket and hint and now >= self.created + hint)


# ------------------------------------------------------------------------------ server side


@model
class SessionState(Model):
    """One resumable session as the server knows it (RFC 5077 §4's ``StatePlaintext``), declared
    once with the records/ vocabulary. Only ever parsed after the ticket's AEAD tag was checked,
    or from our own cache: it is our own output, but parsed as strictly as any wire input."""

    format: int = csfield(Validate(Uint8, lambda v: v == 1, "unknown session state format"))
    version: int = csfield(Uint16)
    cipher_suite: int = csfield(Uint16)
    master_secret: bytes = csfield(Bytes(48), repr=False)
    extended_master_secret: int = csfield(Validate(Uint8, lambda v: v in (0, 1), "not a flag"))
    created: int = csfield(Int64ub)
    sni: bytes = csfield(Opaque16())  # UTF-8 host name; empty without SNI
    alpn_protocol: bytes = csfield(Opaque8())  # empty without ALPN
    client_chain: list[bytes] = csfield(Vector(Uint24, Opaque24(1)))  # DER, leaf first

    @classmethod
    def new(
        cls,
        *,
        version: int,
        cipher_suite: int,
        master_secret: bytes,
        extended_master_secret: bool,
        created: int,
        server_name: str | None = None,
        alpn: bytes | None = None,
        client_chain: Sequence[bytes] = (),
    ) -> SessionState:
        return cls(
            format=1,
            version=version,
            cipher_suite=cipher_suite,
            master_secret=master_secret,
            extended_master_secret=int(extended_master_secret),
            created=created,
            sni=(server_name or "").encode("utf-8"),
            alpn_protocol=alpn or b"",
            client_chain=list(client_chain),
        )

    @property
    def server_name(self) -> str | None:
        return self.sni.decode("utf-8") if self.sni else None

    @property
    def alpn(self) -> bytes | None:
        return self.alpn_protocol or None

    def to_bytes(self) -> bytes:
        return self.build()

    @classmethod
    def from_bytes(cls, data: bytes) -> SessionState | None:
        """The state, or None when ``data`` is not one (never raises)."""
        try:
            state = cls.parse(data)
            state.sni.decode("utf-8")
        except (DecodeError, UnicodeDecodeError):
            return None
        return state

    def expired(self, now: int, lifetime: int) -> bool:
        return not (self.created <= now < self.created + lifetime)


class SessionCache:
    """Server-side sessions by session ID: bounded (least recently used evicted first), each
    entry valid for ``lifetime`` seconds, safe to share between threads."""

    def __init__(self, capacity: int = 20000, lifetime: int = DEFAULT_LIFETIME) -> None:
        if capacity < 1:
            raise ValueError(f"session cache capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self.lifetime = lifetime
        self._entries: OrderedDict[bytes, SessionState] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, session_id: bytes, state: SessionState) -> None:
        with self._lock:
            entries = self._entries
            entries[session_id] = state
            entries.move_to_end(session_id)
            while len(entries) > self.capacity:
                entries.popitem(last=False)

    def get(self, session_id: bytes, now: int) -> SessionState | None:
        with self._lock:
            state = self._entries.get(session_id)
            if state is None:
                return None
            if state.expired(now, self.lifetime):
                del self._entries[session_id]
                return None
            self._entries.move_to_end(session_id)
            return state

    def remove(self, session_id: bytes) -> None:
        with self._lock:
            self._entries.pop(session_id, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass(frozen=True)
class TicketKey:
    """One ticket key: a 16-byte name sent in the clear and an AES-256-GCM key."""

    name: bytes
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.name) != KEY_NAME_SIZE or len(self.key) != 32:
            raise ValueError("a ticket key is a 16-byte name and a 32-byte AES-256 key")
        object.__setattr__(self, "_aead", AESGCM(self.key))

    @classmethod
    def generate(cls, random: Callable[[int], bytes]) -> TicketKey:
        return cls(random(KEY_NAME_SIZE), random(32))

    @property
    def aead(self) -> AESGCM:
        return self._aead  # type: ignore[attr-defined,no-any-return]


class TicketKeys:
    """The keys a server seals and opens tickets with: the first seals, every one opens.

    :meth:`rotate` puts a new key first and keeps up to ``keep`` earlier ones, so tickets issued
    before a rotation are still accepted (and renewed under the new key). Thread-safe."""

    def __init__(self, keys: Sequence[TicketKey], *, keep: int = 2) -> None:
        if not keys:
            raise ValueError("TicketKeys needs at least one key")
        self.keep = keep
        self._keys: tuple[TicketKey, ...] = tuple(keys)
        self._lock = threading.Lock()

    @classmethod
    def generate(cls, random: Callable[[int], bytes], *, keep: int = 2) -> TicketKeys:
        return cls([TicketKey.generate(random)], keep=keep)

    @property
    def current(self) -> TicketKey:
        return self._keys[0]

    @property
    def keys(self) -> tuple[TicketKey, ...]:
        return self._keys

    def rotate(self, key: TicketKey | None = None, *, random: Any = None) -> TicketKey:
        """Make ``key`` (a new random key when None) the sealing key; return it."""
        if key is None:
            import os

            key = TicketKey.generate(random or os.urandom)
        with self._lock:
            self._keys = (key, *self._keys[: self.keep])
        return key

    def seal(self, state: SessionState, random: Callable[[int], bytes]) -> bytes:
        key = self._keys[0]
        nonce = random(NONCE_SIZE)
        sealed = key.aead.encrypt(nonce, state.to_bytes(), key.name)
        return key.name + nonce + sealed

    def open(self, ticket: bytes) -> tuple[SessionState, bool] | None:
        """The state in ``ticket`` and whether it was sealed under an older key (so should be
        renewed), or None when the ticket is not ours, was altered, or does not parse."""
        if len(ticket) < KEY_NAME_SIZE + NONCE_SIZE + 16:  # name, nonce, GCM tag
            return None
        name = ticket[:KEY_NAME_SIZE]
        nonce = ticket[KEY_NAME_SIZE : KEY_NAME_SIZE + NONCE_SIZE]
        for i, key in enumerate(self._keys):
            if key.name == name:
                try:
                    plain = key.aead.decrypt(nonce, ticket[KEY_NAME_SIZE + NONCE_SIZE :], name)
                except InvalidTag:
                    return None
                state = SessionState.from_bytes(plain)
                return (state, i > 0) if state is not None else None
        return None
