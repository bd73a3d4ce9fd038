"""Function bodies compiled in several processes give the same bytes, the same imports and the same first error.

Big modules are only skimmed by the parent: the workers parse the bodies and say what the signatures are (round 0
of `parallel`); parse errors, signature errors, table errors and type errors keep the order of a one-process run.
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from asm2wasm import parallel
from asm2wasm.compiler import Options, compile_source, validate
from asm2wasm.diagnostics import CompileError

COUNT = parallel.MIN_FUNCTIONS + 50
SPREAD_HEAVY = {5, COUNT - 40, COUNT - 30, COUNT - 20}  # the first worker takes 5 and COUNT - 40, amid the second's


@pytest.fixture(params=["one run each", "heavy functions spread"])
def shares(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list:
    """How the workers share the functions of a skimmed module: one run of consecutive functions each (by source
    size), or several, as when heavy functions (parallel.HEAVY_BRACKETS) are spread over the workers. Returns the
    shares of every compile, as they are made."""
    if request.param == "heavy functions spread":
        monkeypatch.setattr(parallel, "heavy_functions",
                            lambda source, functions: [i in SPREAD_HEAVY for i in range(len(functions))])
    made: list = []
    assign = parallel._assign

    def recorded(*args):
        made.append(assign(*args))
        return made[-1]

    monkeypatch.setattr(parallel, "_assign", recorded)
    return made


def module_source(count: int, broken: tuple[int, ...] = (), mismatched: tuple[int, ...] = ()) -> str:
    """`count` functions; each calls foreign functions and Math imports with signatures that first appear in
    different halves (so the merged import order matters), the previous function, and the heap."""
    lines = ["function Many(stdlib, foreign, heap) {", '  "use asm";', "  var H32 = new stdlib.Int32Array(heap);",
             "  var sin = stdlib.Math.sin;", "  var pow = stdlib.Math.pow;", "  var exp = stdlib.Math.exp;",
             "  var log = foreign.log;", "  var ask = foreign.ask;"]
    for i in range(count):
        call_prev = f"x = (x + (f{i - 1}(x, +d)|0))|0;" if i else ""
        ffi = ["log(x|0, +d);", "x = ask(x|0)|0;", "d = +ask(+d, x|0);", "log();"][i * 4 // count]
        math = ["d = +sin(d);", "d = +pow(d, 2.0);", "d = +exp(d);"][i % 3 if i > count // 2 else 0]
        bad = "x = 1.5;" if i in broken else ""
        arg = "x|0" if i in mismatched else "+d"
        lines.append(f"  function f{i}(x, d) {{ x = x|0; d = +d; {call_prev} {ffi} {math} {bad}"
                     f" H32[(x & 1023) << 2 >> 2] = x; return (x + {i})|0; }}")
        if i in mismatched:
            lines.append(f"  function g{i}(x, d) {{ x = x|0; d = +d; return (f{i}(x, {arg})|0); }}")
    lines.append(f"  return {{ f0: f0, last: f{count - 1} }};")
    lines.append("}")
    return "\n".join(lines)


def compiled_bytes(source: str, jobs: int) -> bytes:
    compiled = compile_source(source, "many.js", Options(jobs=jobs))
    assert (compiled.bodies is not None) == (jobs > 1)
    return compiled.wasm()


def test_parallel_output_is_byte_identical(shares: list, request: pytest.FixtureRequest) -> None:
    source = module_source(COUNT)
    assert compiled_bytes(source, 2) == compiled_bytes(source, 1)
    assert compiled_bytes(source, 3) == compiled_bytes(source, 1)
    runs = max(len(runs) for made in shares for runs in made)
    assert runs > 1 if "spread" in request.node.callspec.id else runs == 1


def test_versioning_off_is_the_same_on_several_cores() -> None:
    runs = "H32[x >> 2] = 1; H32[(x + 4) >> 2] = 2; H32[(x + 8) >> 2] = 3;"  # ranges, in both workers' halves
    source = edited(module_source(COUNT), {i: f"  function f{i}(x, d) {{ x = x|0; d = +d; {runs} return x|0; }}"
                                           for i in (5, COUNT - 5)})
    plain = [compile_source(source, "many.js", Options(jobs=jobs, versioning=False)).wasm() for jobs in (1, 2)]
    assert plain[0] == plain[1] != compiled_bytes(source, 1)


@pytest.mark.usefixtures("shares")
def test_checked_twins_from_both_halves_are_numbered_in_function_order() -> None:
    body = "H32[x >> 2] = 1; H32[(x + 4) >> 2] = 2; return H32[(x + 8) >> 2]|0;"  # one range, the whole body
    twinned = (5, 7, COUNT - 9, COUNT - 5)  # two in each worker's half
    source = edited(module_source(COUNT), {i: f"  function f{i}(x, d) {{ x = x|0; d = +d; {body} }}"
                                           for i in twinned})
    runs_by_jobs = {jobs: compile_source(source, "many.js", Options(jobs=jobs)) for jobs in (1, 2, 3)}
    names = [f.debug_name for f in runs_by_jobs[1].lowered.module.functions]
    assert names[-len(twinned):] == [f"f{i}.checked" for i in twinned]
    wasm = {jobs: compiled.wasm() for jobs, compiled in runs_by_jobs.items()}
    assert wasm[1] == wasm[2] == wasm[3]


def test_small_modules_stay_in_one_process() -> None:
    compiled = compile_source(module_source(10), "few.js", Options(jobs=2))
    assert compiled.bodies is None


@pytest.mark.usefixtures("shares")
@pytest.mark.parametrize("broken", [(COUNT - 3,), (5, COUNT - 3), (COUNT // 2 + 1, COUNT - 1), (COUNT - 40, 7)])
def test_the_first_error_in_source_order_is_reported(broken: tuple[int, ...]) -> None:
    source = module_source(COUNT, broken=broken)
    errors = []
    for jobs in (1, 2):
        with pytest.raises(CompileError) as caught:
            compile_source(source, "many.js", Options(jobs=jobs))
        errors.append(caught.value.diagnostic)
    assert errors[0] == errors[1]
    assert errors[0].code == "T003" and errors[0].loc.line == 9 + min(broken)


@pytest.mark.usefixtures("shares")
def test_lenient_warnings_are_merged_in_order() -> None:
    source = module_source(COUNT, mismatched=(3, COUNT - 2))
    results = [compile_source(source, "many.js", Options(jobs=jobs, lenient=True)) for jobs in (1, 2)]
    assert [w.loc for w in results[0].typed.warnings] == [w.loc for w in results[1].typed.warnings]
    assert len(results[0].typed.warnings) == 2
    assert results[0].wasm() == results[1].wasm()


# ---- the parent only skims: the workers parse the bodies (round 0)


@pytest.fixture
def skim_outcomes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each parallel.compile_skimmed call did: "compiled", "fallback" (the ordinary path took over) or the
    code of the error it raised."""
    return spy_on(monkeypatch, "compile_skimmed", "compiled")


