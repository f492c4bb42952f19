"""tls12: a pure-Python TLS 1.2 client and server with mutual TLS.

Layers: ``records`` (wire formats) → ``tls.keyschedule`` / ``tls.protection`` /
``tls.keyexchange`` / ``tls.signatures`` / ``tls.trust`` → ``tls.handshake`` →
``tls.connection`` (sans-IO) → ``tls.sockets`` (blocking), ``tls.compat`` (ssl drop-in) and the
CLI.
"""

from __future__ import annotations

from .config import ClientAuth, ClientConfig, Credentials, ServerConfig
from .connection import TLSConnection
from .errors import (
    BadRecordMac,
    CertificateError,
    ConfigError,
    TLSAlertError,
    TLSClosedError,
    TLSError,
    TLSLocalAlert,
    TLSRemoteAlert,
    TruncationError,
)
from .events import AlertReceived, ApplicationData, ConnectionClosed, Event, HandshakeComplete
from .sockets import TLSServer, TLSSocket, connect, wrap
from .trust import AllowList, TrustStore

__version__ = "0.1.0"

__all__ = [
    "AlertReceived",
    "AllowList",
    "ApplicationData",
    "BadRecordMac",
    "CertificateError",
    "ClientAuth",
    "ClientConfig",
    "ConfigError",
    "ConnectionClosed",
    "Credentials",
    "Event",
    "HandshakeComplete",
    "ServerConfig",
    "TLSAlertError",
    "TLSClosedError",
    "TLSConnection",
    "TLSError",
    "TLSLocalAlert",
    "TLSRemoteAlert",
    "TLSServer",
    "TLSSocket",
    "TruncationError",
    "TrustStore",
    "connect",
    "wrap",
]

# ssl drop-in (tls.compat): tls.SSLContext, tls.create_default_context and ssl's own constants.
from .compat import (
    CERT_NONE,
    CERT_OPTIONAL,
    CERT_REQUIRED,
    PROTOCOL_TLS,
    PROTOCOL_TLS_CLIENT,
    PROTOCOL_TLS_SERVER,
    Options,
    PROTOCOL_SSLv23,
    PROTOCOL_TLSv1,
    PROTOCOL_TLSv1_1,
    PROTOCOL_TLSv1_2,
    Purpose,
    SSLContext,
    TLSVersion,
    VerifyMode,
    create_default_context,
)

__all__ += [
    "CERT_NONE",
    "CERT_OPTIONAL",
    "CERT_REQUIRED",
    "PROTOCOL_TLS",
    "PROTOCOL_TLS_CLIENT",
    "PROTOCOL_TLS_SERVER",
    "Options",
    "PROTOCOL_SSLv23",
    "PROTOCOL_TLSv1",
    "PROTOCOL_TLSv1_1",
    "PROTOCOL_TLSv1_2",
    "Purpose",
    "SSLContext",
    "TLSVersion",
    "VerifyMode",
    "create_default_context",
]
