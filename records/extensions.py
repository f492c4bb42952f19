"""Hello extensions (RFC 5246 §7.4.1.4 and the RFCs that define each one).

Each extension is one model: a dataclass whose fields carry their construct. Some extensions have
another form in a ServerHello (``server_struct``): server_name, status_request and session_ticket
are empty there, ALPN carries exactly one protocol, supported_versions one version. Unknown
extensions (and known ones that records/ does not model) are kept as
:class:`UnknownExtension` with their bytes, in order.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, TypeVar

from construct import Adapter, Construct, GreedyBytes, Subconstruct, Switch, this
from construct.core import stream_read, stream_write

from .errors import DecodeError
from .registry import (
    AlertDescription,
    CertificateStatusType,
    ECPointFormat,
    ExtensionType,
    MaxFragmentLength,
    NamedGroup,
    NameType,
    ProtocolVersion,
    SignatureScheme,
)
from .vocab import (
    DataclassStruct,
    EnumInt,
    Model,
    Opaque8,
    Opaque16,
    Uint8,
    Uint16,
    Validate,
    Vector,
    WireError,
    context_form,
    csfield,
    model,
)

__all__ = [
    "ALPNExtension",
    "ECPointFormatsExtension",
    "EncryptThenMacExtension",
    "ExtendedMasterSecretExtension",
    "Extension",
    "ExtensionContext",
    "MaxFragmentLengthExtension",
    "OCSPStatusRequest",
    "PaddingExtension",
    "RecordSizeLimitExtension",
    "RenegotiationInfoExtension",
    "ServerName",
    "ServerNameExtension",
    "SessionTicketExtension",
    "SignatureAlgorithmsExtension",
    "StatusRequestExtension",
    "SupportedGroupsExtension",
    "SupportedVersionsExtension",
    "UnknownExtension",
    "extension_list",
    "get_extension",
    "parse_extensions",
]


class ExtensionContext(StrEnum):
    """Where an extension list appears; a few extensions differ between the two."""

    client_hello = "client_hello"
    server_hello = "server_hello"


def _unique(values: Sequence[object]) -> bool:
    return len(set(values)) == len(values)


# ------------------------------------------------------------------ server_name, RFC 6066 §3


@model
class ServerName(Model):
    """``struct { NameType name_type; select (name_type) { case host_name: HostName; } name; }``.

    Only host_name (0) is defined; any name_type is read as opaque<1..2^16-1> (as OpenSSL does).
    """

    name_type: NameType | int = csfield(EnumInt(Uint8, NameType))
    name: bytes = csfield(Opaque16(1))


@model
class ServerNameExtension(Model):
    """server_name (0): ``ServerName server_name_list<1..2^16-1>``; empty in a ServerHello."""

    extension_type: ClassVar = ExtensionType.server_name
    server_names: list[ServerName] = csfield(
        Validate(
            Vector(Uint16, ServerName.struct, 1),
            lambda names: _unique([int(n.name_type) for n in names]),
            "more than one name of the same name_type",
        ),
        default_factory=list,
    )

    @property
    def host_name(self) -> str | None:
        """The host_name entry as text (RFC 6066: ASCII), or None."""
        for entry in self.server_names:
            if entry.name_type == NameType.host_name:
                try:
                    return entry.name.decode("ascii")
                except UnicodeDecodeError:
                    raise DecodeError(
                        "host_name is not ASCII",
                        alert=AlertDescription.illegal_parameter,
                        field="ServerNameExtension.host_name",
                    ) from None
        return None

    @classmethod
    def for_host(cls, host: str) -> ServerNameExtension:
        return cls([ServerName(NameType.host_name, host.encode("ascii"))])


# --------------------------------------------------------------------------- RFC 6066 §4, §8


@model
class MaxFragmentLengthExtension(Model):
    """max_fragment_length (1): ``enum { 2^9(1), 2^10(2), 2^11(3), 2^12(4), (255) }``."""

    extension_type: ClassVar = ExtensionType.max_fragment_length
    max_fragment_length: MaxFragmentLength | int = csfield(EnumInt(Uint8, MaxFragmentLength))


@model
class OCSPStatusRequest(Model):
    """``ResponderID responder_id_list<0..2^16-1>; Extensions request_extensions`` (RFC 6066 §8)."""

    responder_id_list: list[bytes] = csfield(Vector(Uint16, Opaque16(1)))
    request_extensions: bytes = csfield(Opaque16())


@model
class StatusRequestExtension(Model):
    """status_request (5): status_type then, for ocsp, an :class:`OCSPStatusRequest`.

    For another status_type ``request`` keeps the raw bytes. Empty in a ServerHello (both fields
    None).
    """

    extension_type: ClassVar = ExtensionType.status_request
    status_type: CertificateStatusType | int | None = csfield(
        EnumInt(Uint8, CertificateStatusType), default=None
    )
    request: OCSPStatusRequest | bytes | None = csfield(
        Switch(
            this.status_type,
            {CertificateStatusType.ocsp: OCSPStatusRequest.struct},
            default=GreedyBytes,
        ),
        default=None,
    )


# --------------------------------------------------------------------------- RFC 8422, 8446


@model
class SupportedGroupsExtension(Model):
    """supported_groups (10): ``NamedGroup named_group_list<2..2^16-1>``."""

    extension_type: ClassVar = ExtensionType.supported_groups
    groups: list[NamedGroup | int] = csfield(Vector(Uint16, EnumInt(Uint16, NamedGroup), 2))


@model
class ECPointFormatsExtension(Model):
    """ec_point_formats (11): ``ECPointFormat ec_point_format_list<1..2^8-1>``."""

    extension_type: ClassVar = ExtensionType.ec_point_formats
    formats: list[ECPointFormat | int] = csfield(Vector(Uint8, EnumInt(Uint8, ECPointFormat), 1))


@model
class SignatureAlgorithmsExtension(Model):
    """signature_algorithms (13), RFC 5246 §7.4.1.4.1:
    ``SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>``."""

    extension_type: ClassVar = ExtensionType.signature_algorithms
    schemes: list[SignatureScheme | int] = csfield(
        Vector(Uint16, EnumInt(Uint16, SignatureScheme), 2, 2**16 - 2)
    )


# --------------------------------------------------------------------------- RFC 7301


@model
class ALPNExtension(Model):
    """application_layer_protocol_negotiation (16): ``ProtocolName protocol_name_list<2..2^16-1>``,
    ``opaque ProtocolName<1..2^8-1>``. A ServerHello carries exactly one name."""

    extension_type: ClassVar = ExtensionType.application_layer_protocol_negotiation
    protocols: list[bytes] = csfield(Vector(Uint16, Opaque8(1), 2))


# --------------------------------------------------------------------------- empty ones


@model
class EncryptThenMacExtension(Model):
    """encrypt_then_mac (22), RFC 7366: empty."""

    extension_type: ClassVar = ExtensionType.encrypt_then_mac


@model
class ExtendedMasterSecretExtension(Model):
    """extended_master_secret (23), RFC 7627: empty."""

    extension_type: ClassVar = ExtensionType.extended_master_secret


# --------------------------------------------------------------------------- others


@model
class SessionTicketExtension(Model):
    """session_ticket (35), RFC 5077 §3.2: the ticket is the whole extension_data (may be empty).

    Empty in a ServerHello."""

    extension_type: ClassVar = ExtensionType.session_ticket
    ticket: bytes = csfield(GreedyBytes, default=b"")


@model
class RecordSizeLimitExtension(Model):
    """record_size_limit (28), RFC 8449: ``uint16 RecordSizeLimit``; below 64 is
    illegal_parameter."""

    extension_type: ClassVar = ExtensionType.record_size_limit
    limit: int = csfield(Validate(Uint16, lambda v: v >= 64, "record_size_limit below 64"))


@model
class RenegotiationInfoExtension(Model):
    """renegotiation_info (0xff01), RFC 5746: ``opaque renegotiated_connection<0..255>``."""

    extension_type: ClassVar = ExtensionType.renegotiation_info
    renegotiated_connection: bytes = csfield(Opaque8(), default=b"")


@model
class PaddingExtension(Model):
    """padding (21), RFC 7685: the bytes as received (senders use zeros; receivers do not check)."""

    extension_type: ClassVar = ExtensionType.padding
    padding: bytes = csfield(GreedyBytes)


@model
class SupportedVersionsExtension(Model):
    """supported_versions (43), RFC 8446 §4.2.1: ``ProtocolVersion versions<2..254>`` in a
    ClientHello; a single ``selected_version`` in a ServerHello (held as a one-item list)."""

    extension_type: ClassVar = ExtensionType.supported_versions
    versions: list[ProtocolVersion | int] = csfield(
        Vector(Uint8, EnumInt(Uint16, ProtocolVersion), 2, 254)
    )


@dataclass
class UnknownExtension:
    """An extension records/ does not model here, kept with its bytes so it rebuilds unchanged."""

    extension_type: ExtensionType | int
    data: bytes


Extension = (
    ServerNameExtension
    | MaxFragmentLengthExtension
    | StatusRequestExtension
    | SupportedGroupsExtension
    | ECPointFormatsExtension
    | SignatureAlgorithmsExtension
    | ALPNExtension
    | EncryptThenMacExtension
    | ExtendedMasterSecretExtension
    | SessionTicketExtension
    | RecordSizeLimitExtension
    | RenegotiationInfoExtension
    | PaddingExtension
    | SupportedVersionsExtension
    | UnknownExtension
)

_MODELLED: list[type[Model]] = [
    ServerNameExtension,
    MaxFragmentLengthExtension,
    StatusRequestExtension,
    SupportedGroupsExtension,
    ECPointFormatsExtension,
    SignatureAlgorithmsExtension,
    ALPNExtension,
    EncryptThenMacExtension,
    ExtendedMasterSecretExtension,
    SessionTicketExtension,
    RecordSizeLimitExtension,
    RenegotiationInfoExtension,
    PaddingExtension,
    SupportedVersionsExtension,
]


class _SingleItem(Adapter):
    """One value on the wire, a one-item list in the model."""

    def _decode(self, obj, context, path):
        return [obj]

    def _encode(self, obj, context, path):
        if len(obj) != 1:
            raise WireError(
                f"exactly one item in this context, got {len(obj)}",
                path,
                alert=AlertDescription.internal_error,
            )
        return obj[0]


_SERVER_FORMS: dict[type, DataclassStruct] = {
    ServerNameExtension: context_form(ServerNameExtension),
    StatusRequestExtension: context_form(StatusRequestExtension),
    SessionTicketExtension: context_form(SessionTicketExtension),
    ALPNExtension: context_form(
        ALPNExtension,
        "protocols"
        / Validate(
            Vector(Uint16, Opaque8(1), 2),
            lambda p: len(p) == 1,
            "a ServerHello ALPN extension must name exactly one protocol",
        ),
    ),
    SupportedVersionsExtension: context_form(
        SupportedVersionsExtension,
        "versions" / _SingleItem(EnumInt(Uint16, ProtocolVersion)),
    ),
}

TABLES: dict[ExtensionContext, dict[int, tuple[type, DataclassStruct]]] = {
    ExtensionContext.client_hello: {int(c.extension_type): (c, c.struct) for c in _MODELLED},  # type: ignore[attr-defined]
    ExtensionContext.server_hello: {
        int(c.extension_type): (c, _SERVER_FORMS.get(c, c.struct))  # type: ignore[attr-defined]
        for c in _MODELLED
    },
}


class _ExtensionEntry(Construct):
    """``struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; }``, with the
    data parsed by the extension's own model for this context."""

    def __init__(self, context: ExtensionContext):
        super().__init__()
        self.table = TABLES[context]

    def _parse(self, stream, ctx, path):
        ext_type = Uint16._parsereport(stream, ctx, path)
        length = Uint16._parsereport(stream, ctx, path)
        data = stream_read(stream, length, path)
        entry = self.table.get(ext_type)
        if entry is None:
            return UnknownExtension(ExtensionType._value2member_map_.get(ext_type, ext_type), data)  # type: ignore[arg-type]
        cls, struct = entry
        sub = io.BytesIO(data)
        sub_path = f"{path} -> {cls.__name__}"
        obj = struct._parsereport(sub, ctx, sub_path)
        if sub.tell() != length:
            raise WireError(
                f"{length - sub.tell()} of {length} bytes left unused in the extension",
                sub_path,
                alert=AlertDescription.decode_error,
            )
        return obj

    def _build(self, obj, stream, ctx, path):
        if isinstance(obj, UnknownExtension):
            ext_type, data = int(obj.extension_type), obj.data
        else:
            entry = self.table.get(int(getattr(obj, "extension_type", -1)))
            if entry is None or not isinstance(obj, entry[0]):
                raise WireError(
                    f"not an extension: {type(obj).__name__}",
                    path,
                    alert=AlertDescription.internal_error,
                )
            ext_type, data = int(obj.extension_type), entry[1].build(obj)
        Uint16._build(ext_type, stream, ctx, path)
        Uint16._build(len(data), stream, ctx, path)
        stream_write(stream, data, len(data), path)
        return obj


