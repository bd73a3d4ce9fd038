"""Every Wasm instruction asm2wasm may emit: one row each, the single source for encoder, `.wat` printer and decoder.

Columns:
    name   the text-format mnemonic, also the first element of the model's instruction tuple
    code   the opcode bytes (prefixed opcodes such as 0xFC carry their LEB128 sub-opcode, a single byte here)
    imm    the immediate kind; how each kind sits in the tuple and in the binary:
              none       ("i32.add",)                        nothing
              blocktype  ("block", None | "i32" | ...)          0x40 or the value-type byte
              label      ("br", depth)                        u32
              br_table   ("br_table", (depth, ...), default)  vec(u32) u32
              func       ("call", func_index)                 u32
              type       ("call_indirect", type_index)        u32, then table 0 as the byte 0x00
              local      ("local.get", index)                 u32
              global     ("global.get", index)                u32
              memarg     ("i32.load", align_log2, offset)     u32 u32
              memory     ("memory.size",)                     the memory index 0 as the byte 0x00
              i32, i64   ("i32.const", value)                 s32 / s64
              f32, f64   ("f64.const", value)                 4 / 8 little-endian IEEE bytes
    sig    operand and result types, one letter per value (i = i32, l = i64, f = f32, d = f64), ":" between;
           "*" where the typing depends on the immediate or on the enclosing block (control, variables, select)

Sources: the WebAssembly core spec 1.0 (MVP), §5.4 "Instructions", plus the sign-extension operators and the
non-trapping float-to-int conversions (both merged into spec 2.0).
"""

from __future__ import annotations

from typing import NamedTuple


class Opcode(NamedTuple):
    name: str
    code: bytes
    imm: str
    sig: str


def _op(name: str, code: int | tuple[int, ...], imm: str = "none", sig: str = "*") -> Opcode:
    raw = bytes((code,)) if isinstance(code, int) else bytes(code)
    return Opcode(name, raw, imm, sig)


