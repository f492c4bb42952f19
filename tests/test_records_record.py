"""Record layer: header fast path vs declaration, limits, splitting, Alert, ChangeCipherSpec."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from records.errors import DecodeError, EncodeError
from records.record import (
    HEADER_SIZE,
    MAX_CIPHERTEXT,
    MAX_PLAINTEXT,
    Alert,
    ChangeCipherSpec,
    Record,
    RecordHeader,
    build_header,
    is_sslv2_client_hello,
    parse_header,
    split_records,
)
from records.registry import AlertDescription, AlertLevel, ContentType, ProtocolVersion


@given(st.binary(min_size=5, max_size=5), st.integers(0, 3))
def test_fast_path_agrees_with_declaration(header: bytes, pad: int):
    buf = b"\x00" * pad + header
    declared = RecordHeader.parse(header)  # any 5 bytes are a syntactically valid header
    if declared.length > MAX_CIPHERTEXT:
        with pytest.raises(DecodeError) as info:
            parse_header(buf, pad)
        assert info.value.alert == AlertDescription.record_overflow
        return
    fast = parse_header(buf, pad)
    assert fast == declared
    assert type(fast.content_type) is type(declared.content_type)
    assert type(fast.version) is type(declared.version)
    assert build_header(fast.content_type, fast.version, fast.length) == declared.build() == header


def test_header_fields():
    h = parse_header(b"\x16\x03\x01\x00\xa5")
    assert h == RecordHeader(ContentType.handshake, ProtocolVersion.TLS1_0, 0xA5)
    assert h.content_type is ContentType.handshake
    unknown = parse_header(b"\x63\x7f\x7f\x00\x00")
    assert unknown.content_type == 0x63 and type(unknown.content_type) is int


def test_header_limits():
    top = parse_header(b"\x17\x03\x03" + MAX_CIPHERTEXT.to_bytes(2, "big"))
    assert top.length == MAX_CIPHERTEXT
    with pytest.raises(DecodeError) as info:
        parse_header(b"\x17\x03\x03" + (MAX_CIPHERTEXT + 1).to_bytes(2, "big"))
    assert info.value.alert == AlertDescription.record_overflow
    assert info.value.field == "RecordHeader.length"
    with pytest.raises(DecodeError) as info:
        parse_header(b"\x16\x03\x03" + (MAX_PLAINTEXT + 1).to_bytes(2, "big"), 0, MAX_PLAINTEXT)
    assert info.value.alert == AlertDescription.record_overflow
    with pytest.raises(DecodeError, match="need 5 bytes, have 4"):
        parse_header(b"\x16\x03\x03\x00")


def test_build_header_out_of_range_is_encode_error():
    with pytest.raises(EncodeError) as info:
        build_header(ContentType.handshake, ProtocolVersion.TLS1_2, 70000)
    assert info.value.field == "RecordHeader.length"


def test_record_roundtrip_and_strictness():
    raw = b"\x17\x03\x03\x00\x03abc"
    rec = Record.parse(raw)
    assert rec == Record(ContentType.application_data, ProtocolVersion.TLS1_2, b"abc")
    assert rec.build() == raw
    with pytest.raises(DecodeError, match="trailing"):
        Record.parse(raw + b"d")
    with pytest.raises(DecodeError) as info:
        Record.parse(raw[:-1])
    assert info.value.field == "Record.fragment"
    big = b"\x17\x03\x03" + (MAX_CIPHERTEXT + 1).to_bytes(2, "big") + b"\x00" * (MAX_CIPHERTEXT + 1)
    with pytest.raises(DecodeError) as info:
        Record.parse(big)
    assert info.value.alert == AlertDescription.record_overflow


def test_split_records_partial_and_several():
    one = Record(ContentType.handshake, ProtocolVersion.TLS1_2, b"\x0e\x00\x00\x00").build()
    two = Record(ContentType.alert, ProtocolVersion.TLS1_2, b"\x01\x00").build()
    data = one + two
    for cut in range(len(data) + 1):
        records, rest = split_records(data[:cut])
        done = [one, two][: len(records)]
        assert [r.build() for r in records] == done
        assert b"".join(done) + rest == data[:cut]
    records, rest = split_records(bytearray(data))
    assert len(records) == 2 and rest == b""


def test_split_records_overflow_is_seen_from_the_header():
    with pytest.raises(DecodeError) as info:
        split_records(b"\x17\x03\x03\xff\xff")
    assert info.value.alert == AlertDescription.record_overflow


def test_alert():
    alert = Alert.parse(b"\x02\x28")
    assert alert == Alert(AlertLevel.fatal, AlertDescription.handshake_failure)
    assert alert.build() == b"\x02\x28"
    odd = Alert.parse(b"\x07\xee")
    assert odd.level == 7 and odd.description == 0xEE and odd.build() == b"\x07\xee"
    for bad in (b"", b"\x02", b"\x02\x28\x00"):
        with pytest.raises(DecodeError) as info:
            Alert.parse(bad)
        assert info.value.alert == AlertDescription.decode_error


def test_change_cipher_spec():
    assert ChangeCipherSpec.parse(b"\x01") == ChangeCipherSpec()
    assert ChangeCipherSpec().build() == b"\x01"
    with pytest.raises(DecodeError) as info:
        ChangeCipherSpec.parse(b"\x02")
    assert info.value.alert == AlertDescription.illegal_parameter
    assert info.value.field == "ChangeCipherSpec.type"
    for bad in (b"", b"\x01\x01"):
        with pytest.raises(DecodeError):
            ChangeCipherSpec.parse(bad)


def test_sslv2_detection():
    # RFC 5246 E.2 layout: 2-byte header with top bit, msg_type 1.
    assert is_sslv2_client_hello(b"\x80\x2e\x01\x03\x01")
    assert not is_sslv2_client_hello(b"\x16\x03\x01\x00\x2e")
    assert not is_sslv2_client_hello(b"\x80\x2e")
    assert HEADER_SIZE == 5
