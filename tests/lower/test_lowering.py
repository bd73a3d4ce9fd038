"""Lowering decisions visible in the output: names, elided guards, --fast, and the text format's round trip."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from asm2wasm.compiler import Options, compile_source
from asm2wasm.lower.semantics import HELPER_INDEX
from asm2wasm.wasm.consts import SECTION_CUSTOM
from asm2wasm.wasm.sections import sections

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo" / "demo.asm.js"
VALID = sorted((REPO / "fixtures" / "valid").glob("*.js"))


def body_of(source_body: str, fast: bool = False, name: str = "f") -> list[tuple]:
    """The Wasm instructions of function `name` in a module made of `source_body`."""
    source = ("function M(stdlib, foreign, heap) {\n  \"use asm\";\n  var H32 = new stdlib.Int32Array(heap);\n"
              + source_body + "\n  return { f: f };\n}\n")
    compiled = compile_source(source, "m.js", Options(fast=fast))
    module = compiled.lowered.module
    index = next(i for i, f in enumerate(module.functions) if f.debug_name == name)
    return module.functions[index].body, len(module.func_imports) + len(compiled.typed.functions)


def helper_call(helper_base: int, helper: str) -> tuple:
    return ("call", helper_base + HELPER_INDEX[helper])


def uses_heap_check(body: list[tuple]) -> bool:
    # the heap limits are the first globals: heap_limit_1, _2, _4, _8 and the range tests' (versioning.py)
    return any(ins[0] == "global.get" and ins[1] < 5 for ins in body)


def test_names_of_functions_locals_and_globals_reach_the_name_section(tmp_path: Path) -> None:
    compiled = compile_source(DEMO.read_text(), str(DEMO))
    wasm = tmp_path / "demo.wasm"
    wasm.write_bytes(compiled.wasm())
    text = subprocess.run(["wasm2wat", str(wasm)], capture_output=True, text=True, check=True).stdout
    for expected in ("(func $add", "(param $a i32) (param $b i32)", "(local $i i32) (local $s i32)",
                     "(global $g (mut i32)", "(import \"foreign\" \"log\" (func $foreign.log"):
        assert expected in text


@pytest.mark.parametrize("divisor, plain", [("3", True), ("-7", True), ("0", False), ("-1", False), ("(y|0)", False)])
def test_signed_division_guard_only_where_needed(divisor: str, plain: bool) -> None:
    body, helpers = body_of(f"function f(x, y) {{ x = x|0; y = y|0; return ((x|0) / {divisor})|0; }}")
    assert (("i32.div_s",) in body) == plain
    assert (helper_call(helpers, "div_s") in body) == (not plain)


def test_remainder_by_nonzero_constant_is_plain() -> None:
    body, helpers = body_of("function f(x) { x = x|0; return ((x>>>0) % 10)|0; }")
    assert ("i32.rem_u",) in body and helper_call(helpers, "rem_u") not in body


def test_aligned_index_needs_no_mask_but_a_plain_shift_does() -> None:
    aligned, _ = body_of("function f(x) { x = x|0; return H32[(x << 2) >> 2]|0; }")
    assert ("i32.const", -4) not in aligned
    shifted, _ = body_of("function f(x) { x = x|0; return H32[x >> 2]|0; }")
    assert ("i32.const", -4) in shifted and ("i32.and",) in shifted


@pytest.mark.parametrize("index, checked", [("2", False), ("1023", False), ("1024", True), ("(8 >> 2)", False),
                                            ("-1", True)])
def test_constant_indexes_below_4096_bytes_need_no_bounds_check(index: str, checked: bool) -> None:
    body, _ = body_of(f"function f() {{ return H32[{index}]|0; }}")
    assert uses_heap_check(body) == checked


def test_fast_drops_every_guard() -> None:
    source = "function f(x, d) { x = x|0; d = +d; H32[x >> 2] = ((x|0) / (x|0))|0; return (~~d + (H32[x >> 2]|0))|0; }"
    exact, helpers = body_of(source)
    assert uses_heap_check(exact)
    assert helper_call(helpers, "div_s") in exact and helper_call(helpers, "to_int32") in exact
    fast, _ = body_of(source, fast=True)
    assert not uses_heap_check(fast)
    assert ("i32.div_s",) in fast and ("i32.trunc_sat_f64_s",) in fast
    assert not any(ins[0] == "call" for ins in fast)


def test_fast_output_computes_the_same_and_gives_up_what_the_help_says(tmp_path: Path) -> None:
    compiled = compile_source(DEMO.read_text(), str(DEMO), Options(fast=True))
    (tmp_path / "demo.wasm").write_bytes(compiled.wasm())
    (tmp_path / "demo.js").write_text(compiled.shim("demo.wasm", "demo.asm.js"))
    script = """
      const m = require('./demo.js');
      const e = m.link(globalThis, { log() {} }, m.createHeap(65536));
      const out = [e.add(2147483647, 1), e.sum(10), e.hyp(3, 4), e.m(-5.5, 2), e.tr(1e20), e.tr(-1e20), e.tr(NaN)];
      try { e.div(7, 0); out.push('no trap'); } catch (err) { out.push(err.constructor.name); }
      console.log(JSON.stringify(out));
    """
    run = subprocess.run(["node", "-e", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == '[-2147483648,45,5,-1.5,2147483647,-2147483648,0,"RuntimeError"]'


def _without_custom_sections(data: bytes) -> bytes:
    return data[:8] + b"".join(data[s.at:s.end] for s in sections(data) if s.id != SECTION_CUSTOM)


@pytest.mark.parametrize("fixture", VALID, ids=[p.stem for p in VALID])
def test_wat_round_trips_through_wabt(fixture: Path, tmp_path: Path) -> None:
    compiled = compile_source(fixture.read_text(), str(fixture))
    wat = tmp_path / "m.wat"
    wat.write_text(compiled.wat())
    subprocess.run(["wat2wasm", str(wat), "-o", str(tmp_path / "m.wasm")], check=True, capture_output=True)
    assert _without_custom_sections((tmp_path / "m.wasm").read_bytes()) == _without_custom_sections(compiled.wasm())


def rotations_in(body: list[tuple]) -> list[int]:
    return [body[i - 1][1] for i, ins in enumerate(body) if ins == ("i32.rotl",)]


def test_the_halves_of_rotations_spread_over_a_chain_become_rotl() -> None:
    body, _ = body_of("function f(e) { e = e|0; return (e>>>6 ^ e>>>11 ^ e>>>25 ^ e<<26 ^ e<<21 ^ e<<7)|0; }")
    assert rotations_in(body) == [26, 21, 7]  # rotr 6, 11, 25
    assert ("i32.shl",) not in body and ("i32.shr_u",) not in body and body.count(("i32.xor",)) == 2


def test_a_rotation_in_the_or_form_with_a_count_modulo_32() -> None:
    body, _ = body_of("function f(x) { x = x|0; return (x << 33 | x >>> 63)|0; }")
    assert rotations_in(body) == [1] and ("i32.or",) not in body


@pytest.mark.parametrize("chain", ["x << 8 ^ (x = (x + 1)|0) ^ x >>> 24", "x << 8 ^ (g()|0) ^ x >>> 24",
                                   "x << 8 ^ H32[0] ^ x >>> 24", "x << 8 ^ y >>> 24", "x << 8 ^ x >>> 23"])
def test_chains_that_must_keep_their_order_or_hold_no_rotation_are_emitted_as_written(chain: str) -> None:
    body, _ = body_of(f"function g() {{ return 1; }} function f(x, y) {{ x = x|0; y = y|0; return ({chain})|0; }}")
    assert rotations_in(body) == [] and ("i32.shl",) in body and ("i32.shr_u",) in body
