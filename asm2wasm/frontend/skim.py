"""Skimming a big module: its module-level statements parsed, its function bodies only delimited.

The parallel compile (`asm2wasm/parallel.py`) must not parse function bodies in the parent process: the workers
parse them. So the parent `skim`s the module:

1. one regular expression finds every `{`, `}`, comment and string of the module (`findall` at C speed, offsets
   from the running sum of the pieces' lengths, as in `scanner`); the braces give the pairs at the module's top
   level. Comments and strings are skipped exactly as the scanner skips them, so a brace found here is a `{` or
   `}` token of the scanner and nothing else; a quote or `/*` that opens nothing means a token the fast parser
   rejects anyway: the skim gives up (FastPathUnavailable), as parsing would. Emscripten's modules have two
   comments and one string, none with a brace: there every brace is a token, and the bytes of the text split at
   its braces give the same pairs faster (`_braces_alone`, `_pairs_of`);
2. the text between those pairs is scanned as usual. A pair whose tokens before it end with `function NAME (
   params )` is a function body: its tokens are replaced by one BODY token (positioned as its `}`); any other pair
   (the export object) is scanned with the rest;
3. the fast parser (`parser._Parser`) parses that token list as the whole module, except that a function body is
   the BODY token: the FuncDecls get an empty body, their `at` and `end` as a full parse gives them, and each
   function's range of text (its `function` keyword to past its `}`) is recorded.

Each worker then parses the function declarations of a contiguous range of functions (`parse_functions`), on its
own slice of the text (the whole text is shared: offsets and line numbers are the whole module's), and checks that
they are exactly the ones the skim delimited. Where skim and parser could disagree (odd brace structure, a body
that is not one function's, anything between two functions), the parse fails (FastPathUnavailable) and the caller
takes the ordinary path (`frontend.parse`), which decides as usual. A body that parses gives the very tree a parse
of the whole module gives it: same tokens (scanning restarted at a token's start), same rules, same positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate, chain, compress, count, islice, repeat
from operator import add, eq, itemgetter

from asm2wasm.frontend import nodes as N
from asm2wasm.frontend.extract import ModuleSpan
from asm2wasm.frontend.jsscan import DEPTH_CHANGE, brace_depths, next_of
from asm2wasm.frontend.parser import FastPathUnavailable, _is_name, _Parser
from asm2wasm.frontend.scanner import COMMENT, END, POSSESSIVE, STRING, scan
from asm2wasm.util import gc_paused

# The token that stands for a skimmed function body, at the offset of its `}` and one character long (no real
# token starts with NUL), so that the token after it is positioned as after the `}`.
BODY = "\0"


def gap_pattern(possessive: str) -> str:
    """Text without braces, quotes or comment openers; `possessive` as in `scanner.trivia_pattern`."""
    return rf"[^{{}}\"'/]*{possessive}(?:/(?![/*])[^{{}}\"'/]*{possessive})*{possessive}"


# (text without braces, quotes or comment openers)(a comment, a string, a brace, or a quote or `/*` that opens
# nothing). The comment and string patterns are the scanner's own, and so is the choice of possessive repeats.
_GAP = gap_pattern(POSSESSIVE)
_HIT = rf"[{{}}]|{COMMENT}|{STRING}|[\"'/]|\Z"  # braces first (the most hits); the end so that findall stays linear
_SKIM = re.compile(f"({_GAP})({_HIT})")
_STRAY = frozenset("\"'/")
_OPENERS = ('"', "'", "/")  # what opens a string, or may open a comment
_COMMENT_SECOND = frozenset(("/", "*"))
_SPECIAL = re.compile(f"{COMMENT}|{STRING}")  # at an opener: the comment or string it opens (None: unterminated)
_MAX_SPECIALS = 64  # more comments and strings than this (not an Emscripten module's few): the regular expression
_MAX_SLASHES = 4096  # divisions stepped over before the regular expression is the faster way
_OPEN = ord("{")
_BRACES_AS_OPEN = bytes.maketrans(b"}", b"{")  # every brace the same byte, to split the text at all of them


@dataclass
class Skimmed:
    """A module parsed without its function bodies."""

    module: N.Module  # every FuncDecl has an empty body
    ranges: list[tuple[int, int]]  # each function's text: offset of `function`, offset past the closing `}`


def skim_module(source: str, span: ModuleSpan) -> Skimmed:
    """The module at `span`, function bodies delimited but not parsed. Raises FastPathUnavailable where parsing the
    whole module would fail, and where the skim cannot tell the functions apart (then parse the whole module)."""
    with gc_paused():
        bodies = _top_level_pairs(source, span)
        tokens, starts = _module_level_tokens(source, span, bodies)
        parser = _SkimParser(source, span, tokens, starts)
        try:
            module = parser.module()
        except RecursionError:  # the module level nests too deeply: the full parse says where
            raise FastPathUnavailable("nesting too deep", span.start) from None
        if sum(isinstance(stmt, N.FuncDecl) for stmt in module.body) != len(parser.ranges):
            raise FastPathUnavailable("a function declaration inside another statement", span.start)
        return Skimmed(module, parser.ranges)


def parse_functions(source: str, span: ModuleSpan, ranges: list[tuple[int, int]]) -> list[N.FuncDecl]:
    """The function declarations that `skim_module` delimited at `ranges` (consecutive ones), fully parsed.

    Raises FastPathUnavailable if they are not exactly those functions, or not valid for the fast parser;
    RecursionError when they nest too deeply (the caller parses the whole module to report it).
    """
    start, end = ranges[0][0], ranges[-1][1]
    with gc_paused():
        tokens, starts = scan(source, start, end)
        parser = _Parser(source, span, tokens, starts)
        decls = []
        for first, last in ranges:
            if starts[parser.i] != first or tokens[parser.i] != "function":
                raise parser.fail("not the function the skim found")
            decl = parser.function_declaration()
            if decl.end != last:
                raise parser.fail("the function ends elsewhere than the skim says")
            decls.append(decl)
        if tokens[parser.i] != END:
            raise parser.fail("text after the last function")
        return decls


def _top_level_pairs(source: str, span: ModuleSpan) -> list[tuple[int, int]]:
    """(offset of `{`, offset of its `}`) of each brace pair directly in the module's body, in order."""
    data = _braces_alone(source, span)
    if data is not None:
        return _pairs_of(data, span)
    pieces = _SKIM.findall(source, span.start, span.end)
    while pieces and not pieces[-1][1]:  # the end of the text (matched so that findall stays linear)
        pieces.pop()
    hits = list(map(itemgetter(1), pieces))
    offsets = list(islice(accumulate(map(len, chain.from_iterable(pieces)), initial=span.start), 1, None, 2))
    depths = list(accumulate(map(DEPTH_CHANGE.get, hits, repeat(0))))
    if not _STRAY.isdisjoint(hits):  # an unterminated string or comment: the scanner makes it a token no rule accepts
        raise FastPathUnavailable("an unterminated string or comment", span.start)
    # the module's `{` is the first brace, its `}` the last hit, and only that one closes it
    first = hits.index("{") if "{" in hits else len(hits)
    if min(depths, default=-1) < 0 or offsets[-1] != span.end - 1 or depths[-1] != 0 or 0 in depths[first:-1]:
        raise FastPathUnavailable("the skim does not find the module's braces", span.start)
    opens = [offsets[i] for i, depth in enumerate(depths) if depth == 2 and hits[i] == "{"]
    closes = [offsets[i] for i, depth in enumerate(depths) if depth == 1 and hits[i] == "}"]
    return list(zip(opens, closes))


