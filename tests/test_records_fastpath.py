"""The generated fast path (records._compiled) against the construct declarations it comes from.

For every declaration in records/ (every handshake body, every extension in both contexts, the
extension lists, records, alerts, headers), hypothesis feeds the same bytes to the generated parser
and to construct's interpreter: bytes shaped by the declaration itself (consistent lengths, known
and unknown code points, vectors of 0-4 items), then mutated (bit flips, truncation, extra bytes,
inserted/deleted bytes, edited length fields), and plain random bytes. Both must accept with the
same object (same types: enum members stay members, unknown values stay ints) or both refuse; a
refused input raises the same DecodeError (alert, field, message) through ``records.vocab.parse``
either way. Accepted objects build back to identical bytes through both builders, and objects with
fields replaced by wrong values build identically or make the generated builder give up.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from typing import Any

import pytest
from construct import Bytes as ConstructBytes
from construct import (
    BytesInteger,
    Construct,
    FormatField,
    GreedyBytes,
    Renamed,
    Struct,
    Switch,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_records_messages import CLIENT_EXTENSIONS, SAMPLES, SERVER_EXTENSIONS

import records
from records import _compiled, extensions, handshake, record, vocab
from records.errors import DecodeError, EncodeError
from records.extensions import (
    CLIENT_HELLO_EXTENSIONS,
    SERVER_HELLO_EXTENSIONS,
    TABLES,
    ExtensionContext,
    UnknownExtension,
    _ExtensionEntry,
    _NoDuplicates,
    _SingleItem,
)
from records.vocab import (
    DataclassStruct,
    EnumInt,
    IfRemaining,
    Items,
    Opaque8,
    Opaque16,
    Opaque24,
    Sized,
    Uint8,
    Uint16,
    Uint24,
    Validate,
    Vector,
)

# --------------------------------------------------------------------------- the declarations


def _models() -> list[tuple[str, Construct]]:
    out: dict[int, tuple[str, Construct]] = {}
    for module in (record, handshake, extensions):
        for name in dir(module):
            struct = getattr(getattr(module, name), "struct", None)
            if isinstance(struct, DataclassStruct):
                out.setdefault(id(struct), (name, struct))
    for context, table in TABLES.items():
        for cls, struct in table.values():
            out.setdefault(id(struct), (f"{cls.__name__}[{context.value}]", struct))
    return sorted(out.values(), key=lambda item: item[0])


INTERPRETED_ONLY = {"SSLv2ClientHello"}  # context-dependent lengths (Bytes(this.x), Rebuild)
MODELS = [(n, c) for n, c in _models() if n not in INTERPRETED_ONLY]
HELPERS = [
    ("extensions[client_hello]", CLIENT_HELLO_EXTENSIONS),
    ("extensions[server_hello]", SERVER_HELLO_EXTENSIONS),
    ("Opaque8(1)", Opaque8(1)),
    ("Opaque16(2,5)", Opaque16(2, 5)),
    ("Opaque24()", Opaque24()),
    ("Uint24", Uint24),
    ("Vector(Uint16,Uint16,2,6)", Vector(Uint16, Uint16, 2, 6)),
    ("Vector(Uint8,Opaque8(1))", Vector(Uint8, Opaque8(1))),
    ("Items(Uint16)", Items(Uint16)),
    ("Sized(Uint8,Uint16)", Sized(Uint8, Uint16)),
    ("Sized(Uint16,ServerName)", Sized(Uint16, records.ServerName.struct)),
    ("IfRemaining(Opaque8())", IfRemaining(Opaque8())),
    ("Validate(Uint8)", Validate(Uint8, lambda v: v > 3, "small")),
    (
        "Vector(Uint8,Validate(EnumInt))",
        Vector(Uint8, Validate(EnumInt(Uint8, records.ECPointFormat), lambda v: v != 1, "no 1")),
    ),
]
DECLARATIONS = MODELS + HELPERS
IDS = [name for name, _ in DECLARATIONS]


def test_every_declaration_is_generated():
    names = {name for name, _ in _models()}
    assert "ClientHello" in names and "ALPNExtension[server_hello]" in names
    assert names >= INTERPRETED_ONLY
    for _, con in DECLARATIONS:
        _compiled.compile_parser(con)  # raises Unsupported otherwise
        _compiled.compile_builder(con)
    for name in INTERPRETED_ONLY:
        with pytest.raises(_compiled.Unsupported):
            _compiled.compile_parser(getattr(records, name).struct)


def test_unknown_constructs_stay_interpreted():
    from construct import Int16sb, Optional, Prefixed

    for con in (Optional(Uint8), Prefixed(Uint8, GreedyBytes), Struct("a" / Uint8),
                Sized(Int16sb, GreedyBytes), BytesInteger(3, swapped=True)):  # fmt: skip
        with pytest.raises(_compiled.Unsupported):
            _compiled.compile_parser(con)
    assert vocab.parse(Struct("a" / Uint8), b"\x01", "T").a == 1


# --------------------------------------------------------------------------- comparing


def shape(x: Any) -> Any:
    """The value with every type made explicit (IntEnum member vs int, bytes, list, model)."""
    if dataclasses.is_dataclass(x):
        return (type(x), tuple(shape(getattr(x, f.name)) for f in dataclasses.fields(x)))
    if isinstance(x, list):
        return (list, tuple(shape(i) for i in x))
    return (type(x), x)


def parsers(con: Construct):
    return vocab._generated(con, vocab._FAST_PARSE), vocab._generated(con, vocab._FAST_BUILD)


def check_parse(con: Construct, raw: bytes) -> object | None:
    """Generated parser and declaration agree on ``raw``; returns the object when accepted."""
    fast_parse, fast_build = parsers(con)
    try:
        fast = fast_parse(raw)
    except Exception as e:
        fast, refused = None, e
    else:
        refused = None
    try:
        slow = vocab.parse(con, raw, "T", fast=False)
    except DecodeError as e:
        assert refused is not None, f"generated parser accepted what the declaration refuses: {e}"
        with pytest.raises(DecodeError) as info:
            vocab.parse(con, raw, "T")  # the public path names the same error
        assert (info.value.alert, info.value.field, str(info.value)) == (e.alert, e.field, str(e))
        return None
    assert refused is None, f"generated parser refused what the declaration accepts: {refused!r}"
    assert shape(fast) == shape(slow)
    built = fast_build(slow)
    assert built == vocab.build(con, slow, "T", fast=False) == raw
    return slow


# --------------------------------------------------------------------------- inputs


@st.composite
def shaped(draw: st.DrawFn, con: Construct, ctx: dict | None = None) -> bytes:
    """Bytes laid out by the declaration: mostly valid, with the odd length or value off."""
    return _shaped(draw, con, ctx or {})[0]


def _int(draw: st.DrawFn, size: int) -> int:
    top = 256**size - 1
    return draw(st.sampled_from([0, 1, 2, 63, 64, top - 1, top]) | st.integers(0, top))


def _shaped(draw: st.DrawFn, con: Construct, ctx: dict) -> tuple[bytes, Any]:
    kind = type(con)
    if kind is Renamed or kind is Validate or kind is _NoDuplicates or kind is _SingleItem:
        return _shaped(draw, con.subcon, ctx)
    if kind is EnumInt:
        size = con.subcon.sizeof()
        value = draw(st.sampled_from(sorted(con.members)) | st.integers(0, 256**size - 1))
        return value.to_bytes(size, "big"), con.members.get(value, value)
    if kind is FormatField or kind is BytesInteger:
        size = con.sizeof()
        value = _int(draw, size)
        return value.to_bytes(size, "big"), value
    if kind is ConstructBytes:
        return draw(st.binary(min_size=con.length, max_size=con.length)), None
    if con is GreedyBytes:
        return draw(st.binary(max_size=12)), None
    if kind is Sized:
        inner, _ = _shaped(draw, con.subcon, ctx)
        n = len(inner)
        top = 256 ** con.lenfield.sizeof() - 1
        n = draw(st.sampled_from([n] * 8 + [n - 1, n + 1, con.min, con.max, con.max + 1, 0]))
        return min(max(n, 0), top).to_bytes(con.lenfield.sizeof(), "big") + inner, None
    if kind is Items:
        count = draw(st.integers(0, 4))
        return b"".join(_shaped(draw, con.subcon, ctx)[0] for _ in range(count)), None
    if kind is IfRemaining:
        return (b"", None) if draw(st.booleans()) else _shaped(draw, con.subcon, ctx)
    if kind is DataclassStruct or kind is Struct:
        fields: dict[str, Any] = {}
        out = b""
        for sc in (con.subcon if kind is DataclassStruct else con).subcons:
            raw, fields[sc.name] = _shaped(draw, sc, fields)
            out += raw
        return out, None
    if kind is Switch:
        return _shaped(draw, con.cases.get(con.keyfunc(ctx), con.default), ctx)
    if kind is _ExtensionEntry:
        ext_type = draw(st.sampled_from(sorted(con.table)) | st.integers(0, 0xFFFF))
        entry = con.table.get(ext_type)
        data = _shaped(draw, entry[1], {})[0] if entry else draw(st.binary(max_size=6))
        n = draw(st.sampled_from([len(data)] * 8 + [len(data) + 1, max(len(data) - 1, 0)]))
        return ext_type.to_bytes(2, "big") + n.to_bytes(2, "big") + data, None
    raise AssertionError(f"no input shape for {con!r}")


@st.composite
def mutated(draw: st.DrawFn, raw: bytes) -> bytes:
    op = draw(st.sampled_from(["keep", "flip", "cut", "extend", "set", "insert", "delete", "len"]))
    if op == "keep" or (not raw and op in ("flip", "cut", "set", "delete", "len")):
        return raw
    at = draw(st.integers(0, max(len(raw) - 1, 0)))
    if op == "flip":
        return raw[:at] + bytes([raw[at] ^ (1 << draw(st.integers(0, 7)))]) + raw[at + 1 :]
    if op == "cut":
        return raw[:at]
    if op == "extend":
        return raw + draw(st.binary(min_size=1, max_size=4))
    if op == "set":
        return raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1 :]
    if op == "insert":
        return raw[:at] + draw(st.binary(min_size=1, max_size=3)) + raw[at:]
    if op == "delete":
        return raw[:at] + raw[at + 1 :]
    # a length field edit: a 1-3 byte big-endian number nudged by one or replaced
    width = draw(st.integers(1, 3))
    old = int.from_bytes(raw[at : at + width], "big")
    new = draw(st.sampled_from([old + 1, old - 1, 0, draw(st.integers(0, 256**width - 1))]))
    return raw[:at] + (new % 256**width).to_bytes(width, "big") + raw[at + width :]


# TLS12_FUZZ_SCALE=50 runs fifty times as many examples (a deeper run than the default suite's).
SCALE = int(os.environ.get("TLS12_FUZZ_SCALE", "1"))


def examples(n: int) -> settings:
    return settings(
        max_examples=n * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


@pytest.mark.parametrize(("name", "con"), DECLARATIONS, ids=IDS)
@given(data=st.data())
@examples(40)
def test_shaped_and_mutated_inputs_agree(name: str, con: Construct, data: st.DataObject):
    raw = data.draw(shaped(con).flatmap(mutated), label="raw")
    check_parse(con, raw)


@pytest.mark.parametrize(("name", "con"), DECLARATIONS, ids=IDS)
@given(raw=st.binary(max_size=48))
@examples(15)
def test_random_bytes_agree(name: str, con: Construct, raw: bytes):
    check_parse(con, raw)


def _sample_bodies() -> list[tuple[Construct, bytes]]:
    out = [(type(m).struct, m.build_body()) for m in SAMPLES]
    for context, exts in (
        (ExtensionContext.client_hello, CLIENT_EXTENSIONS),
        (ExtensionContext.server_hello, SERVER_EXTENSIONS),
    ):
        for ext in exts:
            if not isinstance(ext, UnknownExtension):
                struct = TABLES[context][int(ext.extension_type)][1]
                out.append((struct, vocab.build(struct, ext, "T", fast=False)))
    return out


SAMPLE_BODIES = _sample_bodies()


@pytest.mark.parametrize(("con", "raw"), SAMPLE_BODIES)
def test_known_messages_agree(con: Construct, raw: bytes):
    assert check_parse(con, raw) is not None


@given(st.sampled_from(SAMPLE_BODIES).flatmap(lambda s: st.tuples(st.just(s[0]), mutated(s[1]))))
@examples(300)
def test_mutated_known_messages_agree(case: tuple[Construct, bytes]):
    check_parse(*case)


# --------------------------------------------------------------------------- whole messages


@given(st.sampled_from(SAMPLES).flatmap(lambda m: mutated(m.build())), st.sampled_from(
    [None, "ecdhe", "dhe", "rsa"]))  # fmt: skip
@examples(150)
def test_parse_handshake_same_result_or_same_error(raw: bytes, kex):
    def run() -> Any:
        try:
            return shape(records.parse_handshake(raw, kex=kex))
        except DecodeError as e:
            return (e.alert, e.field, str(e))

    fast = run()
    vocab.FAST = False
    try:
        slow = run()
    finally:
        vocab.FAST = True
    assert fast == slow


def test_split_and_header_paths_agree():
    msgs = b"".join(m.build() for m in SAMPLES)
    assert handshake.split_handshake(msgs)[0] == [(m.msg_type, m.build()) for m in SAMPLES]
    for raw in (b"\x16\x03\x03\x00\x01", b"\x63\x7f\x7f\xff\xff"):
        check_parse(record.RecordHeader.struct, raw)


# --------------------------------------------------------------------------- building

WRONG_VALUES = [None, -1, 1.5, 2**8, 2**16, 2**24, 2**32, "x", b"", b"x" * 300, bytearray(b"ab"),
                [], [1], [b"a"], [None], True, records.NamedGroup.x25519]  # fmt: skip


def _replace_somewhere(draw: st.DrawFn, obj: Any) -> Any:
    """A copy of ``obj`` with one field (or list item), at any depth, replaced by a wrong value."""
    if dataclasses.is_dataclass(obj):
        names = [f.name for f in dataclasses.fields(obj) if f.init]
        if not names:
            return draw(st.sampled_from(WRONG_VALUES))
        name = draw(st.sampled_from(names))
        copy = dataclasses.replace(obj)
        value = getattr(obj, name)
        deeper = isinstance(value, list) or dataclasses.is_dataclass(value)
        new = _replace_somewhere(draw, value) if deeper and draw(st.booleans()) else None
        setattr(copy, name, new if new is not None else draw(st.sampled_from(WRONG_VALUES)))
        return copy
    if isinstance(obj, list) and obj:
        i = draw(st.integers(0, len(obj) - 1))
        return [*obj[:i], _replace_somewhere(draw, obj[i]), *obj[i + 1 :]]
    return draw(st.sampled_from(WRONG_VALUES))


@given(st.data())
@examples(200)
def test_builders_agree_or_generated_gives_up(data: st.DataObject):
    con, raw = data.draw(st.sampled_from(SAMPLE_BODIES))
    obj = vocab.parse(con, raw, "T", fast=False)
    bad = _replace_somewhere(data.draw, obj)
    _, fast_build = parsers(con)
    try:
        fast = fast_build(bad)
    except Exception:
        fast = None
    try:
        slow: Any = vocab.build(con, bad, "T", fast=False)
    except DecodeError as e:
        slow = e
    except Exception as e:  # a few wrong types fail inside construct itself (e.g. int("x"))
        slow = type(e)
    if fast is not None:
        assert fast == slow, "the generated builder built what the declaration builds differently"
    # the public entry point answers as the declaration does
    try:
        public: Any = vocab.build(con, bad, "T")
    except EncodeError as e:
        assert isinstance(slow, EncodeError) and str(e) == str(slow)
    except Exception as e:
        assert slow is type(e)
    else:
        assert public == slow


def test_builders_refuse_context_forms_and_foreign_objects():
    sh = TABLES[ExtensionContext.server_hello]
    server_name = sh[0][1]
    _, fast_build = parsers(server_name)
    with pytest.raises(_compiled.Reject):
        fast_build(records.ServerNameExtension.for_host("a"))
    with pytest.raises(EncodeError):
        vocab.build(server_name, records.ServerNameExtension.for_host("a"), "T")
    _, fast_build = parsers(SERVER_HELLO_EXTENSIONS)
    with pytest.raises(_compiled.Reject):
        fast_build(["not an extension"])
    assert fast_build([records.ALPNExtension([b"h2"])]) == b"\x00\x09\x00\x10\x00\x05\x00\x03\x02h2"


# --------------------------------------------------------------------------- the switch


def test_interpreted_switch():
    env = {**os.environ, "TLS12_RECORDS_INTERPRETED": "1"}
    code = "import records.vocab as v; assert v.FAST is False"
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    assert vocab.FAST is True
    raw = SAMPLES[1].build()
    assert handshake.ClientHello.parse(raw) == SAMPLES[1]
    assert vocab.parse(handshake.ClientHello.struct, raw[4:], "T", fast=False) == SAMPLES[1]
