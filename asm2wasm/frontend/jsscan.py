"""Just enough JavaScript lexing to delimit a function without parsing it.

`match_brace` finds the `}` that closes a `{`, skipping strings, comments, regular expression literals and template
literals (with `${...}` substitutions nested to any depth). It is linear and cheap: runs of ordinary code between two
"special" characters (quotes, backquote, slash) are handled with `str.count`, so a Python-level step happens only
per string, comment or slash, not per character or per brace.

Whether a `/` starts a regular expression or is a division depends on the previous significant token; we use the
usual heuristic (after `)`, `]`, an identifier that is not a keyword, a number, a string: division; otherwise a
regular expression) and fall back to division when no regular expression can be read up to the end of the line.

Line numbers follow ECMAScript: LF, CR, CR LF (counted once), U+2028 and U+2029 end a line; columns count code
points from the line start, as esprima does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate, islice

from asm2wasm.diagnostics import Loc

LINE_TERMINATORS = ("\n", "\r", "\u2028", "\u2029")
DEPTH_CHANGE = {"{": 1, "}": -1}  # how a brace changes the nesting depth

SPECIAL = "\"'`/"  # the characters that may start a string, template, comment or regular expression
_BRACE = re.compile(r"[{}]")
_NOT_BRACES = bytes(b for b in range(256) if b not in b"{}")  # deleted by `brace_depths`
_BYTE_DEPTH_CHANGE = {ord(brace): change for brace, change in DEPTH_CHANGE.items()}  # the same, by byte
_STRINGS = {
    '"': re.compile(r'"(?:[^"\\\n\r]|\\\r\n|\\[\s\S])*"'),
    "'": re.compile(r"'(?:[^'\\\n\r]|\\\r\n|\\[\s\S])*'"),
}
_TEMPLATE_CHUNK = re.compile(r"(?:[^`\\$]|\\[\s\S]|\$(?!\{))*(`|\$\{)")
_REGEX = re.compile(
    r"/(?![*/])(?:[^/\\\[\n\r\u2028\u2029]|\\[^\n\r\u2028\u2029]|\[(?:[^\]\\\n\r]|\\[^\n\r])*\])+/[\w$]*"
)
_LINE_END = re.compile(r"[\n\r\u2028\u2029]")
_WORD_BEFORE = re.compile(r"[A-Za-z_$][\w$]*\Z")

# After these words a `/` starts a regular expression, not a division.
_KEYWORDS_BEFORE_EXPRESSION = frozenset(
    [
        "return",
        "typeof",
        "instanceof",
        "in",
        "of",
        "new",
        "delete",
        "void",
        "throw",
        "case",
        "do",
        "else",
        "yield",
        "await",
    ]
)
_VALUE_END = frozenset(")]")
_VALUE_TOKEN = "a"  # stands for "the previous token was a value" (a string, template, regex literal)


class ScanError(Exception):
    """The text cannot be delimited (an unterminated string, comment or template); `pos` is where it starts."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


# ---- line and column -----------------------------------------------------------------------------------------


def count_lines(src: str, start: int, end: int) -> int:
    """The number of line terminators in src[start:end] (CR LF counts once); no copy of the text is made."""
    return (
        src.count("\n", start, end)
        + src.count("\r", start, end)
        - src.count("\r\n", start, end)
        + src.count("\u2028", start, end)
        + src.count("\u2029", start, end)
    )


def _last_line_start(src: str, floor: int, pos: int) -> int:
    """Offset just past the last line terminator in src[floor:pos], or -1 if there is none."""
    last = max(src.rfind(t, floor, pos) for t in LINE_TERMINATORS)
    return last + 1 if last >= 0 else -1


@dataclass
class LineCursor:
    """Turns increasing offsets into (line, col) in time linear in the distance moved."""

    src: str
    pos: int = 0
    line: int = 1
    line_start: int = 0

    def loc(self, offset: int) -> Loc:
        if offset < self.pos:
            self.pos, self.line, self.line_start = 0, 1, 0
        self.line += count_lines(self.src, self.pos, offset)
        start = _last_line_start(self.src, self.pos, offset)
        if start >= 0:
            self.line_start = start
        self.pos = offset
        return Loc(self.line, offset - self.line_start)


def offset_loc(src: str, offset: int) -> Loc:
    """The Loc of one offset (linear in the offset; use a LineCursor for many increasing offsets)."""
    return LineCursor(src).loc(offset)


# ---- brace matching ------------------------------------------------------------------------------------------


def match_brace(src: str, open_pos: int) -> int | None:
    """Offset just past the `}` matching the `{` at `open_pos`, or None if the text ends first.

    Raises ScanError for an unterminated string, block comment or template literal.
    """
    scan = _BraceScan(src, open_pos + 1)
    return scan.run()


