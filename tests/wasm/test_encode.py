"""The binary writer: decode round trip, section layout, external validators (node, wasmtime), running code."""

from __future__ import annotations

import json
import math
import struct
import time

import pytest
import wasmtime
from decode import decode_module, section_ids
from wasm_modules import all_modules, every_opcode_module, imports_module, run_module
from wasm_tools import node, node_validate

from asm2wasm.wasm.consts import BRANCH_HINT_SECTION, LIKELY, SECTION_CODE, SECTION_CUSTOM, UNLIKELY
from asm2wasm.wasm.encode import encode, encode_function, encode_function_body
from asm2wasm.wasm.instrs import encode_instr
from asm2wasm.wasm.model import FuncImport, Function, FuncType, Module
from asm2wasm.wasm.opcodes import OPCODES

MODULES = all_modules()


def _bits(value: object) -> object:
    """Floats by bit pattern (so NaNs compare and -0.0 != 0.0), everything else unchanged."""
    if isinstance(value, float):
        return ("float", struct.pack("<d", value))
    if isinstance(value, tuple):
        return tuple(_bits(v) for v in value)
    return value


def _normalised(m: Module) -> dict:
    """What the binary keeps of a module: float bits, local names without trailing blanks."""
    funcs = [
        (f.type_index, [_bits(i) for i in f.body], f.locals, f.debug_name, "\0".join(f.local_names).rstrip("\0"),
         f.branch_hints)
        for f in m.functions
    ]
    globs = [(g.valtype, g.mutable, _bits(g.init), g.debug_name) for g in m.globals]
    rest = {k: v for k, v in vars(m).items() if k not in ("functions", "globals")}
    return {"funcs": funcs, "globals": globs, **rest}


@pytest.mark.parametrize("name", MODULES)
def test_decode_round_trip(name: str) -> None:
    m = MODULES[name]
    assert _normalised(decode_module(encode(m))) == _normalised(m)


def test_every_opcode_is_used() -> None:
    used = {ins[0] for f in every_opcode_module().functions for ins in f.body}
    assert used | {"end"} == {op.name for op in OPCODES}


@pytest.mark.parametrize("name", MODULES)
def test_separately_encoded_bodies_give_identical_bytes(name: str) -> None:
    m = MODULES[name]
    bodies = [encode_function_body(f) for f in m.functions]
    assert encode(m, bodies=bodies) == encode(m)


def test_empty_module_is_header_only() -> None:
    assert encode(Module()) == b"\x00asm\x01\x00\x00\x00"


def test_sections_in_spec_order_and_only_when_needed() -> None:
    assert section_ids(encode(every_opcode_module())) == [1, 2, 3, 4, 6, 7, 9, 10, 0]
    assert section_ids(encode(run_module())) == [1, 3, 4, 6, 7, 8, 9, 10, 0]
    assert section_ids(encode(MODULES["empty_function"])) == [1, 3, 10]


def test_locals_are_run_length_encoded() -> None:
    func = Function(0, [], ["i32", "i32", "f64", "i32", "i32", "i32"])
    assert encode_function_body(func) == bytes([3, 2, 0x7F, 1, 0x7C, 3, 0x7F, 0x0B])


def test_i32_const_accepts_unsigned_range() -> None:
    func = Function(0, [("i32.const", 0xFFFFFFFF), ("i32.const", 0x80000000)])
    assert encode_function_body(func) == encode_function_body(Function(0, [("i32.const", -1), ("i32.const", -(2**31))]))
    with pytest.raises(ValueError):
        encode_function_body(Function(0, [("i32.const", 2**32)]))
    with pytest.raises(ValueError):
        encode_function_body(Function(0, [("i64.const", -(2**63) - 1)]))


def test_unhashable_instructions_are_encoded() -> None:
    lists = Function(0, [["local.get", 0], ("br_table", [0, 1], 2)])
    tuples = Function(0, [("local.get", 0), ("br_table", (0, 1), 2)])
    assert encode_function_body(lists) == encode_function_body(tuples)


def test_unknown_instruction_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"i32\.frobnicate"):
        encode_function_body(Function(0, [("i32.frobnicate",)]))


def test_float_constants_are_not_confused_by_the_cache() -> None:
    body = [("f64.const", 0.0), ("f64.const", -0.0), ("f32.const", 0.0), ("f32.const", -0.0), ("f64.const", math.nan)]
    decoded = decode_module(encode(_one_function(body))).functions[0].body
    assert [_bits(i) for i in decoded[: len(body)]] == [_bits(i) for i in body]


def _one_function(body: list[tuple]) -> Module:
    m = Module()
    m.functions.append(Function(m.type_index(FuncType((), ())), [*body, *[("drop",)] * len(body)]))
    return m


def test_node_validates_every_module() -> None:
    blobs = [encode(m) for m in MODULES.values()]
    assert node_validate(blobs) == [True] * len(blobs)


