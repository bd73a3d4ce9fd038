"""The text format printer: `to_wat(module) -> str`, flat instructions indented by block depth [spec §6].

wabt's `wat2wasm` turns the output back into a module whose non-custom sections equal `encode(module)` byte for
byte, so the text lists everything in the encoder's order (imports: functions, globals, memory). Debug names become
`$ids`, sanitised and made unique per index space; unnamed entities are referred to by index. Float constants are
exact: hex floats, `inf`, and `nan:0x...` with the payload, so every bit pattern survives.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from asm2wasm.wasm.model import Export, Function, Global, Module
from asm2wasm.wasm.names import function_names, global_names
from asm2wasm.wasm.opcodes import BY_NAME, NATURAL_ALIGN

_NOT_IDCHAR = re.compile(r"[^0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]")
_OPENERS = frozenset({"block", "loop", "if"})
_INDENT = "  "


def wat_ids(names: Sequence[str]) -> list[str]:
    """A reference for each index: `$name` (sanitised, unique within `names`) or the bare index when unnamed."""
    taken: set[str] = set()
    ids = []
    for index, name in enumerate(names):
        if not name:
            ids.append(str(index))
            continue
        base = "$" + _NOT_IDCHAR.sub("_", name)
        ident, n = base, 1
        while ident in taken:
            n += 1
            ident = f"{base}.{n}"
        taken.add(ident)
        ids.append(ident)
    return ids


def wat_string(text: str) -> str:
    """A quoted string; bytes outside printable ASCII, quotes and backslashes as `\\hh` escapes."""
    parts = [chr(b) if 0x20 <= b < 0x7F and b not in b'"\\' else f"\\{b:02x}" for b in text.encode("utf-8")]
    return '"' + "".join(parts) + '"'


_MANTISSA_BITS = {32: 23, 64: 52}
_F32_MAX = struct.unpack("<f", bytes.fromhex("ffff7f7f"))[0]


def _float_text(value: float, bits: int, width: int) -> str:
    sign = "-" if bits >> (width - 1) else ""
    if math.isnan(value):
        return f"{sign}nan:0x{bits & ((1 << _MANTISSA_BITS[width]) - 1):x}"
    if math.isinf(value):
        return f"{sign}inf"
    mantissa, _, exponent = value.hex().partition("p")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}p{exponent} (;={_shortest(value, width)};)"


def _shortest(value: float, width: int) -> str:
    """The shortest decimal that reads back as `value` at this width (for the reader's benefit only)."""
    if width == 64:
        return repr(value)
    bits = struct.pack("<f", value)
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if abs(float(text)) <= _F32_MAX and struct.pack("<f", float(text)) == bits:
            return text
    return repr(value)


def f64_text(value: float) -> str:
    """Exact text of an f64 constant."""
    (bits,) = struct.unpack("<Q", struct.pack("<d", value))
    return _float_text(value, bits, 64)


def f32_text(value: float) -> str:
    """Exact text of an f32 constant (the value rounded to float32 as the encoder does)."""
    raw = struct.pack("<f", value)
    (bits,) = struct.unpack("<I", raw)
    (single,) = struct.unpack("<f", raw)
    return _float_text(single, bits, 32)


@dataclass
class _Refs:
    funcs: list[str]
    globals: list[str]
    locals: list[str]


def _ref(ids: list[str], index: int) -> str:
    """The id of `index`; an index out of range prints as itself, so that invalid modules can still be read."""
    return ids[index] if 0 <= index < len(ids) else str(index)


def _memarg_text(ins: tuple) -> str:
    parts = []
    if ins[2]:
        parts.append(f"offset={ins[2]}")
    if ins[1] != NATURAL_ALIGN[ins[0]]:
        parts.append(f"align={1 << ins[1]}")
    return " ".join(parts)


def _blocktype_text(ins: tuple) -> str:
    return "" if ins[1] is None else f"(result {ins[1]})"


IMM_TEXT: dict[str, Callable[[tuple, _Refs], str]] = {
    "none": lambda ins, refs: "",
    "blocktype": lambda ins, refs: _blocktype_text(ins),
    "label": lambda ins, refs: str(ins[1]),
    "br_table": lambda ins, refs: " ".join(str(d) for d in (*ins[1], ins[2])),
    "func": lambda ins, refs: _ref(refs.funcs, ins[1]),
    "type": lambda ins, refs: f"(type {ins[1]})",
    "local": lambda ins, refs: _ref(refs.locals, ins[1]),
    "global": lambda ins, refs: _ref(refs.globals, ins[1]),
    "memarg": lambda ins, refs: _memarg_text(ins),
    "memory": lambda ins, refs: "",
    "i32": lambda ins, refs: str(ins[1]),
    "i64": lambda ins, refs: str(ins[1]),
    "f32": lambda ins, refs: f32_text(ins[1]),
    "f64": lambda ins, refs: f64_text(ins[1]),
}


def instr_text(ins: tuple, refs: _Refs) -> str:
    """One instruction as text, without indentation."""
    imm = IMM_TEXT[BY_NAME[ins[0]].imm](ins, refs)
    return f"{ins[0]} {imm}" if imm else ins[0]


def _body_lines(body: Sequence[tuple], refs: _Refs, depth: int) -> list[str]:
    lines = []
    for ins in body:
        name = ins[0]
        if name in ("end", "else"):
            depth -= 1
        lines.append(_INDENT * depth + instr_text(ins, refs))
        if name in _OPENERS or name == "else":
            depth += 1
    return lines


def _limits_text(min_size: int, max_size: int | None) -> str:
    return f"{min_size}" if max_size is None else f"{min_size} {max_size}"


def _global_type_text(valtype: str, mutable: bool) -> str:
    return f"(mut {valtype})" if mutable else valtype


def _import_line(module: str, name: str, desc: str) -> str:
    return f"(import {wat_string(module)} {wat_string(name)} {desc})"


def _import_lines(module: Module, refs: _Refs) -> list[str]:
    lines = []
    for i, imp in enumerate(module.func_imports):
        desc = f"{_declare(refs.funcs[i], 'func')}(type {imp.type_index}))"
        lines.append(_import_line(imp.module, imp.name, desc))
    for i, gimp in enumerate(module.global_imports):
        desc = f"{_declare(refs.globals[i], 'global')}{_global_type_text(gimp.valtype, gimp.mutable)})"
        lines.append(_import_line(gimp.module, gimp.name, desc))
    mem = module.memory_import
    if mem is not None:
        desc = f"(memory {_limits_text(mem.min_pages, mem.max_pages)})"
        lines.append(_import_line(mem.module, mem.name, desc))
    return lines


def _declare(ref: str, keyword: str) -> str:
    """`(func $f ` for a named entity, `(func ` for an unnamed one (its id is its index)."""
    return f"({keyword} {ref} " if ref.startswith("$") else f"({keyword} "


def _func_lines(module: Module, func: Function, index: int, refs: _Refs) -> list[str]:
    functype = module.types[func.type_index]
    names = list(func.local_names) + [""] * (len(functype.params) + len(func.locals) - len(func.local_names))
    local_refs = _Refs(refs.funcs, refs.globals, wat_ids(names))
    params = [f"(param {_named(local_refs.locals[i])}{t})" for i, t in enumerate(functype.params)]
    results = [f"(result {t})" for t in functype.results]
    first = len(functype.params)
    decls = [f"(local {_named(local_refs.locals[first + i])}{t})" for i, t in enumerate(func.locals)]
    head = " ".join([f"{_declare(refs.funcs[index], 'func')}(type {func.type_index})", *params, *results])
    lines = [head]
    if decls:
        lines.append(_INDENT + " ".join(decls))
    lines += _body_lines(func.body, local_refs, 1)
    lines.append(")")
    return lines


def _named(ref: str) -> str:
    return f"{ref} " if ref.startswith("$") else ""


def _global_line(glob: Global, ref: str, refs: _Refs) -> str:
    gtype = _global_type_text(glob.valtype, glob.mutable)
    return f"{_declare(ref, 'global')}{gtype} ({instr_text(glob.init, refs)}))"


def _export_line(export: Export, refs: _Refs) -> str:
    ids = {"func": refs.funcs, "global": refs.globals}.get(export.kind, [])
    ref = _ref(ids, export.index)
    return f"(export {wat_string(export.name)} ({export.kind} {ref}))"


def _table_lines(module: Module, refs: _Refs) -> list[str]:
    lines = []
    if module.table is not None:
        lines.append(f"(table {_limits_text(module.table.min_size, module.table.max_size)} funcref)")
    for seg in module.elems:
        funcs = "".join(" " + _ref(refs.funcs, i) for i in seg.func_indices)
        lines.append(f"(elem (i32.const {seg.offset}){funcs})")
    return lines


def to_wat(module: Module) -> str:
    """The module in the text format, accepted by `wat2wasm`."""
    refs = _Refs(wat_ids(function_names(module)), wat_ids(global_names(module)), [])
    lines = []
    for functype in module.types:
        params = "".join(f" (param {t})" for t in functype.params)
        results = "".join(f" (result {t})" for t in functype.results)
        lines.append(f"(type (func{params}{results}))")
    lines += _import_lines(module, refs)
    lines += _table_lines(module, refs)
    first_global = len(module.global_imports)
    lines += [_global_line(g, refs.globals[first_global + i], refs) for i, g in enumerate(module.globals)]
    lines += [_export_line(e, refs) for e in module.exports]
    if module.start is not None:
        lines.append(f"(start {_ref(refs.funcs, module.start)})")
    first_func = len(module.func_imports)
    for i, func in enumerate(module.functions):
        lines += _func_lines(module, func, first_func + i, refs)
    head = "(module" + (" " + wat_ids([module.name])[0] if module.name else "")
    return "\n".join([head, *(_INDENT + line for line in lines), ")"]) + "\n"