def spy_on(monkeypatch: pytest.MonkeyPatch, name: str, done: str) -> list[str]:
    """What each call of parallel.NAME did: `done`, "fallback" (it returned None) or the code of its error."""
    outcomes: list[str] = []
    original = getattr(parallel, name)

    def spy(*args, **kwargs):
        try:
            result = original(*args, **kwargs)
        except CompileError as error:
            outcomes.append(error.diagnostic.code)
            raise
        outcomes.append("fallback" if result is None else done)
        return result

    monkeypatch.setattr(parallel, name, spy)
    return outcomes


def edited(source: str, edits: dict[int, str]) -> str:
    """`source` (from module_source) with the line of function f{i} replaced by edits[i] for each i."""
    lines = source.split("\n")
    for i, line in edits.items():
        at = next(k for k, text in enumerate(lines) if text.startswith(f"  function f{i}("))
        lines[at] = line
    return "\n".join(lines)


def outcomes(source: str, **options) -> list[bytes | tuple]:
    """The output (or the error's code, position and message) with -j1, -j2 and -j3."""
    results: list[bytes | tuple] = []
    for jobs in (1, 2, 3):
        try:
            results.append(compile_source(source, "many.js", Options(jobs=jobs, **options)).wasm())
        except CompileError as error:
            results.append((error.diagnostic.code, error.diagnostic.loc, error.diagnostic.message))
    return results


