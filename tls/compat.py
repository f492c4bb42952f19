"""A drop-in for Python's :mod:`ssl`: an :class:`ssl.SSLContext` whose connections run on tls12.

    import tls
    ctx = tls.create_default_context(cafile="ca.pem")       # instead of ssl.create_default_context
    urllib.request.urlopen("https://localhost:8443/", context=ctx)
    await asyncio.open_connection("localhost", 8443, ssl=ctx)

:class:`SSLContext` subclasses :class:`ssl.SSLContext` (asyncio and http.client check
``isinstance``) and overrides the two C entry points every ``ssl`` object goes through,
``_wrap_socket`` and ``_wrap_bio``. They return a :class:`TLSObject` instead of OpenSSL's
``_ssl._SSLSocket``: the same method set (do_handshake, read, write, shutdown, getpeercert,
cipher, ...) implemented as a thin loop around the sans-IO :class:`~tls.connection.TLSConnection`.
The stdlib's own :class:`ssl.SSLSocket` / :class:`ssl.SSLObject` Python code is reused unchanged
(subclassed as :class:`SSLSocket` / :class:`SSLObject`), so recv/send/sendall/makefile/accept/
connect/suppress_ragged_eofs behave exactly as with ``ssl``. OpenSSL does no protocol work: its
context object exists (the base class allocates it) but never sees a byte; the only thing asked of
it is to expand an OpenSSL cipher-string expression in :meth:`SSLContext.set_ciphers`.

Errors are ``ssl``'s exception types (SSLCertVerificationError with verify_code/verify_message,
SSLEOFError, SSLZeroReturnError, SSLWantReadError/SSLWantWriteError, SSLError) carrying tls12's
messages, so urllib's URLError wrapping and asyncio's error handling work unchanged.

Session resumption works as with ``ssl``: a client's ``session`` (an :class:`SSLSession`, ssl's
SSLSession interface over a :class:`tls.session.Session`) can be set on another client of the same
context, or passed as ``wrap_socket(..., session=)`` / ``wrap_bio(..., session=)``, to offer it;
``session_reused`` says whether the server took it. A server context keeps one session cache and
one set of RFC 5077 ticket keys for all its connections; ``OP_NO_TICKET`` in ``options`` turns
tickets off (session IDs only). ``session_stats()`` counts handshakes, hits and misses as OpenSSL
does.

TLS 1.2 only: a context refuses PROTOCOL_TLSv1/TLSv1_1 and any minimum/maximum version other than
TLS 1.2.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import hashlib
import ipaddress
import os
import socket
import ssl
import threading
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path

# The same objects as ssl's, so code written for ssl needs only a different import.
from ssl import (
    CERT_NONE,
    CERT_OPTIONAL,
    CERT_REQUIRED,
    CHANNEL_BINDING_TYPES,
    OP_ALL,
    OP_CIPHER_SERVER_PREFERENCE,
    OP_NO_COMPRESSION,
    OP_NO_RENEGOTIATION,
    OP_NO_TICKET,
    PROTOCOL_TLS,
    PROTOCOL_TLS_CLIENT,
    PROTOCOL_TLS_SERVER,
    MemoryBIO,
    OP_NO_SSLv2,
    OP_NO_SSLv3,
    OP_NO_TLSv1,
    OP_NO_TLSv1_1,
    OP_NO_TLSv1_2,
    OP_NO_TLSv1_3,
    Options,
    PROTOCOL_SSLv23,
    PROTOCOL_TLSv1,
    PROTOCOL_TLSv1_1,
    PROTOCOL_TLSv1_2,
    Purpose,
    SSLCertVerificationError,
    SSLEOFError,
    SSLError,
    SSLSyscallError,
    SSLWantReadError,
    SSLWantWriteError,
    SSLZeroReturnError,
    TLSVersion,
    VerifyFlags,
    VerifyMode,
)
from ssl import (
    CertificateError as SSLCertificateError,
)
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID

from records.errors import DecodeError
from records.extensions import SessionTicketExtension
from records.handshake import ClientHello, Finished, split_handshake
from records.registry import AlertDescription, HandshakeType

from .config import ClientAuth, ClientConfig, Credentials, ServerConfig
from .connection import TLSConnection
from .errors import (
    CertificateError,
    ConfigError,
    TLSClosedError,
    TLSError,
    TLSLocalAlert,
    TLSRemoteAlert,
    TruncationError,
)
from .events import ApplicationData, ConnectionClosed
from .keyexchange import FFDHE_GENERATOR, FFDHE_PRIMES, parse_groups_list
from .session import DEFAULT_LIFETIME, Session, SessionCache, TicketKeys
from .suites import DEFAULT_SUITES, SUITES, Auth, KeyExchange, SuiteInfo, suite_by_name
from .trust import TrustStore, load_certificates, load_private_key

__all__ = [
    "CERT_NONE",
    "CERT_OPTIONAL",
    "CERT_REQUIRED",
    "OP_ALL",
    "OP_CIPHER_SERVER_PREFERENCE",
    "OP_NO_COMPRESSION",
    "OP_NO_RENEGOTIATION",
    "OP_NO_TICKET",
    "PROTOCOL_TLS",
    "PROTOCOL_TLS_CLIENT",
    "PROTOCOL_TLS_SERVER",
    "MemoryBIO",
    "OP_NO_SSLv2",
    "OP_NO_SSLv3",
    "OP_NO_TLSv1",
    "OP_NO_TLSv1_1",
    "OP_NO_TLSv1_2",
    "OP_NO_TLSv1_3",
    "Options",
    "PROTOCOL_SSLv23",
    "PROTOCOL_TLSv1",
    "PROTOCOL_TLSv1_1",
    "PROTOCOL_TLSv1_2",
    "Purpose",
    "SSLCertVerificationError",
    "SSLCertificateError",
    "SSLContext",
    "SSLEOFError",
    "SSLError",
    "SSLObject",
    "SSLSession",
    "SSLSocket",
    "SSLSyscallError",
    "SSLWantReadError",
    "SSLWantWriteError",
    "SSLZeroReturnError",
    "TLSObject",
    "TLSVersion",
    "VerifyFlags",
    "VerifyMode",
    "create_default_context",
    "decode_certificate",
]

_RECV_SIZE = 65536
_STAT_KEYS = (
    "number",
    "connect",
    "connect_good",
    "connect_renegotiate",
    "accept",
    "accept_good",
    "accept_renegotiate",
    "hits",
    "misses",
    "timeouts",
    "cache_full",
)
_VERSION_NAME = "TLSv1.2"
_USABLE_VERSIONS = (TLSVersion.TLSv1_2, TLSVersion.MINIMUM_SUPPORTED, TLSVersion.MAXIMUM_SUPPORTED)

# ------------------------------------------------------------------------------------ errors

# OpenSSL's X509_V_ERR_* codes and texts (openssl/x509_vfy.h, X509_verify_cert_error_string),
# so programs that look at verify_code / verify_message keep working.
_V_UNSPECIFIED = (1, "unspecified certificate verification error")
_V_SIGNATURE = (7, "certificate signature failure")
_V_NOT_YET_VALID = (9, "certificate is not yet valid")
_V_EXPIRED = (10, "certificate has expired")
_V_SELF_SIGNED = (18, "self-signed certificate")
_V_LOCAL_ISSUER = (20, "unable to get local issuer certificate")
_V_PURPOSE = (26, "unsupported certificate purpose")
_V_HOSTNAME = (62, "Hostname mismatch")
_V_IP = (64, "IP address mismatch")

# Alerts that SSL 3.0 already had are named SSLV3_ALERT_* by OpenSSL, the others TLSV1_ALERT_*.
_SSL3_ALERTS = {
    AlertDescription.close_notify,
    AlertDescription.unexpected_message,
    AlertDescription.bad_record_mac,
    AlertDescription.decompression_failure_RESERVED,
    AlertDescription.handshake_failure,
    AlertDescription.bad_certificate,
    AlertDescription.unsupported_certificate,
    AlertDescription.certificate_revoked,
    AlertDescription.certificate_expired,
    AlertDescription.certificate_unknown,
    AlertDescription.illegal_parameter,
}


def _ssl_error(cls: type[SSLError], code: int, reason: str, text: str) -> SSLError:
    """An ssl exception shaped like _ssl.c's: args (code, message), .reason and .library set."""
    exc = cls(code, f"[SSL: {reason}] {text}")
    exc.reason = reason  # type: ignore[attr-defined]
    exc.library = "SSL"  # type: ignore[attr-defined]
    return exc


