"""frontend/positions.py: offsets to (line, column), against the linear reference `jsscan.offset_loc`."""

from __future__ import annotations

import random

import pytest

from asm2wasm.diagnostics import Loc
from asm2wasm.frontend.jsscan import offset_loc
from asm2wasm.frontend.positions import SourceLines, line_ends

TEXTS = [
    "",
    "x",
    "a\nb\n",
    "a\r\nb\rc\u2028d\u2029e",
    "\r\n\r\n\n\r",
    "function f() {\n  return 1;\n}",  # no terminator at the end
    "//comment \U0001f600\nvar x = 1;",  # a character outside the BMP is one column
]


def _offsets(text: str) -> list[int]:
    """Every offset a token can start at: not between the CR and the LF of one line end."""
    return [i for i in range(len(text) + 1) if not (text[i - 1:i] == "\r" and text[i:i + 1] == "\n")]


@pytest.mark.parametrize("text", TEXTS)
def test_every_offset_matches_the_reference(text: str) -> None:
    lines = SourceLines(text)
    for offset in _offsets(text):
        assert lines.loc(offset) == offset_loc(text, offset), (text, offset)


def test_random_texts() -> None:
    rng = random.Random(7)
    for _ in range(200):
        text = "".join(rng.choice("ab \n\r\u2028") for _ in range(rng.randrange(40)))
        lines = SourceLines(text)
        for offset in _offsets(text):
            assert lines.loc(offset) == offset_loc(text, offset), (text, offset)


def test_cr_lf_is_one_line_end() -> None:
    assert line_ends("a\r\nb\nc", 0, 6) == [3, 5]
    assert SourceLines("a\r\nb").loc(3) == Loc(2, 0)


def test_line() -> None:
    assert SourceLines("a\nbb\nccc").line(6) == 3


def test_the_table_is_built_on_first_use_only() -> None:
    lines = SourceLines("a\nb")
    assert lines._starts is None
    lines.loc(2)
    assert lines._starts == [0, 2]
