"""Immutable client and server configuration, validated once when built.

A bad cipher name, a key that does not match its certificate or a client-auth mode without a trust
store fails here with :class:`~tls.errors.ConfigError`, never in the middle of a handshake.
Randomness and time come in through the configuration so a handshake can be replayed byte for byte.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from records.registry import NamedGroup, SignatureScheme

from .errors import ConfigError
from .keyexchange import DEFAULT_FFDHE_GROUPS as FFDHE_GROUPS
from .keyexchange import DEFAULT_GROUPS, parse_groups_list
from .session import DEFAULT_LIFETIME, SessionCache, TicketKeys
from .signatures import DEFAULT_SIGNATURE_SCHEMES, parse_sigalgs_list, uses_rsa_pss_oid
from .suites import DEFAULT_SUITES, Auth, SuiteInfo, parse_cipher_list
from .trust import AllowList, TrustStore, check_key_matches, load_certificates, load_private_key

#: Called with each NSS key log line (without newline), e.g. ``CLIENT_RANDOM <hex> <hex>``.
KeyLogCallback = Callable[[str], None]
#: Called with ("sent" | "received", message object) for every handshake message (``--msg``).
MessageCallback = Callable[[str, Any], None]


class ClientAuth(StrEnum):
    """Server policy for client certificates."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class Credentials:
    """A certificate chain (leaf first) and the private key of its leaf."""

    chain: tuple[x509.Certificate, ...]
    private_key: Any

    def __post_init__(self) -> None:
        if not self.chain:
            raise ConfigError("credentials need at least one certificate")
        check_key_matches(self.private_key, self.chain[0])
        object.__setattr__(self, "_der", tuple(c.public_bytes(_DER) for c in self.chain))

    @classmethod
    def load(
        cls,
        certfile: str | Path | bytes,
        keyfile: str | Path | bytes | None = None,
        password: bytes | str | None = None,
    ) -> Credentials:
        """Load a PEM chain (leaf first) and its key; ``keyfile`` may be omitted when the key is
        in ``certfile`` too (as ssl.SSLContext.load_cert_chain allows)."""
        chain = load_certificates(certfile)
        key = load_private_key(keyfile if keyfile is not None else certfile, password)
        return cls(tuple(chain), key)

    @property
    def chain_der(self) -> tuple[bytes, ...]:
        return self._der  # type: ignore[attr-defined,no-any-return]

    @property
    def auth(self) -> Auth | None:
        """The suite authentication this key can serve (RSA or ECDSA; EdDSA serves ECDSA suites)."""
        key = self.private_key
        if isinstance(key, rsa.RSAPrivateKey):
            return Auth.RSA
        if isinstance(
            key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey
        ):
            return Auth.ECDSA
        return None

    @property
    def leaf(self) -> x509.Certificate:
        return self.chain[0]

    @property
    def rsa_pss_oid(self) -> bool:
        """The leaf's key is RSASSA-PSS (it may only sign with rsa_pss_pss_* schemes)."""
        return uses_rsa_pss_oid(self.chain[0])


_DER = Encoding.DER


def _suites(value: str | Sequence[SuiteInfo] | None) -> tuple[SuiteInfo, ...]:
    if value is None:
        return DEFAULT_SUITES
    if isinstance(value, str):
        return parse_cipher_list(value)
    out = tuple(value)
    if not out:
        raise ConfigError("cipher suite list is empty")
    return out


def _groups(value: str | Sequence[int] | None, default: Sequence[NamedGroup]) -> tuple[int, ...]:
    if value is None:
        return tuple(default)
    if isinstance(value, str):
        return tuple(parse_groups_list(value))
    return tuple(value)


def _schemes(value: str | Sequence[int] | None) -> tuple[int, ...]:
    if value is None:
        return tuple(DEFAULT_SIGNATURE_SCHEMES)
    if isinstance(value, str):
        return tuple(parse_sigalgs_list(value))
    return tuple(value)


def _alpn(protocols: Sequence[str | bytes]) -> tuple[bytes, ...]:
    out = tuple(p.encode("ascii") if isinstance(p, str) else bytes(p) for p in protocols)
    for p in out:
        if not 1 <= len(p) <= 255:
            raise ConfigError(f"ALPN protocol name {p!r} must be 1..255 bytes")
    return out


