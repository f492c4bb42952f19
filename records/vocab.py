"""The TLS presentation language (RFC 5246 §4) as strict construct helpers.

Everything in records/ is declared with these helpers, because construct's defaults are lenient in
ways that matter for TLS:

- ``Struct.parse`` ignores trailing bytes: :func:`parse` (the only parse entry point of records/)
  requires the whole input to be consumed.
- ``Prefixed`` does not check that its subcon used every byte: :class:`Sized` (behind
  :func:`Vector` and :func:`Opaque8`/16/24) does, and checks the RFC's ``<a..b>`` bounds.
- ``GreedyRange`` stops silently at the first item that fails; :class:`Items` lets the error out.
- ``Optional`` swallows errors; :class:`IfRemaining` is "absent when no bytes remain", and a present
  but malformed value is an error.
- A compiled parser reads ``Prefixed`` with ``io.read(n)`` and never checks it got ``n`` bytes; the
  helpers here emit no construct-compiled code, so such a parser falls back to their strict
  ``_parse``. records/ does not use construct's compiler: :mod:`records._compiled` generates its own
  straight-line code from these declarations, with every check above, and :func:`parse` /
  :func:`build` run it first (the declaration is interpreted when it refuses an input, so errors
  keep their alert, field and message).

Construct errors become :class:`records.errors.DecodeError` in exactly one place: :func:`parse`
(and :func:`build` for encoding errors, as :class:`records.errors.EncodeError`).

Messages are declared once, construct-typing style: a dataclass whose fields carry their construct
(:func:`csfield`), turned into a model by :func:`model`; the field names are the construct names.
"""

from __future__ import annotations

import dataclasses
import io
import os
import struct as _struct
from collections.abc import Callable
from enum import IntEnum
from typing import Any, ClassVar, Literal, TypeVar, dataclass_transform

from construct import (
    Adapter,
    Bytes,
    BytesInteger,
    Const,
    Construct,
    ConstructError,
    Container,
    FormatField,
    GreedyBytes,
    Int8ub,
    Int16ub,
    Int32ub,
    Rebuild,
    Renamed,
    SizeofError,
    Struct,
    Subconstruct,
    Terminated,
)
from construct.core import stream_read, stream_tell, stream_write

from .errors import DecodeError, EncodeError
from .registry import AlertDescription

__all__ = [
    "FAST",
    "Bytes",
    "EnumInt",
    "IfRemaining",
    "Items",
    "Model",
    "Opaque8",
    "Opaque16",
    "Opaque24",
    "Sized",
    "Terminated",
    "Uint8",
    "Uint16",
    "Uint24",
    "Uint32",
    "Validate",
    "Vector",
    "WireError",
    "build",
    "csfield",
    "derived",
    "fast_format",
    "model",
    "parse",
]

Uint8 = Int8ub
Uint16 = Int16ub
Uint24 = BytesInteger(3)  # construct's Int24ub, named as in RFC 5246 §4.4
Uint32 = Int32ub


class WireError(ConstructError):
    """A TLS rule broken while parsing, with the alert to send. Raised by the helpers below."""

    def __init__(self, message: str, path: str | None = None, *, alert: int):
        self.alert = alert
        self.reason = message
        super().__init__(message, path=path)


def _at_end(stream: io.IOBase, path: str) -> bool:
    here = stream_tell(stream, path)
    probe = stream.read(1)
    stream.seek(here)
    return not probe


# --------------------------------------------------------------------------- vectors