def the_same(source: str, **options) -> bytes | tuple:
    first, *others = outcomes(source, **options)
    assert all(other == first for other in others)
    return first


def test_the_parent_holds_no_function_body(skim_outcomes: list[str]) -> None:
    compiled = compile_source(module_source(COUNT), "many.js", Options(jobs=2))
    funcs = [stmt for stmt in compiled.tree.body if type(stmt).__name__ == "FuncDecl"]
    assert len(funcs) == COUNT and not any(f.body for f in funcs)
    assert skim_outcomes == ["compiled"] and "parse" in compiled.timings


def test_return_types_from_the_last_statement_reach_calls_in_other_workers(skim_outcomes: list[str]) -> None:
    """f1 (first worker) calls the last function, whose result type only its last statement says (an earlier
    `return` in it is checked against it); the last function calls f2 back, whose result is a double (as f3's)."""
    last = COUNT - 1
    source = edited(module_source(COUNT), {
        1: f"  function f1(x, d) {{ x = x|0; d = +d; d = +f{last}(x, 1.0); x = ~~d; return x|0; }}",
        2: "  function f2(x, d) { x = x|0; d = +d; if (x) return +(d * 2.0); return +d; }",
        3: "  function f3(x, d) { x = x|0; d = +d; d = +f2(x, d); return (x + 3)|0; }",
        last: f"  function f{last}(x, d) {{ x = x|0; d = +d; if (x) return +d; d = +f2(x, d); return +(d + 1.0); }}",
    })
    assert isinstance(the_same(source), bytes)
    assert skim_outcomes == ["compiled"] * 2


def test_a_call_that_does_not_match_a_signature_from_another_worker(skim_outcomes: list[str]) -> None:
    last = COUNT - 1
    source = edited(module_source(COUNT), {
        3: f"  function f3(x, d) {{ x = x|0; d = +d; x = f{last}(x, d)|0; d = +f{last}(x, d); return x|0; }}",
    })
    code, loc, _ = the_same(source)
    assert code == "T007" and loc.line == 12
    assert skim_outcomes == ["T007"] * 2  # found by the workers' checks, not by a fallback


@pytest.mark.usefixtures("shares")
@pytest.mark.parametrize("late, early", [(COUNT - 3, 4), (4, COUNT - 3), (COUNT - 3, COUNT - 6), (4, 7),
                                         (COUNT - 40, COUNT - 35), (COUNT - 35, COUNT - 40)])
def test_signature_errors_in_order(late: int, early: int, skim_outcomes: list[str]) -> None:
    """A missing parameter annotation (A001) and a last statement that is no annotated return (A003), in the
    same or different workers: the first in module order wins, as with -j1."""
    source = edited(module_source(COUNT), {
        late: f"  function f{late}(x, d) {{ x = x|0; return (x + 1)|0; }}",
        early: f"  function f{early}(x, d) {{ x = x|0; d = +d; return x; }}",
    })
    code, loc, _ = the_same(source)
    assert (code, loc.line) == (("A001", 9 + late) if late < early else ("A003", 9 + early))
    assert skim_outcomes == [code] * 2


