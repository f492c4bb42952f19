"""Straight-line parsers and builders generated from the construct declarations.

construct's interpreter costs about 1 µs per field visited (contexts, paths, a ``BytesIO`` per
length-prefixed field), so a ClientHello took ~200 µs. This module walks a declaration once and
generates plain Python for it: ``struct.unpack_from`` on ``(data, offset, end)`` for integers, one
bounds check per run of fixed-size fields, slices for opaque fields, loops for vectors. Every rule
of the strict vocabulary (:mod:`records.vocab`) is generated too: short reads, ``<min..max>``
bounds, item-size multiples, exact consumption of every length-prefixed field and of the whole
input, zero-size items, ``IfRemaining``, ``Validate`` checks, enum mapping, the extension table of
each context, duplicate extensions, context forms.

The generated code decides only *whether* the input is valid (and, if so, returns the same object
the declaration would). When it refuses an input it raises :class:`Reject` (or any exception), and
:func:`records.vocab.parse` then runs the declaration itself, which raises the DecodeError with its
alert, field and message: error reporting keeps one source. Building works the same way: the
generated builder either returns the exact bytes of the declaration or gives up, and the
declaration builds (or raises its EncodeError). ``tests/test_records_fastpath.py`` checks that the
generated code and the declaration agree on every input, valid or not.

Only the constructs listed in ``_Gen`` are compiled, matched by exact type (a subclass may change
behaviour); anything else raises :class:`Unsupported` and that declaration stays interpreted
(``SSLv2ClientHello``, with its context-dependent lengths, is one).
"""

from __future__ import annotations

import dataclasses
import struct as _struct
from collections.abc import Callable
from typing import Any

from construct import Bytes as _Bytes
from construct import (
    BytesInteger,
    Construct,
    FormatField,
    GreedyBytes,
    Renamed,
    Struct,
    Switch,
    this,
)
from construct.expr import Path

from .vocab import DataclassStruct, EnumInt, IfRemaining, Items, Sized, Validate

__all__ = ["Reject", "Unsupported", "compile_builder", "compile_parser"]


class Unsupported(TypeError):
    """A construct the generator does not handle: the declaration stays interpreted."""


class Reject(ValueError):
    """The generated parser refuses the input (the declaration then names the error)."""


_INT_CODES = set("BHLQbhlq")


def _fixed_field(con: Construct) -> tuple[str, list[tuple[str, Any]]] | None:
    """A fixed-size field as a ``struct`` code plus post-processing steps, or None.

    Steps are ("enum", members) and ("check", callable) applied innermost first.
    """
    steps: list[tuple[str, Any]] = []
    while True:
        kind = type(con)
        if kind is Renamed:
            con = con.subcon
        elif kind is Validate:
            steps.append(("check", con.check))
            con = con.subcon
        elif kind is EnumInt:
            steps.append(("enum", con.members))
            con = con.subcon
        else:
            break
    if type(con) is FormatField and con.fmtstr[1:] in _INT_CODES:
        return con.fmtstr, steps[::-1]
    if type(con) is _Bytes and type(con.length) is int and not steps:
        return f">{con.length}s", []
    return None


def _min_size(con: Construct) -> int:
    """Bytes that ``con`` consumes at least when it parses (0 when unknown)."""
    kind = type(con)
    if kind in (Renamed, Validate, EnumInt):
        return _min_size(con.subcon)
    if kind is FormatField or kind is BytesInteger:
        return con.sizeof()
    if kind is Sized:
        return _min_size(con.lenfield) + con.min
    if kind is DataclassStruct and type(con.subcon) is Struct:
        return sum(_min_size(sc) for sc in con.subcon.subcons)
    from .extensions import _ExtensionEntry

    if kind is _ExtensionEntry:  # extension_type and the length of extension_data
        return 4
    return 0