@dataclass(frozen=True)
class _Common:
    cipher_suites: tuple[SuiteInfo, ...] = DEFAULT_SUITES
    groups: tuple[int, ...] = tuple(DEFAULT_GROUPS)
    signature_schemes: tuple[int, ...] = tuple(DEFAULT_SIGNATURE_SCHEMES)
    alpn_protocols: tuple[bytes, ...] = ()
    random: Callable[[int], bytes] = os.urandom
    now: Callable[[], datetime] | None = None
    keylog: KeyLogCallback | None = None
    msg_callback: MessageCallback | None = None


@dataclass(frozen=True)
class ClientConfig(_Common):
    """What a client offers and how it checks the server.

    ``trust`` defaults to the system CA store. ``insecure_skip_verify=True`` turns off every check
    of the server certificate: it is insecure and named so. ``pinned`` accepts exactly the listed
    server certificates (by SHA-256) even when self-signed.
    """

    server_name: str | None = None
    trust: TrustStore | None = None
    pinned: AllowList | None = None
    insecure_skip_verify: bool = False
    #: check the server certificate names ``server_name`` (turn off only for pinned or private
    #: deployments where the name is meaningless; the chain is still validated)
    check_hostname: bool = True
    credentials: tuple[Credentials, ...] = ()
    offer_encrypt_then_mac: bool = True
    offer_extended_master_secret: bool = True
    #: send the session_ticket extension (RFC 5077): ask for a ticket, offer a session's ticket
    session_tickets: bool = True

    @classmethod
    def create(
        cls,
        *,
        server_name: str | None = None,
        cafile: str | Path | None = None,
        trust: TrustStore | None = None,
        pinned: Sequence[str] | AllowList | None = None,
        insecure_skip_verify: bool = False,
        certfile: str | Path | None = None,
        keyfile: str | Path | None = None,
        password: bytes | str | None = None,
        credentials: Sequence[Credentials] = (),
        ciphers: str | Sequence[SuiteInfo] | None = None,
        groups: str | Sequence[int] | None = None,
        sigalgs: str | Sequence[int] | None = None,
        alpn: Sequence[str | bytes] = (),
        **kw: Any,
    ) -> ClientConfig:
        """Build a client configuration from file names and OpenSSL-style lists."""
        if cafile is not None:
            if trust is not None:
                raise ConfigError("give either cafile or trust, not both")
            trust = TrustStore.from_pem(cafile)
        creds = list(credentials)
        if certfile is not None:
            creds.append(Credentials.load(certfile, keyfile, password))
        if pinned is not None and not isinstance(pinned, AllowList):
            pinned = AllowList.from_items(list(pinned))
        return cls(
            server_name=server_name,
            trust=trust,
            pinned=pinned,
            insecure_skip_verify=insecure_skip_verify,
            credentials=tuple(creds),
            cipher_suites=_suites(ciphers),
            groups=_groups(groups, DEFAULT_GROUPS),
            signature_schemes=_schemes(sigalgs),
            alpn_protocols=_alpn(alpn),
            **kw,
        )

    def __post_init__(self) -> None:
        _validate_common(self)
        if self.trust is None and not self.insecure_skip_verify and self.pinned is None:
            object.__setattr__(self, "trust", TrustStore.system())


