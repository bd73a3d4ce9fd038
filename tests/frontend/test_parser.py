"""The fast parser against the reference (esprima) path: same trees, same errors, and really the fast path.

Every fixture, 200 generated modules, hand-picked JavaScript corners, random mutations, deep nesting, and the asm.js
module of the real sql.js@0.5.0 build (2.5 MB: the one slow test here, ~30 s on the esprima side).
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from frontend_support import fuzz_generator, npm_cache

from asm2wasm.diagnostics import CompileError, Loc
from asm2wasm.frontend import FastPathUnavailable, find_modules, parse
from asm2wasm.frontend import nodes as N
from asm2wasm.util import run_with_big_stack

REPO = Path(__file__).resolve().parents[2]
FIXTURES = sorted((REPO / "fixtures").glob("*/*.js"))
# valid/, shapes/, demo/, growth/, ...: every file holding a module (some shapes/ files hold none on purpose)
FAST_FIXTURES = [p for p in FIXTURES if p.parent.name != "invalid" and find_modules(p.read_text())]
KNOWN_FALLBACKS = {"use-strict-prologue.js"}  # a prologue with "use strict" first: strict mode is esprima's


def _outcome(source: str, frontend_name: str, module: str | None = None) -> str | tuple[str, Loc]:
    """The tree's dump, or the error's code and position."""
    try:
        return N.dump(parse(source, module=module, frontend=frontend_name))  # type: ignore[arg-type]
    except CompileError as err:
        return err.diagnostic.code, err.diagnostic.loc


def _same_both_ways(source: str, module: str | None = None) -> str | tuple[str, Loc]:
    reference = _outcome(source, "esprima", module)
    assert _outcome(source, "fast", module) == reference
    return reference


def _module_names(source: str) -> list[str | None]:
    spans = find_modules(source)
    return [f"{s.name}@{s.line}" for s in spans] if len(spans) > 1 else [None]


# ---- fixtures and generated modules


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_gives_the_same_result(path: Path) -> None:
    source = path.read_text()
    for name in _module_names(source):
        _same_both_ways(source, name)


@pytest.mark.parametrize("path", FAST_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_valid_fixture_takes_the_fast_path(path: Path) -> None:
    source = path.read_text()
    for name in _module_names(source):
        if path.name in KNOWN_FALLBACKS:
            with pytest.raises(FastPathUnavailable):
                parse(source, module=name, frontend="fast-only")
        else:
            parse(source, module=name, frontend="fast-only")


def test_default_front_end_is_the_fast_one(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_esprima(*args: object) -> None:
        raise AssertionError("the esprima path was used")

    monkeypatch.setattr("asm2wasm.frontend.esprima_adapter.adapt_module", no_esprima)
    module = parse((REPO / "fixtures" / "demo" / "demo.asm.js").read_text())
    assert module.body


@pytest.mark.parametrize("first", range(0, 200, 20))
def test_generated_modules(first: int) -> None:
    generate = fuzz_generator().generate
    for seed in range(first, first + 20):
        source = generate(seed)
        assert N.dump(parse(source, frontend="fast-only")) == N.dump(parse(source, frontend="esprima")), seed


# ---- corners of JavaScript, each checked against esprima

MODULE = 'function M(stdlib, foreign, heap) {\n"use asm";\nvar H = new stdlib.Int32Array(heap);\n{}\nreturn f;\n}\n'


def _in_module(text: str) -> str:
    return MODULE.replace("{}", text)


def _in_function(text: str) -> str:
    return _in_module("function f(x, y) {\nx = x|0; y = +y;\n" + text + "\n}")


FAST = [
    "x = (x + 1) | 0;",
    "x = ((x)) + ((1));",
    "(x) + 1;",
    "(H)[x >> 2] = 1;",
    "x = (y, x, 1);",
    "x = y ? 1 : x ? 2 : 3;",
    "x = y = 1;",
    "x = -(-x);",
    "x = ~~+-!x;",
    "x = 1 - -1 + +1;",
    "x = a * b / c % d + e - f << g >> h >>> i < j <= k > l >= m == n != o & p ^ q | r;",
    "x = a | b ^ c & d == e < f << g + h * i;",
    "x = (a | b) & c;",
    "x = a && b || c;",
    "x = a === b;",
    "x = (a !== b) | 0;",
    "x += 1;",
    "H[x >>> 2] >>>= 1;",
    "x = true; y = false; x = null;",
    "x = 1e3 + 1e-3 + .5 + 0x1F + 4294967295 + 1.5e308 + 1e400 + 1.;",
    "x = f()(1)(2, 3);",
    "x = a.b.c[1][2].d(3);",
    "x = a.default + a.if;",
    "x = new stdlib.Int32Array(heap);",
    "x = new a.b;",
    "x = new new a()();",
    "x = [1, , 2];",
    "x = {a: 1, 'b': 2, if: 3};",
    "x = {};",
    "x = 1\ny = 2\n",
    "x = 1; y = 2 }",
    "return\nx;",
    "L: while (1) { break L; continue L; }",
    "L: M: for (;;) break\nL;",
    "do x = 1; while (0) x = 2;",
    "do ; while (0);",
    "for (x = 0, y = 1; x; x = x + 1) ;",
    "if (x) if (y) x = 1; else y = 1; else ;",
    "switch (x) { case 1: case 2: x = 1; break; default: x = 2; case 3: }",
    "switch (x|0) {}",
    "x = a\n(b)",
    "x = a\n[b]",
    "x\n=\n1",
    "x = of + get + set + async + eval + arguments + undefined;",
    "of: for (;;) break of;",
    "/* c */ x = /* c */ 1 // c\n;",
    "x = 1;\r\ny = 2;\rz = 3;\u2028w = 4;",
    "{ { { } } } ;;",
    "x = a / b / c;",
]


@pytest.mark.parametrize("text", FAST)
def test_fast_path_agrees(text: str) -> None:
    source = _in_function(text)
    reference = _outcome(source, "esprima")
    assert not isinstance(reference, tuple), reference
    assert N.dump(parse(source, frontend="fast-only")) == reference


MODULE_LEVEL = [
    "var a = 1, b = 2.5, c = -1, d = foreign.d | 0, e = +foreign.e;",
    "var s = 'str', t = \"str\";",
    "var t1 = [f, g], t2 = ([f]), t3 = [[f]], t4 = [f, , g], t5 = [];",
    "var n = new stdlib.Float64Array(heap);",
    "function f() {} function g(a, b, c) { return; }",
    "if (1) function h() {}",
    "return {f: f, 'g': g, if: f};",
    "return ({f: f});",
    "return [f];",
    "return {f: {g: g}};",
]


@pytest.mark.parametrize("text", MODULE_LEVEL)
def test_module_level_forms_agree(text: str) -> None:
    source = _in_module(text)
    assert N.dump(parse(source, frontend="fast-only")) == N.dump(parse(source, frontend="esprima"))


FALLBACK = [
    "x++;",
    "--x;",
    "x = a--b;",
    "x = 'str';",
    "'use strict';",
    "x = this;",
    "x = typeof x;",
    "x = void 0;",
    "x = a in b;",
    "x = a instanceof b;",
    "x = /re/;",
    "x = `t`;",
    "x = function () {};",
    "x = (a) => 1;",
    "function g() {}",
    "for (var i = 0; i; i = 0) {}",
    "for (k in x) {}",
    "for (k of x) {}",
    "let z = 0;",
    "const z = 0;",
    "try { x = 1; } catch (e) {}",
    "throw x;",
    "with (x) {}",
    "debugger;",
    "f(...x);",
    "f(x,);",
    "x = {a};",
    "x = {a() {}};",
    "x = {[a]: 1};",
    "x = {1: 1};",
    "(x) = 1;",
    "x = 010;",
    "x = 08.5;",
    "x = 1a;",
    "x = a ** 2;",
    "x = caf\u00e9;",
    "x = 1\u00a0+ 1;",
    "x = 1 x = 2;",
    "x = 1 +;",
    "f() = 1;",
    "1 = x;",
    "x = (1;",
    "if (x) /re/.test(x);",
    "switch (x) { default: default: }",
    "return\n'str';",
    "break if;",
    "x = let;",
    "x = yield;",
    "<!-- x;",
    "x = a\n-->b;",
]


@pytest.mark.parametrize("text", FALLBACK)
def test_other_forms_fall_back_with_the_same_result(text: str) -> None:
    source = _in_function(text)
    with pytest.raises(FastPathUnavailable):
        parse(source, frontend="fast-only")
    _same_both_ways(source)


@pytest.mark.parametrize(
    "source",
    [
        'function M() {\n"use asm"\nfunction f() {}\nreturn f;\n}',  # no semicolon after the directive
        'function M() { "use asm"; "another"; return f; }',
        "function (stdlib) { 'use asm'; function f() {} return f; }",  # anonymous declaration: esprima's E002
        "var x = 1; var asm = (function (stdlib) { 'use asm'; function f() {} return f; })",
        "function M() { 'almost asm'; function f() {} return f; }",
        "function M(a, a) { 'use asm'; function f() {} return f; }",
        "function M({a}) { 'use asm'; function f() {} return f; }",
        "function M() { 'use asm'; function f() {} return f; } function N() { 'use asm'; return f; }",
        "function M() { 'use asm'; function f() { return 1 +; } }",
        "function M() { 'use asm'; /* never closed }",
    ],
)
def test_module_shapes_agree(source: str) -> None:
    for name in _module_names(source):
        _same_both_ways(source, name)


def test_positions_are_whole_file_coordinates() -> None:
    prefix = "// header\r\nvar before = 1;\u2028  var asm = (function M(stdlib) {\n"
    source = prefix + "'use asm';\nfunction f() {\n  return (1 + 2)|0;\n}\nreturn f;\n})"
    module = parse(source, frontend="fast-only")
    assert N.dump(module) == N.dump(parse(source, frontend="esprima"))
    assert module.loc == Loc(3, 13)
    assert module.body[0].body[0].arg.loc == Loc(6, 9)  # the `(` of `(1 + 2)|0`


def test_function_end_offsets_agree() -> None:
    source = _in_module("function f() { return; }\nfunction g() {}")
    fast, reference = parse(source, frontend="fast-only"), parse(source, frontend="esprima")
    assert [f.end for f in fast.body[1:3]] == [f.end for f in reference.body[1:3]]
    assert source[: fast.body[1].end].endswith("return; }")


def test_random_mutations_agree() -> None:
    base = _in_function(
        "var i = 0, d = 0.0;\nfor (i = 0; (i | 0) < 10; i = (i + 1) | 0) {\n"
        "  H[(i << 2) >> 2] = (H[(i << 2) >> 2] | 0) + 1 | 0;\n  if ((i | 0) == 7) break; else d = +(d + 1.5);\n}\n"
        "L: switch (x | 0) { case 1: x = y ? 1 : 2; break L; default: x = -x; }\nreturn +d;"
    )
    rng = random.Random(20240603)
    alphabet = "(){}[];,.=+-*/%|&^!~<>?:'\"`\\\n abcx01.e"
    for _ in range(300):
        chars = list(base)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(chars))
            action = rng.choice(("insert", "delete", "replace"))
            if action == "insert":
                chars.insert(at, rng.choice(alphabet))
            elif action == "delete":
                del chars[at]
            else:
                chars[at] = rng.choice(alphabet)
        source = "".join(chars)
        for name in _module_names(source):
            _same_both_ways(source, name)


# ---- deep nesting


def _nested(depth: int, kind: str, before: str = "") -> str:
    body = {
        "paren": "x = " + "(" * depth + "1" + ")" * depth + ";",
        "block": "{" * depth + "}" * depth,
    }[kind]
    return 'function M(s) {\n"use asm";\nfunction f(x) {\nx = x|0;\n' + before + body + "\n}\nreturn f;\n}\n"


def test_100000_nested_blocks_on_the_fast_path() -> None:
    dumped = run_with_big_stack(lambda: N.dump(parse(_nested(100_000, "block"), frontend="fast-only")))
    assert dumped.count("Block(") == 100_000


def test_100000_nested_blocks_after_a_fallback() -> None:
    dumped = run_with_big_stack(lambda: N.dump(parse(_nested(100_000, "block", before="x++;"))))
    assert dumped.count("Block(") == 100_000 and "Unsupported(what='`++` operator'" in dumped


@pytest.mark.parametrize("before", ["", "x++;"])
def test_100000_nested_parentheses_beyond_the_limit(before: str) -> None:
    source = _nested(100_000, "paren", before)
    with pytest.raises(CompileError) as err:
        run_with_big_stack(parse, source, recursion_limit=200_000)
    assert err.value.diagnostic.code == "E006"
    assert err.value.diagnostic.loc == Loc(5, len(before) + 4 + 99_999)


def test_deep_parentheses_without_a_big_stack_are_e006_on_both_paths() -> None:
    source = _nested(5000, "paren")
    for name in ("fast", "fast-only", "esprima"):
        assert _outcome(source, name) == ("E006", Loc(5, 4 + 4999))


def test_100000_nested_parentheses_parse_with_the_default_limit() -> None:
    module = run_with_big_stack(parse, _nested(100_000, "paren"), frontend="fast-only")
    node = module.body[0].body[1].expr.value
    assert isinstance(node, N.Num) and node.loc == Loc(5, 4 + 100_000)


# ---- a real build


def _first_difference(a: str, b: str) -> str | None:
    if a == b:
        return None
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"at {at}: {a[max(0, at - 200) : at + 200]!r} != {b[max(0, at - 200) : at + 200]!r}"


def test_sql_js_module_is_identical() -> None:
    cache = npm_cache()
    try:
        package = cache.fetch_package("sql.js@0.5.0")
    except cache.NpmFetchError as exc:
        pytest.skip(f"cannot fetch sql.js@0.5.0: {exc}")
    source = (package / "js" / "sql.js").read_text()
    (span,) = find_modules(source)
    fast = run_with_big_stack(lambda: N.dump(parse(source, frontend="fast-only")))
    reference = run_with_big_stack(lambda: N.dump(parse(source, frontend="esprima")))
    assert _first_difference(fast, reference) is None
    assert len(fast) > 40_000_000 and span.end - span.start > 2_500_000


def test_unknown_front_end_is_refused() -> None:
    with pytest.raises(ValueError):
        parse(_in_module(""), frontend="acorn")  # type: ignore[arg-type]


def test_esprima_is_not_even_imported_on_the_fast_path() -> None:
    """esprima takes a third of a second to import: the command line must not pay for it on valid input."""
    script = ("import sys; from asm2wasm import frontend; "
              "frontend.parse(open(sys.argv[1]).read()); print('esprima' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script, str(REPO / "fixtures" / "demo" / "demo.asm.js")],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