class _Gen:
    """Generates one module of functions for one top-level declaration."""

    def __init__(self) -> None:
        self.ns: dict[str, Any] = {
            "Reject": Reject,
            "int_from_bytes": int.from_bytes,
        }
        self.defs: list[list[str]] = []
        self.tail: list[str] = []
        self.parse_funcs: dict[tuple[int, bool], str] = {}
        self.build_funcs: dict[int, str] = {}
        self.consts: dict[tuple[str, int], str] = {}
        self.count = 0

    # ------------------------------------------------------------------ helpers

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, value: Any, prefix: str = "K") -> str:
        key = (prefix, id(value))
        if key not in self.consts:
            name = self.name(prefix)
            self.ns[name] = value
            self.consts[key] = name
        return self.consts[key]

    def unpacker(self, fmt: str) -> str:
        return self.const(_struct.Struct(fmt).unpack_from, "U") if fmt else ""

    def packer(self, fmt: str) -> str:
        key = ("P" + fmt, 0)
        if key not in self.consts:
            self.consts[key] = self.const(_struct.Struct(fmt).pack, "P")
        return self.consts[key]

    def unpacker_fmt(self, fmt: str) -> str:
        key = ("U" + fmt, 0)
        if key not in self.consts:
            self.consts[key] = self.const(_struct.Struct(fmt).unpack_from, "U")
        return self.consts[key]

    def source(self) -> str:
        return "\n\n".join("\n".join(lines) for lines in self.defs) + "\n" + "\n".join(self.tail)

    def run(self) -> dict[str, Any]:
        code = compile(self.source(), "<records._compiled>", "exec")
        exec(code, self.ns)
        return self.ns

    # ------------------------------------------------------------------ parsing

    def parse_struct_func(self, con: DataclassStruct, exact: bool = False) -> str:
        """A function ``(d, p, e) -> (obj, p)`` for a model; with ``exact``, ``(d, p, e) -> obj``
        that must consume ``d[p:e]`` exactly."""
        key = (id(con), exact)
        if key in self.parse_funcs:
            return self.parse_funcs[key]
        fname = self.name("parse_")
        self.parse_funcs[key] = fname
        lines = [f"def {fname}(d, p, e):"]
        made = self.struct_body(con, lines)
        if exact:
            lines.append("    if p != e: raise Reject")
            lines.append(f"    return {made}")
        else:
            lines.append(f"    return {made}, p")
        self.defs.append(lines)
        return fname

    def struct_body(self, con: DataclassStruct, lines: list[str]) -> str:
        """Emit the field parsing of a model; returns the expression that makes the object."""
        if type(con.subcon) is not Struct:
            raise Unsupported("DataclassStruct without a Struct")
        subcons = con.subcon.subcons
        names = [sc.name for sc in subcons]
        if names != list(con.fields):
            raise Unsupported(f"{con.cls.__name__}: derived fields")
        fields: dict[str, str] = {}
        i = 0
        while i < len(subcons):
            # a run of fixed-size fields: one bounds check, one unpack
            run: list[tuple[str, str, list[tuple[str, Any]]]] = []
            while i < len(subcons):
                fixed = _fixed_field(subcons[i])
                if fixed is None:
                    break
                run.append((subcons[i].name, *fixed))
                i += 1
            if run:
                self.emit_fixed_run(lines, "    ", run, fields)
            if i < len(subcons):
                sc = subcons[i]
                var = f"f_{sc.name}"
                self.p_node(sc, lines, "    ", var, "e", fields)
                fields[sc.name] = var
                i += 1
        cls = self.const(con.cls, "C")
        init_names = [f.name for f in dataclasses.fields(con.cls) if f.init]
        if names == init_names[: len(names)]:
            args = ", ".join(fields[n] for n in names)
        else:
            args = ", ".join(f"{n}={fields[n]}" for n in names)
        return f"{cls}({args})"

    def emit_fixed_run(self, lines, ind, run, fields) -> None:
        orders = {fmt[0] for _, fmt, _ in run if not fmt.endswith("s")}
        if len(orders) > 1:  # mixed byte orders: one unpack each
            for item in run:
                self.emit_fixed_run(lines, ind, [item], fields)
            return
        order = orders.pop() if orders else ">"
        fmt = order + "".join(f[1:] for _, f, _ in run)
        size = _struct.calcsize(fmt)
        unpack = self.unpacker_fmt(fmt)
        targets = [f"f_{name}" for name, _, _ in run]
        lines.append(f"{ind}if p + {size} > e: raise Reject")
        if fmt[1:] == "B":
            lines.append(f"{ind}{targets[0]} = d[p]")
        else:
            lines.append(f"{ind}{', '.join(targets)}, = {unpack}(d, p)")
        lines.append(f"{ind}p += {size}")
        for (name, _, steps), var in zip(run, targets, strict=True):
            self.emit_steps(lines, ind, var, steps)
            fields[name] = var

    def emit_steps(self, lines, ind, var, steps) -> None:
        for kind, value in steps:
            if kind == "enum":
                lines.append(f"{ind}{var} = {self.const(value.get, 'M')}({var}, {var})")
            else:
                lines.append(f"{ind}if not {self.const(value, 'V')}({var}): raise Reject")

    def p_node(self, con, lines, ind, out, e, fields) -> None:
        """Emit code parsing ``con`` from ``d[p:e]`` into local ``out``, advancing ``p``."""
        kind = type(con)
        if kind is Renamed:
            self.p_node(con.subcon, lines, ind, out, e, fields)
        elif kind is FormatField or kind is _Bytes:
            fixed = _fixed_field(con)
            if fixed is None:
                raise Unsupported(repr(con))
            fmt = fixed[0]
            size = _struct.calcsize(fmt)
            lines.append(f"{ind}if p + {size} > {e}: raise Reject")
            if fmt.endswith("s"):
                lines.append(f"{ind}{out} = d[p:p + {size}]")
            elif fmt[1] == "B":
                lines.append(f"{ind}{out} = d[p]")
            else:
                lines.append(f"{ind}{out}, = {self.unpacker_fmt(fmt)}(d, p)")
            lines.append(f"{ind}p += {size}")
        elif kind is BytesInteger:
            if type(con.length) is not int or con.length < 1 or con.swapped is not False:
                raise Unsupported(repr(con))
            signed = bool(con.signed)
            n = con.length
            lines.append(f"{ind}if p + {n} > {e}: raise Reject")
            if signed:
                lines.append(f"{ind}{out} = int_from_bytes(d[p:p + {n}], 'big', signed=True)")
            else:  # unsigned big-endian: shift the bytes in (no slice, no keyword call)
                terms = [f"d[p + {i}] << {8 * (n - 1 - i)}" for i in range(1, n - 1)]
                terms.insert(0, f"d[p] << {8 * (n - 1)}")
                lines.append(f"{ind}{out} = {' | '.join([*terms, f'd[p + {n - 1}]'])}")
            lines.append(f"{ind}p += {n}")
        elif con is GreedyBytes:
            lines.append(f"{ind}{out} = d[p:{e}]")
            lines.append(f"{ind}p = {e}")
        elif kind is Sized:
            self.p_sized(con, lines, ind, out, e, fields)
        elif kind is Items:
            end = self.name("e")
            lines.append(f"{ind}{end} = {e}")
            self.p_items(con, lines, ind, out, end, fields)
        elif kind is IfRemaining:
            lines.append(f"{ind}if p >= {e}:")
            lines.append(f"{ind}    {out} = None")
            lines.append(f"{ind}else:")
            self.p_node(con.subcon, lines, ind + "    ", out, e, fields)
        elif kind is EnumInt:
            self.p_node(con.subcon, lines, ind, out, e, fields)
            self.emit_steps(lines, ind, out, [("enum", con.members)])
        elif kind is Validate:
            self.p_node(con.subcon, lines, ind, out, e, fields)
            self.emit_steps(lines, ind, out, [("check", con.check)])
        elif kind is DataclassStruct:
            fname = self.parse_struct_func(con)
            lines.append(f"{ind}{out}, p = {fname}(d, p, {e})")
        elif kind is Switch:
            key = self.switch_key(con, fields)
            self.emit_switch(
                con,
                key,
                lines,
                ind,
                lambda sc, ind2: self.p_node(sc, lines, ind2, out, e, fields),
            )
        else:
            special = _special_parsers().get(kind)
            if special is None:
                raise Unsupported(f"no fast parser for {kind.__name__}")
            special(self, con, lines, ind, out, e, fields)

    def p_sized(self, con: Sized, lines, ind, out, e, fields) -> None:
        lenfield = con.lenfield
        unsigned = (type(lenfield) is FormatField and lenfield.fmtstr[1:] in "BHLQ") or (
            type(lenfield) is BytesInteger and not lenfield.signed
        )
        if not unsigned:
            raise Unsupported("Sized needs an unsigned length field")
        length = self.name("n")
        self.p_node(con.lenfield, lines, ind, length, e, fields)
        checks = []
        if con.min > 0:
            checks.append(f"{length} < {con.min}")
        if con.max < 256 ** con.lenfield.sizeof() - 1:
            checks.append(f"{length} > {con.max}")
        if con.item_size and con.item_size > 1:
            checks.append(f"{length} % {con.item_size}")
        end = self.name("e")
        lines.append(f"{ind}{end} = p + {length}")
        checks.append(f"{end} > {e}")
        lines.append(f"{ind}if {' or '.join(checks)}: raise Reject")
        sub = con.subcon
        if sub is GreedyBytes:
            lines.append(f"{ind}{out} = d[p:{end}]")
            lines.append(f"{ind}p = {end}")
            return
        if type(sub) is Items:  # every item read is bounded by the end: the loop stops on it
            self.p_items(sub, lines, ind, out, end, fields)
            return
        self.p_node(sub, lines, ind, out, end, fields)
        lines.append(f"{ind}if p != {end}: raise Reject")

    def p_items(self, con: Items, lines, ind, out, end, fields) -> None:
        item = con.subcon
        fixed = _fixed_field(item)
        if fixed is not None and not fixed[0].endswith("s") and len(fixed[1]) <= 1:
            fmt, steps = fixed
            size = _struct.calcsize(fmt)
            count = self.name("c")
            lines.append(f"{ind}{count}, r = divmod({end} - p, {size})")
            lines.append(f"{ind}if r: raise Reject")  # a short last item
            if fmt[1] == "B":  # iterating bytes yields the unsigned byte values
                vals = f"d[p:{end}]"
            else:
                unpack = self.const(_struct.unpack_from, "unpack_from")
                vals = f"{unpack}('{fmt[0]}%d{fmt[1]}' % {count}, d, p)"
            if steps and steps[0][0] == "enum":
                get = self.const(steps[0][1].get, "M")
                vals_var = self.name("vals")
                lines.append(f"{ind}{vals_var} = {vals}")
                lines.append(f"{ind}{out} = list(map({get}, {vals_var}, {vals_var}))")
            elif steps:
                check = self.const(steps[0][1], "V")
                lines.append(f"{ind}{out} = list({vals})")
                lines.append(f"{ind}for x in {out}:")
                lines.append(f"{ind}    if not {check}(x): raise Reject")
            else:
                lines.append(f"{ind}{out} = list({vals})")
            lines.append(f"{ind}p = {end}")
            return
        item_var = self.name("x")
        before = self.name("b")
        may_be_empty = _min_size(item) == 0
        lines.append(f"{ind}{out} = []")
        lines.append(f"{ind}while p < {end}:")
        if may_be_empty:
            lines.append(f"{ind}    {before} = p")
        self.p_node(item, lines, ind + "    ", item_var, end, {})
        if may_be_empty:  # a zero-size item would loop for ever
            lines.append(f"{ind}    if p == {before}: raise Reject")
        lines.append(f"{ind}    {out}.append({item_var})")

    def switch_key(self, con: Switch, fields: dict[str, str]) -> str:
        key = con.keyfunc
        if type(key) is not Path or key._Path__parent is not this:  # type: ignore[attr-defined]
            raise Unsupported("Switch key is not this.<field>")
        name = key._Path__field  # type: ignore[attr-defined]
        if name not in fields:
            raise Unsupported(f"Switch key {name} is not an earlier field")
        return fields[name]

    def emit_switch(self, con: Switch, key: str, lines, ind, body: Callable) -> None:
        chosen = self.name("sc")
        get = self.const(con.cases.get, "cases")
        default = self.const(con.default, "S")
        lines.append(f"{ind}{chosen} = {get}({key}, {default})")
        seen: set[int] = set()
        first = True
        for sc in con.cases.values():
            if id(sc) in seen:
                continue
            seen.add(id(sc))
            lines.append(f"{ind}{'if' if first else 'elif'} {chosen} is {self.const(sc, 'S')}:")
            body(sc, ind + "    ")
            first = False
        if first:
            body(con.default, ind)
        else:
            lines.append(f"{ind}else:")
            body(con.default, ind + "    ")

    # ------------------------------------------------------------------ building

    def build_struct_func(self, con: DataclassStruct) -> str:
        """A function ``(obj, out)`` appending the model's bytes to the list ``out``."""
        key = id(con)
        if key in self.build_funcs:
            return self.build_funcs[key]
        if type(con.subcon) is not Struct:
            raise Unsupported("DataclassStruct without a Struct")
        fname = self.name("build_")
        self.build_funcs[key] = fname
        lines = [f"def {fname}(obj, out):"]
        self.struct_build_body(con, lines)
        self.defs.append(lines)
        return fname

    def struct_build_body(self, con: DataclassStruct, lines: list[str]) -> None:
        """Emit the checks and field building of a model from ``obj`` into the list ``out``."""
        if type(con.subcon) is not Struct:
            raise Unsupported("DataclassStruct without a Struct")
        subcons = con.subcon.subcons
        if [sc.name for sc in subcons] != list(con.fields):
            raise Unsupported(f"{con.cls.__name__}: derived fields")
        cls = self.const(con.cls, "C")
        lines.append(f"    if not isinstance(obj, {cls}): raise Reject")
        for f in con.others:  # fields this form leaves out must keep their defaults
            if f.default_factory is not dataclasses.MISSING:
                default = f"{self.const(f.default_factory, 'D')}()"
            else:
                default = self.const(f.default, "D")
            lines.append(f"    if obj.{f.name} != {default}: raise Reject")
        fields = {}
        for sc in subcons:
            var = f"f_{sc.name}"
            lines.append(f"    {var} = obj.{sc.name}")
            fields[sc.name] = var
        self.b_fields(subcons, lines, "    ", "out", fields)

    def b_fields(self, subcons, lines, ind, out, fields) -> None:
        i = 0
        while i < len(subcons):
            run = []
            while i < len(subcons):
                fixed = _fixed_field(subcons[i])
                if fixed is None:
                    break
                run.append((subcons[i].name, *fixed))
                i += 1
            if run:
                self.emit_fixed_build(lines, ind, out, run, fields)
            if i < len(subcons):
                sc = subcons[i]
                self.b_node(sc, lines, ind, fields[sc.name], out, fields)
                i += 1

    def emit_fixed_build(self, lines, ind, out, run, fields) -> None:
        orders = {fmt[0] for _, fmt, _ in run if not fmt.endswith("s")}
        if len(orders) > 1:
            for item in run:
                self.emit_fixed_build(lines, ind, out, [item], fields)
            return
        order = orders.pop() if orders else ">"
        fmt = order + "".join(f[1:] for _, f, _ in run)
        args = []
        for name, f, steps in run:
            var = fields[name]
            if f.endswith("s"):  # struct would pad or cut: the declaration wants exact bytes
                n = int(f[1:-1])
                lines.append(f"{ind}if type({var}) is not bytes or len({var}) != {n}: raise Reject")
                args.append(var)
            elif any(kind == "enum" for kind, _ in steps):
                args.append(f"int({var})")
            else:
                args.append(var)
        lines.append(f"{ind}{out}.append({self.packer(fmt)}({', '.join(args)}))")

    def b_node(self, con, lines, ind, val, out, fields) -> None:
        """Emit code appending the bytes of ``val`` built with ``con`` to the list ``out``."""
        kind = type(con)
        if kind is Renamed:
            self.b_node(con.subcon, lines, ind, val, out, fields)
        elif kind is FormatField or kind is _Bytes:
            fixed = _fixed_field(con)
            if fixed is None:
                raise Unsupported(repr(con))
            self.emit_fixed_build(lines, ind, out, [("v", fixed[0], [])], {"v": val})
        elif kind is BytesInteger:
            if type(con.length) is not int or con.length < 1 or con.swapped is not False:
                raise Unsupported(repr(con))
            lines.append(f"{ind}if not isinstance({val}, int): raise Reject")
            signed = ", signed=True" if con.signed else ""
            lines.append(f"{ind}{out}.append(int.to_bytes({val}, {con.length}, 'big'{signed}))")
        elif con is GreedyBytes:
            lines.append(f"{ind}if type({val}) is not bytes: raise Reject")
            lines.append(f"{ind}{out}.append({val})")
        elif kind is Sized:
            self.b_sized(con, lines, ind, val, out, fields)
        elif kind is Items:
            item = self.name("x")
            lines.append(f"{ind}for {item} in {val}:")
            self.b_node(con.subcon, lines, ind + "    ", item, out, {})
        elif kind is IfRemaining:
            lines.append(f"{ind}if {val} is not None:")
            self.b_node(con.subcon, lines, ind + "    ", val, out, fields)
        elif kind is EnumInt:
            var = self.name("i")
            lines.append(f"{ind}{var} = int({val})")
            self.b_node(con.subcon, lines, ind, var, out, fields)
        elif kind is Validate:  # checks apply when parsing only
            self.b_node(con.subcon, lines, ind, val, out, fields)
        elif kind is DataclassStruct:
            lines.append(f"{ind}{self.build_struct_func(con)}({val}, {out})")
        elif kind is Struct:
            for sc in con.subcons:
                if not sc.name or sc.flagbuildnone:
                    raise Unsupported("Struct with unnamed or derived fields")
            sub_fields = {}
            for sc in con.subcons:
                var = self.name("s")
                lines.append(f"{ind}{var} = {val}[{sc.name!r}]")
                sub_fields[sc.name] = var
            self.b_fields(con.subcons, lines, ind, out, sub_fields)
        elif kind is Switch:
            key = self.switch_key(con, fields)
            self.emit_switch(
                con,
                key,
                lines,
                ind,
                lambda sc, ind2: self.b_node(sc, lines, ind2, val, out, fields),
            )
        else:
            special = _special_builders().get(kind)
            if special is None:
                raise Unsupported(f"no fast builder for {kind.__name__}")
            special(self, con, lines, ind, val, out, fields)

    def b_sized(self, con: Sized, lines, ind, val, out, fields) -> None:
        data = self.name("data")
        sub = con.subcon
        fixed = _fixed_field(sub.subcon) if type(sub) is Items else None
        if sub is GreedyBytes:
            lines.append(f"{ind}if type({val}) is not bytes: raise Reject")
            data = val
        elif fixed is not None and not fixed[0].endswith("s") and len(fixed[1]) <= 1:
            fmt, steps = fixed
            pack = self.const(_struct.pack, "pack")
            items = f"map(int, {val})" if steps and steps[0][0] == "enum" else val
            lines.append(f"{ind}{data} = {pack}('{fmt[0]}%d{fmt[1]}' % len({val}), *{items})")
        else:
            parts = self.name("o")
            lines.append(f"{ind}{parts} = []")
            self.b_node(sub, lines, ind, val, parts, fields)
            lines.append(f"{ind}{data} = b''.join({parts})")
        length = self.name("n")
        lines.append(f"{ind}{length} = len({data})")
        lenfield = con.lenfield
        if type(lenfield) is BytesInteger and type(lenfield.length) is int:  # len() is an int
            signed = ", signed=True" if lenfield.signed else ""
            lines.append(
                f"{ind}{out}.append(int.to_bytes({length}, {lenfield.length}, 'big'{signed}))"
            )
        else:
            self.b_node(lenfield, lines, ind, length, out, fields)
        lines.append(f"{ind}{out}.append({data})")


