"""The strict vocabulary (records.vocab) against each of construct's lenient defaults.

Each test first shows construct's own behaviour (so the hazard is real, and a construct upgrade
that changes it is noticed), then that the records helper is strict.
"""

from __future__ import annotations

import pytest
from construct import (
    GreedyBytes,
    GreedyRange,
    Int8ub,
    Int16ub,
    Optional,
    Prefixed,
    Struct,
)

from records.errors import DecodeError, EncodeError
from records.registry import AlertDescription, NamedGroup
from records.vocab import (
    EnumInt,
    IfRemaining,
    Items,
    Opaque8,
    Opaque16,
    Opaque24,
    Uint8,
    Uint16,
    Uint24,
    Validate,
    Vector,
    build,
    fast_format,
    parse,
)


def decode_error(con, data: bytes) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        parse(con, data, "T")
    return info.value


# ------------------------------------------------------------ Struct.parse ignores trailing bytes


def test_construct_struct_ignores_trailing_bytes():
    assert Struct("a" / Int8ub).parse(b"\x01\x02").a == 1


def test_parse_rejects_trailing_bytes():
    err = decode_error(Struct("a" / Uint8), b"\x01\x02")
    assert err.alert == AlertDescription.decode_error
    assert "1 trailing bytes" in str(err)
    assert parse(Struct("a" / Uint8), b"\x01", "T").a == 1


# ---------------------------------------------------------------- Prefixed not checking consumption


def test_construct_prefixed_does_not_check_consumption():
    assert Prefixed(Int8ub, Struct("a" / Int8ub)).parse(b"\x02\x01\x02").a == 1


def test_vector_requires_its_bytes_consumed():
    con = Struct("v" / Vector(Uint8, Struct("a" / Uint8, "b" / Uint16)))
    err = decode_error(con, b"\x04\x01\x00\x02\x09")
    assert err.field == "T.v"
    # the length is not a multiple of the 3-byte item
    assert "not a multiple of the item size 3" in str(err)


def test_sized_reports_unused_bytes_for_variable_items():
    inner = Struct("n" / Opaque8())
    con = Struct("v" / Vector(Uint16, inner))
    assert parse(con, b"\x00\x03\x02ab", "T").v[0].n == b"ab"
    # second item is "\x05" with nothing after it: item error, not silently dropped
    err = decode_error(con, b"\x00\x04\x02ab\x05")
    assert err.field == "T.v.n"


@pytest.mark.parametrize(
    ("con", "good", "short"),
    [
        (Opaque8(), b"\x02ab", b"\x03ab"),
        (Opaque16(), b"\x00\x02ab", b"\x00\x03ab"),
        (Opaque24(), b"\x00\x00\x02ab", b"\x00\x00\x03ab"),
    ],
)
def test_opaque_lengths(con, good, short):
    assert parse(con, good, "T") == b"ab"
    assert build(con, b"ab", "T") == good
    err = decode_error(con, short)
    assert "expected 3, found 2" in str(err)
    decode_error(con, good + b"x")  # trailing


def test_uint24():
    assert parse(Uint24, b"\x01\x02\x03", "T") == 0x010203
    assert build(Uint24, 0x010203, "T") == b"\x01\x02\x03"
    decode_error(Uint24, b"\x01\x02")


# ---------------------------------------------------------------- bounds <a..b>


def test_vector_bounds_in_bytes():
    con = Vector(Uint16, Uint16, 2, 6)
    assert parse(con, b"\x00\x02\x00\x17", "T") == [0x17]
    err = decode_error(con, b"\x00\x00")
    assert "below the minimum 2" in str(err)
    err = decode_error(con, b"\x00\x08" + b"\x00" * 8)
    assert "above the maximum 6" in str(err)
    assert err.alert == AlertDescription.decode_error


def test_odd_length_uint16_list():
    con = Vector(Uint16, Uint16, 2)
    err = decode_error(con, b"\x00\x03\x00\x17\x00")
    assert "not a multiple of the item size 2" in str(err)


def test_over_alert_for_records():
    con = Opaque16(0, 4, over_alert=AlertDescription.record_overflow)
    assert decode_error(con, b"\x00\x05abcde").alert == AlertDescription.record_overflow