class _NoDuplicates(Subconstruct):
    def _parse(self, stream, ctx, path):
        exts = self.subcon._parsereport(stream, ctx, path)
        seen: set[int] = set()
        for ext in exts:
            t = int(ext.extension_type)
            if t in seen:
                member = ExtensionType._value2member_map_.get(t)
                name = f"{member.name} ({t})" if member else str(t)
                raise WireError(
                    f"duplicate extension {name}", path, alert=AlertDescription.illegal_parameter
                )
            seen.add(t)
        return exts

    def _build(self, obj, stream, ctx, path):
        return self.subcon._build(obj, stream, ctx, path)


def extension_list(context: ExtensionContext) -> Construct:
    """``Extension extensions<0..2^16-1>`` for ``context`` (no duplicate types)."""
    return _NoDuplicates(Vector(Uint16, _ExtensionEntry(context)))


CLIENT_HELLO_EXTENSIONS = extension_list(ExtensionContext.client_hello)
SERVER_HELLO_EXTENSIONS = extension_list(ExtensionContext.server_hello)


def parse_extensions(
    data: bytes, context: ExtensionContext = ExtensionContext.client_hello
) -> list[Extension]:
    """Parse a length-prefixed extension block (as it appears at the end of a hello)."""
    from .vocab import parse

    con = (
        CLIENT_HELLO_EXTENSIONS
        if context == ExtensionContext.client_hello
        else SERVER_HELLO_EXTENSIONS
    )
    return parse(con, data, f"extensions[{context.value}]")


E = TypeVar("E")


def get_extension(
    extensions: Iterable[object] | None, extension_type: ExtensionType | int
) -> object | None:
    """The extension of that type in ``extensions`` (modelled or UnknownExtension), else None."""
    if not extensions:
        return None
    wanted = int(extension_type)
    for ext in extensions:
        if int(ext.extension_type) == wanted:  # type: ignore[attr-defined]
            return ext
    return None
