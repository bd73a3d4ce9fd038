"""The front end never gives a traceback: every bad input ends in a CompileError with a code and a position."""

from __future__ import annotations

import random
import time
import tracemalloc
from pathlib import Path

import pytest

from asm2wasm.diagnostics import CompileError, Loc
from asm2wasm.frontend import nodes as N
from asm2wasm.frontend import parse, read_source
from asm2wasm.util import run_with_big_stack

MODULE = """\
function M(stdlib, foreign, heap) {
  "use asm";
  var H32 = new stdlib.Int32Array(heap);
  var log = foreign.log;
  function f(x, y) {
    x = x | 0;
    y = +y;
    var i = 0;
    for (i = 0; (i | 0) < (x | 0); i = (i + 1) | 0) {
      H32[(i << 2) >> 2] = (H32[(i << 2) >> 2] | 0) + 1 | 0;
      if ((i | 0) == 7) break; else log(i | 0);
    }
    return +(y / 2.0);
  }
  var table = [f];
  return { f: f };
}
"""


def _parse_or_error(source: str) -> N.Module | CompileError:
    try:
        return parse(source)
    except CompileError as err:
        assert err.diagnostic.code.startswith("E")
        assert err.diagnostic.loc.line >= 1 and err.diagnostic.loc.col >= 0
        return err


def _code(source: str) -> str:
    result = _parse_or_error(source)
    assert isinstance(result, CompileError)
    return result.diagnostic.code


@pytest.mark.parametrize(
    "source",
    [
        "}}}{{{ ))) ((( ` ' \" /* // \\",
        "\x01\x02\x03 garbage \ufffd\ufffd",
        "function (",
        'function M( { "use asm"',
        "'use asm'",
        '"use asm";',
        "function M() {}",
    ],
)
def test_garbage_without_a_module(source: str) -> None:
    assert _code(source) == "E003"


@pytest.mark.parametrize(
    "source",
    [
        'function M(s) { "use asm"; @@@ }',
        'function M(s) { "use asm"; function f() { return 1 +; } }',
        'function M(s) { "use asm"; var x = "unterminated\n; }',
        'function M(s) { "use asm"; /* never closed }',
        'function M(s) { "use asm"; var t = `x${ }',
    ],
)
def test_garbage_inside_a_module(source: str) -> None:
    assert _code(source) == "E002"


def test_truncated_module_at_every_point() -> None:
    directive_end = MODULE.index('"use asm";') + len('"use asm"')
    for cut in range(1, len(MODULE) - 2):
        code = _code(MODULE[:cut])
        assert code == ("E002" if cut >= directive_end else "E003"), cut


def test_truncated_module_points_at_the_end_of_input() -> None:
    with pytest.raises(CompileError) as err:
        parse(MODULE[: MODULE.index("var table")])
    assert err.value.diagnostic.loc == Loc(15, 2)  # just after the indentation where the text stops


def test_random_mutations_never_crash() -> None:
    rng = random.Random(20240601)
    alphabet = "(){}[];,.=+-*/%|&^!~<>?:'\"`\\\n abcx01."
    for _ in range(300):
        chars = list(MODULE)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(chars))
            action = rng.choice(("insert", "delete", "replace"))
            if action == "insert":
                chars.insert(at, rng.choice(alphabet))
            elif action == "delete":
                del chars[at]
            else:
                chars[at] = rng.choice(alphabet)
        _parse_or_error("".join(chars))


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.js"
    path.write_bytes(MODULE.replace("var i = 0;", "var i = 0; // caf\xe9").encode("latin-1"))
    with pytest.raises(CompileError) as err:
        read_source(str(path))
    assert (err.value.diagnostic.code, err.value.diagnostic.loc) == ("E001", Loc(8, 21))


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.js"
    path.write_bytes(b"")
    with pytest.raises(CompileError) as err:
        read_source(str(path))
    assert err.value.diagnostic.code == "E003"


def test_javascript_without_a_module() -> None:
    assert _code("var app = { run: function () { return 'use strict'; } };\napp.run();\n") == "E003"


# ---- deep nesting


def _nested(depth: int, kind: str) -> str:
    body = {
        "paren": "x = " + "(" * depth + "1" + ")" * depth + ";",
        "block": "{" * depth + "}" * depth,
    }[kind]
    return 'function M(s) {\n"use asm";\nfunction f(x) {\nx = x|0;\n' + body + "\n}\nreturn f;\n}\n"


def test_deep_nesting_without_a_big_stack_is_e006() -> None:
    with pytest.raises(CompileError) as err:
        parse(_nested(5000, "paren"))
    assert err.value.diagnostic.code == "E006"
    assert err.value.diagnostic.loc == Loc(5, 4 + 4999)  # the deepest parenthesis


def test_100000_nested_blocks_parse_with_a_big_stack() -> None:
    def parse_and_dump() -> str:
        return N.dump(parse(_nested(100_000, "block")))

    dumped = run_with_big_stack(parse_and_dump)
    assert dumped.count("Block(") == 100_000


def test_100000_nested_parentheses_beyond_the_limit_are_e006() -> None:
    # the default limit (2,000,000 frames) parses this in ~2 s; a lower one shows the error path quickly
    with pytest.raises(CompileError) as err:
        run_with_big_stack(parse, _nested(100_000, "paren"), recursion_limit=200_000)
    assert err.value.diagnostic.code == "E006"
    assert err.value.diagnostic.loc == Loc(5, 4 + 99_999)


# ---- size


def _write_big_input(path: Path, target_bytes: int) -> int:
    """About `target_bytes` of application JavaScript with MODULE in the middle; returns the module's line."""
    chunk = (
        "var s = 'a { string }' + \"with } braces\", r = /[}{]+\\//g, t = `tpl ${ {a: 1}.a }`;\n"
        "function helper(a, b) { /* } */ return a / b / 2; } // use asm? no\n"
    )
    half = max(1, target_bytes // (2 * len(chunk)))
    with open(path, "w", encoding="utf-8") as f:
        f.write(chunk * half)
        f.write(MODULE)
        f.write(chunk * half)
    return 2 * half + 1


def test_100_mb_input(tmp_path: Path) -> None:
    path = tmp_path / "big.js"
    line = _write_big_input(path, 100 * 1024 * 1024)
    size = path.stat().st_size
    started = time.perf_counter()
    tracemalloc.start()
    try:
        module = parse(read_source(str(path)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    assert module.name == "M" and module.loc == Loc(line, 0)
    assert peak < 2.5 * size, f"peak {peak / 1e6:.0f} MB for {size / 1e6:.0f} MB"
    assert elapsed < 30, elapsed  # a few seconds normally; generous for a loaded machine