def test_build_derives_length_and_does_not_enforce_bounds():
    con = Vector(Uint16, Uint16, 2)
    assert build(con, [], "T") == b"\x00\x00"  # deliberately malformed messages can be built
    assert build(con, [1, 2], "T") == b"\x00\x04\x00\x01\x00\x02"
    with pytest.raises(EncodeError):
        build(Opaque8(), b"x" * 256, "T")  # does not fit its length field


# ---------------------------------------------------------------- GreedyRange swallowing errors


def test_construct_greedyrange_swallows_a_bad_item():
    assert Prefixed(Int8ub, GreedyRange(Int16ub)).parse(b"\x03\x00\x01\x02") == [1]


def test_items_lets_the_item_error_out():
    con = Struct("v" / Prefixed(Uint8, Items(Uint16)))
    with pytest.raises(DecodeError, match="expected 2, found 1"):
        parse(con, b"\x03\x00\x01\x02", "T")
    assert parse(con, b"\x04\x00\x01\x00\x02", "T").v == [1, 2]


def test_items_refuses_zero_size_items():
    con = Prefixed(Uint8, Items(Struct()))
    with pytest.raises(DecodeError, match="consumed no bytes"):
        parse(con, b"\x01\x00", "T")


# ---------------------------------------------------------------- Optional swallowing errors


def test_construct_optional_swallows_errors():
    assert Struct("a" / Int8ub, "b" / Optional(Int16ub)).parse(b"\x01\x02").b is None


def test_ifremaining_absent_only_when_nothing_remains():
    con = Struct("a" / Uint8, "b" / IfRemaining(Opaque8()))
    assert parse(con, b"\x01", "T").b is None
    assert parse(con, b"\x01\x00", "T").b == b""
    assert build(con, {"a": 1, "b": None}, "T") == b"\x01"
    err = decode_error(con, b"\x01\x02")
    assert err.field == "T.b"


# ---------------------------------------------------------------- compiled parsers


def test_construct_compiled_prefixed_skips_the_length_check():
    compiled = Prefixed(Int8ub, GreedyBytes).compile()
    assert compiled.parse(b"\x05ab") == b"ab"  # 5 announced, 2 present: accepted


@pytest.mark.parametrize(
    ("con", "bad"),
    [
        (Struct("x" / Opaque16()), b"\x00\x05ab"),
        (Struct("x" / Vector(Uint8, Uint16)), b"\x03\x00\x01\x02"),
        (Struct("x" / Vector(Uint16, Uint16, 2)), b"\x00\x00"),
        (Struct("a" / Uint8, "x" / IfRemaining(Opaque8(1))), b"\x01\x00"),
    ],
)
def test_helpers_stay_strict_when_compiled(con, bad):
    # The helpers emit no compiled code, so a compiled parser falls back to their strict _parse.
    compiled = con.compile()
    with pytest.raises(Exception) as info:
        compiled.parse(bad)
    assert not isinstance(info.value, AssertionError)
    with pytest.raises(DecodeError):
        parse(con, bad, "T")


# ---------------------------------------------------------------- values


def test_enum_int_keeps_unknown_values():
    con = EnumInt(Uint16, NamedGroup)
    assert parse(con, b"\x00\x1d", "T") is NamedGroup.x25519
    grease = parse(con, b"\x0a\x0a", "T")
    assert grease == 0x0A0A and type(grease) is int
    assert build(con, 0x0A0A, "T") == b"\x0a\x0a"


def test_validate_names_alert_and_field():
    con = Struct("limit" / Validate(Uint16, lambda v: v >= 64, "too small"))
    err = decode_error(con, b"\x00\x10")
    assert err.alert == AlertDescription.illegal_parameter
    assert err.field == "T.limit"
    assert "too small (got 16)" in str(err)


def test_fast_format_derivation():
    from records.record import RecordHeader

    fmt, maps = fast_format(RecordHeader.struct)
    assert fmt == ">BHH"
    assert maps[2] is None and maps[0] is not None
    with pytest.raises(TypeError):
        from records.handshake import Finished

        fast_format(Finished.struct)