# fmt: off
OPCODES: tuple[Opcode, ...] = (
    # control [§5.4.1]
    _op("unreachable",         0x00),
    _op("nop",                 0x01),
    _op("block",               0x02, "blocktype"),
    _op("loop",                0x03, "blocktype"),
    _op("if",                  0x04, "blocktype"),
    _op("else",                0x05),
    _op("end",                 0x0B),
    _op("br",                  0x0C, "label"),
    _op("br_if",               0x0D, "label"),
    _op("br_table",            0x0E, "br_table"),
    _op("return",              0x0F),
    _op("call",                0x10, "func"),
    _op("call_indirect",       0x11, "type"),
    # parametric [§5.4.2]
    _op("drop",                0x1A),
    _op("select",              0x1B),
    # variable [§5.4.3]
    _op("local.get",           0x20, "local"),
    _op("local.set",           0x21, "local"),
    _op("local.tee",           0x22, "local"),
    _op("global.get",          0x23, "global"),
    _op("global.set",          0x24, "global"),
    # memory [§5.4.4]
    _op("i32.load",            0x28, "memarg", "i:i"),
    _op("i64.load",            0x29, "memarg", "i:l"),
    _op("f32.load",            0x2A, "memarg", "i:f"),
    _op("f64.load",            0x2B, "memarg", "i:d"),
    _op("i32.load8_s",         0x2C, "memarg", "i:i"),
    _op("i32.load8_u",         0x2D, "memarg", "i:i"),
    _op("i32.load16_s",        0x2E, "memarg", "i:i"),
    _op("i32.load16_u",        0x2F, "memarg", "i:i"),
    _op("i64.load8_s",         0x30, "memarg", "i:l"),
    _op("i64.load8_u",         0x31, "memarg", "i:l"),
    _op("i64.load16_s",        0x32, "memarg", "i:l"),
    _op("i64.load16_u",        0x33, "memarg", "i:l"),
    _op("i64.load32_s",        0x34, "memarg", "i:l"),
    _op("i64.load32_u",        0x35, "memarg", "i:l"),
    _op("i32.store",           0x36, "memarg", "ii:"),
    _op("i64.store",           0x37, "memarg", "il:"),
    _op("f32.store",           0x38, "memarg", "if:"),
    _op("f64.store",           0x39, "memarg", "id:"),
    _op("i32.store8",          0x3A, "memarg", "ii:"),
    _op("i32.store16",         0x3B, "memarg", "ii:"),
    _op("i64.store8",          0x3C, "memarg", "il:"),
    _op("i64.store16",         0x3D, "memarg", "il:"),
    _op("i64.store32",         0x3E, "memarg", "il:"),
    _op("memory.size",         0x3F, "memory", ":i"),
    _op("memory.grow",         0x40, "memory", "i:i"),
    # numeric constants [§5.4.5]
    _op("i32.const",           0x41, "i32", ":i"),
    _op("i64.const",           0x42, "i64", ":l"),
    _op("f32.const",           0x43, "f32", ":f"),
    _op("f64.const",           0x44, "f64", ":d"),
    # i32 comparisons
    _op("i32.eqz",             0x45, "none", "i:i"),
    _op("i32.eq",              0x46, "none", "ii:i"),
    _op("i32.ne",              0x47, "none", "ii:i"),
    _op("i32.lt_s",            0x48, "none", "ii:i"),
    _op("i32.lt_u",            0x49, "none", "ii:i"),
    _op("i32.gt_s",            0x4A, "none", "ii:i"),
    _op("i32.gt_u",            0x4B, "none", "ii:i"),
    _op("i32.le_s",            0x4C, "none", "ii:i"),
    _op("i32.le_u",            0x4D, "none", "ii:i"),
    _op("i32.ge_s",            0x4E, "none", "ii:i"),
    _op("i32.ge_u",            0x4F, "none", "ii:i"),
    # i64 comparisons
    _op("i64.eqz",             0x50, "none", "l:i"),
    _op("i64.eq",              0x51, "none", "ll:i"),
    _op("i64.ne",              0x52, "none", "ll:i"),
    _op("i64.lt_s",            0x53, "none", "ll:i"),
    _op("i64.lt_u",            0x54, "none", "ll:i"),
    _op("i64.gt_s",            0x55, "none", "ll:i"),
    _op("i64.gt_u",            0x56, "none", "ll:i"),
    _op("i64.le_s",            0x57, "none", "ll:i"),
    _op("i64.le_u",            0x58, "none", "ll:i"),
    _op("i64.ge_s",            0x59, "none", "ll:i"),
    _op("i64.ge_u",            0x5A, "none", "ll:i"),
    # f32 comparisons
    _op("f32.eq",              0x5B, "none", "ff:i"),
    _op("f32.ne",              0x5C, "none", "ff:i"),
    _op("f32.lt",              0x5D, "none", "ff:i"),
    _op("f32.gt",              0x5E, "none", "ff:i"),
    _op("f32.le",              0x5F, "none", "ff:i"),
    _op("f32.ge",              0x60, "none", "ff:i"),
    # f64 comparisons
    _op("f64.eq",              0x61, "none", "dd:i"),
    _op("f64.ne",              0x62, "none", "dd:i"),
    _op("f64.lt",              0x63, "none", "dd:i"),
    _op("f64.gt",              0x64, "none", "dd:i"),
    _op("f64.le",              0x65, "none", "dd:i"),
    _op("f64.ge",              0x66, "none", "dd:i"),
    # i32 arithmetic
    _op("i32.clz",             0x67, "none", "i:i"),
    _op("i32.ctz",             0x68, "none", "i:i"),
    _op("i32.popcnt",          0x69, "none", "i:i"),
    _op("i32.add",             0x6A, "none", "ii:i"),
    _op("i32.sub",             0x6B, "none", "ii:i"),
    _op("i32.mul",             0x6C, "none", "ii:i"),
    _op("i32.div_s",           0x6D, "none", "ii:i"),
    _op("i32.div_u",           0x6E, "none", "ii:i"),
    _op("i32.rem_s",           0x6F, "none", "ii:i"),
    _op("i32.rem_u",           0x70, "none", "ii:i"),
    _op("i32.and",             0x71, "none", "ii:i"),
    _op("i32.or",              0x72, "none", "ii:i"),
    _op("i32.xor",             0x73, "none", "ii:i"),
    _op("i32.shl",             0x74, "none", "ii:i"),
    _op("i32.shr_s",           0x75, "none", "ii:i"),
    _op("i32.shr_u",           0x76, "none", "ii:i"),
    _op("i32.rotl",            0x77, "none", "ii:i"),
    _op("i32.rotr",            0x78, "none", "ii:i"),
    # i64 arithmetic
    _op("i64.clz",             0x79, "none", "l:l"),
    _op("i64.ctz",             0x7A, "none", "l:l"),
    _op("i64.popcnt",          0x7B, "none", "l:l"),
    _op("i64.add",             0x7C, "none", "ll:l"),
    _op("i64.sub",             0x7D, "none", "ll:l"),
    _op("i64.mul",             0x7E, "none", "ll:l"),
    _op("i64.div_s",           0x7F, "none", "ll:l"),
    _op("i64.div_u",           0x80, "none", "ll:l"),
    _op("i64.rem_s",           0x81, "none", "ll:l"),
    _op("i64.rem_u",           0x82, "none", "ll:l"),
    _op("i64.and",             0x83, "none", "ll:l"),
    _op("i64.or",              0x84, "none", "ll:l"),
    _op("i64.xor",             0x85, "none", "ll:l"),
    _op("i64.shl",             0x86, "none", "ll:l"),
    _op("i64.shr_s",           0x87, "none", "ll:l"),
    _op("i64.shr_u",           0x88, "none", "ll:l"),
    _op("i64.rotl",            0x89, "none", "ll:l"),
    _op("i64.rotr",            0x8A, "none", "ll:l"),
    # f32 arithmetic
    _op("f32.abs",             0x8B, "none", "f:f"),
    _op("f32.neg",             0x8C, "none", "f:f"),
    _op("f32.ceil",            0x8D, "none", "f:f"),
    _op("f32.floor",           0x8E, "none", "f:f"),
    _op("f32.trunc",           0x8F, "none", "f:f"),
    _op("f32.nearest",         0x90, "none", "f:f"),
    _op("f32.sqrt",            0x91, "none", "f:f"),
    _op("f32.add",             0x92, "none", "ff:f"),
    _op("f32.sub",             0x93, "none", "ff:f"),
    _op("f32.mul",             0x94, "none", "ff:f"),
    _op("f32.div",             0x95, "none", "ff:f"),
    _op("f32.min",             0x96, "none", "ff:f"),
    _op("f32.max",             0x97, "none", "ff:f"),
    _op("f32.copysign",        0x98, "none", "ff:f"),
    # f64 arithmetic
    _op("f64.abs",             0x99, "none", "d:d"),
    _op("f64.neg",             0x9A, "none", "d:d"),
    _op("f64.ceil",            0x9B, "none", "d:d"),
    _op("f64.floor",           0x9C, "none", "d:d"),
    _op("f64.trunc",           0x9D, "none", "d:d"),
    _op("f64.nearest",         0x9E, "none", "d:d"),
    _op("f64.sqrt",            0x9F, "none", "d:d"),
    _op("f64.add",             0xA0, "none", "dd:d"),
    _op("f64.sub",             0xA1, "none", "dd:d"),
    _op("f64.mul",             0xA2, "none", "dd:d"),
    _op("f64.div",             0xA3, "none", "dd:d"),
    _op("f64.min",             0xA4, "none", "dd:d"),
    _op("f64.max",             0xA5, "none", "dd:d"),
    _op("f64.copysign",        0xA6, "none", "dd:d"),
    # conversions
    _op("i32.wrap_i64",        0xA7, "none", "l:i"),
    _op("i32.trunc_f32_s",     0xA8, "none", "f:i"),
    _op("i32.trunc_f32_u",     0xA9, "none", "f:i"),
    _op("i32.trunc_f64_s",     0xAA, "none", "d:i"),
    _op("i32.trunc_f64_u",     0xAB, "none", "d:i"),
    _op("i64.extend_i32_s",    0xAC, "none", "i:l"),
    _op("i64.extend_i32_u",    0xAD, "none", "i:l"),
    _op("i64.trunc_f32_s",     0xAE, "none", "f:l"),
    _op("i64.trunc_f32_u",     0xAF, "none", "f:l"),
    _op("i64.trunc_f64_s",     0xB0, "none", "d:l"),
    _op("i64.trunc_f64_u",     0xB1, "none", "d:l"),
    _op("f32.convert_i32_s",   0xB2, "none", "i:f"),
    _op("f32.convert_i32_u",   0xB3, "none", "i:f"),
    _op("f32.convert_i64_s",   0xB4, "none", "l:f"),
    _op("f32.convert_i64_u",   0xB5, "none", "l:f"),
    _op("f32.demote_f64",      0xB6, "none", "d:f"),
    _op("f64.convert_i32_s",   0xB7, "none", "i:d"),
    _op("f64.convert_i32_u",   0xB8, "none", "i:d"),
    _op("f64.convert_i64_s",   0xB9, "none", "l:d"),
    _op("f64.convert_i64_u",   0xBA, "none", "l:d"),
    _op("f64.promote_f32",     0xBB, "none", "f:d"),
    _op("i32.reinterpret_f32", 0xBC, "none", "f:i"),
    _op("i64.reinterpret_f64", 0xBD, "none", "d:l"),
    _op("f32.reinterpret_i32", 0xBE, "none", "i:f"),
    _op("f64.reinterpret_i64", 0xBF, "none", "l:d"),
    # sign extension (spec 2.0)
    _op("i32.extend8_s",       0xC0, "none", "i:i"),
    _op("i32.extend16_s",      0xC1, "none", "i:i"),
    _op("i64.extend8_s",       0xC2, "none", "l:l"),
    _op("i64.extend16_s",      0xC3, "none", "l:l"),
    _op("i64.extend32_s",      0xC4, "none", "l:l"),
    # non-trapping float-to-int conversions (spec 2.0; prefix 0xFC)
    _op("i32.trunc_sat_f32_s", (0xFC, 0x00), "none", "f:i"),
    _op("i32.trunc_sat_f32_u", (0xFC, 0x01), "none", "f:i"),
    _op("i32.trunc_sat_f64_s", (0xFC, 0x02), "none", "d:i"),
    _op("i32.trunc_sat_f64_u", (0xFC, 0x03), "none", "d:i"),
    _op("i64.trunc_sat_f32_s", (0xFC, 0x04), "none", "f:l"),
    _op("i64.trunc_sat_f32_u", (0xFC, 0x05), "none", "f:l"),
    _op("i64.trunc_sat_f64_s", (0xFC, 0x06), "none", "d:l"),
    _op("i64.trunc_sat_f64_u", (0xFC, 0x07), "none", "d:l"),
)
# fmt: on

