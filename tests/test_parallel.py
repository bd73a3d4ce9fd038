"""Function bodies compiled in several processes give the same bytes, the same imports and the same first error."""

from __future__ import annotations

import pytest

from asm2wasm import parallel
from asm2wasm.compiler import Options, compile_source
from asm2wasm.diagnostics import CompileError

COUNT = parallel.MIN_FUNCTIONS + 50


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


def test_parallel_output_is_byte_identical() -> None:
    source = module_source(COUNT)
    assert compiled_bytes(source, 2) == compiled_bytes(source, 1)
    assert compiled_bytes(source, 3) == compiled_bytes(source, 1)


def test_small_modules_stay_in_one_process() -> None:
    compiled = compile_source(module_source(10), "few.js", Options(jobs=2))
    assert compiled.bodies is None


@pytest.mark.parametrize("broken", [(COUNT - 3,), (5, COUNT - 3), (COUNT // 2 + 1, COUNT - 1)])
def test_the_first_error_in_source_order_is_reported(broken: tuple[int, ...]) -> None:
    source = module_source(COUNT, broken=broken)
    errors = []
    for jobs in (1, 2):
        with pytest.raises(CompileError) as caught:
            compile_source(source, "many.js", Options(jobs=jobs))
        errors.append(caught.value.diagnostic)
    assert errors[0] == errors[1]
    assert errors[0].code == "T003" and errors[0].loc.line == 9 + min(broken)


def test_lenient_warnings_are_merged_in_order() -> None:
    source = module_source(COUNT, mismatched=(3, COUNT - 2))
    results = [compile_source(source, "many.js", Options(jobs=jobs, lenient=True)) for jobs in (1, 2)]
    assert [w.loc for w in results[0].typed.warnings] == [w.loc for w in results[1].typed.warnings]
    assert len(results[0].typed.warnings) == 2
    assert results[0].wasm() == results[1].wasm()