class Sized(Subconstruct):
    """``lenfield`` then exactly that many bytes, all of which ``subcon`` must consume.

    ``min``/``max`` are the RFC's ``<min..max>`` bounds in bytes; a length outside them raises
    (``over_alert`` above ``max``: record_overflow for a record, decode_error elsewhere).
    When items have a fixed size, the length must be a multiple of it.  Building derives the length;
    it does not enforce the bounds, so tests can build deliberately malformed messages.
    """

    def __init__(
        self,
        lenfield: Construct,
        subcon: Construct,
        min: int = 0,
        max: int | None = None,
        *,
        item_size: int | None = None,
        over_alert: int = AlertDescription.decode_error,
    ):
        super().__init__(subcon)
        self.lenfield = lenfield
        self.min = min
        self.max = max if max is not None else 256 ** lenfield.sizeof() - 1
        self.item_size = item_size
        self.over_alert = over_alert

    def _parse(self, stream, context, path):
        length = self.lenfield._parsereport(stream, context, path)
        if length < self.min:
            raise WireError(
                f"length {length} is below the minimum {self.min}",
                path,
                alert=AlertDescription.decode_error,
            )
        if length > self.max:
            raise WireError(
                f"length {length} is above the maximum {self.max}", path, alert=self.over_alert
            )
        if self.item_size and length % self.item_size:
            raise WireError(
                f"length {length} is not a multiple of the item size {self.item_size}",
                path,
                alert=AlertDescription.decode_error,
            )
        data = stream_read(stream, length, path)
        sub = io.BytesIO(data)
        obj = self.subcon._parsereport(sub, context, path)
        if sub.tell() != length:
            raise WireError(
                f"{length - sub.tell()} of {length} bytes left unused in the length-prefixed field",
                path,
                alert=AlertDescription.decode_error,
            )
        return obj

    def _build(self, obj, stream, context, path):
        sub = io.BytesIO()
        self.subcon._build(obj, sub, context, path)
        data = sub.getvalue()
        self.lenfield._build(len(data), stream, context, path)
        stream_write(stream, data, len(data), path)
        return obj

    def _sizeof(self, context, path):
        raise SizeofError("variable length", path=path)


class Items(Subconstruct):
    """Items until the stream ends. Unlike ``GreedyRange``, an item that fails is an error."""

    def _parse(self, stream, context, path):
        out = []
        while not _at_end(stream, path):
            before = stream_tell(stream, path)
            out.append(self.subcon._parsereport(stream, context, path))
            if stream_tell(stream, path) == before:  # a zero-size item would loop for ever
                raise WireError(
                    "vector item consumed no bytes", path, alert=AlertDescription.decode_error
                )
        return out

    def _build(self, obj, stream, context, path):
        for item in obj:
            self.subcon._build(item, stream, context, path)
        return obj

    def _sizeof(self, context, path):
        raise SizeofError("variable length", path=path)


def _static_size(con: Construct) -> int | None:
    try:
        return con.sizeof()
    except (SizeofError, KeyError, AttributeError):
        return None


def Vector(lenfield: Construct, item: Construct, min: int = 0, max: int | None = None) -> Sized:
    """``item items<min..max>`` (bounds in bytes, as in the RFC)."""
    return Sized(lenfield, Items(item), min, max, item_size=_static_size(item))


def Opaque8(min: int = 0, max: int | None = None) -> Sized:
    """``opaque x<min..max>`` with a 1-byte length."""
    return Sized(Uint8, GreedyBytes, min, max)


def Opaque16(min: int = 0, max: int | None = None, **kw: Any) -> Sized:
    """``opaque x<min..max>`` with a 2-byte length."""
    return Sized(Uint16, GreedyBytes, min, max, **kw)


def Opaque24(min: int = 0, max: int | None = None) -> Sized:
    """``opaque x<min..max>`` with a 3-byte length."""
    return Sized(Uint24, GreedyBytes, min, max)


class IfRemaining(Subconstruct):
    """Absent (``None``) when the stream has ended, else ``subcon`` parsed strictly.

    This is how RFC 5246 §7.4.1.2 tells whether hello extensions are present. Unlike ``Optional``,
    a value that is present but malformed raises.
    """

    def _parse(self, stream, context, path):
        if _at_end(stream, path):
            return None
        return self.subcon._parsereport(stream, context, path)

    def _build(self, obj, stream, context, path):
        if obj is None:
            return None
        return self.subcon._build(obj, stream, context, path)

    def _sizeof(self, context, path):
        raise SizeofError("variable length", path=path)


# --------------------------------------------------------------------------- values


class EnumInt(Adapter):
    """An integer whose known values parse to ``enum_cls`` members, unknown ones to ``int``."""

    def __init__(self, subcon: Construct, enum_cls: type[IntEnum]):
        super().__init__(subcon)
        self.enum_cls = enum_cls
        self.members: dict[int, IntEnum] = {int(m): m for m in enum_cls}

    def _decode(self, obj, context, path):
        return self.members.get(obj, obj)

    def _encode(self, obj, context, path):
        return int(obj)