# --------------------------------------------------------------------------- extensions


def _p_extension_entry(gen: _Gen, con, lines, ind, out, e, fields) -> None:
    from .extensions import UnknownExtension
    from .registry import ExtensionType

    funcs = {t: gen.parse_struct_func(struct, exact=True) for t, (_, struct) in con.table.items()}
    table = gen.name("EXT")
    gen.tail.append(f"{table} = {{{', '.join(f'{t}: {f}' for t, f in funcs.items())}}}")
    unknown = gen.const(UnknownExtension, "C")
    names = gen.const(ExtensionType._value2member_map_.get, "M")
    end, t, n, f = gen.name("e"), gen.name("t"), gen.name("n"), gen.name("fn")
    lines.append(f"{ind}if p + 4 > {e}: raise Reject")
    lines.append(f"{ind}{t}, {n} = {gen.unpacker_fmt('>HH')}(d, p)")
    lines.append(f"{ind}p += 4")
    lines.append(f"{ind}{end} = p + {n}")
    lines.append(f"{ind}if {end} > {e}: raise Reject")
    lines.append(f"{ind}{f} = {table}.get({t})")
    lines.append(f"{ind}if {f} is None:")
    lines.append(f"{ind}    {out} = {unknown}({names}({t}, {t}), d[p:{end}])")
    lines.append(f"{ind}else:")
    lines.append(f"{ind}    {out} = {f}(d, p, {end})  # consumes exactly the extension_data")
    lines.append(f"{ind}p = {end}")


