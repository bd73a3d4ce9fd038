"""Fixtures without FFI run in a Wasm-only host (wasmtime) with exactly the results node gives for the asm.js.

A compiled module that imports nothing but `env.memory` and the `env.heap_limit_N` globals needs no JavaScript at
all. For each such fixture, node runs the asm.js module alone and prints its exact call plan (`diff.js --plan`:
export, raw arguments, result, and the heap after all calls); this test then makes the same calls in wasmtime,
converting every raw argument as the JS API would for the parameter's Wasm type, and compares every result
bitwise (any NaN equals any NaN, -0 differs from 0) and the heap bytes. Fixtures that import functions or foreign
numbers are skipped with the reason; `test_enough_fixtures_need_no_js_host` keeps the qualifying set from
silently shrinking.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import re
import shutil
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import wasmtime
from diff_support import run_diff

from asm2wasm.compiler import compile_source

REPO = Path(__file__).resolve().parent.parent
VALID = sorted((REPO / "fixtures" / "valid").glob("*.js"))
NODE = shutil.which("node")
ENGINE = wasmtime.Engine()
PAGE = 65536
HEAP_LIMIT = re.compile(r"heap_limit_([1-9][0-9]*)")
MIN_QUALIFYING = 15
SHOWN_MISMATCHES = 12


# ---------------------------------------------------------------------------------------------------------
# JavaScript values and the JS API's conversions (ToNumber, ToInt32, float32 rounding), exactly.


class _Undefined:
    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = _Undefined()


@dataclass(frozen=True)
class JSObject:
    """An object argument, known by the primitive its ToPrimitive (hint number) returns."""

    primitive: JSValue


JSValue = float | str | bool | None | _Undefined | JSObject  # None is JS null

# StrWhiteSpaceChar: WhiteSpace and LineTerminator (ECMA-262 §7.2, §7.3).
_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_RADIX = {"0x": (re.compile(r"[0-9a-fA-F]+"), 16), "0o": (re.compile(r"[0-7]+"), 8), "0b": (re.compile(r"[01]+"), 2)}


def string_to_number(s: str) -> float:
    """ECMAScript StringToNumber: "" -> 0, decimal and 0x/0o/0b literals, [+-]Infinity, anything else NaN."""
    s = s.strip(_JS_WHITESPACE)
    if s == "":
        return 0.0
    if s in ("Infinity", "+Infinity"):
        return math.inf
    if s == "-Infinity":
        return -math.inf
    radix = _RADIX.get(s[:2].lower())
    if radix is not None:
        digits, base = radix
        return float(int(s[2:], base)) if digits.fullmatch(s[2:]) else math.nan
    if _DECIMAL.fullmatch(s):
        return float(s)  # correctly rounded, like JS
    return math.nan


def to_number(v: JSValue) -> float:
    """ECMAScript ToNumber of a decoded argument."""
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, float):
        return v
    if v is UNDEFINED:
        return math.nan
    if v is None:
        return 0.0
    if isinstance(v, str):
        return string_to_number(v)
    if isinstance(v, JSObject):
        return to_number(v.primitive)
    raise TypeError(f"ToNumber of {v!r} is not modelled")


def to_int32(x: float) -> int:
    """ECMAScript ToInt32 of a number: NaN and ±Infinity -> 0, else truncate and wrap modulo 2^32 to signed."""
    if math.isnan(x) or math.isinf(x):
        return 0
    n = math.trunc(x) % 2**32
    return n - 2**32 if n >= 2**31 else n


def to_float32(x: float) -> float:
    """Round a double to the nearest float32 (ties to even), as Math.fround and the JS API's f32 conversion do."""
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:  # beyond the float32 range after rounding
        return math.copysign(math.inf, x)


def to_wasm(v: JSValue, valtype: wasmtime.ValType) -> wasmtime.Val:
    """ToWebAssemblyValue(v, type) for the number types a compiled asm.js module uses."""
    kind = str(valtype)
    if kind == "i32":
        return wasmtime.Val.i32(to_int32(to_number(v)))
    if kind == "f32":
        return wasmtime.Val.f32(to_float32(to_number(v)))
    if kind == "f64":
        return wasmtime.Val.f64(to_number(v))
    raise TypeError(f"no JS conversion to {kind} is modelled")


def float_from_bits(hex16: str) -> float:
    return struct.unpack(">d", bytes.fromhex(hex16))[0]


def decode_arg(enc: object) -> JSValue:
    """An argument as diff.js --plan encodes it (numbers bit-exact)."""
    if enc == "undefined":
        return UNDEFINED
    if enc == "null":
        return None
    if isinstance(enc, dict):
        if "n" in enc:
            return float_from_bits(enc["n"])
        if "s" in enc:
            return str(enc["s"])
        if "b" in enc:
            return bool(enc["b"])
        if "object" in enc:
            return JSObject(decode_arg(enc["object"]))
    raise ValueError(f"unknown argument encoding {enc!r}")


def encode_number(x: float) -> dict[str, str]:
    """A JS number as diff.js encodes results: 16 hex digits of the float64 bits, every NaN as "nan"."""
    return {"n": "nan" if math.isnan(x) else struct.pack(">d", x).hex()}