class Validate(Adapter):
    """Parse ``subcon``, then require ``check(value)``; else raise ``message`` with ``alert``."""

    def __init__(
        self,
        subcon: Construct,
        check: Callable[[Any], bool],
        message: str,
        alert: int = AlertDescription.illegal_parameter,
    ):
        super().__init__(subcon)
        self.check = check
        self.message = message
        self.alert = alert

    def _decode(self, obj, context, path):
        if not self.check(obj):
            raise WireError(f"{self.message} (got {obj!r})", path, alert=self.alert)
        return obj

    def _encode(self, obj, context, path):
        return obj


# --------------------------------------------------------------------------- models


def csfield(subcon: Construct, **kwargs: Any) -> Any:
    """A dataclass field carrying its construct (the wire name is the field name)."""
    metadata = dict(kwargs.pop("metadata", {}) or {})
    metadata["subcon"] = subcon
    return dataclasses.field(metadata=metadata, **kwargs)


def derived(subcon: Construct, *, init: Literal[False] = False) -> Any:
    """A wire field computed when building (``Rebuild``/``Const``), not set by the caller.
    (``init`` is there for type checkers: dataclass_transform reads its default.)"""
    return dataclasses.field(
        default=None, init=init, repr=False, compare=False, metadata={"subcon": subcon}
    )


class DataclassStruct(Adapter):
    """A ``Struct`` whose parsed value is a dataclass instance (and is built from one).

    ``fields`` are the dataclass fields set from the wire; any other field must keep its default
    when building (this is how one class has a shorter form in another context, e.g. an empty
    server_name extension in a ServerHello).
    """

    def __init__(self, cls: type, subcons: list[Construct], fields: list[str]):
        super().__init__(Struct(*subcons))
        self.cls = cls
        self.fields = fields
        self.others = [f for f in dataclasses.fields(cls) if f.name not in fields and f.init]

    def _decode(self, obj, context, path):
        return self.cls(**{name: obj[name] for name in self.fields})

    def _encode(self, obj, context, path):
        if not isinstance(obj, self.cls):
            raise WireError(
                f"expected {self.cls.__name__}, got {type(obj).__name__}",
                path,
                alert=AlertDescription.internal_error,
            )
        for f in self.others:
            default = (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            )
            if getattr(obj, f.name) != default:
                raise WireError(
                    f"{f.name} must be {default!r} in this context",
                    path,
                    alert=AlertDescription.internal_error,
                )
        return Container({name: getattr(obj, name) for name in self.fields})


T = TypeVar("T")


class Model:
    """Base of every wire model: ``struct`` is derived from the fields; parse/build are strict."""

    struct: ClassVar[DataclassStruct]

    @classmethod
    def parse(cls: type[T], data: bytes) -> T:
        """Parse exactly ``data`` (no trailing bytes) into this model."""
        return parse(cls.struct, data, cls.__name__)  # type: ignore[attr-defined]

    def build(self) -> bytes:
        return build(type(self).struct, self, type(self).__name__)


@dataclass_transform(field_specifiers=(csfield, derived, dataclasses.field))
def model(cls: type[T]) -> type[T]:
    """Make ``cls`` a dataclass and declare its ``struct`` from the fields' constructs, in order."""
    dc = dataclasses.dataclass(cls)
    subcons: list[Construct] = []
    names: list[str] = []
    for f in dataclasses.fields(dc):  # type: ignore[arg-type]
        subcon = f.metadata.get("subcon")
        if subcon is None:
            raise TypeError(f"{cls.__name__}.{f.name} has no construct (use csfield)")
        subcons.append(f.name / subcon)
        if f.init:
            names.append(f.name)
        elif not isinstance(subcon, Rebuild | Const):
            raise TypeError(f"{cls.__name__}.{f.name}: a derived field must be Rebuild or Const")
    dc.struct = DataclassStruct(dc, subcons, names)  # type: ignore[attr-defined]
    return dc


def context_form(cls: type, *subcons: Construct) -> DataclassStruct:
    """Another wire form of ``cls`` (e.g. in ServerHello) made of some of its fields."""
    names = [sc.name for sc in subcons]
    known = {f.name for f in dataclasses.fields(cls)}
    if not set(names) <= known:
        raise TypeError(f"{cls.__name__}: context form names {names} not all fields")
    return DataclassStruct(cls, list(subcons), names)


# --------------------------------------------------------------------------- entry points


def _field(what: str, path: str | None) -> str:
    parts = [p.strip() for p in (path or "").split("->")]
    parts = [p for p in parts if p and not p.startswith("(")]
    return ".".join([what, *parts])


