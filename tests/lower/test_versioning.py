"""Bounds-check versioning (asm2wasm/lower/versioning.py): which runs of statements become ranges, what the range
test and the two copies look like, and that the result behaves like asm.js around memory growth and, for random runs
of accesses at every view, at addresses swept across the heap's end, around 0 and where they wrap (fast copy, slow
copy with its access helpers). The fixtures heap-versioned-*.js go through tests/test_differential.py and
tests/test_wasmtime.py; the real-world modules (tests/realworld) run mostly in fast copies."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest
from diff_support import compile_fixture, run_diff

from asm2wasm.check import ir
from asm2wasm.compiler import Options, compile_source
from asm2wasm.lower import versioning

VIEWS = ("  var H8 = new stdlib.Int8Array(heap);\n  var H32 = new stdlib.Int32Array(heap);\n"
         "  var HF64 = new stdlib.Float64Array(heap);\n  var g = 0;\n")


def compiled_module(source_body: str, fast: bool = False, versioning: bool = True):
    source = ("function M(stdlib, foreign, heap) {\n  \"use asm\";\n  var ffi = foreign.ffi;\n" + VIEWS
              + source_body + "\n  return { f: f };\n}\n")
    return compile_source(source, "m.js", Options(fast=fast, versioning=versioning))


def plan_of(source_body: str) -> tuple[list, ir.Function]:
    func = next(f for f in compiled_module(source_body).typed.functions if f.name == "f")
    return versioning.plan(func.body, facts_of(func)), func


def facts_of(func: ir.Function) -> versioning.Facts:
    facts = versioning.analyse(func, lambda access: not access.addr.in_bounds)
    assert facts is not None
    return facts


def ranges(items: list) -> list[versioning.Range]:
    return [item for item in items if isinstance(item, versioning.Range)]


def body_of(source_body: str, fast: bool = False, versioning: bool = True) -> list[tuple]:
    module = compiled_module(source_body, fast, versioning).lowered.module
    return next(f for f in module.functions if f.debug_name == "f").body


def accesses(node) -> list:
    """The heap accesses in a statement or expression, in evaluation order."""
    found = []

    def walk(n) -> None:
        if n is None or isinstance(n, (int, float, str, tuple)):
            return
        if isinstance(n, list):
            for x in n:
                walk(x)
            return
        if isinstance(n, ir.Load):
            walk(n.addr.base)
            found.append(n)
            return
        if isinstance(n, ir.Store):
            walk(n.addr.base)
            found.append(n)
            walk(n.value)
            return
        for name in getattr(n, "__slots__", ()) or vars(n):
            if name not in ("vt", "view", "line", "labels", "op", "name", "params"):
                walk(getattr(n, name))

    walk(node)
    return found


def covered(r: versioning.Range, func: ir.Function) -> list[bool]:
    return [id(a) in r.covered for a in accesses(func.body)]


def test_a_run_of_field_accesses_is_one_range_with_one_test() -> None:
    items, func = plan_of("function f(p) { p = p|0; var s = 0.0;"
                          " H32[p >> 2] = 1; H32[(p + 4) >> 2] = 2; H8[(p + 11) >> 0] = 3;"
                          " s = +HF64[(p + 16) >> 3]; return +s; }")
    [r] = ranges(items)
    assert len(r.stmts) == len(func.body) - 1  # the return covers nothing: left out of the copies
    [group] = r.groups.values()
    assert (group.lo, group.hi) == (0, 16)
    assert all(covered(r, func))


def test_a_single_access_is_left_alone() -> None:
    items, _ = plan_of("function f(p) { p = p|0; return H32[p >> 2]|0; }")
    assert ranges(items) == []


def test_a_pointer_bumped_through_the_run_stays_one_group() -> None:
    items, func = plan_of("function f(p) { p = p|0; var q = 0;"
                          " H32[p >> 2] = 1; p = (p + 4)|0; H32[p >> 2] = 2; q = (p + 8)|0; H32[(q - 4) >> 2] = 3;"
                          " return p|0; }")
    [r] = ranges(items)
    [group] = r.groups.values()
    assert (group.lo, group.hi) == (0, 8)
    assert all(covered(r, func))


def test_a_local_assigned_differently_in_two_arms_is_unknown_after_them() -> None:
    items, func = plan_of("function f(p, c) { p = p|0; c = c|0;"
                          " H32[p >> 2] = 1; H32[(p + 4) >> 2] = 1;"
                          " if (c) p = (p + 4)|0; else p = (p + 8)|0;"
                          " H32[p >> 2] = 2; }")
    [r] = ranges(items)
    assert covered(r, func) == [True, True, False]


def test_a_global_is_a_base_until_a_call_or_an_assignment() -> None:
    items, func = plan_of("function f(v) { v = v|0;"
                          " H32[g >> 2] = 1; H32[(g + 4) >> 2] = 2; ffi(); H32[(g + 8) >> 2] = 3;"
                          " H32[v >> 2] = 1; H32[(v + 4) >> 2] = 2; g = v; H32[(g + 12) >> 2] = 3; }")
    [r] = ranges(items)
    assert covered(r, func) == [True, True, False, True, True, False]


def test_conditional_accesses_open_a_group_only_at_non_negative_offsets() -> None:
    items, func = plan_of("function f(p, q) { p = p|0; q = q|0;"
                          " if (p) { H32[(p + 4) >> 2] = 1; H32[(p + 8) >> 2] = 1; }"
                          " if (q) { H32[(q - 4) >> 2] = 1; H32[(q - 8) >> 2] = 1; } }")
    [r] = ranges(items)
    assert covered(r, func) == [True, True, False, False]


def test_or_addresses_into_an_aligned_block_are_one_group_tested_with_a_mask() -> None:
    body = body_of("function f(p) { p = p|0;"
                   " return (H8[p] << 24 | H8[p|1] << 16 | H8[p|2] << 8 | H8[p|5]) | 0; }")
    start = body.index(("if", None))
    fast = body[start:body.index(("else",), start)]
    assert not any(ins[0] == "global.get" for ins in fast)  # no checks left
    # (p | 7) <u heap_limit_1 (the 1st import: byte accesses): every p | k with k <= 7 is at most p | 7
    assert body[:start] == [("local.get", 0), ("i32.const", 7), ("i32.or",), ("global.get", 0), ("i32.lt_u",)]


def test_or_and_add_forms_of_one_base_are_not_mixed() -> None:
    items, func = plan_of("function f(p) { p = p|0; H8[p|1] = 1; H8[p|2] = 2; H8[p + 5 | 0] = 3;"
                          " H8[(p | 1) + 4 | 0] = 4; H8[(p | 1) + 8 | 0] = 5; }")
    [r] = ranges(items)
    assert covered(r, func) == [True, True, False, True, True]
    forms = sorted((g.ored, g.lo, g.hi) for g in r.groups.values())
    assert forms == [(False, 4, 8), (True, 1, 2)]  # (p | 1) + 4 is not p | 5: its group is on p | 1 itself


def test_a_loop_ends_a_run_and_its_body_is_planned_on_its_own() -> None:
    items, func = plan_of("function f(p, n) { p = p|0; n = n|0; var i = 0;"
                          " H32[p >> 2] = 1; H32[(p + 4) >> 2] = 2;"
                          " while ((i|0) < (n|0)) { H32[(p + 8) >> 2] = i; H32[(p + 12) >> 2] = i; i = (i + 1)|0; }"
                          " H32[(p + 16) >> 2] = 1; H32[(p + 20) >> 2] = 2; }")
    kinds = [type(item).__name__ for item in items]
    assert kinds == ["Range", "LoopStmt", "Range"]
    loop = items[1]
    inner = ranges(versioning.plan(loop.body.body, facts_of(func)))
    assert len(inner) == 1 and len(inner[0].covered) == 2


def test_a_window_wider_than_max_span_leaves_the_far_access_checked() -> None:
    far = versioning.MAX_SPAN + 4
    items, func = plan_of(f"function f(p) {{ p = p|0; H32[p >> 2] = 1; H32[(p + 4) >> 2] = 1;"
                          f" H32[(p + {far}) >> 2] = 1; }}")
    [r] = ranges(items)
    assert covered(r, func) == [True, True, False]


def test_a_base_loaded_in_the_run_starts_a_new_range_where_that_pays() -> None:
    items, _ = plan_of("function f(b) { b = b|0; var s = 0;"
                       " H32[b >> 2] = 1; H32[(b + 4) >> 2] = 2; s = H32[(b + 8) >> 2]|0;"
                       " H32[s >> 2] = 1; H32[(s + 4) >> 2] = 2; H32[(s + 8) >> 2] = 3; H32[(s + 12) >> 2] = 4; }")
    first, second = ranges(items)
    assert len(first.covered) == 3 and len(second.covered) == 4


def test_the_fast_copy_has_no_checks_and_uses_memarg_offsets() -> None:
    body = body_of("function f(p) { p = p|0; var q = 0; q = p; H32[(p + 8) >> 2] = 1; H32[(p + 12) >> 2] = 2;"
                   " return (H32[(p + 8) >> 2]|0) + (H32[(p + 16) >> 2]|0) | 0; }")
    start = body.index(("if", None))
    middle = body.index(("else",), start)
    fast, slow = body[start:middle], body[middle:]
    assert not any(ins[0] == "global.get" for ins in fast)  # no heap_limit_N read: no check
    assert [ins[2] for ins in fast if ins[0] in ("i32.load", "i32.store")] == [8, 12, 8, 16]
    assert not any(ins[0] in ("i32.load", "i32.store", "global.get") for ins in slow)
    assert sum(1 for ins in slow if ins[0] == "call") == 4  # every access checked by an access helper
    test = body[body.index(("local.set", 1)) + 1:start]  # after `q = p`, which the range leaves out
    # one comparison with the range tests' limit (the 5th import, after heap_limit_1, _2, _4 and _8), which lies
    # below heap_limit_4 less the window of 16 bytes
    assert test == [("local.get", 0), ("global.get", 4), ("i32.lt_u",)]
    assert body[-1] == ("unreachable",)  # both copies returned


def test_a_body_that_is_one_range_has_its_slow_copy_in_a_checked_twin() -> None:
    module = compiled_module("function f(p, x) { p = p|0; x = +x; H32[(p + 8) >> 2] = 1; HF64[(p + 16) >> 3] = x;"
                             " return H32[(p + 12) >> 2]|0; }").lowered.module
    [index] = [i for i, f in enumerate(module.functions) if f.debug_name == "f"]
    [twin_index] = [i for i, f in enumerate(module.functions) if f.debug_name == "f.checked"]
    body, twin = module.functions[index].body, module.functions[twin_index]
    assert twin_index == len(module.functions) - 1 and twin.type_index == module.functions[index].type_index
    start, middle = body.index(("if", None)), body.index(("else",))
    calls = len(module.func_imports)  # call operands are indices past the imports
    assert body[middle:] == [("else",), ("local.get", 0), ("local.get", 1), ("call", twin_index + calls),
                             ("return",), ("end",), ("unreachable",)]
    assert [ins[0] for ins in body[start:middle] if ins[0].endswith(("load", "store"))] == [
        "i32.store", "f64.store", "i32.load"]
    # the twin: the slow copy, every access by an access helper
    assert not any("load" in ins[0] or "store" in ins[0] or ins[0] in ("if", "global.get") for ins in twin.body)
    assert sum(1 for ins in twin.body if ins[0] == "call") == 3 and twin.body[-1] == ("return",)


def test_fast_mode_has_no_ranges() -> None:
    body = body_of("function f(p) { p = p|0; H32[p >> 2] = 1; H32[(p + 4) >> 2] = 2; }", fast=True)
    assert ("if", None) not in body and ("else",) not in body


def test_versioning_off_checks_every_access_inline() -> None:
    source = "function f(p) { p = p|0; var q = 0; q = p; H32[p >> 2] = 1; H32[(p + 4) >> 2] = 2; }"
    versioned = body_of(source)  # `q = p` comes before the range: the slow copy stays in the function
    plain = body_of(source, versioning=False)
    assert ("else",) in versioned and ("else",) not in plain
    assert sum(1 for ins in plain if ins[0] == "global.get") == 2  # each access checked inline
    slow = versioned[versioned.index(("else",)):]
    assert sum(1 for ins in slow if ins[0] == "call") == 2 and not any(ins[0] == "global.get" for ins in slow)


GROWTH_FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "growth" / "grow-ranges.js"


def test_ranges_in_a_growth_module_match_javascript_around_growth(tmp_path: Path) -> None:
    compiled = compile_source(GROWTH_FIXTURE.read_text(), str(GROWTH_FIXTURE))
    assert compiled.typed.almost_asm
    functions = {f.debug_name: f for f in compiled.lowered.module.functions}
    assert all(("else",) in functions[name].body for name in ("set2", "get2", "mixed", "growInside"))
    (tmp_path / "g.wasm").write_bytes(compiled.wasm())
    (tmp_path / "g.js").write_text(compiled.shim("g.wasm", GROWTH_FIXTURE.name))
    run = subprocess.run(["node", str(Path(__file__).with_name("versioning_growth_run.js")), str(GROWTH_FIXTURE),
                          str(tmp_path / "g.js")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["isWasm"]
    assert result["wasm"]["log"] == result["js"]["log"]
    assert result["wasm"]["length"] == result["js"]["length"] == 48 << 20
    assert result["wasm"]["sha"] == result["js"]["sha"]


VIEWS_BY_NAME = {"H8": ("Int8Array", 1, "int"), "HU8": ("Uint8Array", 1, "int"), "H16": ("Int16Array", 2, "int"),
                 "HU16": ("Uint16Array", 2, "int"), "H32": ("Int32Array", 4, "int"), "HU32": ("Uint32Array", 4, "int"),
                 "HF32": ("Float32Array", 4, "float"), "HF64": ("Float64Array", 8, "double")}
SHIFT = {1: 0, 2: 1, 4: 2, 8: 3}


def random_runs_module(seed: int, heap: int) -> str:
    """Functions made of one run of loads and stores at p + constant or p | constant (every view, offsets around 0),
    called with p swept across the heap's end, across where the range tests start to fail (RANGE_LIMIT_SIZE bytes
    before it), around 0 and where p + offset wraps."""
    import random

    rng = random.Random(seed)
    lines, names = [], []
    for f in range(6):
        body = []
        for _ in range(rng.randint(3, 7)):
            view = rng.choice(sorted(VIEWS_BY_NAME))
            _, size, kind = VIEWS_BY_NAME[view]
            offset = rng.randint(-3, 12) * size + rng.choice((0, 0, 0, 1))  # now and then not a multiple
            address = f"(p + {offset}) >> {SHIFT[size]}" if offset >= 0 else f"(p - {-offset}) >> {SHIFT[size]}"
            if rng.random() < 0.3:  # `p | k` (or `p` alone): the or-groups
                address = f"(p | {rng.choice((0, 1, 3, 4, 7, 17, 63, 64))}) >> {SHIFT[size]}"
            if rng.random() < 0.5:
                value = {"int": "(v + {0}) | 0", "float": "fround(+(v | 0) + 0.5)", "double": "+(v | 0) * 1.5"}[kind]
                body.append(f"    {view}[{address}] = {value.format(offset)};")
            else:
                read = {"int": f"+({view}[{address}] | 0)", "float": f"+{view}[{address}]",
                        "double": f"+{view}[{address}]"}[kind]
                if view == "HU32":
                    read = f"+({view}[{address}] >>> 0)"
                body.append(f"    s = s + {read};")
        names.append(f"f{f}")
        lines.append(f"  function f{f}(p, v) {{\n    p = p | 0;\n    v = v | 0;\n    var s = 0.0;\n"
                     + "\n".join(body) + "\n    return +s;\n  }")
    edge = heap - versioning.RANGE_LIMIT_SIZE
    sweep = [*range(heap - 72, heap + 9), *range(edge - 52, edge + 17, 3), *range(-40, 9, 3), 2147483647 - 8,
             -2147483648, 4095, 123]
    calls = [f"// call: {name}({p}, {i})" for name in names for i, p in enumerate(sweep)]
    views = "\n".join(f"  var {v} = new stdlib.{ctor}(heap);" for v, (ctor, _, _) in VIEWS_BY_NAME.items())
    return (f"// heap: {heap}\n" + "\n".join(calls) + "\nfunction RandomRuns(stdlib, foreign, heap) {\n  \"use asm\";\n"
            + views + "\n  var fround = stdlib.Math.fround;\n" + "\n".join(lines)
            + "\n  return { " + ", ".join(f"{n}: {n}" for n in names) + " };\n}\n")


@pytest.mark.parametrize("heap, seed", [(4096, 1), (4096, 2), (65536, 3), (65536, 4), (1 << 24, 5)])
def test_random_runs_at_the_heap_end_behave_like_asmjs(heap: int, seed: int, tmp_path: Path) -> None:
    compiled = behaves_like_asmjs(random_runs_module(seed, heap), tmp_path / "runs.js")
    assert sum(("else",) in f.body for f in compiled.lowered.module.functions) >= 4  # ranges were made


def behaves_like_asmjs(source: str, fixture: Path):
    """Compile `source` (written to `fixture`), run it as asm.js and as Wasm (tests/harness/diff.js), assert the
    same results, FFI calls and heap bytes; the compiled module."""
    fixture.write_text(source)
    compiled, _, shim = compile_fixture(fixture, fixture.parent)
    report = run_diff(fixture, shim, timeout=300)
    assert report["asm_valid"], source
    assert report["mismatches"] == [], "\n".join(report["mismatches"][:20])
    return compiled


class FlowGen:
    """Random functions mixing heap accesses at `B + k` / `B | k` (B one of the pointers p, q, r, the global g;
    q and r start far from p for most c) with what the planning must see through or stop at: pure definitions
    (`q = p + 8`, `p = p + 4`), pointers loaded from the heap, definitions in `if` arms, switch cases that fall
    through, labelled blocks left by `break`, loops whose update defines a pointer, early returns, and calls that
    move the global."""

    POINTERS = ("p", "q", "r", "g")

    def __init__(self, seed: int) -> None:
        import random

        self.rng = random.Random(seed)
        self.labels = 0

    def base(self) -> str:
        return self.rng.choice(self.POINTERS)

    def address(self, size: int) -> str:
        rng, base = self.rng, self.base()
        if rng.random() < 0.2:
            return f"({base} | {rng.choice((0, 1, 2, 4, 7, 12, 63))}) >> {SHIFT[size]}"
        offset = rng.randint(-2, 10) * size + rng.choice((0, 0, 0, 0, 1))
        sign = "+" if offset >= 0 else "-"
        return f"({base} {sign} {abs(offset)} | 0) >> {SHIFT[size]}"

    def access(self) -> str:
        view = self.rng.choice(sorted(VIEWS_BY_NAME))
        _, size, kind = VIEWS_BY_NAME[view]
        address = self.address(size)
        if self.rng.random() < 0.5:
            value = {"int": "(c + 7) | 0", "float": "fround(+(c | 0) + 0.25)", "double": "+(c | 0) * 1.5"}[kind]
            return f"{view}[{address}] = {value};"
        read = {"int": f"+({view}[{address}] | 0)", "float": f"+{view}[{address}]", "double": f"+{view}[{address}]"}
        text = read[kind] if view != "HU32" else f"+({view}[{address}] >>> 0)"
        return f"acc = acc + {text};"

    def definition(self) -> str:
        rng = self.rng
        target = rng.choice(("p", "q", "r"))
        roll = rng.random()
        if roll < 0.6:
            return f"{target} = ({self.base()} + {rng.randint(-8, 24)}) | 0;"
        if roll < 0.8:
            return f"{target} = H32[({self.base()} + {4 * rng.randint(0, 4)} | 0) >> 2] & 8191;"
        return f"g = ({self.base()} + {rng.randint(0, 16)}) | 0;"

    def block(self, depth: int, n: int) -> list[str]:
        return [self.statement(depth) for _ in range(n)]

    def statement(self, depth: int) -> str:
        rng = self.rng
        roll = rng.random()
        if depth <= 0 or roll < 0.45:
            return self.access()
        if roll < 0.65:
            return self.definition()
        bit = 1 << rng.randint(0, 3)
        inner = lambda: " ".join(self.block(depth - 1, rng.randint(1, 3)))  # noqa: E731
        if roll < 0.75:
            return f"if (c & {bit}) {{ {inner()} }} else {{ {inner()} }}"
        if roll < 0.82:
            cases = [f"case {i}: {inner()}" + (" break;" if rng.random() < 0.5 else "") for i in range(3)]
            return f"switch (c & 3) {{ {' '.join(cases)} default: {inner()} }}"
        if roll < 0.88:
            self.labels += 1
            label = f"L{self.labels}"
            return f"{label}: {{ {inner()} if (c & {bit}) break {label}; {inner()} }}"
        if roll < 0.93:
            return (f"for (i = 0; (i | 0) < 2; {self.definition()[:-1]}, i = (i + 1) | 0) {{ {inner()} }}")
        if roll < 0.97:
            return f"if (c & {bit}) return +acc;"
        return "moveg(c);"

    def function(self, name: str) -> str:
        body = " ".join(self.block(2, self.rng.randint(6, 12)))
        return (f"  function {name}(p, c) {{\n    p = p | 0;\n    c = c | 0;\n"
                f"    var q = 0, r = 0, i = 0, acc = 0.0;\n    q = (p + (c << 10)) | 0;\n    r = (p - (c << 4)) | 0;\n"
                f"    {body}\n    return +acc;\n  }}")


def random_flow_module(seed: int, heap: int) -> str:
    gen = FlowGen(seed)
    names = [f"f{i}" for i in range(5)]
    functions = [gen.function(name) for name in names]
    sweep = [*range(heap - 80, heap + 9, 3), -24, -4, 0, 8, 2147483640, 4000]
    calls = [f"// call: {name}({p}, {c})" for name in names for p in sweep for c in (0, 5, 10, 15)]
    views = "\n".join(f"  var {v} = new stdlib.{ctor}(heap);" for v, (ctor, _, _) in VIEWS_BY_NAME.items())
    return (f"// heap: {heap}\n" + "\n".join(calls) + "\nfunction RandomFlow(stdlib, foreign, heap) {\n"
            "  \"use asm\";\n" + views + "\n  var fround = stdlib.Math.fround;\n  var g = 0;\n"
            "  function moveg(c) {\n    c = c | 0;\n    g = (g + ((c & 3) << 10)) | 0;\n  }\n"
            + "\n".join(functions) + "\n  return { " + ", ".join(f"{n}: {n}" for n in names) + " };\n}\n")


@pytest.mark.parametrize("heap, seed", [(4096, 11), (4096, 12), (4096, 13), (65536, 14), (65536, 15)])
def test_random_control_flow_around_ranges_behaves_like_asmjs(heap: int, seed: int, tmp_path: Path) -> None:
    compiled = behaves_like_asmjs(random_flow_module(seed, heap), tmp_path / "flow.js")
    assert sum(f.body.count(("else",)) for f in compiled.lowered.module.functions) >= 10  # ranges were made


def test_a_checked_twin_is_named_apart_from_every_asmjs_function() -> None:
    module = compiled_module("function f(p) { p = p|0; H32[p >> 2] = 1; H32[(p + 4) >> 2] = 2; }\n"
                             "function f$checked(p) { p = p|0; H32[p >> 2] = 3; H32[(p + 4) >> 2] = 4; }"
                             ).lowered.module
    names = [f.debug_name for f in module.functions]
    assert "f.checked" in names and "f$checked.checked" in names and len(set(names)) == len(names)


@pytest.mark.parametrize("fixture", sorted(Path(__file__).parents[2].joinpath("fixtures/valid").glob("*.js")),
                         ids=lambda p: p.stem)
def test_the_checker_counts_the_checked_accesses_the_walk_finds(fixture: Path) -> None:
    """`ir.Function.checked_accesses` lets `analyse` skip functions the walk would give up on: it must be the number
    of checked loads and stores in the body, no more (an access built and dropped would skip a plannable function)."""
    typed = compile_source(fixture.read_text(), fixture.name, Options(jobs=1)).typed
    for func in typed.functions:
        assert func.checked_accesses == _checked_in(func.body), func.name


def _checked_in(node) -> int:
    """The checked loads and stores under `node`, found through every field, list and tuple (switch cases too)."""
    if isinstance(node, (list, tuple)):
        return sum(map(_checked_in, node))
    if not hasattr(node, "__dataclass_fields__"):
        return 0
    here = int(isinstance(node, (ir.Load, ir.Store)) and not node.addr.in_bounds)
    return here + sum(_checked_in(getattr(node, name)) for name in node.__dataclass_fields__ if name != "view")


@pytest.mark.parametrize("extra", [0, 1])
def test_functions_with_too_many_checked_accesses_are_not_planned(extra: int) -> None:
    n = versioning.MAX_FUNCTION_CHECKS + extra
    func = next(f for f in compiled_module(
        "function f(p) { p = p|0; " + "".join(f"H32[(p + {4 * i}) >> 2] = 1; " for i in range(n)) + "}"
    ).typed.functions if f.name == "f")
    assert func.checked_accesses == n
    plannable = versioning.analyse(func, lambda access: not access.addr.in_bounds) is not None
    assert plannable == (n <= versioning.MAX_FUNCTION_CHECKS)
    func.checked_accesses = func.statements = 0  # without the counts, the walk itself gives up at the same number
    assert (versioning.analyse(func, lambda access: not access.addr.in_bounds) is not None) == plannable


def test_the_checker_counts_statements_but_not_blocks() -> None:
    func = next(f for f in compiled_module(
        "function f(p) { p = p|0; if (p) { H32[p >> 2] = 1; { H32[(p + 4) >> 2] = 2; } } else p = 3;"
        " while (p) { p = (p - 1)|0; ; } return p|0; }"
    ).typed.functions if f.name == "f")
    # if, two stores, `p = 3`, while, `p = p - 1`, the empty statement, return (not the parameter's annotation)
    assert func.statements == 8
    assert func.checked_accesses == 2


def _sparse_function(statements: int, accesses: int) -> ir.Function:
    """`f` of `statements` statements, `accesses` of them stores at p + 4i (a range covers them), the others
    assignments of a local."""
    body = "".join(f"H32[(p + {4 * i}) >> 2] = {i}; " for i in range(accesses))
    body += "q = (q + 1)|0; " * (statements - accesses)
    func = next(f for f in compiled_module(f"function f(p) {{ p = p|0; var q = 0; {body}}}").typed.functions
                if f.name == "f")
    assert (func.statements, func.checked_accesses) == (statements, accesses)
    return func


DENSE_ENOUGH = math.ceil(versioning.SPARSE_DENSITY * versioning.SPARSE_STATEMENTS)  # accesses


@pytest.mark.parametrize(("statements", "accesses", "planned"), [
    (versioning.SPARSE_STATEMENTS, DENSE_ENOUGH, True),
    (versioning.SPARSE_STATEMENTS, DENSE_ENOUGH - 1, False),  # big and sparse
    (versioning.SPARSE_STATEMENTS - 1, 2, True),  # sparse but small: small functions pay (ammo.js)
])
def test_big_sparse_functions_are_not_planned(statements: int, accesses: int, planned: bool) -> None:
    func = _sparse_function(statements, accesses)
    plan = versioning.plan_function(func, lambda access: not access.addr.in_bounds)
    assert (plan is not None) == planned
    if planned:  # and what it plans is a range over the stores
        assert any(type(item) is versioning.Range and len(item.covered) == accesses for item in plan.body)


def test_the_sparse_fixture_has_a_big_function_on_each_side_of_the_limit() -> None:
    """fixtures/valid/heap-versioning-sparse.js, which the differential tests run: its interpreter is left alone,
    its record update as big gets ranges."""
    fixture = Path(__file__).parents[2] / "fixtures/valid/heap-versioning-sparse.js"
    functions = {f.name: f for f in compile_source(fixture.read_text(), fixture.name, Options(jobs=1)).typed.functions}
    for name, planned in (("interpret", False), ("scale", True)):
        func = functions[name]
        assert func.statements >= versioning.SPARSE_STATEMENTS
        assert (versioning.plan_function(func, lambda access: not access.addr.in_bounds) is not None) == planned


def test_source_offsets_of_both_copies_name_the_same_statements() -> None:
    """With -g, each statement of a range is located in both copies (lowered once, the fast copy made by edits):
    the same statements in the same order, each at an instruction that starts it in both."""
    body = ("function f(p, q) { p = p|0; q = q|0; var x = 0; q = p; H32[p >> 2] = 1; x = H32[(p + 4) >> 2]|0;\n"
            "  H32[(p + 8) >> 2] = (H32[(q + 12) >> 2]|0) + x;\n  HF64[(p + 16) >> 3] = +HF64[(p + 24) >> 3];\n"
            "  H8[p + 1 >> 0] = H32[(x & 7) << 2 >> 2] = 5; return H32[(p + 4) >> 2]|0; }")
    source = ("function M(stdlib, foreign, heap) {\n  \"use asm\";\n  var ffi = foreign.ffi;\n" + VIEWS + body
              + "\n  return { f: f };\n}\n")
    functions = compile_source(source, "m.js", Options(debug=True)).lowered.module.functions
    f = next(f for f in functions if f.debug_name == "f")
    code, offsets = f.body, f.source_offsets
    start, middle = code.index(("if", None)), code.index(("else",))
    fast = [(index, at) for index, at in offsets if start < index < middle]
    slow = [(index, at) for index, at in offsets if index > middle]
    assert len(fast) >= 4 and [at for _, at in fast] == [at for _, at in slow]
    for (fast_index, _), (slow_index, _) in zip(fast, slow):
        assert code[fast_index] == code[slow_index]  # a statement never starts with an edited instruction
    calls = [sum(1 for ins in part if ins[0] == "call") for part in (code[start:middle], code[middle:])]
    assert calls[0] < calls[1]  # the slow copy's access helpers


def test_source_offsets_of_a_checked_twin_name_the_statements_of_the_fast_copy() -> None:
    body = ("function f(p, x) { p = p|0; x = +x; H32[(p + 8) >> 2] = 1;\n  HF64[(p + 16) >> 3] = x;\n"
            "  return H32[(p + 12) >> 2]|0; }")
    source = ("function M(stdlib, foreign, heap) {\n  \"use asm\";\n  var ffi = foreign.ffi;\n" + VIEWS + body
              + "\n  return { f: f };\n}\n")
    functions = {f.debug_name: f for f in compile_source(source, "m.js", Options(debug=True)).lowered.module.functions}
    f, twin = functions["f"], functions["f.checked"]
    start, middle = f.body.index(("if", None)), f.body.index(("else",))
    fast = [(index, at) for index, at in f.source_offsets if start < index < middle]
    assert len(fast) == 3 and [at for _, at in fast] == [at for _, at in twin.source_offsets]
    for (fast_index, _), (twin_index, _) in zip(fast, twin.source_offsets):
        assert f.body[fast_index] == twin.body[twin_index]
