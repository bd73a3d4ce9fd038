"""The skim (module level parsed, function bodies only delimited) plus `parse_functions` give the fast parser's tree.

Whenever both succeed, the module they make together is the one `parse` makes, positions and function ends
included; wherever the fast parser gives up, one of them gives up too (FastPathUnavailable), so that the compile
takes the ordinary path. Checked on every fixture, generated modules, hand-picked corners, random mutations and
the real sql.js build, with the functions split into ranges the way the parallel compile splits them.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from frontend_support import fuzz_generator, npm_cache

from asm2wasm.diagnostics import CompileError, Loc
from asm2wasm.frontend import (
    FastPathUnavailable,
    find_modules,
    parse,
    parse_functions,
    select_module,
    skim,
    skim_module,
)
from asm2wasm.frontend import nodes as N
from asm2wasm.frontend.skim import gap_pattern
from asm2wasm.util import run_with_big_stack

REPO = Path(__file__).resolve().parents[2]
FIXTURES = sorted(p for p in (REPO / "fixtures").glob("*/*.js") if find_modules(p.read_text()))


def _skimmed_tree(source: str, module: str | None = None, parts: int = 2) -> str:
    """The dump of the module as skim + parse_functions (the functions in `parts` ranges) make it."""
    span = select_module(find_modules(source), module)
    skimmed = skim_module(source, span)
    funcs = [s for s in skimmed.module.body if isinstance(s, N.FuncDecl)]
    assert len(funcs) == len(skimmed.ranges) and all(not f.body for f in funcs)
    parsed: list[N.FuncDecl] = []
    step = max(1, -(-len(funcs) // parts))
    for first in range(0, len(funcs), step):
        parsed += parse_functions(source, span, skimmed.ranges[first:first + step])
    for skimmed_decl, decl in zip(funcs, parsed):
        assert (skimmed_decl.name, skimmed_decl.params, skimmed_decl.loc, skimmed_decl.end) == (
            decl.name, decl.params, decl.loc, decl.end)
        skimmed_decl.body = decl.body
    return N.dump(skimmed.module)


def _fast_tree(source: str, module: str | None = None) -> str | None:
    """The fast parser's dump; None when it leaves the module to esprima (or reports an error)."""
    try:
        return N.dump(parse(source, module=module, frontend="fast-only"))
    except (FastPathUnavailable, CompileError):
        return None


def _agree(source: str, module: str | None = None, parts: int = 2) -> bool:
    """Whether the skim gave the fast parser's tree (True) or gave up where the fast parser may not (False)."""
    try:
        skimmed = _skimmed_tree(source, module, parts)
    except FastPathUnavailable:
        return False
    assert skimmed == _fast_tree(source, module)
    return True


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixtures_skim_to_the_fast_tree(path: Path) -> None:
    source = path.read_text()
    spans = find_modules(source)
    for span in spans:
        name = f"{span.name}@{span.line}" if len(spans) > 1 else None
        for parts in (1, 2, 3):
            took = _agree(source, name, parts)
            # every valid module the fast parser takes is skimmed too (invalid ones may have statements between
            # functions, which the workers' ranges do not hold: the compile checks them the ordinary way)
            assert took or path.parent.name == "invalid" or _fast_tree(source, name) is None


def _generated(seed: int) -> str:
    return fuzz_generator().generate(seed)


@pytest.mark.parametrize("first", range(0, 100, 25))
def test_generated_modules(first: int) -> None:
    for seed in range(first, first + 25):
        assert _agree(_generated(seed), parts=3), seed


MODULE = ('function M(stdlib, foreign, heap) {\n"use asm";\nvar H = new stdlib.Int32Array(heap);\n'
          "function f(x) {\nx = x|0;\nreturn (x + 1)|0;\n}\n{}\n"
          "function g(y) {\ny = +y;\nreturn +y;\n}\nreturn {f: f, g: g};\n}\n")


def _with(text: str) -> str:
    return MODULE.replace("{}", text)


SKIMMED = [
    "",
    "/* { */ // }\n",
    "function h() { /* } */ // }\n}",
    "function h(a, b /* ) { */) /* { */ { a = a|0; b = b|0; { { } } }",
    "function h()\n{\r\n  return;\u2028}",
    "function h() { if (1) { while (0) { } } else { do {} while (0) } }",
    "function h() { L: { break L; } }",
    "function h() { x = {a: 1}; x = [1, 2]; }",
    "function h() { x = a / b / c; x = a /* c */ / b; x = a // c\n / b; }",
    "function h() {}\r\nfunction i() {}\u2029function j() {}",
]


@pytest.mark.parametrize("text", SKIMMED)
def test_corners_are_skimmed(text: str) -> None:
    assert _agree(_with(text), parts=2) and _agree(_with(text), parts=4)


GIVE_UP = [
    "function h() { x = 'a'; }",  # a string in a body: esprima's
    "function h() { x = '{'; }",
    "function h() { x = \"}\"; }",
    "function h() { x = '\\'}'; }",
    "function h() { x = /}/; }",
    "function h() { function nested() {} }",
    "function h() { x = function () {}; }",
    "function h() { x = `}`; }",
    "function h() { /* never closed }",
    "function h() { x++; }",
    "function h() { x = 1 +; }",
    "var late = 1;",
    "var e = function h() {};",
    "if (1) function h() {}",
    "{ }",
    "function h() { }}",
    "function h() { {",
]


@pytest.mark.parametrize("text", GIVE_UP)
def test_what_the_fast_parser_does_not_take_is_not_skimmed_either(text: str) -> None:
    source = _with(text)
    for parts in (1, 2, 4):
        _agree(source, parts=parts)  # agrees, or gives up
    if _fast_tree(source) is None:
        with pytest.raises(FastPathUnavailable):
            _skimmed_tree(source, parts=4)