def _b_extension_entry(gen: _Gen, con, lines, ind, val, out, fields) -> None:
    from .extensions import UnknownExtension

    entries = []
    for t, (cls, struct) in con.table.items():
        entries.append(f"{t}: ({gen.const(cls, 'C')}, {gen.build_struct_func(struct)})")
    table = gen.name("EXTB")
    gen.tail.append(f"{table} = {{{', '.join(entries)}}}")
    unknown = gen.const(UnknownExtension, "C")
    data, t, entry, parts = gen.name("data"), gen.name("t"), gen.name("ent"), gen.name("o")
    lines.append(f"{ind}if isinstance({val}, {unknown}):")
    lines.append(f"{ind}    {t} = int({val}.extension_type)")
    lines.append(f"{ind}    {data} = {val}.data")
    lines.append(f"{ind}    if type({data}) is not bytes: raise Reject")
    lines.append(f"{ind}else:")
    lines.append(f"{ind}    {entry} = {table}.get(int(getattr({val}, 'extension_type', -1)))")
    lines.append(f"{ind}    if {entry} is None or not isinstance({val}, {entry}[0]): raise Reject")
    lines.append(f"{ind}    {t} = int({val}.extension_type)")
    lines.append(f"{ind}    {parts} = []")
    lines.append(f"{ind}    {entry}[1]({val}, {parts})")
    lines.append(f"{ind}    {data} = b''.join({parts})")
    lines.append(f"{ind}{out}.append({gen.packer('>HH')}({t}, len({data})))")
    lines.append(f"{ind}{out}.append({data})")


