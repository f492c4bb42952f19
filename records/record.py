"""The record layer (RFC 5246 §6.2): header, records, Alert and ChangeCipherSpec.

The header is parsed for every record, so :func:`parse_header` has a fast path: a ``struct``
format derived from the :class:`RecordHeader` declaration (``tests/test_records_record.py`` checks
that both agree on every input).
"""

from __future__ import annotations

import struct as _struct
from collections.abc import Iterator

from .errors import DecodeError
from .registry import AlertDescription, AlertLevel, ContentType, ProtocolVersion
from .vocab import (
    EnumInt,
    Model,
    Opaque16,
    Uint8,
    Uint16,
    Validate,
    check_struct_format,
    csfield,
    fast_format,
    model,
)

__all__ = [
    "HEADER_SIZE",
    "MAX_CIPHERTEXT",
    "MAX_COMPRESSED",
    "MAX_PLAINTEXT",
    "SSLV2_CLIENT_HELLO",
    "Alert",
    "ChangeCipherSpec",
    "Record",
    "RecordHeader",
    "build_header",
    "is_sslv2_client_hello",
    "iter_records",
    "parse_header",
    "split_records",
]

HEADER_SIZE = 5
MAX_PLAINTEXT = 2**14  # TLSPlaintext.length, RFC 5246 §6.2.1
MAX_COMPRESSED = 2**14 + 1024  # TLSCompressed.length, §6.2.2
MAX_CIPHERTEXT = 2**14 + 2048  # TLSCiphertext.length, §6.2.3


@model
class RecordHeader(Model):
    """``struct { ContentType type; ProtocolVersion version; uint16 length; }`` (§6.2.1)."""

    content_type: ContentType | int = csfield(EnumInt(Uint8, ContentType))
    version: ProtocolVersion | int = csfield(EnumInt(Uint16, ProtocolVersion))
    length: int = csfield(Uint16)


_FORMAT, (_CONTENT_TYPES, _VERSIONS, _) = fast_format(RecordHeader.struct)
_HEADER = check_struct_format(_FORMAT, HEADER_SIZE)
_unpack_from = _HEADER.unpack_from
_pack = _HEADER.pack
assert _CONTENT_TYPES is not None and _VERSIONS is not None


def parse_header(
    buf: bytes | bytearray | memoryview, offset: int = 0, max_length: int = MAX_CIPHERTEXT
) -> RecordHeader:
    """Parse the 5-byte record header at ``offset`` (fast path).

    Raises DecodeError(decode_error) when fewer than 5 bytes are there, and
    DecodeError(record_overflow) when the length exceeds ``max_length`` (2^14 + 2048 by default:
    a protected record; pass MAX_PLAINTEXT for a record known to be unprotected).
    """
    if len(buf) - offset < HEADER_SIZE:
        raise DecodeError(
            f"need {HEADER_SIZE} bytes, have {max(len(buf) - offset, 0)}", field="RecordHeader"
        )
    return RecordHeader(*_header_fields(buf, offset, max_length))


def _header_fields(
    buf: bytes | bytearray | memoryview, offset: int, max_length: int
) -> tuple[ContentType | int, ProtocolVersion | int, int]:
    """The header's fields at ``offset`` (5 bytes must be there), its length checked."""
    content_type, version, length = _unpack_from(buf, offset)
    if length > max_length:
        raise DecodeError(
            f"length {length} is above the maximum {max_length}",
            alert=AlertDescription.record_overflow,
            field="RecordHeader.length",
        )
    return (
        _CONTENT_TYPES.get(content_type, content_type),  # type: ignore[union-attr]
        _VERSIONS.get(version, version),  # type: ignore[union-attr]
        length,
    )


def build_header(
    content_type: ContentType | int, version: ProtocolVersion | int, length: int
) -> bytes:
    """The 5-byte header (fast path of ``RecordHeader(...).build()``)."""
    try:
        return _pack(content_type, version, length)
    except _struct.error:  # out of range: let the declaration say which field (EncodeError)
        return RecordHeader(content_type, version, length).build()


@model
class Record(Model):
    """A whole record: header and fragment (§6.2). ``fragment`` may be protected or not."""

    content_type: ContentType | int = csfield(EnumInt(Uint8, ContentType))
    version: ProtocolVersion | int = csfield(EnumInt(Uint16, ProtocolVersion))
    fragment: bytes = csfield(
        Opaque16(0, MAX_CIPHERTEXT, over_alert=AlertDescription.record_overflow)
    )


def iter_records(
    data: bytes | bytearray | memoryview, max_length: int = MAX_CIPHERTEXT
) -> Iterator[tuple[Record, int]]:
    """Yield each complete record in ``data`` with the offset just after it."""
    offset = 0
    end = len(data)
    while end - offset >= HEADER_SIZE:
        content_type, version, length = _header_fields(data, offset, max_length)
        stop = offset + HEADER_SIZE + length
        if stop > end:
            return
        yield Record(content_type, version, bytes(data[offset + HEADER_SIZE : stop])), stop
        offset = stop


def split_records(
    data: bytes | bytearray | memoryview, max_length: int = MAX_CIPHERTEXT
) -> tuple[list[Record], bytes]:
    """Split a byte stream into complete records and the leftover bytes (an incomplete record).

    A header whose length is above ``max_length`` raises DecodeError(record_overflow) as soon as its
    5 bytes are there, without waiting for its body.
    """
    records: list[Record] = []
    offset = 0
    for record, offset in iter_records(data, max_length):  # noqa: B007
        records.append(record)
    return records, bytes(data[offset:])


@model
class Alert(Model):
    """``struct { AlertLevel level; AlertDescription description; }`` (§7.2)."""

    level: AlertLevel | int = csfield(EnumInt(Uint8, AlertLevel))
    description: AlertDescription | int = csfield(EnumInt(Uint8, AlertDescription))


@model
class ChangeCipherSpec(Model):
    """``struct { enum { change_cipher_spec(1), (255) } type; }`` (§7.1)."""

    type: int = csfield(
        Validate(Uint8, lambda v: v == 1, "ChangeCipherSpec type must be 1"), default=1
    )


SSLV2_CLIENT_HELLO = 1


def is_sslv2_client_hello(data: bytes | bytearray | memoryview) -> bool:
    """True when ``data`` starts like an SSLv2-format ClientHello (top bit set, msg_type 1).

    Needs 3 bytes (the record layer sees it before any TLS header); for the message itself see
    :class:`records.handshake.SSLv2ClientHello`. A TLS record starts with a content type below
    0x80, so the two never overlap.
    """
    return len(data) >= 3 and bool(data[0] & 0x80) and data[2] == SSLV2_CLIENT_HELLO