#: Use the parsers and builders generated from the declarations (records._compiled). Set the
#: environment variable TLS12_RECORDS_INTERPRETED=1 (or this flag to False) to run every
#: declaration through construct's interpreter instead.
FAST = os.environ.get("TLS12_RECORDS_INTERPRETED", "") in ("", "0")

_FAST_PARSE = "_tls12_fast_parse"
_FAST_BUILD = "_tls12_fast_build"


def _generated(con: Construct, attr: str) -> Callable[[Any], Any] | None:
    """The generated parser/builder of ``con`` (compiled on first use), or None if unsupported."""
    fn = con.__dict__.get(attr, _MISSING)
    if fn is _MISSING:
        from . import _compiled as gen

        try:
            fn = gen.compile_parser(con) if attr == _FAST_PARSE else gen.compile_builder(con)
        except gen.Unsupported:
            fn = None
        con.__dict__[attr] = fn
    return fn


_MISSING: Any = object()


def parse(con: Construct, data: bytes, what: str, *, fast: bool | None = None) -> Any:
    """Parse all of ``data`` with ``con``; the one place construct errors become DecodeError.

    The parser generated from ``con`` runs first (``fast``; default :data:`FAST`); when it refuses
    the input, the declaration is interpreted, and its error is the one raised. ``fast=False``
    interprets the declaration only.
    """
    if FAST if fast is None else fast:
        fn = con.__dict__.get(_FAST_PARSE, _MISSING)
        if fn is _MISSING:
            fn = _generated(con, _FAST_PARSE)
        if fn is not None:
            try:
                return fn(data if type(data) is bytes else bytes(data))
            except Exception:
                pass
    stream = io.BytesIO(data)
    context = Container()
    context._parsing = True
    context._building = False
    context._sizing = False
    context._params = context
    try:
        obj = con._parsereport(stream, context, "(parsing)")
    except WireError as e:
        raise DecodeError(e.reason, alert=e.alert, field=_field(what, e.path)) from None
    except ConstructError as e:
        message = str(e).split("\n", 1)[-1]
        raise DecodeError(message, field=_field(what, e.path)) from None
    left = len(data) - stream.tell()
    if left:
        raise DecodeError(f"{left} trailing bytes after the end of the structure", field=what)
    return obj


def build(con: Construct, obj: Any, what: str, *, fast: bool | None = None) -> bytes:
    """Build ``obj`` with ``con``; construct errors become :class:`EncodeError`.

    The builder generated from ``con`` runs first (``fast``; default :data:`FAST`); if it cannot
    build ``obj`` exactly as the declaration would, the declaration builds it (or raises).
    """
    if FAST if fast is None else fast:
        fn = con.__dict__.get(_FAST_BUILD, _MISSING)
        if fn is _MISSING:
            fn = _generated(con, _FAST_BUILD)
        if fn is not None:
            try:
                return fn(obj)
            except Exception:
                pass
    try:
        return con.build(obj)
    except WireError as e:
        raise EncodeError(e.reason, field=_field(what, e.path)) from None
    except ConstructError as e:
        message = str(e).split("\n", 1)[-1]
        raise EncodeError(message, field=_field(what, e.path)) from None


def fast_format(struct: DataclassStruct) -> tuple[str, list[dict[int, IntEnum] | None]]:
    """Derive a ``struct`` module format (and per-field enum maps) from a fixed-size declaration.

    Only fields made of ``FormatField`` (optionally inside ``EnumInt``) are allowed, so the fast
    path cannot drift from the construct it replaces.
    """
    inner = struct.subcon
    fmt = ""
    maps: list[dict[int, IntEnum] | None] = []
    order = None
    for sc in inner.subcons:
        con = sc.subcon if isinstance(sc, Renamed) else sc
        enum_map = None
        if isinstance(con, EnumInt):
            enum_map = con.members
            con = con.subcon
        if not isinstance(con, FormatField):
            raise TypeError(f"field {sc.name} is not a fixed-size integer")
        if order is not None and con.fmtstr[0] != order:
            raise TypeError("mixed byte orders")
        order = con.fmtstr[0]
        fmt += con.fmtstr[1:]
        maps.append(enum_map)
    return (order or ">") + fmt, maps


def check_struct_format(fmt: str, size: int) -> _struct.Struct:
    packer = _struct.Struct(fmt)
    if packer.size != size:
        raise TypeError(f"format {fmt} is {packer.size} bytes, expected {size}")
    return packer


__all__ += ["DataclassStruct", "check_struct_format", "context_form"]
