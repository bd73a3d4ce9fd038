"""Finding the asm.js modules in a JavaScript file without parsing the file.

A module is a function (declaration or expression) whose body's directive prologue (the string statements that
open it) holds "use asm" (or "almost asm", Emscripten's memory-growth builds); the checker requires it to come
first (M002), so a module with "use strict" before it is still found, to be rejected with that reason.
Real inputs are 1-15 MB Emscripten builds with application code around the module, so the whole file is never
handed to a parser:

1. `str.find` locates every quoted directive (`"use asm"`, `'use asm'`, ...: four C-speed passes, ~0.3 s per 100 MB);
2. for each, a small regex checks, backwards from the quote, that it opens a function body (`function NAME?
   ( params ) {` with only whitespace, comments and other directives in between) and that it is a statement of
   its own (followed by `;`, `}`, a line end or a comment);
3. `jsscan.match_brace` finds the closing `}` (aware of strings, comments, regex and template literals);
4. the name comes from the function's own id, else from what it is assigned to (`var asm = (function ...`,
   `Module["asm"] = ...`, `asm: function ...`), else `module@LINE`.

Occurrences inside a module found earlier are skipped. Known limit: a directive-shaped text inside a comment or a
string that itself looks like a function (`"function f() {'use asm'}"`) or in a multi-line block comment is taken as
a module; one in a `//` comment is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from asm2wasm.diagnostics import NO_LOC, CompileError, Loc
from asm2wasm.frontend.jsscan import LINE_TERMINATORS, LineCursor, ScanError, match_brace

DIRECTIVES = ("use asm", "almost asm")

_TRIVIA = r"(?:\s|//[^\n\r\u2028\u2029]*|/\*[\s\S]*?\*/)*"
_IDENT = r"[A-Za-z_$][\w$]*"
_STRING = r"(?:\"(?:[^\"\\\n\r]|\\.)*\"|'(?:[^'\\\n\r]|\\.)*')"
_PROLOGUE = rf"(?:{_STRING}{_TRIVIA}(?:;{_TRIVIA})?)*"  # directives such as "use strict" before "use asm"
_HEAD = re.compile(
    rf"function(?![\w$]){_TRIVIA}(?P<name>{_IDENT})?{_TRIVIA}\([^()]*\){_TRIVIA}(?P<brace>\{{){_TRIVIA}{_PROLOGUE}"
)
_DIRECTIVE_END = re.compile(r"[ \t]*(?:/\*[^\n\r]*?\*/[ \t]*)*(?:[;}\n\r\u2028\u2029]|//|\Z)")
_ASSIGNED_NAME = re.compile(
    rf"(?:(?P<id>{_IDENT})|\[\s*(?P<q>[\"'])(?P<key>[^\"'\\\n]*)(?P=q)\s*\]|(?P<q2>[\"'])(?P<skey>[^\"'\\\n]*)(?P=q2))"
    r"\s*(?:=|:)\s*\Z"
)
_LINE_TOKENS = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|/\*.*?\*/|(//)")
_LINE_CHECK = 4096
_HEAD_WINDOW = 16384  # how far before the directive the `function` keyword may be
_NAME_WINDOW = 512  # how far before `function` the assigned name may be
_MAX_HEAD_TRIES = 8
_OPERATOR_BEFORE_EQ = frozenset("=!<>+-*/%&|^")


@dataclass(frozen=True, slots=True)
class ModuleSpan:
    """Where one asm.js module function lies in the input."""

    name: str
    start: int  # offset of the `function` keyword
    end: int  # offset just past the closing `}` (len(source) when the module never closes: see `error`)
    line: int  # 1-based line of `start`
    col: int  # 0-based column of `start`
    directive: str = "use asm"
    body_start: int = 0  # offset of the body's `{`
    named_by: str = "id"  # "id" (the function's own name), "assignment", or "line" (module@LINE)
    error: str | None = None  # why the module could not be delimited (an unterminated string, a missing `}`)
    error_pos: int = 0  # the offset that `error` is about

    def describe(self) -> str:
        return f"{self.name} (line {self.line})"


@dataclass(frozen=True, slots=True)
class _Head:
    start: int
    body_start: int
    name: str | None


def find_modules(source: str) -> list[ModuleSpan]:
    """Every asm.js module in `source`, in order of position; linear in the size of the input."""
    spans: list[ModuleSpan] = []
    cursor = LineCursor(source)
    for quote_pos, directive in _directive_hits(source):
        if spans and quote_pos < spans[-1].end:
            continue
        head = _function_head(source, quote_pos, directive)
        if head is not None:
            spans.append(_make_span(source, head, directive, cursor))
    return spans


def select_module(spans: list[ModuleSpan], name: str | None) -> ModuleSpan:
    """The module to compile: the only one, or the one called `name` (`NAME` or `NAME@LINE`)."""
    if not spans:
        raise CompileError("E003", 'no asm.js module: no function whose body starts with "use asm"', NO_LOC)
    if name is None:
        if len(spans) == 1:
            return spans[0]
        raise _ambiguous(spans, "several asm.js modules in the input")
    chosen = [s for s in spans if name in (s.name, f"{s.name}@{s.line}")]
    if len(chosen) == 1:
        return chosen[0]
    if chosen:
        raise _ambiguous(chosen, f"several asm.js modules named {name!r}")
    listing = ", ".join(s.describe() for s in spans)
    raise CompileError("E005", f"no asm.js module named {name!r}; the input has: {listing}", NO_LOC)


def _ambiguous(spans: list[ModuleSpan], what: str) -> CompileError:
    listing = ", ".join(s.describe() for s in spans)
    hint = f"{spans[0].name}@{spans[0].line}"
    message = f"{what}: {listing}; choose one with --module NAME (or NAME@LINE, e.g. {hint})"
    return CompileError("E004", message, _span_loc(spans[1]))


def _span_loc(span: ModuleSpan) -> Loc:
    return Loc(span.line, span.col)


def _directive_hits(source: str) -> list[tuple[int, str]]:
    """(offset of the opening quote, directive) for every quoted directive text, in order."""
    hits = []
    for directive in DIRECTIVES:
        for quote in "\"'":
            quoted = f"{quote}{directive}{quote}"
            at = source.find(quoted)
            while at >= 0:
                hits.append((at, directive))
                at = source.find(quoted, at + len(quoted))
    hits.sort()
    return hits


def _function_head(source: str, quote_pos: int, directive: str) -> _Head | None:
    """The function whose body this directive opens, if it does open one."""
    after = quote_pos + len(directive) + 2
    if not _DIRECTIVE_END.match(source, after):
        return None
    floor = max(0, quote_pos - _HEAD_WINDOW)
    at = quote_pos
    for _ in range(_MAX_HEAD_TRIES):
        at = source.rfind("function", floor, at)
        if at < 0:
            return None
        m = _HEAD.fullmatch(source, at, quote_pos)
        if m and not _ident_before(source, at):
            return None if _in_line_comment(source, at) else _Head(at, m.start("brace"), m.group("name"))
    return None


def _in_line_comment(source: str, at: int) -> bool:
    """Whether offset `at` follows a `//` comment opener on its line (strings and block comments skipped).

    Only lines up to _LINE_CHECK characters before `at` are examined, so the cost stays bounded on minified code.
    """
    floor = max(0, at - _LINE_CHECK)
    start = max(source.rfind(t, floor, at) for t in LINE_TERMINATORS) + 1
    if start == 0 and floor > 0:
        return False
    return any(m.group(1) for m in _LINE_TOKENS.finditer(source, start, at))


def _ident_before(source: str, at: int) -> bool:
    return at > 0 and (source[at - 1].isalnum() or source[at - 1] in "_$.")


def _make_span(source: str, head: _Head, directive: str, cursor: LineCursor) -> ModuleSpan:
    loc = cursor.loc(head.start)
    name, named_by = _module_name(source, head, loc.line)
    error, error_pos = None, 0
    try:
        end = match_brace(source, head.body_start)
    except ScanError as exc:
        end, error, error_pos = None, exc.message, exc.pos
    if end is None:
        end = len(source)
        if error is None:
            error, error_pos = "the input ends before the module's closing '}'", len(source)
    return ModuleSpan(name, head.start, end, loc.line, loc.col, directive, head.body_start, named_by, error, error_pos)


def _module_name(source: str, head: _Head, line: int) -> tuple[str, str]:
    if head.name:
        return head.name, "id"
    assigned = _assigned_name(source, head.start)
    if assigned:
        return assigned, "assignment"
    return f"module@{line}", "line"


def _assigned_name(source: str, function_at: int) -> str | None:
    """`asm` in `var asm = (function`, `Module["asm"] = function`, `Module.asm = function`, `asm: function`."""
    i = _skip_back_wrappers(source, function_at)
    if i <= 0 or source[i - 1] not in "=:":
        return None
    if source[i - 1] == "=" and i >= 2 and source[i - 2] in _OPERATOR_BEFORE_EQ:
        return None
    m = _ASSIGNED_NAME.search(source, max(0, i - _NAME_WINDOW), i)
    if m is None:
        return None
    return m.group("id") or m.group("key") or m.group("skey") or None


def _skip_back_wrappers(source: str, i: int) -> int:
    """Step back over whitespace, block comments and opening parentheses before offset i."""
    while i > 0:
        ch = source[i - 1]
        if ch.isspace() or ch == "(":
            i -= 1
        elif source.startswith("*/", i - 2):
            opened = source.rfind("/*", 0, i - 2)
            if opened < 0:
                return i
            i = opened
        else:
            return i
    return i