@dataclass(frozen=True)
class ServerConfig(_Common):
    """Server certificates, what it accepts, and its client-certificate policy.

    ``client_auth`` is none / optional / required. With optional or required, ``client_trust``
    (the CAs whose client certificates are accepted) and/or ``client_allow_list`` (exact client
    certificates accepted, by SHA-256; a listed self-signed certificate works without a CA) must be
    given. When both are given, a certificate must chain to a trusted CA *and* be listed.
    """

    credentials: tuple[Credentials, ...] = ()
    client_auth: ClientAuth = ClientAuth.NONE
    client_trust: TrustStore | None = None
    client_allow_list: AllowList | None = None
    dhe_groups: tuple[int, ...] = tuple(FFDHE_GROUPS)
    groups: tuple[int, ...] = tuple(DEFAULT_GROUPS)
    #: Called with the ClientHello's SNI host name (None without SNI) before the server chooses
    #: anything; may return a replacement ServerConfig (other certificate, policy) or None, or
    #: raise TLSLocalAlert to refuse (ssl's ``sni_callback``).
    sni_callback: Callable[[str | None], ServerConfig | None] | None = None
    #: Session resumption (tls.session). ``session_cache``: give each full handshake a session
    #: ID and keep the session in ``sessions`` (shared by every connection of this configuration
    #: and the copies ``dataclasses.replace`` makes of it). ``session_tickets``: issue RFC 5077
    #: tickets to clients that ask, sealed with ``ticket_keys`` (random when not given; call
    #: ``ticket_keys.rotate()`` to change them). Sessions and tickets live ``ticket_lifetime``
    #: seconds (also the NewSessionTicket lifetime hint).
    session_cache: bool = True
    session_tickets: bool = True
    ticket_lifetime: int = DEFAULT_LIFETIME
    ticket_keys: TicketKeys | None = None
    sessions: SessionCache | None = None
    session_cache_size: int = 20000

    @classmethod
    def create(
        cls,
        *,
        certfile: str | Path | Sequence[str | Path] | None = None,
        keyfile: str | Path | Sequence[str | Path] | None = None,
        password: bytes | str | None = None,
        credentials: Sequence[Credentials] = (),
        verify: str | ClientAuth = ClientAuth.NONE,
        cafile: str | Path | None = None,
        allow_clients: Sequence[str] | AllowList | None = None,
        ciphers: str | Sequence[SuiteInfo] | None = None,
        groups: str | Sequence[int] | None = None,
        sigalgs: str | Sequence[int] | None = None,
        alpn: Sequence[str | bytes] = (),
        **kw: Any,
    ) -> ServerConfig:
        """Build a server configuration from file names and OpenSSL-style lists. ``certfile`` and
        ``keyfile`` may be lists to serve an RSA and an ECDSA certificate side by side."""
        creds = list(credentials)
        if certfile is not None:
            certs = [certfile] if isinstance(certfile, str | Path) else list(certfile)
            keys: list[Any]
            if keyfile is None:
                keys = [None] * len(certs)
            else:
                keys = [keyfile] if isinstance(keyfile, str | Path) else list(keyfile)
            if len(keys) != len(certs):
                raise ConfigError("give one key file per certificate file")
            creds.extend(Credentials.load(c, k, password) for c, k in zip(certs, keys, strict=True))
        all_groups = _groups(groups, DEFAULT_GROUPS)
        ec_groups = tuple(g for g in all_groups if g not in FFDHE_GROUPS) or tuple(DEFAULT_GROUPS)
        dhe = tuple(g for g in all_groups if g in FFDHE_GROUPS) or tuple(FFDHE_GROUPS)
        if allow_clients is not None and not isinstance(allow_clients, AllowList):
            allow_clients = AllowList.from_items(list(allow_clients))
        return cls(
            credentials=tuple(creds),
            client_auth=ClientAuth(verify),
            client_trust=TrustStore.from_pem(cafile) if cafile is not None else None,
            client_allow_list=allow_clients,
            cipher_suites=_suites(ciphers),
            groups=ec_groups,
            dhe_groups=dhe,
            signature_schemes=_schemes(sigalgs),
            alpn_protocols=_alpn(alpn),
            **kw,
        )

    def __post_init__(self) -> None:
        _validate_common(self)
        if not self.credentials:
            raise ConfigError("a server needs at least one certificate and key")
        object.__setattr__(self, "client_auth", ClientAuth(self.client_auth))
        if self.client_auth is not ClientAuth.NONE and (
            self.client_trust is None and self.client_allow_list is None
        ):
            raise ConfigError(
                f"client_auth={self.client_auth.value} needs client_trust (CA file) or "
                "client_allow_list (accepted client certificates)"
            )
        if self.ticket_lifetime <= 0:
            raise ConfigError(f"ticket_lifetime must be positive, got {self.ticket_lifetime}")
        if self.session_cache and self.sessions is None:
            object.__setattr__(
                self, "sessions", SessionCache(self.session_cache_size, self.ticket_lifetime)
            )
        if self.session_tickets and self.ticket_keys is None:
            object.__setattr__(self, "ticket_keys", TicketKeys.generate(self.random))
        auths = {c.auth for c in self.credentials}
        if not any(s.auth in auths for s in self.cipher_suites):
            names = ", ".join(s.name for s in self.cipher_suites)
            raise ConfigError(f"no configured suite can use the server's key types: {names}")


def _validate_common(cfg: _Common) -> None:
    if not cfg.cipher_suites:
        raise ConfigError("no cipher suites configured")
    if not cfg.signature_schemes:
        raise ConfigError("no signature schemes configured")
    for s in cfg.signature_schemes:
        try:
            SignatureScheme(s)
        except ValueError:
            raise ConfigError(f"unknown signature scheme 0x{s:04x}") from None
    object.__setattr__(cfg, "groups", tuple(cfg.groups))
    object.__setattr__(cfg, "alpn_protocols", _alpn(cfg.alpn_protocols))


__all__ = ["ClientAuth", "ClientConfig", "Credentials", "ServerConfig"]