def _braces_alone(source: str, span: ModuleSpan) -> bytes | None:
    """The module's text as bytes, when every brace in it is a brace token: ASCII text (byte offsets are offsets)
    whose few comments and strings (Emscripten's two comments around its functions, the directive) hold no brace;
    None otherwise (then the regular expression of `_top_level_pairs` decides, and says what is wrong)."""
    # Walk from each comment or string to the next one, as the scanner would (`jsscan.next_of`: one search of the
    # text per opener); a `/` that is a division is stepped over.
    start, end = span.start, span.end
    next_at = dict.fromkeys(_OPENERS, -1)
    at, specials, slashes = start, 0, 0
    while specials <= _MAX_SPECIALS and slashes <= _MAX_SLASHES:
        at = next_of(source, next_at, at, end)
        if at == end:
            try:
                return source[start:end].encode("ascii")
            except UnicodeEncodeError:
                return None
        if source[at] == "/" and source[at + 1:at + 2] not in _COMMENT_SECOND:
            at += 1
            slashes += 1
            continue
        special = _SPECIAL.match(source, at, end)
        if special is None or "{" in special.group() or "}" in special.group():
            return None  # unterminated, or a brace in it
        at = special.end()
        specials += 1
    return None  # many comments, strings or divisions: not worth it


