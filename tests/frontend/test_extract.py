"""Module extraction: every shape in fixtures/shapes, names, positions, offsets, and module selection."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from asm2wasm.diagnostics import CompileError
from asm2wasm.frontend import find_modules, parse, read_source, select_module
from asm2wasm.frontend.extract import ModuleSpan

SHAPES = sorted((Path(__file__).parents[2] / "fixtures" / "shapes").glob("*.js"))


def _label(span: ModuleSpan) -> str:
    return span.name if span.named_by == "line" else f"{span.name}@{span.line}"


def test_shapes_exist() -> None:
    assert len(SHAPES) >= 8


@pytest.mark.parametrize("path", SHAPES, ids=lambda p: p.stem)
def test_shape_modules_found_and_parsed(path: Path) -> None:
    source = read_source(str(path))
    expected = re.search(r"^// modules: (.*)$", source, re.M).group(1)
    spans = find_modules(source)
    assert ", ".join(_label(s) for s in spans) == expected
    for span in spans:
        text = source[span.start : span.end]
        assert text.startswith("function") and text.endswith("}")
        module = parse(source, str(path), _label(span))
        assert module.start == span.start and module.end == span.end
        assert (module.loc.line, module.loc.col) == (span.line, span.col)


def test_emscripten_span_ends_before_the_call() -> None:
    source = read_source(str(next(p for p in SHAPES if p.stem == "emscripten-fastcomp")))
    (span,) = find_modules(source)
    assert span.directive == "almost asm"
    assert span.named_by == "assignment"
    assert source[span.end :].startswith(")\n// EMSCRIPTEN_END_ASM\n(Module.asmGlobalArg")


@pytest.mark.parametrize(
    ("source", "name", "named_by"),
    [
        ('function M(s, f, h) {"use asm"; return {};}', "M", "id"),
        ('var asm = (function(global, env, buffer) {"use asm"; return {};})(a, b, c);', "asm", "assignment"),
        ('Module["asm"] = (function(g, e, b) {"use asm"; return {};})(a, b, c);', "asm", "assignment"),
        ("Module['asm'] = function(g) {'use asm'; return {};};", "asm", "assignment"),
        ('Module.asm = function(g) {"use asm"; return {};};', "asm", "assignment"),
        ('var o = {fast: function(g) {"use asm"; return {};}};', "fast", "assignment"),
        ('var o = {"quoted": function(g) {"use asm"; return {};}};', "quoted", "assignment"),
        ('var n = function Own(g) {"use asm"; return {};};', "Own", "id"),
        ('\n\nrun(function(g) {"use asm"; return {};});', "module@3", "line"),
        ('x == function(g) {"use asm"; return {};};', "module@1", "line"),
    ],
)
def test_names(source: str, name: str, named_by: str) -> None:
    (span,) = find_modules(source)
    assert (span.name, span.named_by) == (name, named_by)


def test_line_and_column_of_the_function_keyword() -> None:
    source = "var a = 1;\r\n\r\n  var M = function (s) {\n 'use asm';\n return {}; };"
    (span,) = find_modules(source)
    assert (span.line, span.col) == (3, 10)
    assert source[span.start :].startswith("function")


@pytest.mark.parametrize(
    "source",
    [
        'var s = "use asm";',
        'function f() { var x = 1; "use asm"; return x; }',
        'function f() { "use asm" + 1; }',
        '// function M(s) { "use asm"; }\nvar x;',
        'var s = "function M(s) { \\"use asm\\"; }";',
        'functional(s) { "use asm"; }',
    ],
)
def test_not_modules(source: str) -> None:
    assert find_modules(source) == []


def test_directive_prologue_and_comments_before_the_directive() -> None:
    source = 'function M(s) /* c */ { // line\n  /* block */ "use strict"\n "use asm"; return {}; }'
    (span,) = find_modules(source)
    assert span.name == "M"


def test_a_nested_directive_is_part_of_the_module_found_first() -> None:
    source = 'function M(s) {"use asm"; function f() {"use asm"; return 0;} return f;}'
    assert [s.name for s in find_modules(source)] == ["M"]


def test_unterminated_module_is_reported_by_parse() -> None:
    source = 'var x;\nfunction M(s) {\n"use asm";\nfunction f() { return 0; }\n'
    (span,) = find_modules(source)
    assert span.end == len(source) and span.error is not None
    with pytest.raises(CompileError) as err:
        parse(source)
    assert err.value.diagnostic.code == "E002"
    assert err.value.diagnostic.loc.line == 5


def test_unterminated_string_inside_module() -> None:
    source = 'function M(s) {\n"use asm";\nvar x = "abc\n}'
    with pytest.raises(CompileError) as err:
        parse(source)
    assert (err.value.diagnostic.code, err.value.diagnostic.loc.line, err.value.diagnostic.loc.col) == ("E002", 3, 8)


# ---- select_module


def _spans(*names_lines: tuple[str, int]) -> list[ModuleSpan]:
    return [ModuleSpan(name, i * 10, i * 10 + 5, line, 0) for i, (name, line) in enumerate(names_lines)]


def _code(fn, *args) -> tuple[str, str]:
    with pytest.raises(CompileError) as err:
        fn(*args)
    return err.value.diagnostic.code, err.value.diagnostic.message


def test_select_none() -> None:
    assert _code(select_module, [], None)[0] == "E003"
    assert _code(select_module, [], "M")[0] == "E003"


def test_select_single_without_name() -> None:
    spans = _spans(("M", 3))
    assert select_module(spans, None) is spans[0]


def test_select_several_without_name_lists_candidates() -> None:
    code, message = _code(select_module, _spans(("A", 3), ("asm", 40)), None)
    assert code == "E004"
    assert "A (line 3)" in message and "asm (line 40)" in message


def test_select_by_name_and_by_name_at_line() -> None:
    spans = _spans(("A", 3), ("asm", 40), ("asm", 90))
    assert select_module(spans, "A") is spans[0]
    assert select_module(spans, "asm@90") is spans[2]
    assert _code(select_module, spans, "asm")[0] == "E004"


def test_select_unknown_name_lists_candidates() -> None:
    code, message = _code(select_module, _spans(("A", 3), ("B", 9)), "C")
    assert code == "E005"
    assert "A (line 3)" in message and "B (line 9)" in message
