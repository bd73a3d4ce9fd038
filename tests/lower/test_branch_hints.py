"""Branch hints from the lowering: every bounds check, range test and counted loop test is hinted LIKELY (in
bounds), so that an engine that takes hints keeps the out-of-bounds arms and the slow copies out of the hot code;
nothing else is."""

from __future__ import annotations

from pathlib import Path

import pytest

from asm2wasm.compiler import Options, compile_source
from asm2wasm.lower.semantics import HELPERS
from asm2wasm.lower.versioning import RANGE_LIMIT_SIZE
from asm2wasm.wasm.consts import LIKELY, UNLIKELY
from asm2wasm.wasm.model import Function, Module

REPO = Path(__file__).resolve().parents[2]
# the growth builds' limits are mutable copies of the imported ones
VALID = sorted((REPO / "fixtures" / "valid").glob("*.js")) + sorted((REPO / "fixtures" / "growth").glob("*.js"))


def _module(body: str) -> Module:
    source = ("function M(stdlib, foreign, heap) {\n  \"use asm\";\n  var H32 = new stdlib.Int32Array(heap);\n"
              f"  {body}\n  return {{ f: f }};\n}}\n")
    return compile_source(source, "m.js", Options()).lowered.module


def _limits(module: Module) -> set[int]:
    """The global indices of the checks' heap limits (imported, or their mutable copies in growth builds): all but
    the range tests' limit."""
    names = [g.debug_name for g in module.global_imports] + [g.debug_name for g in module.globals]
    return {i for i, name in enumerate(names) if name.startswith("heap_limit_")
            and name.removesuffix(".current") != f"heap_limit_{RANGE_LIMIT_SIZE}"}


def _checks(func: Function, limits: set[int]) -> set[int]:
    """The `if`s of the inline bounds checks: `global.get heap_limit; i32.lt_u; if`."""
    body = func.body
    return {i for i, ins in enumerate(body) if ins[0] == "if" and i >= 2 and body[i - 1] == ("i32.lt_u",)
            and body[i - 2][0] == "global.get" and body[i - 2][1] in limits}


def test_an_unversioned_check_is_hinted_at_its_if() -> None:
    module = _module("function f(p) { p = p|0; return H32[p >> 2]|0; }")
    func = next(f for f in module.functions if f.debug_name == "f")
    [check] = _checks(func, _limits(module))
    assert func.branch_hints == [(check, LIKELY)]


def test_a_range_test_and_the_checks_of_its_fast_copy_are_hinted_but_not_its_slow_copy() -> None:
    # p's fields are covered by the range; H32[q >> 2] (q loaded in the range) is checked in the fast copy
    module = _module("function f(p) { p = p|0; var q = 0; q = H32[(p + 4) >> 2]|0; H32[(p + 8) >> 2] = 1;"
                     " H32[q >> 2] = 2; H32[(p + 12) >> 2] = 3; return H32[(p + 4) >> 2]|0; }")
    func = next(f for f in module.functions if f.debug_name == "f")
    body = func.body
    test = body.index(("if", None))
    slow = body.index(("else",), test)
    checks = _checks(func, _limits(module))
    assert len(checks) == 1 and test < min(checks) < slow  # the uncovered store, in the fast copy only
    assert func.branch_hints == [(test, LIKELY), (min(checks), LIKELY)]


@pytest.mark.parametrize("fixture", VALID, ids=[p.stem for p in VALID])
def test_every_check_and_range_test_is_hinted_likely_and_only_they_are(fixture: Path) -> None:
    module = compile_source(fixture.read_text(), str(fixture), Options()).lowered.module
    limits = _limits(module)
    helpers = {f"$asm2wasm.{helper.name}" for helper in HELPERS}
    for func in module.functions:
        hints = dict(func.branch_hints)
        assert sorted(hints) == [i for i, _ in func.branch_hints], "hints in instruction order"
        assert all(func.body[i][0] == "if" for i in hints)
        if func.debug_name in helpers or func.debug_name.startswith("$asm2wasm.checked."):
            continue  # their own hints: tests/lower/test_semantics.py
        assert _checks(func, limits) <= {i for i, hint in hints.items() if hint == LIKELY}
        for i in hints:  # a check, a range test (its groups' comparisons, joined by `i32.and`) or a counted loop's
            assert hints[i] == LIKELY and func.body[i - 1] in (("i32.lt_u",), ("i32.and",), ("i64.lt_s",))


def test_fast_output_has_no_hinted_checks() -> None:
    source = ("function M(stdlib, foreign, heap) {\n  \"use asm\";\n  var H32 = new stdlib.Int32Array(heap);\n"
              "  function f(p) { p = p|0; H32[p >> 2] = 1; return H32[(p + 4) >> 2]|0; }\n  return { f: f };\n}\n")
    module = compile_source(source, "m.js", Options(fast=True)).lowered.module
    assert next(f for f in module.functions if f.debug_name == "f").branch_hints == []


def test_the_helpers_guarded_cases_are_unlikely_and_their_fast_paths_likely() -> None:
    hints = {helper.name: [hint for _, hint in helper.hints] for helper in HELPERS}
    assert hints["div_s"] == [UNLIKELY, UNLIKELY] and hints["rem_u"] == [UNLIKELY]
    assert hints["to_int32"] == [LIKELY, LIKELY]
    for helper in HELPERS:
        assert all(helper.body[i][0] == "if" for i, _ in helper.hints)
