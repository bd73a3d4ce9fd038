"""The JS-vs-Wasm semantics helpers, run in wasmtime (no JavaScript at all) against exact Python references.

Each asm.js function below is compiled by the real pipeline; wasmtime runs the module with no imports, which also
proves the guards need no JS helpers.
"""

from __future__ import annotations

import math
import random
import struct

import pytest
import wasmtime

from asm2wasm.compiler import compile_source

SOURCE = """
function Semantics(stdlib) {
  "use asm";
  var fround = stdlib.Math.fround;
  var abs = stdlib.Math.abs;
  var min = stdlib.Math.min;
  var max = stdlib.Math.max;
  function rem(a, b) { a = +a; b = +b; return +(a % b); }
  function toint(d) { d = +d; return ~~d; }
  function toint_f(d) { d = +d; var f = fround(0); f = fround(d); return ~~f; }
  function div_s(a, b) { a = a|0; b = b|0; return ((a|0) / (b|0))|0; }
  function div_u(a, b) { a = a|0; b = b|0; return ((a>>>0) / (b>>>0))|0; }
  function rem_s(a, b) { a = a|0; b = b|0; return ((a|0) % (b|0))|0; }
  function rem_u(a, b) { a = a|0; b = b|0; return ((a>>>0) % (b>>>0))|0; }
  function abs_i(a) { a = a|0; return abs(a|0)|0; }
  function min_i(a, b) { a = a|0; b = b|0; return min(a|0, b|0)|0; }
  function max_i(a, b) { a = a|0; b = b|0; return max(a|0, b|0)|0; }
  return {rem: rem, toint: toint, toint_f: toint_f, div_s: div_s, div_u: div_u, rem_s: rem_s, rem_u: rem_u,
          abs_i: abs_i, min_i: min_i, max_i: max_i};
}
"""

DOUBLES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.0, 3.0, 7.0, -7.0, 1e20, -1e20, 1e300, -1e300, 5e-324, -5e-324,
           2.2250738585072014e-308, 1.7976931348623157e308, math.inf, -math.inf, math.nan, 2147483647.0,
           2147483648.0, -2147483648.0, -2147483649.0, 4294967295.0, 4294967296.0, 4294967296.5, 2.0**53, 2.0**63,
           2.0**64 + 2048, -(2.0**70), 0.1, 3.3]
INTS = [0, 1, -1, 2, -2, 3, 7, -7, 2147483647, -2147483648, 65536, -65536, 123456789]


def _random_doubles(count: int) -> list[float]:
    rng = random.Random(1234)
    values = []
    for _ in range(count):
        bits = rng.getrandbits(64)
        value = struct.unpack("<d", struct.pack("<Q", bits))[0]
        values.append(value)
        values.append(rng.uniform(-1e6, 1e6))
    return values


def js_rem(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or b == 0:
        return math.nan
    if math.isinf(b):
        return a
    return math.fmod(a, b)  # C fmod: exact, sign of the dividend, as ECMAScript's %


def to_int32(d: float) -> int:
    if math.isnan(d) or math.isinf(d):
        return 0
    n = int(d) % (1 << 32)  # int() truncates toward zero
    return n - (1 << 32) if n >= 1 << 31 else n


def to_i32(n: int) -> int:
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n >= 1 << 31 else n


def js_div(a: int, b: int, unsigned: bool) -> int:
    if unsigned:
        a, b = a & 0xFFFFFFFF, b & 0xFFFFFFFF
    if b == 0:
        return 0
    q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
    return to_i32(q)


def js_rem_int(a: int, b: int, unsigned: bool) -> int:
    if unsigned:
        a, b = a & 0xFFFFFFFF, b & 0xFFFFFFFF
    if b == 0:
        return 0
    return to_i32(int(math.fmod(a, b)))


@pytest.fixture(scope="module")
def exports():
    compiled = compile_source(SOURCE, "semantics.js")
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    module = wasmtime.Module(engine, compiled.wasm())
    assert not module.imports, "the semantics helpers must need no imports"
    instance = wasmtime.Instance(store, module, [])
    return lambda name, *args: instance.exports(store)[name](store, *args)


def same_double(x: float, y: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or struct.pack("<d", x) == struct.pack("<d", y)


def test_double_remainder_is_exact_fmod(exports) -> None:
    values = DOUBLES + _random_doubles(60)
    mismatches = [(a, b) for a in values for b in values if not same_double(exports("rem", a, b), js_rem(a, b))]
    assert mismatches == []


def test_to_int32_wraps_like_javascript(exports) -> None:
    for d in DOUBLES + _random_doubles(200):
        assert exports("toint", d) == to_int32(d), d


def test_to_int32_of_float(exports) -> None:
    for d in DOUBLES:
        f = struct.unpack("<f", struct.pack("<f", d))[0] if abs(d) < 3.4e38 or math.isnan(d) else math.copysign(
            math.inf, d)
        assert exports("toint_f", d) == to_int32(f), d


@pytest.mark.parametrize("name, unsigned", [("div_s", False), ("div_u", True)])
def test_integer_division_never_traps(exports, name: str, unsigned: bool) -> None:
    for a in INTS:
        for b in INTS:
            assert exports(name, a, b) == js_div(a, b, unsigned), (a, b)


@pytest.mark.parametrize("name, unsigned", [("rem_s", False), ("rem_u", True)])
def test_integer_remainder_never_traps(exports, name: str, unsigned: bool) -> None:
    for a in INTS:
        for b in INTS:
            assert exports(name, a, b) == js_rem_int(a, b, unsigned), (a, b)


def test_abs_min_max(exports) -> None:
    for a in INTS:
        assert exports("abs_i", a) == to_i32(abs(a)), a
        for b in INTS:
            assert exports("min_i", a, b) == min(a, b)
            assert exports("max_i", a, b) == max(a, b)
