"""Handshake messages (RFC 5246 §7.4 and RFC 4492/8422, 5077, 6066), framing and dispatch.

Every message is one model: a dataclass whose fields carry their construct (the body), with
``msg_type``; ``build()`` returns the whole message with its 4-byte header and ``parse(raw)`` takes
the whole message and is strict (header type and length, bounds, no trailing bytes).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, TypeVar

from construct import Array, Bytes, Const, GreedyBytes, Rebuild, Struct, Switch, len_, this

from .errors import DecodeError
from .extensions import CLIENT_HELLO_EXTENSIONS, SERVER_HELLO_EXTENSIONS, Extension
from .record import SSLV2_CLIENT_HELLO, is_sslv2_client_hello
from .registry import (
    AlertDescription,
    CertificateStatusType,
    CipherSuite,
    ClientCertificateType,
    CompressionMethod,
    ECCurveType,
    ExtensionType,
    HandshakeType,
    NamedGroup,
    ProtocolVersion,
    SignatureScheme,
)
from .vocab import (
    EnumInt,
    IfRemaining,
    Model,
    Opaque8,
    Opaque16,
    Opaque24,
    Uint8,
    Uint16,
    Uint24,
    Uint32,
    Validate,
    Vector,
    build,
    csfield,
    derived,
    model,
    parse,
)

__all__ = [
    "SSLV2_CLIENT_HELLO",
    "Certificate",
    "CertificateRequest",
    "CertificateStatus",
    "CertificateVerify",
    "ClientHello",
    "ClientKeyExchangeDHE",
    "ClientKeyExchangeECDHE",
    "ClientKeyExchangeRSA",
    "Finished",
    "Handshake",
    "HandshakeHeader",
    "HandshakeMessage",
    "HelloRequest",
    "NewSessionTicket",
    "SSLv2ClientHello",
    "ServerHello",
    "ServerHelloDone",
    "ServerKeyExchangeDHE",
    "ServerKeyExchangeECDHE",
    "is_sslv2_client_hello",
    "parse_handshake",
    "split_handshake",
]

HANDSHAKE_HEADER_SIZE = 4
M = TypeVar("M", bound="Handshake")


@model
class HandshakeHeader(Model):
    """``struct { HandshakeType msg_type; uint24 length; }`` (§7.4)."""

    msg_type: HandshakeType | int = csfield(EnumInt(Uint8, HandshakeType))
    length: int = csfield(Uint24)


@model
class _Frame(Model):
    msg_type: HandshakeType | int = csfield(EnumInt(Uint8, HandshakeType))
    body: bytes = csfield(Opaque24())


class Handshake(Model):
    """Base of the handshake messages: the body is ``struct``; parse/build add the header."""

    msg_type: ClassVar[HandshakeType]

    @classmethod
    def parse(cls: type[M], raw: bytes) -> M:  # type: ignore[override]
        """Parse one whole message (header included)."""
        frame = _Frame.parse(raw)
        if frame.msg_type != cls.msg_type:
            raise DecodeError(
                f"message type {frame.msg_type!r}, expected {cls.msg_type.name}",
                alert=AlertDescription.unexpected_message,
                field=f"{cls.__name__}.msg_type",
            )
        return cls.parse_body(frame.body)

    @classmethod
    def parse_body(cls: type[M], body: bytes) -> M:
        """Parse the body only (the bytes after the 4-byte header)."""
        return parse(cls.struct, body, cls.__name__)

    def build_body(self) -> bytes:
        return build(type(self).struct, self, type(self).__name__)

    def build(self) -> bytes:
        """The whole message, 4-byte header included."""
        return _Frame(self.msg_type, self.build_body()).build()


_SIGNATURE_SCHEME = EnumInt(Uint16, SignatureScheme)
_RANDOM = Bytes(32)
_SESSION_ID = Opaque8(0, 32)


@model
class HelloRequest(Handshake):
    """§7.4.1.1: empty."""

    msg_type: ClassVar = HandshakeType.hello_request


@model
class ClientHello(Handshake):
    """§7.4.1.2. ``extensions`` is None when absent (no bytes after compression_methods)."""

    msg_type: ClassVar = HandshakeType.client_hello
    client_version: ProtocolVersion | int = csfield(EnumInt(Uint16, ProtocolVersion))
    random: bytes = csfield(_RANDOM)
    session_id: bytes = csfield(_SESSION_ID)
    cipher_suites: list[CipherSuite | int] = csfield(
        Vector(Uint16, EnumInt(Uint16, CipherSuite), 2, 2**16 - 2)
    )
    compression_methods: list[CompressionMethod | int] = csfield(
        Vector(Uint8, EnumInt(Uint8, CompressionMethod), 1, 2**8 - 1)
    )
    extensions: list[Extension] | None = csfield(IfRemaining(CLIENT_HELLO_EXTENSIONS), default=None)

    def offered_versions(self) -> list[ProtocolVersion | int]:
        """supported_versions when present (a TLS 1.3 ClientHello), else [client_version]."""
        for ext in self.extensions or ():
            if ext.extension_type == ExtensionType.supported_versions:
                return list(ext.versions)  # type: ignore[union-attr]
        return [self.client_version]


@model
class ServerHello(Handshake):
    """§7.4.1.3."""

    msg_type: ClassVar = HandshakeType.server_hello
    server_version: ProtocolVersion | int = csfield(EnumInt(Uint16, ProtocolVersion))
    random: bytes = csfield(_RANDOM)
    session_id: bytes = csfield(_SESSION_ID)
    cipher_suite: CipherSuite | int = csfield(EnumInt(Uint16, CipherSuite))
    compression_method: CompressionMethod | int = csfield(EnumInt(Uint8, CompressionMethod))
    extensions: list[Extension] | None = csfield(IfRemaining(SERVER_HELLO_EXTENSIONS), default=None)


@model
class Certificate(Handshake):
    """§7.4.2: ``ASN.1Cert certificate_list<0..2^24-1>``, ``opaque ASN.1Cert<1..2^24-1>``."""

    msg_type: ClassVar = HandshakeType.certificate
    certificate_list: list[bytes] = csfield(Vector(Uint24, Opaque24(1)))


# ServerKeyExchange: ServerParams then the signature over client_random + server_random + params.
_ECDH_PARAMS = (
    "curve_type"
    / Validate(
        EnumInt(Uint8, ECCurveType),
        lambda v: v == ECCurveType.named_curve,
        "only named_curve ECParameters are supported (RFC 8422 §5.4)",
    ),
    "named_curve" / EnumInt(Uint16, NamedGroup),
    "public" / Opaque8(1),
)
_DH_PARAMS = (
    "dh_p" / Opaque16(1),
    "dh_g" / Opaque16(1),
    "dh_ys" / Opaque16(1),
)


_PARAMS_STRUCTS: dict[int, Struct] = {id(f): Struct(*f) for f in (_ECDH_PARAMS, _DH_PARAMS)}


def _params_bytes(msg: Any, fields: tuple) -> bytes:
    con = _PARAMS_STRUCTS[id(fields)]  # one Struct per layout, so its generated builder is kept
    return build(con, {sc.name: getattr(msg, sc.name) for sc in fields}, type(msg).__name__)


@model
class ServerKeyExchangeECDHE(Handshake):
    """RFC 8422 §5.4: ServerECDHParams (named curve + point) and a TLS 1.2 digitally-signed."""

    msg_type: ClassVar = HandshakeType.server_key_exchange
    curve_type: ECCurveType | int = csfield(_ECDH_PARAMS[0].subcon)
    named_curve: NamedGroup | int = csfield(_ECDH_PARAMS[1].subcon)
    public: bytes = csfield(_ECDH_PARAMS[2].subcon)
    signature_algorithm: SignatureScheme | int = csfield(_SIGNATURE_SCHEME)
    signature: bytes = csfield(Opaque16())

    def params_bytes(self) -> bytes:
        """The signed ServerECDHParams bytes."""
        return _params_bytes(self, _ECDH_PARAMS)


@model
class ServerKeyExchangeDHE(Handshake):
    """§7.4.3: ServerDHParams (p, g, Ys as opaque<1..2^16-1>) and a digitally-signed."""

    msg_type: ClassVar = HandshakeType.server_key_exchange
    dh_p: bytes = csfield(_DH_PARAMS[0].subcon)
    dh_g: bytes = csfield(_DH_PARAMS[1].subcon)
    dh_ys: bytes = csfield(_DH_PARAMS[2].subcon)
    signature_algorithm: SignatureScheme | int = csfield(_SIGNATURE_SCHEME)
    signature: bytes = csfield(Opaque16())

    def params_bytes(self) -> bytes:
        """The signed ServerDHParams bytes."""
        return _params_bytes(self, _DH_PARAMS)


@model
class CertificateRequest(Handshake):
    """§7.4.4."""

    msg_type: ClassVar = HandshakeType.certificate_request
    certificate_types: list[ClientCertificateType | int] = csfield(
        Vector(Uint8, EnumInt(Uint8, ClientCertificateType), 1)
    )
    supported_signature_algorithms: list[SignatureScheme | int] = csfield(
        Vector(Uint16, _SIGNATURE_SCHEME, 2, 2**16 - 2)
    )
    certificate_authorities: list[bytes] = csfield(Vector(Uint16, Opaque16(1)))


@model
class ServerHelloDone(Handshake):
    """§7.4.5: empty."""

    msg_type: ClassVar = HandshakeType.server_hello_done


@model
class CertificateVerify(Handshake):
    """§7.4.8: a digitally-signed over the handshake messages."""

    msg_type: ClassVar = HandshakeType.certificate_verify
    signature_algorithm: SignatureScheme | int = csfield(_SIGNATURE_SCHEME)
    signature: bytes = csfield(Opaque16())


@model
class ClientKeyExchangeRSA(Handshake):
    """§7.4.7.1: ``opaque encrypted_pre_master_secret<0..2^16-1>`` (TLS 1.0+ has the length)."""

    msg_type: ClassVar = HandshakeType.client_key_exchange
    encrypted_pre_master_secret: bytes = csfield(Opaque16())


@model
class ClientKeyExchangeECDHE(Handshake):
    """RFC 8422 §5.7: explicit ``ECPoint ecdh_Yc`` as ``opaque point<1..2^8-1>``."""

    msg_type: ClassVar = HandshakeType.client_key_exchange
    public: bytes = csfield(Opaque8(1))


@model
class ClientKeyExchangeDHE(Handshake):
    """§7.4.7.2: explicit ``opaque dh_Yc<1..2^16-1>``."""

    msg_type: ClassVar = HandshakeType.client_key_exchange
    dh_yc: bytes = csfield(Opaque16(1))


@model
class Finished(Handshake):
    """§7.4.9: ``opaque verify_data[verify_data_length]`` (12 bytes for every TLS 1.2 suite here;
    the length is checked by whoever compares it)."""

    msg_type: ClassVar = HandshakeType.finished
    verify_data: bytes = csfield(GreedyBytes)


@model
class NewSessionTicket(Handshake):
    """RFC 5077 §3.3: ``uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>``."""

    msg_type: ClassVar = HandshakeType.new_session_ticket
    ticket_lifetime_hint: int = csfield(Uint32)
    ticket: bytes = csfield(Opaque16())


@model
class CertificateStatus(Handshake):
    """RFC 6066 §8: status_type then, for ocsp, ``opaque OCSPResponse<1..2^24-1>``.

    For another status_type ``response`` holds the raw remaining bytes."""

    msg_type: ClassVar = HandshakeType.certificate_status
    status_type: CertificateStatusType | int = csfield(EnumInt(Uint8, CertificateStatusType))
    response: bytes = csfield(
        Switch(this.status_type, {CertificateStatusType.ocsp: Opaque24(1)}, default=GreedyBytes)
    )


HandshakeMessage = (
    HelloRequest
    | ClientHello
    | ServerHello
    | Certificate
    | ServerKeyExchangeECDHE
    | ServerKeyExchangeDHE
    | CertificateRequest
    | ServerHelloDone
    | CertificateVerify
    | ClientKeyExchangeRSA
    | ClientKeyExchangeECDHE
    | ClientKeyExchangeDHE
    | Finished
    | NewSessionTicket
    | CertificateStatus
)

Kex = Literal["ecdhe", "dhe", "rsa"]

_BY_TYPE: dict[int, type[Handshake]] = {
    int(cls.msg_type): cls
    for cls in (
        HelloRequest,
        ClientHello,
        ServerHello,
        Certificate,
        CertificateRequest,
        ServerHelloDone,
        CertificateVerify,
        Finished,
        NewSessionTicket,
        CertificateStatus,
    )
}
_SERVER_KEY_EXCHANGE: dict[str, type[Handshake] | None] = {
    "ecdhe": ServerKeyExchangeECDHE,
    "dhe": ServerKeyExchangeDHE,
    "rsa": None,
}
_CLIENT_KEY_EXCHANGE: dict[str, type[Handshake]] = {
    "ecdhe": ClientKeyExchangeECDHE,
    "dhe": ClientKeyExchangeDHE,
    "rsa": ClientKeyExchangeRSA,
}


def message_class(msg_type: HandshakeType | int, kex: Kex | None = None) -> type[Handshake]:
    """The model for ``msg_type`` (``kex`` selects the key exchange variants)."""
    cls = _BY_TYPE.get(int(msg_type))
    if cls is not None:
        return cls
    name = HandshakeType._value2member_map_.get(int(msg_type), msg_type)
    table: dict[str, Any] | None = None
    if msg_type == HandshakeType.server_key_exchange:
        table = _SERVER_KEY_EXCHANGE
    elif msg_type == HandshakeType.client_key_exchange:
        table = _CLIENT_KEY_EXCHANGE
    if table is None:
        raise DecodeError(
            f"unsupported handshake message type {name!r}",
            alert=AlertDescription.unexpected_message,
            field="Handshake.msg_type",
        )
    if kex not in table:
        raise DecodeError(
            f"{name!r} needs the key exchange ('ecdhe', 'dhe' or 'rsa'), got {kex!r}",
            alert=AlertDescription.internal_error,
            field="Handshake.msg_type",
        )
    cls = table[kex]
    if cls is None:
        raise DecodeError(
            f"no {name!r} in a {kex} key exchange",
            alert=AlertDescription.unexpected_message,
            field="Handshake.msg_type",
        )
    return cls


def parse_handshake(raw: bytes, kex: Kex | None = None) -> HandshakeMessage:
    """Parse one whole handshake message, dispatching on its type."""
    frame = _Frame.parse(raw)
    return message_class(frame.msg_type, kex).parse_body(frame.body)  # type: ignore[return-value]


def split_handshake(
    buf: bytes | bytearray | memoryview, max_length: int = 2**24 - 1
) -> tuple[list[tuple[HandshakeType | int, bytes]], bytes]:
    """Split handshake-record payload bytes into whole messages and the leftover.

    Messages may span several records (join the fragments, call again) or share one. Each item
    is ``(msg_type, raw_message)`` with the 4-byte header included. A header announcing more than
    ``max_length`` bytes raises DecodeError(illegal_parameter) as soon as it is seen.
    """
    out: list[tuple[HandshakeType | int, bytes]] = []
    offset = 0
    end = len(buf)
    while end - offset >= HANDSHAKE_HEADER_SIZE:
        header = HandshakeHeader.parse(bytes(buf[offset : offset + HANDSHAKE_HEADER_SIZE]))
        if header.length > max_length:
            raise DecodeError(
                f"message of {header.length} bytes is above the limit {max_length}",
                alert=AlertDescription.illegal_parameter,
                field="Handshake.length",
            )
        stop = offset + HANDSHAKE_HEADER_SIZE + header.length
        if stop > end:
            break
        out.append((header.msg_type, bytes(buf[offset:stop])))
        offset = stop
    return out, bytes(buf[offset:])


# --------------------------------------------------------------------------- SSLv2 ClientHello


def _sslv2_length_ok(v: int) -> bool:
    return bool(v & 0x8000)


@model
class SSLv2ClientHello(Model):
    """An SSL 2.0-format ClientHello (RFC 5246 Appendix E.2), recognised so it can be refused.

    ``record_length`` is the 2-byte header with its top bit set (no padding form); the three
    length fields are derived when building.
    """

    record_length: int = derived(
        Rebuild(
            Validate(
                Uint16,
                _sslv2_length_ok,
                "SSLv2 header needs the top bit set",
                AlertDescription.decode_error,
            ),
            lambda ctx: (
                0x8000 | (9 + 3 * len(ctx.cipher_specs) + len(ctx.session_id) + len(ctx.challenge))
            ),
        )
    )
    msg_type: int = derived(Const(1, Uint8))
    version: ProtocolVersion | int = csfield(EnumInt(Uint16, ProtocolVersion))
    cipher_spec_length: int = derived(
        Rebuild(
            Validate(
                Uint16,
                lambda v: v > 0 and v % 3 == 0,
                "cipher_spec_length must be a non-zero multiple of 3",
                AlertDescription.decode_error,
            ),
            lambda ctx: 3 * len(ctx.cipher_specs),
        )
    )
    session_id_length: int = derived(
        Rebuild(
            Validate(
                Uint16,
                lambda v: v in (0, 16),
                "session_id_length must be 0 or 16",
                AlertDescription.decode_error,
            ),
            len_(this.session_id),
        )
    )
    challenge_length: int = derived(
        Rebuild(
            Validate(
                Uint16,
                lambda v: 16 <= v <= 32,
                "challenge_length must be 16..32",
                AlertDescription.decode_error,
            ),
            len_(this.challenge),
        )
    )
    cipher_specs: list[int] = csfield(Array(this.cipher_spec_length // 3, Uint24))
    session_id: bytes = csfield(Bytes(this.session_id_length))
    challenge: bytes = csfield(Bytes(this.challenge_length))

    @classmethod
    def parse(cls, data: bytes) -> SSLv2ClientHello:  # type: ignore[override]
        """Parse a whole SSLv2 record (2-byte header included); its length must match."""
        msg = parse(cls.struct, data, cls.__name__)
        declared = int.from_bytes(data[:2], "big") & 0x7FFF
        if declared != len(data) - 2:
            raise DecodeError(
                f"record length {declared} but {len(data) - 2} bytes follow the header",
                field="SSLv2ClientHello.record_length",
            )
        return msg
