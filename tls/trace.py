"""One line per handshake message, for ``tls12 --msg`` and ``tls12 demo``.

:func:`describe_message` turns a message object (what a config's ``msg_callback`` receives) into
one line with its main fields::

    ClientHello version=TLS1.2 suites(9)=[ECDHE-ECDSA-AES128-GCM-SHA256,...] groups=[x25519,...]
        sigalgs=[ecdsa_secp256r1_sha256,...] sni=localhost ext=[server_name,...]
    Certificate 2 certs: CN=localhost ← CN=tls12 demo CA
    ServerKeyExchange x25519 pub=32 bytes sig=ecdsa_secp256r1_sha256
    CertificateVerify ecdsa_secp256r1_sha256 (71-byte signature)
    Finished verify_data=3c9a...

:func:`trace_lines` adds the direction arrow (``>>>`` sent, ``<<<`` received). The
``msg_callback`` sees handshake messages only; a ChangeCipherSpec record is reported on the line
before each Finished, because the state machines accept a Finished only right after one
(RFC 5246 §7.4.9), so a Finished sent or received proves the ChangeCipherSpec went the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from records.handshake import (
    Certificate,
    CertificateRequest,
    CertificateStatus,
    CertificateVerify,
    ClientHello,
    ClientKeyExchangeDHE,
    ClientKeyExchangeECDHE,
    ClientKeyExchangeRSA,
    Finished,
    HelloRequest,
    NewSessionTicket,
    ServerHello,
    ServerHelloDone,
    ServerKeyExchangeDHE,
    ServerKeyExchangeECDHE,
)
from records.registry import (
    OPENSSL_NAMES,
    CipherSuite,
    ClientCertificateType,
    ExtensionType,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
    name_of,
)

__all__ = [
    "RECEIVED",
    "SENT",
    "arrow",
    "cert_name",
    "describe_message",
    "name_of",
    "trace_lines",
]

SENT = "sent"
RECEIVED = "received"

_ARROWS = {SENT: ">>>", RECEIVED: "<<<"}


def arrow(direction: str) -> str:
    """``>>>`` for what we sent, ``<<<`` for what we received."""
    return _ARROWS.get(direction, direction)


def _version(value: int) -> str:
    if value == ProtocolVersion.TLS1_2:
        return "TLS1.2"
    return name_of(ProtocolVersion, value).replace("_", ".")


def _suite(code: int, *, both: bool = False) -> str:
    try:
        suite = CipherSuite(code)
    except ValueError:
        return f"0x{code:04x}"
    openssl = OPENSSL_NAMES.get(suite)
    if both:
        return f"{suite.name} ({openssl})" if openssl else suite.name
    return openssl or suite.name


def _names(enum: type, values: Iterable[int]) -> str:
    return "[" + ",".join(name_of(enum, v) for v in values) + "]"


def cert_name(cert: x509.Certificate | bytes) -> str:
    """``CN=...`` of a certificate (the whole subject when it has no common name)."""
    if isinstance(cert, bytes):
        der = cert
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError:
            return f"<unparsable {len(der)}-byte certificate>"
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if cns:
        return f"CN={cns[0].value!s}"
    return cert.subject.rfc4514_string() or "<empty subject>"


def _dn_name(der: bytes) -> str:
    """A DistinguishedName from a CertificateRequest, shortened to its CN when it has one."""
    try:
        name = x509.Name.from_bytes(der)
        cns = name.get_attributes_for_oid(NameOID.COMMON_NAME)
        return f"CN={cns[0].value!s}" if cns else (name.rfc4514_string() or "<empty name>")
    except ValueError:
        return f"<{len(der)}-byte name>"


def _ext_names(extensions: Iterable[Any] | None) -> str:
    return _names(ExtensionType, [int(e.extension_type) for e in extensions or ()])


def _find(extensions: Iterable[Any] | None, ext_type: ExtensionType) -> Any:
    for e in extensions or ():
        if e.extension_type == ext_type:
            return e
    return None


def _client_hello(m: ClientHello) -> str:
    exts = m.extensions
    parts = [
        f"version={_version(m.client_version)}",
        f"suites({len(m.cipher_suites)})=[" + ",".join(_suite(s) for s in m.cipher_suites) + "]",
    ]
    groups = _find(exts, ExtensionType.supported_groups)
    if groups is not None:
        parts.append(f"groups={_names(NamedGroup, groups.groups)}")
    sigalgs = _find(exts, ExtensionType.signature_algorithms)
    if sigalgs is not None:
        parts.append(f"sigalgs={_names(SignatureScheme, sigalgs.schemes)}")
    sni = _find(exts, ExtensionType.server_name)
    if sni is not None:
        try:
            parts.append(f"sni={sni.host_name}")
        except Exception:  # a malformed name is the handshake's business, not the trace's
            parts.append("sni=?")
    alpn = _find(exts, ExtensionType.application_layer_protocol_negotiation)
    if alpn is not None:
        parts.append(
            "alpn=[" + ",".join(p.decode("ascii", "replace") for p in alpn.protocols) + "]"
        )
    parts.append(f"ext={_ext_names(exts)}")
    return "ClientHello " + " ".join(parts)


def _server_hello(m: ServerHello) -> str:
    parts = [f"version={_version(m.server_version)}", f"suite={_suite(m.cipher_suite, both=True)}"]
    alpn = _find(m.extensions, ExtensionType.application_layer_protocol_negotiation)
    if alpn is not None:
        parts.append("alpn=" + ",".join(p.decode("ascii", "replace") for p in alpn.protocols))
    parts.append(f"ext={_ext_names(m.extensions)}")
    return "ServerHello " + " ".join(parts)


def _certificate(m: Certificate) -> str:
    certs = m.certificate_list
    if not certs:
        return "Certificate empty (no certificate)"
    noun = "cert" if len(certs) == 1 else "certs"
    return f"Certificate {len(certs)} {noun}: " + " ← ".join(cert_name(c) for c in certs)


def _ske_ecdhe(m: ServerKeyExchangeECDHE) -> str:
    return (
        f"ServerKeyExchange {name_of(NamedGroup, m.named_curve)} pub={len(m.public)} bytes "
        f"sig={name_of(SignatureScheme, m.signature_algorithm)}"
    )


def _ske_dhe(m: ServerKeyExchangeDHE) -> str:
    bits = int.from_bytes(m.dh_p, "big").bit_length()
    return (
        f"ServerKeyExchange DHE p={bits} bits g={int.from_bytes(m.dh_g, 'big')} "
        f"sig={name_of(SignatureScheme, m.signature_algorithm)}"
    )


def _cert_request(m: CertificateRequest) -> str:
    cas = ",".join(_dn_name(n) for n in m.certificate_authorities) or "any"
    return (
        f"CertificateRequest types={_names(ClientCertificateType, m.certificate_types)} "
        f"sigalgs={_names(SignatureScheme, m.supported_signature_algorithms)} cas=[{cas}]"
    )


def _cert_verify(m: CertificateVerify) -> str:
    return (
        f"CertificateVerify {name_of(SignatureScheme, m.signature_algorithm)} "
        f"({len(m.signature)}-byte signature)"
    )


_FORMATTERS: dict[type, Callable[[Any], str]] = {
    ClientHello: _client_hello,
    ServerHello: _server_hello,
    Certificate: _certificate,
    ServerKeyExchangeECDHE: _ske_ecdhe,
    ServerKeyExchangeDHE: _ske_dhe,
    CertificateRequest: _cert_request,
    ServerHelloDone: lambda m: "ServerHelloDone",
    HelloRequest: lambda m: "HelloRequest",
    ClientKeyExchangeECDHE: lambda m: f"ClientKeyExchange ECDHE pub={len(m.public)} bytes",
    ClientKeyExchangeDHE: lambda m: f"ClientKeyExchange DHE Yc={len(m.dh_yc)} bytes",
    ClientKeyExchangeRSA: lambda m: (
        f"ClientKeyExchange RSA encrypted_pre_master_secret="
        f"{len(m.encrypted_pre_master_secret)} bytes"
    ),
    CertificateVerify: _cert_verify,
    Finished: lambda m: f"Finished verify_data={m.verify_data.hex()}",
    NewSessionTicket: lambda m: (
        f"NewSessionTicket lifetime={m.ticket_lifetime_hint}s ticket={len(m.ticket)} bytes"
    ),
    CertificateStatus: lambda m: f"CertificateStatus type={m.status_type} {len(m.response)} bytes",
}


def describe_message(message: Any) -> str:
    """One line naming the message and its main fields."""
    fmt = _FORMATTERS.get(type(message))
    if fmt is None:
        return type(message).__name__
    return fmt(message)


def trace_lines(direction: str, message: Any) -> list[str]:
    """The ``--msg`` lines for one message: ``>>> ServerHello ...`` (``>>>`` sent, ``<<<``
    received), preceded by the ChangeCipherSpec line for a Finished."""
    prefix = arrow(direction)
    lines = []
    if isinstance(message, Finished):
        lines.append(f"{prefix} ChangeCipherSpec")
    lines.append(f"{prefix} {describe_message(message)}")
    return lines