def js_result(value: object, results: list[wasmtime.ValType]) -> object:
    """What the JS API hands back for a Wasm result, encoded like diff.js: i32 as the JS number of the signed value."""
    if not results:
        return "undefined"
    kind = str(results[0])
    if kind == "i32":
        assert isinstance(value, int)
        return encode_number(float(value))
    if kind in ("f32", "f64"):
        assert isinstance(value, float)
        return encode_number(value)
    raise TypeError(f"result type {kind} has no JS number form")


def show(enc: object) -> str:
    if isinstance(enc, dict) and "n" in enc:
        if enc["n"] == "nan":
            return "NaN"
        x = float_from_bits(enc["n"])
        text = "-0" if x == 0 and math.copysign(1.0, x) < 0 else repr(x)
        return f"{text} (0x{enc['n']})"
    if isinstance(enc, dict) and "throw" in enc:
        return f"throws {enc['throw']}"
    return json.dumps(enc)


def pattern(n: int) -> bytes:
    """The heap fill diff.js uses: byte i = (i*7+3) & 255 (period 256)."""
    period = bytes((i * 7 + 3) & 255 for i in range(256))
    return (period * (n // 256 + 1))[:n]


# ---------------------------------------------------------------------------------------------------------
# Compiling and classifying fixtures


@functools.cache
def _compiled(path: Path) -> tuple[bytes, str]:
    compiled = compile_source(path.read_text(), str(path))
    return compiled.wasm(), compiled.shim(path.stem + ".wasm", path.name)


@functools.cache
def _module(path: Path) -> wasmtime.Module:
    return wasmtime.Module(ENGINE, _compiled(path)[0])


def js_only_imports(module: wasmtime.Module) -> list[str]:
    """The imports a Wasm-only host cannot provide: anything but env.memory and the env.heap_limit_N globals."""
    needs_js = []
    for imp in module.imports:
        if imp.module == "env" and imp.name == "memory" and isinstance(imp.type, wasmtime.MemoryType):
            continue
        if imp.module == "env" and isinstance(imp.type, wasmtime.GlobalType) and HEAP_LIMIT.fullmatch(imp.name or ""):
            continue
        needs_js.append(f"{imp.module}.{imp.name}")
    return needs_js


def qualifying_fixtures() -> list[Path]:
    return [p for p in VALID if not js_only_imports(_module(p))]


def node_plan(fixture: Path, shim: Path) -> dict:
    """The JS side's exact call plan and results (diff.js --plan), with the shim's signatures and export names."""
    assert NODE is not None
    return run_diff(fixture, shim, "--plan")


# ---------------------------------------------------------------------------------------------------------
# Running the plan in wasmtime


@dataclass
class Outcome:
    compared: int = 0
    mismatches: list[str] = field(default_factory=list)


def _instantiate(store: wasmtime.Store, module: wasmtime.Module, heap_length: int | None,
                 ) -> tuple[wasmtime.Instance, wasmtime.Memory | None]:
    imports: list[wasmtime.Memory | wasmtime.Global] = []
    memory = None
    for imp in module.imports:
        t = imp.type
        if isinstance(t, wasmtime.MemoryType):
            assert heap_length is not None, "the module imports a memory but the fixture has no heap"
            pages = -(-heap_length // PAGE)
            memory = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(pages, t.limits.max)))
            memory.write(store, pattern(memory.data_len(store)), 0)
            imports.append(memory)
        else:
            assert isinstance(t, wasmtime.GlobalType)
            match = HEAP_LIMIT.fullmatch(imp.name or "")
            assert match and heap_length is not None, f"cannot provide {imp.module}.{imp.name}"
            value = heap_length - int(match.group(1)) + 1
            imports.append(wasmtime.Global(store, t, wasmtime.Val.i32(value)))
    return wasmtime.Instance(store, module, imports), memory


def run_plan(module: wasmtime.Module, plan: dict) -> Outcome:
    store = wasmtime.Store(ENGINE)
    instance, memory = _instantiate(store, module, plan["heap_length"])
    exports = instance.exports(store)
    outcome = Outcome()
    for i, call in enumerate(plan["calls"]):
        expected = call["result"]
        where = f"call #{i} {call['call']}"
        func = exports.get(call["export"])
        if expected == {"missing": True} or not isinstance(func, wasmtime.Func):
            if not (expected == {"missing": True} and func is None):
                outcome.mismatches.append(f"{where}: export in JS {expected != {'missing': True}}, "
                                          f"in Wasm {isinstance(func, wasmtime.Func)}")
            continue
        ftype = func.type(store)
        args = [decode_arg(a) for a in call["args"]]
        params = list(ftype.params)
        args = (args + [UNDEFINED] * len(params))[: len(params)]  # missing -> undefined, extra ones ignored
        wasm_args = [to_wasm(v, t) for v, t in zip(args, params)]
        try:
            got = js_result(func(store, *wasm_args), list(ftype.results))
        except wasmtime.Trap as trap:
            got = {"trap": str(trap).splitlines()[0]}
        outcome.compared += 1
        if isinstance(expected, dict) and "throw" in expected and "trap" in got:
            continue  # both hosts abort the call (e.g. stack exhaustion)
        if got != expected:
            outcome.mismatches.append(f"{where}: JS {show(expected)} vs wasmtime {show(got)}")
    _compare_heap(plan, store, memory, outcome)
    return outcome


def _compare_heap(plan: dict, store: wasmtime.Store, memory: wasmtime.Memory | None, outcome: Outcome) -> None:
    if plan["heap"] is None:
        return
    js = base64.b64decode(plan["heap"])
    assert len(js) == plan["heap_length"]
    if memory is None:
        # No memory import: the module has no heap views, so the JS heap must still hold its initial fill.
        wasm = pattern(len(js))
    else:
        wasm = bytes(memory.read(store, 0, memory.data_len(store)))
    diffs = [i for i in range(len(js)) if js[i] != wasm[i]]
    if diffs:
        first = ", ".join(f"{i}: JS {js[i]} vs wasmtime {wasm[i]}" for i in diffs[:10])
        outcome.mismatches.append(f"heap: {len(diffs)} bytes differ; first offsets: {first}")
    fill = pattern(len(wasm))
    beyond = [i for i in range(len(js), len(wasm)) if wasm[i] != fill[i]]
    if beyond:
        first = ", ".join(f"{i}: {wasm[i]} (was {fill[i]})" for i in beyond[:10])
        outcome.mismatches.append(f"heap: wasmtime wrote {len(beyond)} bytes past the JS heap's end ({len(js)}); "
                                  f"first: {first}")


# ---------------------------------------------------------------------------------------------------------
# Tests


@pytest.mark.parametrize("fixture", qualifying_fixtures(), ids=lambda p: p.stem)
def test_wasmtime_matches_node(fixture: Path, tmp_path: Path) -> None:
    module = _module(fixture)
    assert js_only_imports(module) == []
    wasm, shim = _compiled(fixture)
    (tmp_path / (fixture.stem + ".wasm")).write_bytes(wasm)
    shim_path = tmp_path / (fixture.stem + ".shim.js")
    shim_path.write_text(shim)
    plan = node_plan(fixture, shim_path)
    assert plan["linked"] is True, f"the asm.js module did not link in node: {plan['linked']}"
    if plan["skipped"]:
        warnings.warn(f"{fixture.name}: {len(plan['skipped'])} call line(s) are not plain calls and were not run "
                      f"on either side: {plan['skipped']}", stacklevel=1)
    outcome = run_plan(module, plan)
    assert outcome.compared > 0
    shown = outcome.mismatches[:SHOWN_MISMATCHES]
    more = len(outcome.mismatches) - len(shown)
    assert not outcome.mismatches, (f"{len(outcome.mismatches)} mismatch(es) of {outcome.compared} calls:\n"
                                    + "\n".join(shown) + (f"\n... and {more} more" if more else ""))


def test_enough_fixtures_need_no_js_host() -> None:
    qualifying = qualifying_fixtures()
    assert len(qualifying) >= MIN_QUALIFYING, f"only {[p.stem for p in qualifying]} run without a JS host"


NAN = math.nan
INF = math.inf


@pytest.mark.parametrize(("value", "expected"), [
    (0.0, 0), (-0.0, 0), (0.5, 0), (-0.5, 0), (-1.5, -1), (NAN, 0), (INF, 0), (-INF, 0),
    (2147483647.0, 2147483647), (2147483648.0, -2147483648), (4294967295.0, -1), (4294967296.0, 0),
    (4294967296.75, 0), (-2147483649.0, 2147483647), (1e20, 1661992960), (-1e20, -1661992960),
    (5e-324, 0), (1.7976931348623157e308, 0),
])
def test_to_int32(value: float, expected: int) -> None:
    assert to_int32(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (UNDEFINED, NAN), (None, 0.0), (True, 1.0), ("12", 12.0), (" 12\n", 12.0), ("", 0.0), ("0x1F", 31.0),
    ("-0x1F", NAN), ("1e3", 1000.0), (".5", 0.5), ("5.", 5.0), ("-Infinity", -INF), ("inf", NAN), ("1_0", NAN),
    ("12px", NAN), (JSObject(7.0), 7.0), (JSObject("3"), 3.0), ("-0", -0.0),
])
def test_to_number(value: JSValue, expected: float) -> None:
    got = to_number(value)
    assert struct.pack(">d", got) == struct.pack(">d", expected) or (math.isnan(got) and math.isnan(expected))


@pytest.mark.parametrize(("value", "expected"), [
    (0.1, 0.10000000149011612), (1e39, INF), (-1e39, -INF), (3.4028234663852886e38, 3.4028234663852886e38),
    (3.4028235677973366e38, INF), (3.4028235677973362e38, 3.4028234663852886e38), (1.401298464324817e-45,
     1.401298464324817e-45), (7e-46, 0.0), (7.1e-46, 1.401298464324817e-45), (16777217.0, 16777216.0),
])
def test_to_float32(value: float, expected: float) -> None:
    assert to_float32(value) == expected