def test_node_rejects_a_broken_module() -> None:
    """Guards the validation harness itself: an ill-typed body must fail."""
    assert node_validate([encode(_one_function([("i32.add",)]))]) == [False]


@pytest.mark.parametrize("name", MODULES)
def test_wasmtime_validates(name: str) -> None:
    wasmtime.Module.validate(wasmtime.Engine(), encode(MODULES[name]))


def test_wasmtime_runs_module_without_imports() -> None:
    store = wasmtime.Store()
    instance = wasmtime.Instance(store, wasmtime.Module(store.engine, encode(run_module())), [])
    main = instance.exports(store)["main"]
    assert main(store, 10) == 55 + 4 + (2**31 - 1) / 2**31


NODE_RUN = """
const bytes = require("fs").readFileSync(0);
const memory = new WebAssembly.Memory({ initial: 1 });
new Int32Array(memory.buffer)[4] = 1000;
const calls = [];
const env = { memory, base: 3, scale: (a, b) => { calls.push([a, b]); return a * b; } };
const { instance } = await WebAssembly.instantiate(bytes, { env });
const result = instance.exports.compute(5);
const view = new DataView(memory.buffer);
console.log(JSON.stringify({ result, calls, i32: view.getInt32(8, true), f32: view.getFloat32(12, true) }));
"""


def test_node_runs_module_with_imports() -> None:
    script = f"(async () => {{ {NODE_RUN} }})().catch((e) => {{ console.error(e); process.exit(1); }});"
    out = json.loads(node(script, stdin=encode(imports_module())))
    assert out == {"result": 5 * 3 * 2 + 1000, "calls": [[5, 3]], "i32": 5, "f32": -5.0}


def test_encode_speed() -> None:
    """A loose bound (the machine is shared): 200k instructions well under a second."""
    pattern = [("local.get", 0), ("i32.const", 12345), ("i32.add",), ("local.tee", 1), ("i32.load", 2, 8),
               ("f64.const", 0.5), ("f64.convert_i32_s",), ("drop",), ("drop",), ("call", 3)]  # fmt: skip
    m = Module()
    t = m.type_index(FuncType(("i32",), ()))
    m.functions = [Function(t, pattern * 100, ["i32"]) for _ in range(200)]
    start = time.perf_counter()
    encode(m)
    assert time.perf_counter() - start < 1.0


# ---- branch hints -------------------------------------------------------------------------------------------------

_HINTED_BODY = [
    ("local.get", 0), ("if", None), ("nop",), ("end",),
    ("i32.const", 300000), ("drop",),
    ("local.get", 0), ("if", "i32"), ("i32.const", 1), ("else",), ("i32.const", 2), ("end",), ("drop",),
]


def _hinted_module() -> Module:
    m = Module()
    m.types.append(FuncType(("i32",), ()))
    m.func_imports.append(FuncImport("env", "f", 0))
    m.functions.append(Function(0, [("nop",)]))
    m.functions.append(Function(0, list(_HINTED_BODY), ["f64", "i32"], branch_hints=[(1, LIKELY), (7, UNLIKELY)]))
    return m


def test_encode_function_gives_each_hinted_if_its_offset_in_the_code_entry() -> None:
    func = _hinted_module().functions[1]
    body, hints = encode_function(func)
    assert body == encode_function_body(Function(0, func.body, func.locals))  # hints do not change the code
    prefix = 5  # two runs of locals: count 2, (1, f64), (1, i32)
    starts = [prefix + sum(len(encode_instr(ins)) for ins in func.body[:index]) for index in (1, 7)]
    # count 2; then offset, payload size 1, hint byte (offsets below 128: one byte each)
    assert hints == bytes([2, starts[0], 1, LIKELY, starts[1], 1, UNLIKELY])
    assert [body[offset] for offset in starts] == [0x04, 0x04]  # `if`
    assert encode_function(Function(0, func.body, func.locals)) == (body, b"")


def test_the_branch_hint_section_comes_just_before_the_code_section() -> None:
    m = _hinted_module()
    binary = encode(m)
    ids = section_ids(binary)
    hint_at = ids.index(SECTION_CUSTOM)
    assert ids[hint_at + 1] == SECTION_CODE and BRANCH_HINT_SECTION.encode() in binary
    # function 2 (after the import and the unhinted function) is the only one listed
    assert decode_module(binary).functions[1].branch_hints == [(1, LIKELY), (7, UNLIKELY)]
    assert binary.count(BRANCH_HINT_SECTION.encode()) == 1


def test_no_hints_no_section_and_bodies_without_hints_leave_it_out() -> None:
    m = _hinted_module()
    assert BRANCH_HINT_SECTION.encode() not in encode(Module(types=m.types, functions=[Function(0, [("nop",)])]))
    encoded = [encode_function(f) for f in m.functions]
    bodies, hints = [b for b, _ in encoded], [h for _, h in encoded]
    assert encode(m, bodies, hints) == encode(m)
    without = encode(m, bodies)
    assert BRANCH_HINT_SECTION.encode() not in without and decode_module(without).functions[1].branch_hints == []