def _p_no_duplicates(gen: _Gen, con, lines, ind, out, e, fields) -> None:
    gen.p_node(con.subcon, lines, ind, out, e, fields)
    # the parsed types are ints or IntEnum members, which hash and compare as their int values
    lines.append(f"{ind}if len({{x.extension_type for x in {out}}}) != len({out}):")
    lines.append(f"{ind}    raise Reject")


def _b_passthrough(gen: _Gen, con, lines, ind, val, out, fields) -> None:
    gen.b_node(con.subcon, lines, ind, val, out, fields)


def _p_single_item(gen: _Gen, con, lines, ind, out, e, fields) -> None:
    item = gen.name("x")
    gen.p_node(con.subcon, lines, ind, item, e, fields)
    lines.append(f"{ind}{out} = [{item}]")


def _b_single_item(gen: _Gen, con, lines, ind, val, out, fields) -> None:
    item = gen.name("x")
    lines.append(f"{ind}if len({val}) != 1: raise Reject")
    lines.append(f"{ind}{item} = {val}[0]")
    gen.b_node(con.subcon, lines, ind, item, out, fields)


def _special_parsers() -> dict[type, Callable]:
    from .extensions import _ExtensionEntry, _NoDuplicates, _SingleItem

    return {
        _ExtensionEntry: _p_extension_entry,
        _NoDuplicates: _p_no_duplicates,
        _SingleItem: _p_single_item,
    }