def _want_read() -> SSLWantReadError:
    exc = SSLWantReadError(ssl.SSL_ERROR_WANT_READ, "The operation did not complete (read)")
    exc.reason = exc.library = None  # type: ignore[attr-defined,assignment]
    return exc


def _want_write() -> SSLWantWriteError:
    exc = SSLWantWriteError(ssl.SSL_ERROR_WANT_WRITE, "The operation did not complete (write)")
    exc.reason = exc.library = None  # type: ignore[attr-defined,assignment]
    return exc


def _verify_code(exc: CertificateError, server_name: str | None) -> tuple[int, str]:
    """OpenSSL's verify code for a tls12 certificate failure (alert plus the reason in the
    message, whose wording tls.trust documents; tests/test_compat_memory.py pins each case)."""
    text = exc.message
    desc = exc.description
    if desc == AlertDescription.certificate_expired:
        return _V_NOT_YET_VALID if "not valid before" in text else _V_EXPIRED
    if desc == AlertDescription.unknown_ca:
        return _V_SELF_SIGNED if "self-signed" in text else _V_LOCAL_ISSUER
    if desc == AlertDescription.unsupported_certificate:
        return _V_PURPOSE
    if "host name" in text:
        try:
            ipaddress.ip_address((server_name or "").strip("[]"))
        except ValueError:
            kind = _V_HOSTNAME
        else:
            kind = _V_IP
        return kind[0], f"{kind[1]}, certificate is not valid for {server_name!r}."
    if "signature" in text:
        return _V_SIGNATURE
    return _V_UNSPECIFIED


def _alert_reason(description: int) -> str:
    try:
        name = AlertDescription(description).name.upper()
    except ValueError:
        return f"TLSV1_ALERT_{description}"
    return ("SSLV3_ALERT_" if description in _SSL3_ALERTS else "TLSV1_ALERT_") + name


def to_ssl_error(exc: BaseException, server_name: str | None = None) -> OSError:
    """The ssl exception for a tls12 error, keeping tls12's message (and the original as
    ``__cause__``). Non-TLS errors (OSError from the transport) are returned unchanged."""
    if isinstance(exc, OSError) and not isinstance(exc, TLSError):
        return exc
    text = str(exc)
    out: SSLError
    if isinstance(exc, CertificateError) and exc.description not in (
        AlertDescription.handshake_failure,
        AlertDescription.access_denied,
    ):
        code, message = _verify_code(exc, server_name)
        out = _ssl_error(
            SSLCertVerificationError,
            ssl.SSL_ERROR_SSL,
            "CERTIFICATE_VERIFY_FAILED",
            f"certificate verify failed: {message} ({text})",
        )
        out.verify_code = code  # type: ignore[attr-defined]
        out.verify_message = message  # type: ignore[attr-defined]
    elif isinstance(exc, CertificateError):
        out = _ssl_error(
            SSLError,
            ssl.SSL_ERROR_SSL,
            "PEER_DID_NOT_RETURN_A_CERTIFICATE"
            if exc.description == AlertDescription.handshake_failure
            else _alert_reason(exc.description),
            text,
        )
    elif isinstance(exc, TruncationError):
        out = _ssl_error(
            SSLEOFError,
            ssl.SSL_ERROR_EOF,
            "UNEXPECTED_EOF_WHILE_READING",
            f"EOF occurred in violation of protocol: {text}",
        )
    elif isinstance(exc, TLSRemoteAlert) and exc.description == AlertDescription.close_notify:
        out = _ssl_error(
            SSLZeroReturnError,
            ssl.SSL_ERROR_ZERO_RETURN,
            "ZERO_RETURN",
            f"TLS/SSL connection has been closed (EOF): {text}",
        )
    elif isinstance(exc, TLSRemoteAlert):
        out = _ssl_error(SSLError, ssl.SSL_ERROR_SSL, _alert_reason(exc.description), text)
    elif isinstance(exc, TLSLocalAlert):
        reason = {
            AlertDescription.bad_record_mac: "DECRYPTION_FAILED_OR_BAD_RECORD_MAC",
            AlertDescription.protocol_version: "UNSUPPORTED_PROTOCOL",
        }.get(exc.description, exc.alert_name.upper())  # type: ignore[call-overload]
        out = _ssl_error(SSLError, ssl.SSL_ERROR_SSL, reason, text)
    elif isinstance(exc, TLSClosedError):
        out = _ssl_error(SSLError, ssl.SSL_ERROR_SSL, "PROTOCOL_IS_SHUTDOWN", text)
    else:
        out = _ssl_error(SSLError, ssl.SSL_ERROR_SSL, "TLS12_ERROR", text)
    out.__cause__ = exc
    return out


def _config_error(exc: ConfigError) -> SSLError:
    text = str(exc)
    reason = "KEY_VALUES_MISMATCH" if "does not match" in text else "TLS12_CONFIG"
    out = _ssl_error(SSLError, ssl.SSL_ERROR_SSL, reason, text)
    out.__cause__ = exc
    return out


# ------------------------------------------------------------------------------------ certs