@pytest.mark.parametrize("syntax, typing", [(5, COUNT - 3), (COUNT - 3, 5), (COUNT - 3, COUNT - 2), (6, 5)])
def test_a_syntax_error_in_a_body_comes_before_any_type_error(syntax: int, typing: int,
                                                              skim_outcomes: list[str]) -> None:
    source = edited(module_source(COUNT, broken=(typing,)), {
        syntax: f"  function f{syntax}(x, d) {{ x = x|0; d = +d; x = (x + ; return x|0; }}",
    })
    code, loc, _ = the_same(source)
    assert (code, loc.line) == ("E002", 9 + syntax)
    assert skim_outcomes == ["fallback"] * 2


def test_syntax_errors_in_both_workers() -> None:
    source = edited(module_source(COUNT), {
        i: f"  function f{i}(x, d) {{ x = x|0; d = +d; x = (x + ; return x|0; }}" for i in (COUNT - 5, 7)
    })
    code, loc, _ = the_same(source)
    assert (code, loc.line) == ("E002", 9 + 7)


@pytest.mark.parametrize("body", ["x++;", "function inner() {}", "x = 'text';"])
def test_bodies_the_fast_parser_leaves_to_esprima(body: str, skim_outcomes: list[str]) -> None:
    """Valid JavaScript outside the fast parser's subset: the ordinary path decides (an asm.js error here)."""
    at = COUNT - 4
    source = edited(module_source(COUNT, broken=(3,)), {
        at: f"  function f{at}(x, d) {{ x = x|0; d = +d; {body} return x|0; }}",
    })
    results = outcomes(source)
    assert results[0] == results[1] == results[2] and isinstance(results[0], tuple)
    assert skim_outcomes == ["fallback"] * 2


def test_a_declaration_error_is_reported_as_with_one_process(skim_outcomes: list[str]) -> None:
    """A name declared twice late in the module (found by the parent) and a signature error early (found by a
    worker): the signature error comes first, as with -j1."""
    source = edited(module_source(COUNT), {
        COUNT - 2: "  function f1(x, d) { x = x|0; d = +d; return x|0; }",
        5: "  function f5(x, d) { x = x|0; d = +d; return x; }",
    })
    code, loc, _ = the_same(source)
    assert (code, loc.line) == ("A003", 9 + 5)
    assert skim_outcomes == []  # the declarations failed in the parent: the ordinary path from the start


def test_function_tables_and_exports_use_the_workers_signatures(skim_outcomes: list[str]) -> None:
    table = f"  var table = [f1, f2, f3, f{COUNT - 2}];"
    source = module_source(COUNT).replace("  return {", table + "\n  return {")
    assert isinstance(the_same(source), bytes)
    mixed = edited(source, {COUNT - 2: f"  function f{COUNT - 2}(x, d) {{ x = x|0; d = +d; return +d; }}"})
    code, _, _ = the_same(mixed)
    assert code == "M012"
    assert skim_outcomes == ["compiled", "compiled", "M012", "M012"]


def test_almost_asm_growth_function_in_a_worker(skim_outcomes: list[str]) -> None:
    grow = ("  function f7(newBuffer) { if (byteLength(newBuffer) & 16777215 || byteLength(newBuffer) <= 16777215) "
            "return false; H32 = new Int32View(newBuffer); buffer = newBuffer; return true; }")
    source = module_source(COUNT).replace('"use asm";', '"almost asm";').replace(
        "  var H32 = new stdlib.Int32Array(heap);",
        "  var Int32View = stdlib.Int32Array;\n  var H32 = new Int32View(heap);\n  var byteLength = stdlib.byteLength;")
    source = edited(source.replace("function Many(stdlib, foreign, heap)", "function Many(stdlib, foreign, buffer)")
                    .replace("(heap)", "(buffer)"), {7: grow})
    source = source.replace("(f7(x, +d)|0)", "(f7(x)|0)")
    assert isinstance(the_same(source), bytes)
    assert skim_outcomes == ["compiled"] * 2


# ---- validate on several cores: rounds 0 and 1 only


