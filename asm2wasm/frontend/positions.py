"""Positions in the source text: a node records only the offset of its first character (`at`), and its line and
column are worked out when someone asks (an error message, a source map).

Both front ends record offsets into the same text, so their trees locate every node identically. Keeping offsets
instead of (line, column) pairs saves the parser one object per node and the line bookkeeping on its hot path
(a fifth of the fast parser's time on sql.js); the line table is built once per source, on the first request.
(`jsscan.LineCursor` serves the other case: a few increasing offsets in a whole file, without a table.)
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate, islice

from asm2wasm.diagnostics import Loc
from asm2wasm.frontend.jsscan import LINE_TERMINATORS

# A line and its end (CR LF ends one line; the last line may have none: matching it keeps findall linear).
_LINE = re.compile(r"[^\n\r\u2028\u2029]*+(?:\r\n|[\n\r\u2028\u2029]|\Z)")


def line_ends(source: str, start: int, end: int) -> list[int]:
    """The offsets just past each line terminator in source[start:end] (CR LF counts once), found at C speed."""
    lines = _LINE.findall(source, start, end)
    while lines and (not lines[-1] or lines[-1][-1] not in LINE_TERMINATORS):  # the unterminated last line, the end
        lines.pop()
    return list(islice(accumulate(map(len, lines), initial=start), 1, None))


class SourceLines:
    """Offsets of one source text as Locs (1-based line, 0-based column in characters)."""

    __slots__ = ("_starts", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self._starts: list[int] | None = None  # where each line starts; built on the first request

    def loc(self, offset: int) -> Loc:
        starts = self._starts
        if starts is None:
            starts = self._starts = [0, *line_ends(self.source, 0, len(self.source))]
        k = bisect_right(starts, offset) - 1
        return Loc(k + 1, offset - starts[k])

    def line(self, offset: int) -> int:
        return self.loc(offset).line
