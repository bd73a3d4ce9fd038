"""Counted loops (asm2wasm/lower/loops.py): which loops get one test for all their iterations, what the test
bounds, and what the two copies look like. The fixture heap-versioned-loops.js runs them as asm.js and as Wasm
(tests/test_differential.py), with their accesses in bounds and running off the heap."""

from __future__ import annotations

import pytest

from asm2wasm.check import ir
from asm2wasm.compiler import Options, compile_source
from asm2wasm.lower import loops, versioning
from asm2wasm.wasm.consts import LIKELY

HEADER = ("function M(stdlib, foreign, heap) {\n  \"use asm\";\n  var H8 = new stdlib.Int8Array(heap);\n"
          "  var H32 = new stdlib.Int32Array(heap);\n  var ffi = foreign.ffi;\n")


def compiled(body: str):
    source = HEADER + "  function f(p, q, n) {\n    p = p|0; q = q|0; n = n|0;\n    var i = 0, r = 0, s = 0;\n" \
        + body + "\n    return s|0;\n  }\n  return { f: f };\n}\n"
    return compile_source(source, "m.js", Options())


def plan_of(body: str) -> loops.LoopPlan | None:
    """The plan of the first loop of f's body."""
    func = next(f for f in compiled(body).typed.functions if f.name == "f")
    facts = versioning.analyse(func, lambda access: not access.addr.in_bounds)
    loop = next(s for s in func.body if isinstance(s, ir.LoopStmt))
    return loops.plan_loop(loop, facts)


MEMCPY = ("while ((n|0) >= 4) { H32[p>>2] = H32[q>>2]; p = p + 4|0; q = q + 4|0; n = n - 4|0; }")


def test_memcpy_words_are_one_counted_loop() -> None:
    plan = plan_of(MEMCPY)
    assert plan is not None and not plan.partial
    counter = plan.counter
    assert (counter.local, counter.step, counter.edge, counter.signed) == (2, -4, 0, True)  # n >= 4: last n is 4
    assert [(g.d, g.lo, g.hi, g.size) for g in plan.groups] == [(4, 0, 0, 4), (4, 0, 0, 4)]


@pytest.mark.parametrize(("body", "counter", "groups"), [
    # memset's bytes: p itself is the counter, up to the invariant n & -4
    ("while ((p|0) < (n & -4|0)) { H8[p>>0] = 1; p = p + 1|0; }", (0, 1, -1, True), [(1, 0, 0, 1)]),
    ("while ((p|0) < (n & ~3|0)) { H32[p>>2] = 0; p = p + 4|0; }", (0, 4, -1, True), [(4, 0, 0, 4)]),
    # an index scaled by 4, two fields
    ("for (i = 0; (i|0) < (n|0); i = i + 1|0) { H32[p + (i<<2)>>2] = H32[p + (i<<2) + 4>>2]|0; }",
     (3, 1, -1, True), [(4, 0, 4, 4)]),
    # do-while and unsigned
    ("do { H8[p + i>>0] = 0; i = i + 1|0; } while (i>>>0 < n>>>0);", (3, 1, -1, False), [(1, 0, 0, 1)]),
    # `while (1) { ...; if (i == n) break; }`: continues while i != n
    ("while (1) { H8[q + i>>0] = 0; i = i + 1|0; if ((i|0) == (n|0)) break; }", (3, 1, -1, True),
     [(1, 0, 0, 1)]),
    # a count down, read after its update; a local derived from it (r = p + 12*i)
    ("while ((n|0) > 0) { n = n - 1|0; H8[p + n>>0] = 0; }", (2, -1, 1, True), [(-1, -1, -1, 1)]),
    ("while ((i|0) < (n|0)) { r = p + (i*12|0)|0; H32[r>>2] = 0; H32[r + 8>>2] = 0; i = i + 1|0; }",
     (3, 1, -1, True), [(12, 0, 8, 4)]),
])
def test_counted_shapes(body: str, counter: tuple, groups: list) -> None:
    plan = plan_of(body)
    assert plan is not None
    c = plan.counter
    assert (c.local, c.step, c.edge, c.signed) == counter
    assert [(g.d, g.lo, g.hi, g.size) for g in plan.groups] == groups


def test_a_loop_whose_addresses_do_not_move_needs_no_counter() -> None:
    plan = plan_of("while ((i|0) < (n|0)) { H8[p>>0] = (H8[p>>0]|0) - 1; H8[p + 1>>0] = 1; i = i + 1|0; }")
    assert plan is not None and plan.counter is None
    assert [(g.d, g.lo, g.hi) for g in plan.groups] == [(0, 0, 1)]