# OpenSSL's long names (OBJ_nid2ln) for the attributes ssl's getpeercert() shows.
_LONG_NAMES = {
    "2.5.4.3": "commonName",
    "2.5.4.4": "surname",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "countryName",
    "2.5.4.7": "localityName",
    "2.5.4.8": "stateOrProvinceName",
    "2.5.4.9": "streetAddress",
    "2.5.4.10": "organizationName",
    "2.5.4.11": "organizationalUnitName",
    "2.5.4.12": "title",
    "2.5.4.13": "description",
    "2.5.4.15": "businessCategory",
    "2.5.4.17": "postalCode",
    "2.5.4.41": "name",
    "2.5.4.42": "givenName",
    "2.5.4.43": "initials",
    "2.5.4.44": "generationQualifier",
    "2.5.4.45": "x500UniqueIdentifier",
    "2.5.4.46": "dnQualifier",
    "2.5.4.65": "pseudonym",
    "2.5.4.97": "organizationIdentifier",
    "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.1": "userId",
    "0.9.2342.19200300.100.1.25": "domainComponent",
    "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionLocalityName",
    "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionStateOrProvinceName",
    "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionCountryName",
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _name_tuple(name: x509.Name) -> tuple[tuple[tuple[str, str], ...], ...]:
    return tuple(
        tuple(
            (_LONG_NAMES.get(a.oid.dotted_string, a.oid.dotted_string), str(a.value)) for a in rdn
        )
        for rdn in name.rdns
    )


def _asn1_time(when: Any) -> str:
    """OpenSSL's ASN1_TIME_print format, as in ssl: 'Mar  7 16:21:36 2029 GMT'."""
    return (
        f"{_MONTHS[when.month - 1]} {when.day:2d} {when.hour:02d}:{when.minute:02d}:"
        f"{when.second:02d} {when.year} GMT"
    )


def _ip_text(address: Any) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        p = address.packed
        return ":".join(f"{(p[i] << 8) | p[i + 1]:X}" for i in range(0, 16, 2))
    return str(address)


def _general_name(gn: x509.GeneralName) -> tuple[str, Any]:
    if isinstance(gn, x509.DNSName):
        return ("DNS", gn.value)
    if isinstance(gn, x509.IPAddress):
        return ("IP Address", _ip_text(gn.value))
    if isinstance(gn, x509.RFC822Name):
        return ("email", gn.value)
    if isinstance(gn, x509.UniformResourceIdentifier):
        return ("URI", gn.value)
    if isinstance(gn, x509.DirectoryName):
        return ("DirName", _name_tuple(gn.value))
    if isinstance(gn, x509.RegisteredID):
        return ("Registered ID", gn.value.dotted_string)
    return ("othername", "<unsupported>")


def decode_certificate(cert: x509.Certificate) -> dict[str, Any]:
    """A certificate in the dict shape of ``ssl.SSLSocket.getpeercert()`` (and of
    ``ssl._ssl._test_decode_cert``, which tests compare this against)."""
    out: dict[str, Any] = {
        "subject": _name_tuple(cert.subject),
        "issuer": _name_tuple(cert.issuer),
        "version": cert.version.value + 1,
    }
    serial = f"{cert.serial_number:X}"
    out["serialNumber"] = ("0" + serial) if len(serial) % 2 else serial
    out["notBefore"] = _asn1_time(cert.not_valid_before_utc)
    out["notAfter"] = _asn1_time(cert.not_valid_after_utc)
    exts = cert.extensions
    try:
        san = exts.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        out["subjectAltName"] = tuple(_general_name(g) for g in san)  # type: ignore[attr-defined]
    except x509.ExtensionNotFound:
        pass
    try:
        aia = exts.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
        for key, oid in (
            ("OCSP", AuthorityInformationAccessOID.OCSP),
            ("caIssuers", AuthorityInformationAccessOID.CA_ISSUERS),
        ):
            uris = tuple(
                d.access_location.value
                for d in aia  # type: ignore[attr-defined]
                if d.access_method == oid
                and isinstance(d.access_location, x509.UniformResourceIdentifier)
            )
            if uris:
                out[key] = uris
    except x509.ExtensionNotFound:
        pass
    try:
        cdp = exts.get_extension_for_oid(ExtensionOID.CRL_DISTRIBUTION_POINTS).value
        uris = tuple(
            n.value
            for dp in cdp  # type: ignore[attr-defined]
            for n in (dp.full_name or ())  # type: ignore[attr-defined]
            if isinstance(n, x509.UniformResourceIdentifier)
        )
        if uris:
            out["crlDistributionPoints"] = uris
    except x509.ExtensionNotFound:
        pass
    return out


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def _split_der(data: bytes) -> list[bytes]:
    """Concatenated DER certificates (ssl's ``cadata`` bytes) split at their SEQUENCE bounds."""
    out: list[bytes] = []
    pos = 0
    while pos < len(data):
        if data[pos] != 0x30 or pos + 2 > len(data):
            raise SSLError(ssl.SSL_ERROR_SSL, f"cadata: no DER certificate at offset {pos}")
        first = data[pos + 1]
        if first < 0x80:
            length, head = first, 2
        else:
            n = first & 0x7F
            if n == 0 or n > 4 or pos + 2 + n > len(data):
                raise SSLError(ssl.SSL_ERROR_SSL, f"cadata: bad DER length at offset {pos}")
            length, head = int.from_bytes(data[pos + 2 : pos + 2 + n], "big"), 2 + n
        end = pos + head + length
        if end > len(data):
            raise SSLError(
                ssl.SSL_ERROR_SSL,
                f"cadata: DER certificate at offset {pos} is "
                f"truncated ({len(data) - pos} of {end - pos} bytes)",
            )
        out.append(bytes(data[pos:end]))
        pos = end
    return out


@functools.lru_cache(maxsize=1)
def _system_certificates() -> tuple[x509.Certificate, ...]:
    try:
        return TrustStore.system().certificates
    except ConfigError:
        return ()  # like OpenSSL's set_default_verify_paths: no system store is not an error


def _suite_bits(suite: SuiteInfo) -> int:
    return suite.key_length * 8


def _cipher_tuple(suite: SuiteInfo) -> tuple[str, str, int]:
    return (suite.openssl_name, _VERSION_NAME, _suite_bits(suite))


def _cipher_dict(suite: SuiteInfo) -> dict[str, Any]:
    """One entry of ``SSLContext.get_ciphers()``, in OpenSSL's vocabulary."""
    bits = _suite_bits(suite)
    symmetric = suite.cipher.value.lower().replace("_", "-")
    symmetric = symmetric.replace("chacha20-poly1305", "chacha20-poly1305")
    kx = {KeyExchange.ECDHE: "ECDH", KeyExchange.DHE: "DH", KeyExchange.RSA: "RSA"}[suite.kex]
    enc = {
        "AES_128_GCM": "AESGCM(128)",
        "AES_256_GCM": "AESGCM(256)",
        "CHACHA20_POLY1305": "CHACHA20/POLY1305(256)",
        "AES_128_CBC": "AES(128)",
        "AES_256_CBC": "AES(256)",
    }[suite.cipher.value]
    mac = "AEAD" if suite.is_aead else (suite.mac or "").upper().replace("SHA", "SHA")
    return {
        "id": 0x03000000 | suite.code,
        "name": suite.openssl_name,
        "protocol": _VERSION_NAME,
        "description": f"{suite.openssl_name} {_VERSION_NAME} Kx={kx} Au={suite.auth.value} "
        f"Enc={enc} Mac={mac}",
        "strength_bits": bits,
        "alg_bits": bits,
        "aead": suite.is_aead,
        "symmetric": symmetric,
        "digest": None if suite.is_aead else suite.mac,
        "kea": f"kx-{suite.kex.value.lower()}",
        "auth": f"auth-{suite.auth.value.lower()}",
    }


def _parse_ciphers(spec: str) -> tuple[SuiteInfo, ...]:
    """A list of exact suite names (IANA or OpenSSL) is taken as is, in order. Anything else is
    an OpenSSL cipher-string expression (``ECDHE+AESGCM:!aNULL``, ``HIGH``, ``DEFAULT``...):
    OpenSSL's own parser expands it (no protocol work: the scratch context is then dropped),
    and the suites tls12 implements are kept in that order."""
    tokens = [t.strip() for t in spec.split(":") if t.strip()]
    try:
        return tuple(dict.fromkeys(suite_by_name(t) for t in tokens))
    except ConfigError:
        pass
    scratch = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    parts = []
    for token in spec.split(":"):  # IANA names inside an expression: OpenSSL spells them
        try:
            parts.append(suite_by_name(token).openssl_name)
        except ConfigError:
            parts.append(token)
    try:
        scratch.set_ciphers(":".join(parts))
    except SSLError as exc:
        raise _ssl_error(
            SSLError,
            ssl.SSL_ERROR_SSL,
            "NO_CIPHER_MATCH",
            f"No cipher can be selected: {spec!r} matches no cipher suite",
        ) from exc
    by_openssl = {s.openssl_name: s for s in SUITES}
    found = tuple(by_openssl[c["name"]] for c in scratch.get_ciphers() if c["name"] in by_openssl)
    if not found:
        raise _ssl_error(
            SSLError,
            ssl.SSL_ERROR_SSL,
            "NO_CIPHER_MATCH",
            f"No cipher can be selected: {spec!r} matches no TLS 1.2 suite that tls12 implements",
        )
    return found


def _check_file(path: Any, what: str) -> str | bytes:
    name = os.fspath(path)
    if not os.path.exists(name):
        raise FileNotFoundError(errno.ENOENT, f"{what}: {os.strerror(errno.ENOENT)}", name)
    return name


# ------------------------------------------------------------------------------------ sessions


class SSLSession:
    """ssl.SSLSession's interface over a tls12 :class:`~tls.session.Session` (ssl's class has no
    Python constructor). Returned by a client's ``session``; offered again by setting it on
    another client of the same :class:`SSLContext` before its handshake.

    The values follow OpenSSL 3's TLS 1.2 client (checked against it in
    tests/test_compat_resumption.py): ``id`` is the server's session ID, or the SHA-256 of the
    ticket when there is one (OpenSSL's tls_process_new_session_ticket names ticket sessions so);
    ``timeout`` is the client's session timeout, OpenSSL's default of 7200 s whatever the
    ticket's lifetime hint. Equal when the ids are; unhashable, as ssl.SSLSession."""

    __slots__ = ("_context", "_session")

    def __init__(self, session: Session, context: SSLContext) -> None:
        self._session = session
        self._context = context

    @property
    def tls12_session(self) -> Session:
        """The tls12 session (master secret, suite, ticket, peer certificates...)."""
        return self._session

    @property
    def id(self) -> bytes:
        s = self._session
        return hashlib.sha256(s.ticket).digest() if s.ticket else s.session_id

    @property
    def time(self) -> int:
        """When the session (or its latest ticket) was made, in seconds since the epoch."""
        return self._session.created

    @property
    def timeout(self) -> int:
        return DEFAULT_LIFETIME

    @property
    def ticket_lifetime_hint(self) -> int:
        return self._session.ticket_lifetime_hint

    @property
    def has_ticket(self) -> bool:
        return bool(self._session.ticket)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SSLSession):
            return NotImplemented
        return self.id == other.id

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        kind = "ticket" if self.has_ticket else "session ID"
        return f"<tls.compat.SSLSession {kind} id={self.id.hex()[:16]}... time={self.time}>"