def _pairs_of(data: bytes, span: ModuleSpan) -> list[tuple[int, int]]:
    """`_top_level_pairs` of the module's text `data` (see `_braces_alone`): the same checks, the same pairs, at C
    speed but for one Python step per function."""
    braces, depths = brace_depths(data)
    del depths[0]  # the depth after each brace
    if not braces or min(depths) < 0 or depths[-1] != 0 or 0 in depths[:-1] or not data.endswith(b"}"):
        raise FastPathUnavailable("the skim does not find the module's braces", span.start)
    # every brace's offset: the running sum of the lengths of the texts between them, each brace counted
    offsets = list(map(add, accumulate(map(len, data.translate(_BRACES_AS_OPEN).split(b"{")[:-1])),
                       count(span.start)))
    top_opens, top_closes = [], []
    for k in compress(count(), map(eq, depths, repeat(2))):  # a `{` opening a body, or a `}` closing a block in one
        if braces[k] == _OPEN:
            top_opens.append(offsets[k])
    for k in compress(count(), map(eq, depths, repeat(1))):  # a body's `}` (or the module's `{`, the first brace)
        if braces[k] != _OPEN:
            top_closes.append(offsets[k])
    return list(zip(top_opens, top_closes))


def _module_level_tokens(source: str, span: ModuleSpan, pairs: list[tuple[int, int]]
                         ) -> tuple[list[str], list[int]]:
    """The module's tokens (texts and offsets) with each function body replaced by BODY."""
    tokens: list[str] = []
    starts: list[int] = []
    cut = span.start
    for open_at, close_at in pairs:
        more, more_starts = scan(source, cut, open_at)
        tokens += more[:-2]  # without the two ENDs
        starts += more_starts[:-2]
        if _ends_with_function_head(tokens):
            tokens.append(BODY)
            starts.append(close_at)
            cut = close_at + 1
        else:
            cut = open_at
    more, more_starts = scan(source, cut, span.end)
    return tokens + more, starts + more_starts


def _ends_with_function_head(tokens: list[str]) -> bool:
    """Whether the tokens end with `function NAME ( NAME, ... )`."""
    i = len(tokens) - 1
    if i < 3 or tokens[i] != ")":
        return False
    i -= 1
    if tokens[i] != "(":
        while _is_name(tokens[i]) and tokens[i - 1] == ",":
            i -= 2
        if not _is_name(tokens[i]):
            return False
        i -= 1
    return i >= 2 and tokens[i] == "(" and _is_name(tokens[i - 1]) and tokens[i - 2] == "function"


class _SkimParser(_Parser):
    """The fast parser, reading a BODY token for each function body."""

    __slots__ = ("ranges",)

    def __init__(self, source: str, span: ModuleSpan, tokens: list[str], starts: list[int]) -> None:
        super().__init__(source, span, tokens, starts)
        self.ranges: list[tuple[int, int]] = []

    def function_declaration(self) -> N.Node:
        keyword_at = self.starts[self.i]
        decl = super().function_declaration()
        self.ranges.append((keyword_at, decl.end))
        return decl

    def function_body(self) -> list[N.Node]:
        if self.toks[self.i] != BODY:
            raise self.fail("a function body that the skim did not delimit")
        self.i += 1  # FuncDecl.end comes from its offset: the `}`'s
        return []