def _special_builders() -> dict[type, Callable]:
    from .extensions import _ExtensionEntry, _NoDuplicates, _SingleItem

    return {
        _ExtensionEntry: _b_extension_entry,
        _NoDuplicates: _b_passthrough,
        _SingleItem: _b_single_item,
    }


# --------------------------------------------------------------------------- entry points


def compile_parser(con: Construct) -> Callable[[bytes], Any]:
    """A function ``data -> object`` equivalent to parsing all of ``data`` with ``con``.

    It raises (usually :class:`Reject`) where the declaration would raise DecodeError; it carries
    no error detail. Raises :class:`Unsupported` when ``con`` uses a construct not handled here.
    """
    gen = _Gen()
    lines = ["def parse_all(d):", "    p = 0", "    e = len(d)"]
    if type(con) is DataclassStruct:  # the model's fields inline, no inner call
        made = gen.struct_body(con, lines)
        lines.append("    if p != e: raise Reject")
        lines.append(f"    return {made}")
    else:
        gen.p_node(con, lines, "    ", "v", "e", {})
        lines.append("    if p != e: raise Reject")
        lines.append("    return v")
    gen.defs.append(lines)
    ns = gen.run()
    func = ns["parse_all"]
    func.source = gen.source()  # type: ignore[attr-defined]
    return func


def compile_builder(con: Construct) -> Callable[[Any], bytes]:
    """A function ``obj -> bytes`` equal to building ``obj`` with ``con`` whenever it returns.

    It raises (usually :class:`Reject`) for anything it does not build exactly as the declaration
    would (wrong types, values out of range, forms that do not fit the context); the caller then
    builds with the declaration, which builds or raises EncodeError.
    """
    gen = _Gen()
    lines = ["def build_all(obj):", "    out = []"]
    if type(con) is DataclassStruct:  # the model's fields inline, no inner call
        gen.struct_build_body(con, lines)
    else:
        gen.b_node(con, lines, "    ", "obj", "out", {})
    lines.append("    return b''.join(out)")
    gen.defs.append(lines)
    ns = gen.run()
    func = ns["build_all"]
    func.source = gen.source()  # type: ignore[attr-defined]
    return func