class _BraceScan:
    """The state of one `match_brace` walk: brace depth, enclosing template substitutions, previous token."""

    def __init__(self, src: str, pos: int) -> None:
        self.src = src
        self.pos = pos
        self.depth = 1
        self.templates: list[int] = []  # brace depths saved when entering `${`
        self.floor = pos  # end of the last special token handled; code before it is not re-examined
        self.prev = "{"  # the previous significant character (or _VALUE_TOKEN)
        self.prev_at = -1  # its offset when it is a real character of the source
        # per special character, the offset of its next occurrence (len(src): none): `str.find` runs at memchr
        # speed, and each is searched again only once the scan has passed it
        self.next_at = dict.fromkeys(SPECIAL, -1)

    def run(self) -> int | None:
        src, n = self.src, len(self.src)
        handlers = {'"': self._string, "'": self._string, "`": self._template_start, "/": self._slash}
        while True:
            q = self._next_special()
            closed = self._braces(q)
            if closed is not None:
                if not self.templates:
                    return closed
                self._resume_template(closed)
                continue
            if q >= n:
                return None
            self._note_prev(q)
            handlers[src[q]](q)

    def _next_special(self) -> int:
        """The offset of the first special character at or after pos (len(src) when there is none)."""
        return next_of(self.src, self.next_at, self.pos, len(self.src))

    def _braces(self, q: int) -> int | None:
        """Count the braces in [pos, q); return the offset past a `}` that brings the depth to zero."""
        src, pos = self.src, self.pos
        closes = src.count("}", pos, q)
        if closes < self.depth:
            self.depth += src.count("{", pos, q) - closes
            return None
        # the depth after each brace, at C speed; walk to the `}` only where it reaches zero
        _, depths = brace_depths(src[pos:q].encode("utf-8", "surrogatepass"), self.depth)
        if min(depths) > 0:
            self.depth = depths[-1]
            return None
        closing = next(islice(_BRACE.finditer(src, pos, q), depths.index(0) - 1, None))
        self.depth = 0
        return closing.end()

    def _note_prev(self, q: int) -> None:
        """Record the last significant character before the special token at q."""
        src, i = self.src, q - 1
        while i >= self.floor and src[i].isspace():
            i -= 1
        if i >= self.floor:
            self.prev, self.prev_at = src[i], i

    def _finish(self, end: int, prev: str | None = _VALUE_TOKEN) -> None:
        self.pos = self.floor = end
        if prev is not None:
            self.prev, self.prev_at = prev, -1

    def _string(self, q: int) -> None:
        m = _STRINGS[self.src[q]].match(self.src, q)
        if m is None:
            raise ScanError("unterminated string literal", q)
        self._finish(m.end())

    def _template_start(self, q: int) -> None:
        self._template_chunk(q + 1, q)

    def _resume_template(self, after_brace: int) -> None:
        self.depth = self.templates.pop()
        self._template_chunk(after_brace, after_brace - 1)

    def _template_chunk(self, pos: int, opened_at: int) -> None:
        m = _TEMPLATE_CHUNK.match(self.src, pos)
        if m is None:
            raise ScanError("unterminated template literal", opened_at)
        if m.group(1) == "${":
            self.templates.append(self.depth)
            self.depth = 1
            self._finish(m.end(), "{")
        else:
            self._finish(m.end())

    def _slash(self, q: int) -> None:
        src = self.src
        nxt = src[q + 1 : q + 2]
        if nxt == "/":
            m = _LINE_END.search(src, q)
            self._finish(m.start() if m else len(src), None)
        elif nxt == "*":
            end = src.find("*/", q + 2)
            if end < 0:
                raise ScanError("unterminated comment", q)
            self._finish(end + 2, None)
        elif self._regex_allowed():
            m = _REGEX.match(src, q)
            self._finish(m.end()) if m else self._finish(q + 1, "/")
        else:
            self._finish(q + 1, "/")

    def _regex_allowed(self) -> bool:
        prev = self.prev
        if prev == _VALUE_TOKEN and self.prev_at < 0:
            return False
        if prev in _VALUE_END:
            return False
        if prev.isalnum() or prev in "_$":
            word = _WORD_BEFORE.search(self.src, max(0, self.prev_at - 12), self.prev_at + 1)
            return (
                word is not None
                and word.group() in _KEYWORDS_BEFORE_EXPRESSION
                and not _ident_char_at(self.src, word.start() - 1)
            )
        return True


def brace_depths(data: bytes, depth: int = 0) -> tuple[bytes, list[int]]:
    """The braces of the UTF-8 text `data` alone, in order, and the nesting depth before the first (`depth`) and
    after each. At memchr speed: every byte but `{` and `}` is deleted (no multi-byte sequence holds either: its
    bytes are all >= 0x80), then each brace's depth change summed."""
    braces = data.translate(None, _NOT_BRACES)
    return braces, list(accumulate(map(_BYTE_DEPTH_CHANGE.__getitem__, braces), initial=depth))


def next_of(src: str, next_at: dict[str, int], pos: int, end: int) -> int:
    """The offset of the first of `next_at`'s strings in src[pos:end] (`end` when there is none). `next_at` keeps each
    one's next offset (start with -1): `str.find` runs at memchr speed, and each string is searched for again only
    once `pos` has passed it, so a walk forward through the text searches it once per string."""
    for text, at in next_at.items():
        if at < pos:
            at = src.find(text, pos, end)
            next_at[text] = at if at >= 0 else end
    return min(next_at.values())


def _ident_char_at(src: str, i: int) -> bool:
    return i >= 0 and (src[i].isalnum() or src[i] in "_$")