def _session_id_lookup(conn: TLSConnection) -> bool:
    """Server side: the ClientHello asked to resume by session ID alone (a non-empty session ID
    and no ticket this server would open). OpenSSL counts a cache ``miss`` only for these: a
    ticket that does not open is no miss (ssl_get_prev_session)."""
    try:
        messages, _ = split_handshake(conn.transcript.messages())
        if not messages or messages[0][0] != HandshakeType.client_hello:
            return False
        hello = ClientHello.parse(messages[0][1])
    except DecodeError:  # not a TLS 1.2 ClientHello (an SSLv2-format one): no session offered
        return False
    if not hello.session_id:
        return False
    if conn.config.session_tickets:
        for ext in hello.extensions or ():
            if isinstance(ext, SessionTicketExtension) and ext.ticket:
                return False
    return True


# ------------------------------------------------------------------------------------ engine


class TLSObject:
    """What ``_ssl._SSLSocket`` is to ssl: one TLS connection over a socket or a MemoryBIO pair,
    with the method set ssl.SSLSocket / ssl.SSLObject call. A thin loop around TLSConnection."""

    def __init__(
        self,
        context: SSLContext,
        server_side: bool,
        server_hostname: str | None,
        owner: Any,
        *,
        sock: socket.socket | None = None,
        incoming: MemoryBIO | None = None,
        outgoing: MemoryBIO | None = None,
    ) -> None:
        self._context = context
        self._stats_context = context  # the one session_stats counts in (even after SNI)
        self.server_side = server_side
        self.server_hostname = server_hostname
        self._owner = weakref.ref(owner) if owner is not None else None
        self._sock = weakref.ref(sock) if sock is not None else None
        self._incoming = incoming
        self._outgoing = outgoing
        self._plain = bytearray()
        self._peer_closed = False
        self._error: OSError | None = None
        self._pending_out = bytearray()
        self._write_retry: int | None = None
        self._lock = threading.RLock()
        self._offered: SSLSession | None = None
        self._started = False  # do_handshake ran: the ClientHello may be out
        self._finished = False  # the completed handshake is counted in session_stats
        if server_side:
            server_config = context._server_config()
            if context._sni_callback is not None:
                server_config = dataclasses.replace(server_config, sni_callback=self._on_sni)
            config: ClientConfig | ServerConfig = server_config
        else:
            config = context._client_config(server_hostname)
        #: the sans-IO connection doing all the work (research: ``.info``, ``.transcript``)
        self.connection = TLSConnection(config)

    # ------------------------------------------------------------- properties ssl reads

    @property
    def owner(self) -> Any:
        return self._owner() if self._owner is not None else None

    @property
    def context(self) -> SSLContext:
        return self._context

    @context.setter
    def context(self, ctx: SSLContext) -> None:
        if not isinstance(ctx, SSLContext):
            raise TypeError("The value must be a tls.SSLContext")
        self._context = ctx

    @property
    def session(self) -> SSLSession | None:
        """Client side: the connection's session once the handshake is done (the offered one
        before). None on a server (see docs/COMPAT.md) and when nothing is resumable."""
        session = self.connection.session
        if session is not None and self.connection.handshake_complete:
            return SSLSession(session, self._context)
        return self._offered

    @session.setter
    def session(self, value: Any) -> None:
        # The checks and messages of _ssl.c's PySSL_set_session, in its order.
        if isinstance(value, ssl.SSLSession):
            raise ValueError(
                "Session refers to a different SSLContext. (an OpenSSL ssl.SSLSession; "
                "a tls.SSLContext resumes only the sessions of its own connections)"
            )
        if not isinstance(value, SSLSession):
            raise TypeError("Value is not a SSLSession.")
        if value._context is not self._context:
            raise ValueError("Session refers to a different SSLContext.")
        if self.server_side:
            raise ValueError("Cannot set session for server-side SSLSocket.")
        if self.connection.handshake_complete:
            raise ValueError("Cannot set session after handshake.")
        if self._started:
            raise ValueError(
                "Cannot set session after the handshake started: the ClientHello that "
                "would offer it is already built"
            )
        self._offered = value
        # Nothing is sent yet: a new connection, whose ClientHello offers the session.
        self.connection = TLSConnection(self.connection.config, session=value._session)

    @property
    def session_reused(self) -> bool:
        return self.connection.info.resumed

    # ------------------------------------------------------------- transport

    def _socket(self) -> socket.socket:
        sock = self._sock() if self._sock is not None else None
        if sock is None:
            raise ValueError("the socket of this TLS connection is gone")
        return sock

    def _flush(self) -> None:
        """Move the connection's output to the transport (socket: raise WantWrite if the
        socket is non-blocking and full; the bytes stay queued)."""
        data = self.connection.data_to_send()
        if self._outgoing is not None:
            if data:
                self._outgoing.write(data)
            return
        self._pending_out += data
        if not self._pending_out:
            return
        sock = self._socket()
        while self._pending_out:
            try:
                sent = socket.socket.send(sock, self._pending_out)
            except BlockingIOError:
                raise _want_write() from None
            del self._pending_out[:sent]

    def _flush_quietly(self) -> None:
        """Deliver what we can (our fatal alert, a close_notify reply) and never raise."""
        with contextlib.suppress(OSError, ValueError):
            self._flush()

    def _fill(self) -> bool:
        """One transport read fed to the connection; False when nothing is available."""
        if self.connection.eof_received:
            return False
        if self._incoming is not None:
            data = self._incoming.read()
            if not data and not self._incoming.eof:
                return False
        else:
            try:
                data = socket.socket.recv(self._socket(), _RECV_SIZE)
            except BlockingIOError:
                return False
        # A TLSError is kept by the connection and raised by next_event after the events
        # that came before it.
        with contextlib.suppress(TLSError):
            self.connection.receive_data(data)
        self._drain()
        return True

    def _drain(self) -> None:
        conn = self.connection
        while True:
            try:
                event = conn.next_event()
            except TLSError as exc:
                if self._error is None:
                    self._error = to_ssl_error(exc, self.server_hostname)
                return
            if event is None:
                return
            if isinstance(event, ApplicationData):
                self._plain += event.data
            elif isinstance(event, ConnectionClosed):
                self._peer_closed = True

    def _raise_error(self) -> None:
        assert self._error is not None
        self._flush_quietly()  # the alert that goes with the error
        raise self._error

    # ------------------------------------------------------------- the _SSLSocket API

    def do_handshake(self) -> None:
        with self._lock:
            conn = self.connection
            if self._error is not None and not conn.handshake_complete:
                self._raise_error()
            if not self._started:
                self._started = True
                self._stats_context._count_start(self.server_side)
            self._flush()
            while not conn.handshake_complete:
                if self._error is not None:
                    self._raise_error()
                if not self._fill():
                    if conn.eof_received and self._error is None:  # pragma: no cover
                        self._error = to_ssl_error(TruncationError("EOF during the handshake"))
                        continue
                    raise _want_read()
                if self._error is None:
                    self._flush()
            if not self._finished:
                self._finished = True
                self._stats_context._count_done(self)
            self._flush()

    def read(self, len: int = 1024, buffer: Any = None) -> bytes | int:
        with self._lock:
            if not self.connection.handshake_complete:
                self.do_handshake()
            view = None
            if buffer is not None:
                view = memoryview(buffer).cast("B")
                if len <= 0 or len > view.nbytes:
                    len = view.nbytes
            elif len < 0:
                raise ValueError("size should not be negative")
            while not self._plain:
                if self._peer_closed:
                    self._flush_quietly()  # our close_notify reply
                    return 0 if view is not None else b""
                if self._error is not None:
                    self._raise_error()
                if self._pending_out:
                    self._flush()
                if not self._fill():
                    raise _want_read()
            n = min(len, builtins_len(self._plain))
            chunk = bytes(self._plain[:n])
            del self._plain[:n]
            if view is not None:
                view[:n] = chunk
                return n
            return chunk

    def write(self, data: Any) -> int:
        with self._lock:
            if not self.connection.handshake_complete:
                self.do_handshake()
            if self._error is not None:
                self._raise_error()
            if self._pending_out:
                self._flush()
                if self._write_retry is not None:
                    n, self._write_retry = self._write_retry, None
                    return n
            view = memoryview(data).cast("B")
            try:
                self.connection.send(view)
            except TLSError as exc:
                raise to_ssl_error(exc, self.server_hostname) from None
            try:
                self._flush()
            except SSLWantWriteError:
                self._write_retry = view.nbytes
                raise
            return view.nbytes

    def shutdown(self) -> Any:
        """Send close_notify and wait for the peer's (ssl's unwrap). Returns the socket (socket
        mode) or None (BIO mode); raises SSLWantReadError until the peer's close_notify is in."""
        with self._lock:
            conn = self.connection
            if self._error is not None and not isinstance(self._error, SSLEOFError):
                self._raise_error()
            conn.close()
            self._flush()
            while not conn.close_received and not conn.eof_received:
                if self._error is not None and not isinstance(self._error, SSLEOFError):
                    self._raise_error()
                if not self._fill():
                    raise _want_read()
            self._flush_quietly()
            if self._sock is not None:
                return self._sock()
            return None

    def close_notify(self) -> None:
        """Best effort: queue and send our close_notify (SSLSocket.shutdown)."""
        with self._lock:
            if self.connection.handshake_complete and self._error is None:
                self.connection.close()
                self._flush_quietly()

    def pending(self) -> int:
        return builtins_len(self._plain)

    def getpeercert(self, binary_form: bool = False) -> Any:
        if not self.connection.handshake_complete:
            raise ValueError("handshake not done yet")
        cert = self.connection.info.peer_certificate
        if cert is None:
            return None
        if binary_form:
            return _der(cert)
        if self._context.verify_mode == CERT_NONE:
            return {}  # as ssl: the certificate was not validated
        return decode_certificate(cert)

    def get_verified_chain(self) -> list[bytes]:
        return [_der(c) for c in self.connection.info.verified_chain]

    def get_unverified_chain(self) -> list[bytes]:
        return [_der(c) for c in self.connection.info.peer_certificates]

    def selected_alpn_protocol(self) -> str | None:
        proto = self.connection.info.alpn_protocol
        return proto.decode("ascii", "replace") if proto else None

    def selected_npn_protocol(self) -> None:
        return None

    def cipher(self) -> tuple[str, str, int] | None:
        suite = self.connection.info.suite
        if suite is None or not self.connection.handshake_complete:
            return None
        return _cipher_tuple(suite)

    def shared_ciphers(self) -> list[tuple[str, str, int]] | None:
        if not self.server_side or not self.connection.handshake_complete:
            return None
        offered = set(self.connection.info.peer_cipher_suites)
        return [_cipher_tuple(s) for s in self.connection.config.cipher_suites if s.code in offered]

    def compression(self) -> None:
        return None

    def version(self) -> str | None:
        return _VERSION_NAME if self.connection.handshake_complete else None

    def get_channel_binding(self, cb_type: str = "tls-unique") -> bytes | None:
        """RFC 5929 tls-unique: the first Finished message's verify_data of the handshake (the
        client's, in a full handshake), read from the connection's transcript."""
        if cb_type not in CHANNEL_BINDING_TYPES:
            raise ValueError(f"{cb_type} channel binding type not implemented")
        if not self.connection.handshake_complete:
            return None
        messages, _ = split_handshake(self.connection.transcript.messages())
        for msg_type, raw in messages:
            if msg_type == HandshakeType.finished:
                return Finished.parse(raw).verify_data
        return None

    def verify_client_post_handshake(self) -> None:
        raise _ssl_error(
            SSLError,
            ssl.SSL_ERROR_SSL,
            "WRONG_SSL_VERSION",
            "post-handshake authentication is TLS 1.3 only; tls12 speaks TLS 1.2",
        )

    # ------------------------------------------------------------- SNI

    def _on_sni(self, server_name: str | None) -> ServerConfig | None:
        """Core hook: run the context's sni_callback(ssl_object, name, context) as ssl does;
        a new ``ssl_object.context`` replaces this connection's server configuration."""
        original = self._context
        callback = original._sni_callback
        if callback is None:
            return None
        owner = self.owner if self.owner is not None else self
        try:
            result = callback(owner, server_name, original)
        except Exception as exc:
            raise TLSLocalAlert(
                AlertDescription.handshake_failure,
                f"sni_callback raised {type(exc).__name__}: {exc}",
            ) from exc
        if result is not None:
            raise TLSLocalAlert(int(result), f"sni_callback refused server name {server_name!r}")
        if self._context is original:
            return None
        return self._context._server_config()