# (text, length of the gap at its start)
GAP_CORNERS = [("", 0), ("a;\n// x\n{", 3), ("a / b / c {", 10), ("a/* {", 1), ("x = '{", 4), ("a //", 2),
               ("/", 1), ("a/", 2), ("a/b/", 4), ("a/b//", 3)]


@pytest.mark.parametrize("text, length", GAP_CORNERS)
def test_gap_is_the_same_with_and_without_possessive_repeats(text: str, length: int) -> None:
    """As the scanner's trivia (test_scanner.py): the fallback pattern takes the same text, from every offset."""
    ends = {}
    for possessive in ("+", ""):
        gap = re.compile(gap_pattern(possessive))
        ends[possessive] = [gap.match(text, start).end() for start in range(len(text) + 1)]
    assert ends["+"] == ends[""]
    assert ends[""][0] == length


def test_strings_with_braces_at_module_level() -> None:
    source = MODULE.replace("return {f: f, g: g};", "return {'f{': f, \"}g\": g, '': f};")
    assert _agree(source)


def test_positions_are_whole_file_coordinates() -> None:
    prefix = "// header\r\nvar before = 1;\u2028  var asm = (function M(stdlib) {\n"
    source = (prefix + "'use asm';\nfunction f() {\n  return (1 + 2)|0;\n}\r\n\r\nfunction g() {\r\n"
              "  return (3 + 4)|0;\r\n}\nreturn f;\n})")
    assert _agree(source, parts=2)
    span = find_modules(source)[0]
    skimmed = skim_module(source, span)
    (g,) = parse_functions(source, span, skimmed.ranges[1:])
    assert g.loc == Loc(9, 0) and g.body[0].arg.loc == Loc(10, 9)


def test_random_mutations_agree() -> None:
    rng = random.Random(20250101)
    alphabet = "(){}[];,.=+-*/%|&^!~<>?:'\"`\\\n abcx01.e"
    base = _with("function h(a) { a = a|0; if (a) { a = (a + 1)|0; } else { /* } */ a = 2; } return a|0; }")
    for _ in range(400):
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
        spans = find_modules(source)
        if len(spans) == 1 and spans[0].error is None:
            _agree(source, parts=rng.choice((1, 2, 3)))


def test_nesting_too_deep_in_a_body_is_left_to_the_full_parse() -> None:
    source = _with("function h() { x = " + "(" * 5000 + "1" + ")" * 5000 + "; }")
    span = find_modules(source)[0]
    skimmed = skim_module(source, span)
    with pytest.raises(RecursionError):
        parse_functions(source, span, skimmed.ranges)


def test_sql_js_skims_to_the_fast_tree() -> None:
    cache = npm_cache()
    try:
        package = cache.fetch_package("sql.js@0.5.0")
    except cache.NpmFetchError as exc:
        pytest.skip(f"cannot fetch sql.js@0.5.0: {exc}")
    source = (package / "js" / "sql.js").read_text()
    assert run_with_big_stack(lambda: _skimmed_tree(source, parts=3) == _fast_tree(source))


# The braces found at memchr speed (`skim._braces_alone`, ASCII text whose few comments and strings hold no brace)
# and by the regular expression give the same pairs, or the same refusal; the fast way is taken where it applies.
PAIRS_FAST = [
    "",
    "// EMSCRIPTEN_START_FUNCS\nfunction h() { x = a / b; }\n// EMSCRIPTEN_END_FUNCS\n",
    "function h() { x = a /* ( */ / b; }",
    "function h() { x = 'a'; }",
    "function h() { { } }}",
    "function h() { {",
]
PAIRS_REGEX = [
    "/* { */",
    "// }\n",
    "function h() { x = '{'; }",
    "function h() { x = \"}\"; }",
    "function h() { /* never closed }",
    "function h() { x = 'é'; }",
    "function h() {}" + " // c\n" * 65,
    "function h() { x = 1" + " / 2" * 4097 + "; }",
]


def _pairs_both_ways(source: str) -> tuple[object, object, bool]:
    span = find_modules(source)[0]

    def pairs() -> object:
        try:
            return skim._top_level_pairs(source, span)
        except FastPathUnavailable as error:
            return error.reason

    fast = pairs()
    taken = skim._braces_alone(source, span) is not None
    braces_alone, skim._braces_alone = skim._braces_alone, lambda source, span: None
    try:
        return fast, pairs(), taken
    finally:
        skim._braces_alone = braces_alone


@pytest.mark.parametrize("text, taken", [(t, True) for t in PAIRS_FAST] + [(t, False) for t in PAIRS_REGEX])
def test_braces_found_fast_give_the_same_pairs(text: str, taken: bool) -> None:
    fast, regex, fast_taken = _pairs_both_ways(_with(text))
    assert fast == regex and fast_taken == taken


def test_braces_found_fast_agree_on_mutations() -> None:
    rng = random.Random(20261125)
    alphabet = "{}{}'\"/*\n ab"
    base = _with("// c\nfunction h(a) { a = a|0; if (a) { a = (a / 2)|0; } else { /* x */ a = 2; } return a|0; }")
    taken = checked = 0
    for _ in range(400):
        chars = list(base)
        for _ in range(rng.randint(1, 2)):
            chars.insert(rng.randrange(len(chars)), rng.choice(alphabet))
        source = "".join(chars)
        spans = find_modules(source)
        if len(spans) == 1 and spans[0].error is None:
            fast, regex, fast_taken = _pairs_both_ways(source)
            assert fast == regex, source
            taken += fast_taken
            checked += 1
    assert taken > 100 and checked - taken > 5  # the mutations exercise both ways