def validation(source: str, jobs: int, **options) -> tuple:
    """What `validate` says with `jobs` processes: the typed module's names and imports in order, or the error."""
    try:
        typed = validate(source, "many.js", Options(jobs=jobs, **options))
    except CompileError as error:
        return (error.diagnostic.code, error.diagnostic.loc, error.diagnostic.message)
    return ([(f.name, f.params, f.result) for f in typed.functions], list(typed.foreign_calls),
            list(typed.math_imports), [(w.code, w.loc) for w in typed.warnings], typed.exports)


@pytest.mark.usefixtures("shares")
def test_validate_on_two_cores_finds_what_one_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = spy_on(monkeypatch, "validate_skimmed", "validated")
    source = module_source(COUNT, mismatched=(3, COUNT - 2))
    one, two = validation(source, 1, lenient=True), validation(source, 2, lenient=True)
    assert calls == ["validated"]  # -j1 never forks
    assert one == two and len(one[0]) == COUNT + 2 and len(one[3]) == 2


@pytest.mark.usefixtures("shares")
@pytest.mark.parametrize("broken", [(COUNT - 3,), (5, COUNT - 3), (COUNT - 40, COUNT - 35)])
def test_validate_on_two_cores_reports_the_first_error(broken: tuple[int, ...]) -> None:
    two = validation(module_source(COUNT, broken=broken), 2)
    assert two == validation(module_source(COUNT, broken=broken), 1)
    assert two[0] == "T003" and two[1].line == 9 + min(broken)
    syntax = edited(module_source(COUNT), {COUNT - 5: f"  function f{COUNT - 5}(x, d) {{ x = x|0; d = +d; x = ; }}"})
    two = validation(syntax, 2)
    assert two == validation(syntax, 1) and two[0] != "T003"


# ---- how the workers share the functions


class _Func:
    def __init__(self, at: int, end: int) -> None:
        self.at, self.end = at, end


def _functions(sizes: list[int]) -> list[_Func]:
    funcs, at = [], 0
    for size in sizes:
        funcs.append(_Func(at, at + size))
        at += size
    return funcs


def test_without_heavy_functions_each_worker_takes_one_run_of_half_the_source() -> None:
    funcs = _functions([10] * 100 + [30] * 100)
    assert parallel._assign(funcs, 2) == [[(0, 133)], [(133, 200)]]  # 133: the first whose middle is past half
    assert parallel._assign(funcs, 1) == [[(0, 200)]]
    assert parallel._assign(_functions([5, 5]), 4) == [[(0, 1)], [(1, 2)]]  # no worker without functions


def test_heavy_functions_are_shared_as_the_others_are() -> None:
    sizes = [10] * 200
    heavy = [False] * 200
    for i, size in ((20, 500), (150, 300), (160, 400), (190, 200)):
        sizes[i], heavy[i] = size, True
    funcs = _functions(sizes)
    shares = parallel._assign(funcs, 2, heavy)
    owned = [index for runs in shares for first, last in runs for index in range(first, last)]
    assert sorted(owned) == list(range(200))  # each function once
    for runs in shares:
        assert all(last > first for first, last in runs)
        assert all(a[1] < b[0] for a, b in pairwise(runs))  # in order, apart
    first, second = ({index for first, last in runs for index in range(first, last)} for runs in shares)
    assert {i for i in first if heavy[i]} == {20, 150} and {i for i in second if heavy[i]} == {160, 190}
    light = [sum(sizes[i] for i in part if not heavy[i]) for part in (first, second)]
    assert abs(light[0] - light[1]) <= 10
    assert shares[0] == [(0, 99), (150, 151)]  # the light functions up to the middle of them (and 20), and 150


def test_heavy_functions_are_those_with_many_brackets() -> None:
    source = "a[1]" * (parallel.HEAVY_BRACKETS + 1) + "b[1]" * parallel.HEAVY_BRACKETS
    middle = 4 * (parallel.HEAVY_BRACKETS + 1)
    assert parallel.heavy_functions(source, [(0, middle), (middle, len(source))]) == [True, False]