builtins_len = len


class SSLSocket(ssl.SSLSocket):
    """ssl.SSLSocket over tls12 (returned by :meth:`SSLContext.wrap_socket`); the stdlib class
    unchanged except that ``shutdown()`` sends close_notify first."""

    @property
    def tls12_connection(self) -> TLSConnection | None:
        """The tls12 connection (negotiated parameters in ``.info``), None on a plain socket."""
        obj = getattr(self, "_tls12_object", None)
        return obj.connection if obj is not None else None

    def shutdown(self, how: int) -> None:
        obj = getattr(self, "_sslobj", None)
        if isinstance(obj, TLSObject) and how in (socket.SHUT_WR, socket.SHUT_RDWR):
            obj.close_notify()
        super().shutdown(how)


class SSLObject(ssl.SSLObject):
    """ssl.SSLObject over tls12 (returned by :meth:`SSLContext.wrap_bio`; used by asyncio)."""

    @property
    def tls12_connection(self) -> TLSConnection:
        return self._sslobj.connection  # type: ignore[attr-defined,no-any-return]


# ------------------------------------------------------------------------------------ context


class SSLContext(ssl.SSLContext):
    """An ``ssl.SSLContext`` whose connections run on tls12 (see the module docstring).

    Configuration lives in this object's own attributes; a tls12 ClientConfig / ServerConfig is
    built from them when a connection is wrapped (cached until a setting changes).
    """

    sslsocket_class = SSLSocket  # type: ignore[assignment]
    sslobject_class = SSLObject  # type: ignore[assignment]

    def __new__(cls, protocol: int | None = None, *args: Any, **kwargs: Any) -> SSLContext:
        if protocol in (PROTOCOL_TLSv1, PROTOCOL_TLSv1_1):
            raise ValueError(
                f"{ssl._SSLMethod(protocol).name}: tls12 speaks only TLS 1.2; use "
                "PROTOCOL_TLS_CLIENT or PROTOCOL_TLS_SERVER"
            )
        return super().__new__(cls, protocol, *args, **kwargs)  # type: ignore[no-any-return]

    def __init__(self, protocol: int | None = None, *args: Any, **kwargs: Any) -> None:
        is_client = self.protocol == PROTOCOL_TLS_CLIENT
        self._tls_verify_mode = CERT_REQUIRED if is_client else CERT_NONE
        self._tls_check_hostname = is_client
        self._credentials: dict[Auth, Credentials] = {}
        self._ca_certs: list[x509.Certificate] = []
        self._use_system_store = False
        self._suites: tuple[SuiteInfo, ...] = DEFAULT_SUITES
        self._groups: tuple[int, ...] | None = None
        self._dhe_groups: tuple[int, ...] | None = None  # from load_dh_params
        self._alpn: tuple[bytes, ...] = ()
        self._sni_callback: Callable[..., Any] | None = None
        self._min_version = TLSVersion.TLSv1_2
        self._max_version = TLSVersion.TLSv1_2
        self._tls_options = Options(super().options)
        self._tls_verify_flags = VerifyFlags(super().verify_flags)
        self._post_handshake_auth = False
        self._keylog_filename: str | None = None
        self._keylog_lock = threading.Lock()
        self._cache: dict[Any, Any] = {}
        # Server-side resumption state lives as long as the context (as OpenSSL's SSL_CTX
        # cache): every ServerConfig built from it shares these, across setting changes.
        self._sessions = SessionCache()
        self._ticket_keys = TicketKeys.generate(os.urandom)
        self._stats = dict.fromkeys(_STAT_KEYS, 0)
        self._stats_lock = threading.Lock()

    def _changed(self) -> None:
        self._cache.clear()

    # ------------------------------------------------------------- verification settings

    @property  # type: ignore[override]
    def verify_mode(self) -> VerifyMode:
        return self._tls_verify_mode

    @verify_mode.setter
    def verify_mode(self, value: int) -> None:
        try:
            mode = VerifyMode(value)
        except ValueError:
            raise ValueError("invalid value for verify_mode") from None
        if mode == CERT_NONE and self._tls_check_hostname:
            raise ValueError("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.")
        self._tls_verify_mode = mode
        self._changed()

    @property  # type: ignore[override]
    def check_hostname(self) -> bool:
        return self._tls_check_hostname

    @check_hostname.setter
    def check_hostname(self, value: bool) -> None:
        value = bool(value)
        if value and self._tls_verify_mode == CERT_NONE:
            self._tls_verify_mode = CERT_REQUIRED  # as ssl does
        self._tls_check_hostname = value
        self._changed()

    @property  # type: ignore[override]
    def verify_flags(self) -> VerifyFlags:
        return self._tls_verify_flags

    @verify_flags.setter
    def verify_flags(self, value: int) -> None:
        crl = VerifyFlags.VERIFY_CRL_CHECK_LEAF | VerifyFlags.VERIFY_CRL_CHECK_CHAIN
        if value & crl:
            raise ValueError("verify_flags: CRL checking is not supported by tls12")
        self._tls_verify_flags = VerifyFlags(value)

    @property  # type: ignore[override]
    def hostname_checks_common_name(self) -> bool:
        return False

    @hostname_checks_common_name.setter
    def hostname_checks_common_name(self, value: bool) -> None:
        if value:
            raise ValueError(
                "tls12 matches host names against subjectAltName only (RFC 6125); "
                "the subject commonName is never checked"
            )

    @property  # type: ignore[override]
    def post_handshake_auth(self) -> bool:
        return self._post_handshake_auth

    @post_handshake_auth.setter
    def post_handshake_auth(self, value: bool) -> None:
        self._post_handshake_auth = bool(value)  # TLS 1.3 only: kept, has no effect on TLS 1.2

    # ------------------------------------------------------------- versions and options

    def _check_version(self, which: str, value: Any) -> TLSVersion:
        version = TLSVersion(value)
        if version not in _USABLE_VERSIONS:
            raise ValueError(
                f"{which} = {version.name}: tls12 speaks only TLS 1.2 (TLSVersion.TLSv1_2)"
            )
        return version

    @property  # type: ignore[override]
    def minimum_version(self) -> TLSVersion:
        return self._min_version

    @minimum_version.setter
    def minimum_version(self, value: TLSVersion) -> None:
        self._min_version = self._check_version("minimum_version", value)

    @property  # type: ignore[override]
    def maximum_version(self) -> TLSVersion:
        return self._max_version

    @maximum_version.setter
    def maximum_version(self, value: TLSVersion) -> None:
        self._max_version = self._check_version("maximum_version", value)

    @property  # type: ignore[override]
    def options(self) -> Options:
        return self._tls_options

    @options.setter
    def options(self, value: int) -> None:
        if value & OP_NO_TLSv1_2:
            raise ValueError(
                "options: OP_NO_TLSv1_2 would disable TLS 1.2, the only version tls12 speaks"
            )
        self._tls_options = Options(value)
        self._changed()

    def _tickets(self) -> bool:
        return not self._tls_options & OP_NO_TICKET

    # ------------------------------------------------------------- certificates and trust

    def load_cert_chain(self, certfile: Any, keyfile: Any = None, password: Any = None) -> None:
        """PEM chain (leaf first) and key; ``password`` a str/bytes or a callable returning one.
        One chain per key type is kept (an RSA and an ECDSA chain side by side, as OpenSSL)."""
        cert_path = _check_file(certfile, "certfile")
        key_path = _check_file(keyfile, "keyfile") if keyfile is not None else cert_path
        if callable(password):
            password = password()
        if password is not None and not isinstance(password, str | bytes | bytearray):
            raise TypeError("password should be a string or callable")
        if isinstance(password, bytearray):
            password = bytes(password)
        try:
            chain = load_certificates(cert_path)  # type: ignore[arg-type]
            key = load_private_key(key_path, password)  # type: ignore[arg-type]
            creds = Credentials(tuple(chain), key)
        except ConfigError as exc:
            raise _config_error(exc) from None
        if creds.auth is None:
            raise _ssl_error(
                SSLError,
                ssl.SSL_ERROR_SSL,
                "TLS12_CONFIG",
                f"{os.fsdecode(cert_path)}: {type(key).__name__} keys cannot sign "
                "for a TLS 1.2 suite (use RSA, ECDSA or EdDSA)",
            )
        self._credentials[creds.auth] = creds
        self._changed()

    def load_verify_locations(
        self, cafile: Any = None, capath: Any = None, cadata: Any = None
    ) -> None:
        if cafile is None and capath is None and cadata is None:
            raise TypeError("cafile, capath and cadata cannot be all omitted")
        certs: list[x509.Certificate] = []
        try:
            if cafile is not None:
                certs += load_certificates(_check_file(cafile, "cafile"))  # type: ignore[arg-type]
            if capath is not None:
                name = _check_file(capath, "capath")
                try:
                    certs += TrustStore.from_pem(name).certificates  # type: ignore[arg-type]
                except ConfigError:
                    if any(Path(os.fsdecode(name)).iterdir()):
                        raise
            if cadata is not None:
                if isinstance(cadata, str):
                    certs += load_certificates(cadata.encode("ascii"))
                else:
                    for der in _split_der(bytes(memoryview(cadata))):
                        certs += load_certificates(der)
        except ConfigError as exc:
            raise _config_error(exc) from None
        self._ca_certs += certs
        self._changed()

    def set_default_verify_paths(self) -> None:
        """Trust the system's CA store (loaded on first use, as OpenSSL's lookup is lazy)."""
        self._use_system_store = True
        self._changed()

    def _trust_certificates(self) -> list[x509.Certificate]:
        certs = list(self._ca_certs)
        if self._use_system_store:
            certs += _system_certificates()
        return certs

    def get_ca_certs(self, binary_form: bool = False) -> list[Any]:
        out = []
        for cert in self._trust_certificates():
            try:
                if not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
                    continue
            except x509.ExtensionNotFound:
                continue
            out.append(_der(cert) if binary_form else decode_certificate(cert))
        return out

    def cert_store_stats(self) -> dict[str, int]:
        certs = self._trust_certificates()
        return {"x509": len(certs), "crl": 0, "x509_ca": len(self.get_ca_certs(True))}

    # ------------------------------------------------------------- suites, groups, ALPN, SNI

    def set_ciphers(self, cipherlist: str) -> None:
        self._suites = _parse_ciphers(cipherlist)
        self._changed()

    def get_ciphers(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return [_cipher_dict(s) for s in self._suites]

    def set_ecdh_curve(self, name: str | bytes) -> None:
        text = name.decode("ascii") if isinstance(name, bytes) else name
        try:
            self._groups = tuple(parse_groups_list(text))
        except ConfigError:
            raise ValueError(f"unknown elliptic curve name {text!r}") from None
        self._changed()

    def set_alpn_protocols(self, alpn_protocols: Iterable[str]) -> None:
        protos = []
        for protocol in alpn_protocols:
            b = bytes(protocol, "ascii")
            if len(b) == 0 or len(b) > 255:
                raise SSLError("ALPN protocols must be 1 to 255 in length")
            protos.append(b)
        self._alpn = tuple(protos)
        self._changed()

    def set_npn_protocols(self, npn_protocols: Any) -> None:
        raise NotImplementedError("NPN is not supported by tls12 (use set_alpn_protocols)")

    def load_dh_params(self, path: Any) -> None:
        """Use the DH group in a PEM ``DH PARAMETERS`` file for DHE suites. tls12's server speaks
        the RFC 7919 groups only (``openssl genpkey -genparam -algorithm DH -pkeyopt
        group:ffdhe3072`` writes one); any other prime is refused with SSLError."""
        from cryptography.hazmat.primitives.serialization import load_pem_parameters

        try:
            with open(path, "rb") as f:
                params = load_pem_parameters(f.read())
            numbers = params.parameter_numbers()  # type: ignore[union-attr]
        except (ValueError, TypeError, AttributeError) as exc:
            raise SSLError(
                ssl.SSL_ERROR_SSL, f"load_dh_params: {path}: no DH parameters ({exc})"
            ) from None
        group = next(
            (g for g, p in FFDHE_PRIMES.items() if p == numbers.p and numbers.g == FFDHE_GENERATOR),
            None,
        )
        if group is None:
            raise SSLError(
                ssl.SSL_ERROR_SSL,
                f"load_dh_params: {path}: a {numbers.p.bit_length()}-bit group that is not one of "
                "RFC 7919's ffdhe2048/3072/4096; tls12 serves DHE on those groups only",
            )
        self._dhe_groups = (group,)
        self._changed()

    def session_stats(self) -> dict[str, int]:
        """OpenSSL's SSL_CTX_sess_* counters, counted by this context's connections the way
        OpenSSL 3 counts them: ``connect``/``accept`` handshakes started, ``*_good`` completed,
        ``hits`` resumed (both sides), ``misses`` a client's offered session not resumed or a
        server's session-ID lookup that failed, ``number`` sessions in the server's cache
        (ticket sessions are not cached). ``timeouts`` and ``cache_full`` stay 0 (tls12's
        cache drops expired and evicted entries without telling); renegotiation is not done."""
        with self._stats_lock:
            out = dict(self._stats)
        out["number"] = len(self._sessions)
        return out

    def _count_start(self, server_side: bool) -> None:
        with self._stats_lock:
            self._stats["accept" if server_side else "connect"] += 1

    def _count_done(self, obj: TLSObject) -> None:
        conn = obj.connection
        resumed = conn.info.resumed
        if obj.server_side:
            miss = not resumed and _session_id_lookup(conn)
        else:
            miss = not resumed and obj._offered is not None
        with self._stats_lock:
            stats = self._stats
            stats["accept_good" if obj.server_side else "connect_good"] += 1
            stats["hits"] += resumed
            stats["misses"] += miss

    @property  # type: ignore[override]
    def sni_callback(self) -> Callable[..., Any] | None:
        return self._sni_callback

    @sni_callback.setter
    def sni_callback(self, callback: Callable[..., Any] | None) -> None:
        if self.protocol == PROTOCOL_TLS_CLIENT:
            raise ValueError("sni_callback cannot be set on TLS_CLIENT context")
        if callback is not None and not callable(callback):
            raise TypeError("not a callable object")
        self._sni_callback = callback

    # ------------------------------------------------------------- key log

    @property  # type: ignore[override]
    def keylog_filename(self) -> str | None:
        return self._keylog_filename

    @keylog_filename.setter
    def keylog_filename(self, filename: Any) -> None:
        if filename is None:
            self._keylog_filename = None
        else:
            name = os.fsdecode(filename)
            with open(name, "a", encoding="ascii") as f:  # fails now, as ssl does, if unwritable
                if f.tell() == 0:
                    f.write("# TLS secrets log file, generated by tls12\n")
            self._keylog_filename = name
        self._changed()

    def _keylog_line(self, line: str) -> None:
        name = self._keylog_filename
        if name is None:
            return
        with self._keylog_lock, open(name, "a", encoding="ascii") as f:
            f.write(line + "\n")

    # ------------------------------------------------------------- tls12 configurations

    def _common(self) -> dict[str, Any]:
        kw: dict[str, Any] = {"cipher_suites": self._suites, "alpn_protocols": self._alpn}
        if self._keylog_filename is not None:
            kw["keylog"] = self._keylog_line
        return kw

    def _client_config(self, server_hostname: str | None) -> ClientConfig:
        key = ("client", server_hostname)
        cached = self._cache.get(key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        kw = self._common()
        if self._groups is not None:
            kw["groups"] = self._groups
        verify = self._tls_verify_mode != CERT_NONE
        try:
            config = ClientConfig(
                server_name=server_hostname,
                session_tickets=self._tickets(),
                trust=TrustStore.from_certificates(self._trust_certificates()) if verify else None,
                insecure_skip_verify=not verify,
                check_hostname=verify and self._tls_check_hostname,
                credentials=tuple(self._credentials.values()),
                **kw,
            )
        except ConfigError as exc:
            raise _config_error(exc) from None
        self._cache[key] = config
        return config

    def _server_config(self) -> ServerConfig:
        cached = self._cache.get("server")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        kw = self._common()
        if self._groups is not None:
            kw["groups"] = self._groups
        if self._dhe_groups is not None:
            kw["dhe_groups"] = self._dhe_groups
        mode = {
            CERT_NONE: ClientAuth.NONE,
            CERT_OPTIONAL: ClientAuth.OPTIONAL,
            CERT_REQUIRED: ClientAuth.REQUIRED,
        }[self._tls_verify_mode]
        trust = self._trust_certificates()
        if not self._credentials:
            raise _ssl_error(
                SSLError,
                ssl.SSL_ERROR_SSL,
                "NO_CERTIFICATE_ASSIGNED",
                "server context has no certificate: call load_cert_chain() first",
            )
        if mode is not ClientAuth.NONE and not trust:
            raise _ssl_error(
                SSLError,
                ssl.SSL_ERROR_SSL,
                "NO_CLIENT_CA",
                f"verify_mode={self._tls_verify_mode.name} on a server needs the "
                "client CAs: call load_verify_locations() first",
            )
        try:
            config = ServerConfig(
                credentials=tuple(self._credentials.values()),
                client_auth=mode,
                client_trust=TrustStore.from_certificates(trust) if trust else None,
                session_tickets=self._tickets(),
                sessions=self._sessions,
                ticket_keys=self._ticket_keys,
                **kw,
            )
        except ConfigError as exc:
            raise _config_error(exc) from None
        self._cache["server"] = config
        return config

    # ------------------------------------------------------------- the two C entry points

    def _check_side(self, server_side: bool, server_hostname: str | None) -> None:
        if server_side and self.protocol == PROTOCOL_TLS_CLIENT:
            raise ValueError("Cannot create a server socket with a PROTOCOL_TLS_CLIENT context")
        if not server_side and self.protocol == PROTOCOL_TLS_SERVER:
            raise ValueError("Cannot create a client socket with a PROTOCOL_TLS_SERVER context")
        if not server_side and self._tls_check_hostname and not server_hostname:
            raise ValueError("check_hostname requires server_hostname")

    def _wrap_socket(
        self,
        sock: socket.socket,
        server_side: bool,  # type: ignore[override]
        server_hostname: str | None = None,
        *,
        owner: Any = None,
        session: Any = None,
    ) -> TLSObject:
        self._check_side(server_side, server_hostname)
        obj = TLSObject(self, server_side, server_hostname, owner, sock=sock)
        if session is not None:
            obj.session = session
        if owner is not None:
            owner._tls12_object = obj
        return obj

    def _wrap_bio(
        self,
        incoming: MemoryBIO,
        outgoing: MemoryBIO,  # type: ignore[override]
        server_side: bool,
        server_hostname: str | None = None,
        *,
        owner: Any = None,
        session: Any = None,
    ) -> TLSObject:
        self._check_side(server_side, server_hostname)
        obj = TLSObject(
            self, server_side, server_hostname, owner, incoming=incoming, outgoing=outgoing
        )
        if session is not None:
            obj.session = session
        return obj


def create_default_context(
    purpose: Purpose = Purpose.SERVER_AUTH,
    *,
    cafile: Any = None,
    capath: Any = None,
    cadata: Any = None,
) -> SSLContext:
    """ssl.create_default_context, for tls12: a client context that verifies certificates and
    host names (system CAs unless cafile/capath/cadata are given), or a server context."""
    if not isinstance(purpose, ssl._ASN1Object):
        raise TypeError(purpose)
    if purpose == Purpose.SERVER_AUTH:
        context = SSLContext(PROTOCOL_TLS_CLIENT)
        context.verify_mode = CERT_REQUIRED
        context.check_hostname = True
    elif purpose == Purpose.CLIENT_AUTH:
        context = SSLContext(PROTOCOL_TLS_SERVER)
    else:
        raise ValueError(purpose)
    if cafile or capath or cadata:
        context.load_verify_locations(cafile, capath, cadata)
    elif context.verify_mode != CERT_NONE:
        context.load_default_certs(purpose)
    keylogfile = os.environ.get("SSLKEYLOGFILE")
    if keylogfile and not __import__("sys").flags.ignore_environment:
        context.keylog_filename = keylogfile
    return context
