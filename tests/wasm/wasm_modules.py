"""Hand-built test modules. Between them they use every row of `opcodes.py` and every section `encode` writes."""

from __future__ import annotations

import math
import struct

from asm2wasm.wasm.model import (
    ElemSegment,
    Export,
    FuncImport,
    Function,
    FuncType,
    Global,
    GlobalImport,
    MemoryImport,
    Module,
    Table,
)
from asm2wasm.wasm.opcodes import NATURAL_ALIGN, OPCODES, signature

# One constant instruction per value type, used to feed operands.
CONST_OF = {"i32": ("i32.const", 7), "i64": ("i64.const", -3), "f32": ("f32.const", 0.5), "f64": ("f64.const", 2.25)}


def _f32_from_bits(bits: int) -> float:
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def _f64_from_bits(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


# Float constants whose bits must survive encoding, decoding and the text format.
F64_SPECIALS = [
    0.0,
    -0.0,
    1.0,
    -1.5,
    0.1,
    math.pi,
    1e308,
    -1e-308,
    5e-324,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    math.inf,
    -math.inf,
    math.nan,
    _f64_from_bits(0xFFF8000000000000),
    _f64_from_bits(0x7FF0000000000001),
    _f64_from_bits(0x7FF4000000000000),
    _f64_from_bits(0xFFFFFFFFFFFFFFFF),
    4294967295.0,
    -2147483648.0,
]
F32_SPECIALS = [
    0.0,
    -0.0,
    1.0,
    -1.5,
    _f32_from_bits(0x3DCCCCCD),
    _f32_from_bits(0x00000001),
    _f32_from_bits(0x807FFFFF),
    _f32_from_bits(0x00800000),
    _f32_from_bits(0x7F7FFFFF),
    math.inf,
    -math.inf,
    math.nan,
    _f32_from_bits(0xFFC00000),
    _f32_from_bits(0x7F800001),
    _f32_from_bits(0x7FA00000),
    16777216.0,
]
INT_SPECIALS = {
    "i32.const": [0, 1, -1, 63, 64, -64, -65, 127, 128, 2**31 - 1, -(2**31), 123456, -123456],
    "i64.const": [0, -1, 2**63 - 1, -(2**63), 2**32, -(2**32) - 1, 2**53 + 1, 64, -65],
}


def _fixed_type_ops() -> list[tuple]:
    """Every fixed-type instruction, applied to constants, results dropped."""
    body: list[tuple] = []
    for op in OPCODES:
        sig = signature(op.name)
        if sig is None or op.name.endswith(".const"):
            continue
        params, results = sig
        operands = [("i32.const", 16) if i == 0 and op.imm == "memarg" else CONST_OF[t] for i, t in enumerate(params)]
        ins = (op.name, NATURAL_ALIGN[op.name], 4) if op.imm == "memarg" else (op.name,)
        body += [*operands, ins, *[("drop",)] * len(results)]
    return body


def _constants() -> list[tuple]:
    body: list[tuple] = []
    for name, values in INT_SPECIALS.items():
        body += [x for v in values for x in ((name, v), ("drop",))]
    body += [x for v in F32_SPECIALS for x in (("f32.const", v), ("drop",))]
    body += [x for v in F64_SPECIALS for x in (("f64.const", v), ("drop",))]
    return body


def _memargs() -> list[tuple]:
    """Loads and stores with smaller than natural alignment and large offsets."""
    return [
        ("i32.const", 0), ("i32.load", 0, 0), ("drop",),
        ("i32.const", 0), ("i64.load", 1, 2**32 - 1), ("drop",),
        ("i32.const", 0), ("f64.const", 1.0), ("f64.store", 0, 300),
        ("i32.const", 0), ("i32.const", 5), ("i32.store16", 0, 128),
    ]  # fmt: skip


def _control() -> list[tuple]:
    """Blocks of every type, branches, select, calls, variables; params (i32, i64, f32, f64), result i32."""
    return [
        ("nop",),
        ("block", None), ("unreachable",), ("end",),
        ("block", "i32"), ("i32.const", 1), ("local.get", 0), ("br_if", 0), ("drop",), ("i32.const", 2), ("br", 0),
        ("end",), ("drop",),
        ("loop", None), ("local.get", 0), ("br_if", 0), ("end",),
        ("loop", "i64"), ("local.get", 1), ("end",), ("drop",),
        ("block", "f32"), ("local.get", 2), ("end",), ("drop",),
        ("local.get", 0), ("if", "f64"), ("f64.const", 1.5), ("else",), ("f64.const", -0.0), ("end",), ("local.set", 8),
        ("local.get", 0), ("if", None), ("nop",), ("end",),
        ("block", None), ("block", None), ("block", None), ("local.get", 0), ("br_table", (0, 1, 2, 1), 2),
        ("end",), ("end",), ("end",),
        ("block", None), ("local.get", 0), ("br_table", (), 0), ("end",),
        ("i32.const", 1), ("i32.const", 2), ("local.get", 0), ("select",), ("local.set", 4),
        ("local.get", 3), ("local.tee", 9), ("local.set", 8),
        ("global.get", 0), ("global.set", 1),
        ("global.get", 2), ("global.set", 2),
        ("local.get", 0), ("local.get", 4), ("local.get", 5), ("call", 0), ("drop",),
        ("local.get", 0), ("i32.const", 1), ("call_indirect", 2), ("local.set", 5),
        ("local.get", 0), ("local.get", 1), ("local.get", 2), ("local.get", 3), ("call", 1), ("drop",),
        ("local.get", 6), ("f32.const", 1.0), ("f32.add",), ("local.set", 6),
        ("local.get", 7), ("i64.const", 1), ("i64.add",), ("local.set", 7),
        ("local.get", 0), ("return",),
    ]  # fmt: skip


def every_opcode_module() -> Module:
    """A valid module that uses every instruction row, with imports, a table, globals, names."""
    m = Module(name="every opcode")
    t_add3 = m.type_index(FuncType(("i32", "i32", "i32"), ("i32",)))
    t_all = m.type_index(FuncType(("i32", "i64", "f32", "f64"), ("i32",)))
    t_unary = m.type_index(FuncType(("i32",), ("i32",)))
    m.func_imports.append(FuncImport("env", "add3", t_add3, "add3"))
    m.global_imports.append(GlobalImport("env", "seed", "i32", False, "seed"))
    m.memory_import = MemoryImport("env", "memory", 1, 256)
    m.globals += [Global("i32", True, ("global.get", 0), "copy"), Global("f64", True, ("f64.const", -0.0), "")]
    m.table = Table(2, 2)
    locals_ = ["i32", "i32", "f32", "i64", "f64", "f64"]
    body = _control()[:-2] + _fixed_type_ops() + _constants() + _memargs() + _control()[-2:]
    names = ["a", "b", "c", "d", "tmp", "", "weird name!", "tmp", "", ""]
    m.functions.append(Function(t_all, body, locals_, "every", names))
    m.functions.append(Function(t_unary, [("local.get", 0), ("i32.const", 1), ("i32.add",)], [], "inc", ["x"]))
    m.functions.append(Function(t_all, [("i32.const", 0)], [], "every"))  # a duplicate debug name
    m.elems.append(ElemSegment(0, [2, 0]))
    m.elems.append(ElemSegment(1, [1]))
    m.exports += [Export("every", "func", 1), Export("memory", "memory", 0), Export("table", "table", 0)]
    m.exports += [Export("copy", "global", 1), Export('\u00e9t\u00e9 "q"', "func", 2)]
    return m


def run_module() -> Module:
    """No imports: fib(n) by a loop in i64, a call_indirect through the table, a start function, f64 maths.

    Export `main(n) -> f64` returns fib(n) (as f64) + sqrt(16) + trunc_sat(2**100 as i32) / 2**31 (= 1.0 - 2**-31).
    """
    m = Module(name="run")
    t_main = m.type_index(FuncType(("i32",), ("f64",)))
    t_fib = m.type_index(FuncType(("i32",), ("i64",)))
    t_void = m.type_index(FuncType((), ()))
    m.globals.append(Global("i32", True, ("i32.const", 0), "started"))
    m.table = Table(1)
    fib = [
        ("i64.const", 0), ("local.set", 1), ("i64.const", 1), ("local.set", 2),
        ("block", None), ("loop", None),
        ("local.get", 0), ("i32.eqz",), ("br_if", 1),
        ("local.get", 2), ("local.get", 1), ("local.get", 2), ("i64.add",), ("local.set", 2), ("local.set", 1),
        ("local.get", 0), ("i32.const", -1), ("i32.add",), ("local.set", 0),
        ("br", 0), ("end",), ("end",),
        ("local.get", 1),
    ]  # fmt: skip
    main = [
        ("global.get", 0), ("i32.eqz",), ("if", None), ("unreachable",), ("end",),
        ("local.get", 0), ("i32.const", 0), ("call_indirect", t_fib), ("f64.convert_i64_s",),
        ("f64.const", 16.0), ("f64.sqrt",), ("f64.add",),
        ("f32.const", 2.0**100), ("i32.trunc_sat_f32_s",), ("f64.convert_i32_s",), ("f64.const", 2.0**31), ("f64.div",),
        ("f64.add",),
    ]  # fmt: skip
    start = [("i32.const", 1), ("global.set", 0)]
    m.functions += [
        Function(t_main, main, [], "main", ["n"]),
        Function(t_fib, fib, ["i64", "i64"], "fib", ["n", "a", "b"]),
        Function(t_void, start, [], "init"),
    ]
    m.elems.append(ElemSegment(0, [1]))
    m.exports.append(Export("main", "func", 0))
    m.start = 2
    return m


def imports_module() -> Module:
    """Imports a function, a global and the memory; `compute(x)` = scale(x, base) * 2 + HEAP32[4], and it stores
    x at HEAP32[2] (byte 8) and the float -x at HEAPF32[3] (byte 12)."""
    m = Module()
    t_scale = m.type_index(FuncType(("i32", "i32"), ("i32",)))
    t_compute = m.type_index(FuncType(("i32",), ("i32",)))
    m.func_imports.append(FuncImport("env", "scale", t_scale, "scale"))
    m.global_imports.append(GlobalImport("env", "base", "i32", False, "base"))
    m.memory_import = MemoryImport("env", "memory", 1)
    body = [
        ("i32.const", 8), ("local.get", 0), ("i32.store", 2, 0),
        ("i32.const", 0), ("local.get", 0), ("f32.convert_i32_s",), ("f32.neg",), ("f32.store", 2, 12),
        ("local.get", 0), ("global.get", 0), ("call", 0), ("i32.const", 1), ("i32.shl",),
        ("i32.const", 16), ("i32.load", 2, 0), ("i32.add",),
    ]  # fmt: skip
    m.functions.append(Function(t_compute, body, [], "compute", ["x"]))
    m.exports += [Export("compute", "func", 1)]
    return m


def empty_function_module() -> Module:
    m = Module()
    m.functions.append(Function(m.type_index(FuncType((), ())), []))
    return m


def all_modules() -> dict[str, Module]:
    return {
        "empty": Module(),
        "empty_function": empty_function_module(),
        "every_opcode": every_opcode_module(),
        "run": run_module(),
        "imports": imports_module(),
    }