@pytest.mark.parametrize("body", [
    # a nested loop, a continue, a switch
    "while ((i|0) < (n|0)) { while ((r|0) < 3) { H8[p + r>>0] = 0; r = r + 1|0; } i = i + 1|0; }",
    "while ((i|0) < (n|0)) { i = i + 1|0; if (i & 1) continue; H8[p + i>>0] = 0; }",
    "while ((i|0) < (n|0)) { switch (i|0) { case 1: H8[p>>0] = 0; } i = i + 1|0; }",
    # the counter updated in a comma, twice, or in an `if`
    "while ((i|0) < (n|0)) { i = i + 1|0, H8[p + i>>0] = 0; }",
    "while ((i|0) < (n|0)) { H8[p + i>>0] = 0; i = i + 1|0; i = i + 1|0; }",
    "while ((i|0) < (n|0)) { H8[p + i>>0] = 0; if (s) i = i + 1|0; else i = i + 2|0; }",
    # an address through a local assigned twice
    "while ((i|0) < (n|0)) { r = p + i|0; if (s) r = q; H8[r>>0] = 0; i = i + 1|0; }",
    # a derived local read before its definition
    "while ((i|0) < (n|0)) { H8[r>>0] = 0; r = p + i|0; i = i + 1|0; }",
    # moving addresses and no counter: a test that is not a comparison, a counter going the wrong way, `!=` with a
    # step over 1, a pointer moving by half the counter's step, a bound the loop changes
    "while (p & 3) { H8[p>>0] = 0; p = p + 1|0; }",
    "while ((i|0) < (n|0)) { H8[p + i>>0] = 0; i = i - 1|0; }",
    "while ((i|0) != (n|0)) { H8[p + i>>0] = 0; i = i + 4|0; }",
    "while ((i|0) < (n|0)) { H8[p>>0] = 0; p = p + 1|0; i = i + 2|0; }",
    "while ((i|0) < (n|0)) { H8[p + i>>0] = 0; i = i + 1|0; n = ffi(n|0)|0; }",
    # no comparison to end it (even with addresses that do not move)
    "while (H8[p>>0]|0) { H8[p>>0] = (H8[p>>0]|0) - 1; }",
    # a last `if (...) break` that is not the counter's
    "while (1) { H8[p + i>>0] = 0; i = i + 1|0; if ((s|0) == (n|0)) break; }",
])
def test_loops_that_are_not_counted(body: str) -> None:
    assert plan_of(body) is None


@pytest.mark.parametrize(("body", "groups"), [
    # the pointer loaded from the array stays checked; the array itself is proven
    ("while ((i|0) < (n|0)) { r = H32[p + (i<<2)>>2]|0; H32[r>>2] = i; i = i + 1|0; }", [(4, 0, 0, 4)]),
    ("while ((i|0) < (n|0)) { H8[H32[p>>2]|0] = 0; i = i + 1|0; }", [(0, 0, 0, 4)]),
    # the bound is loaded in every round: no counter, only the address that does not move is proven
    ("do { H8[p + i>>0] = 0; i = i + 1|0; } while ((i|0) < (H8[q>>0]|0));", [(0, 0, 0, 1)]),
])
def test_partly_counted_loops(body: str, groups: list) -> None:
    plan = plan_of(body)
    assert plan is not None and plan.partial
    assert [(g.d, g.lo, g.hi, g.size) for g in plan.groups] == groups
    assert len(plan.proven) == 1


def test_the_fast_copy_has_no_checks_and_the_test_is_hinted() -> None:
    module = compiled(MEMCPY).lowered.module
    func = next(f for f in module.functions if f.debug_name == "f")
    code = func.body
    test_end = max(i for i, instr in enumerate(code) if instr[0] == "i64.lt_s")
    opening = test_end + 2  # `i32.and`, then the `if`
    assert code[opening] == ("if", None)
    assert (opening, LIKELY) in func.branch_hints
    depth, middle, end = 0, None, None
    for i in range(opening, len(code)):
        op = code[i][0]
        if op in ("if", "block", "loop"):
            depth += 1
        elif op == "end":
            depth -= 1
            if depth == 0:
                end = i
                break
        elif op == "else" and depth == 1:
            middle = i
    assert middle is not None and end is not None
    fast, slow = code[opening + 1:middle], code[middle + 1:end]
    assert [instr[0] for instr in fast if instr[0] == "if"] == []  # no checks at all
    assert [instr for instr in fast if instr[0] in ("i32.load", "i32.store")] == [
        ("i32.load", 2, 0), ("i32.store", 2, 0)]
    assert len([instr for instr in slow if instr[0] == "if"]) == 2  # a check for the load and one for the store