BY_NAME: dict[str, Opcode] = {op.name: op for op in OPCODES}
BY_CODE: dict[bytes, Opcode] = {op.code: op for op in OPCODES}
PREFIXES: frozenset[int] = frozenset(op.code[0] for op in OPCODES if len(op.code) > 1)

# Natural alignment (log2 of the access width in bytes) of every load and store, from the width in its name.
_WIDTH_ALIGN = {"8": 0, "16": 1, "32": 2}
_TYPE_ALIGN = {"i32": 2, "f32": 2, "i64": 3, "f64": 3}


def _natural_align(name: str) -> int:
    valtype, _, op = name.partition(".")
    for width, align in _WIDTH_ALIGN.items():
        if op.endswith((width, width + "_s", width + "_u")):
            return align
    return _TYPE_ALIGN[valtype]


NATURAL_ALIGN: dict[str, int] = {op.name: _natural_align(op.name) for op in OPCODES if op.imm == "memarg"}

# Letters of the `sig` column to value types.
SIG_TYPES: dict[str, str] = {"i": "i32", "l": "i64", "f": "f32", "d": "f64"}


def signature(name: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(operand types, result types) of a fixed-type instruction, or None when its typing is contextual."""
    sig = BY_NAME[name].sig
    if sig == "*":
        return None
    params, _, results = sig.partition(":")
    return tuple(SIG_TYPES[c] for c in params), tuple(SIG_TYPES[c] for c in results)
