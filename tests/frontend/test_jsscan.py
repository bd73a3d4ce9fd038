"""The comment-, string-, regex- and template-aware brace matcher, and line counting."""

from __future__ import annotations

import pytest

from asm2wasm.diagnostics import Loc
from asm2wasm.frontend.jsscan import LineCursor, ScanError, count_lines, match_brace, offset_loc


def _close(body: str) -> str:
    """The text from `{` to the matching `}` when `body` follows a `{`."""
    source = "{" + body + " TAIL"
    end = match_brace(source, 0)
    assert end is not None
    return source[:end]


@pytest.mark.parametrize(
    "body",
    [
        "}",
        "{ { } }}",
        "var s = \"}\"; var t = '{'; }",
        'var s = "\\"}"; }',
        "// } comment\n}",
        "/* } { */ }",
        "var r = /[}]/g; }",
        "var r = /\\}/; }",
        "return /}/; }",
        "x = a / b / c; }",
        "x = (a) / 2; y = z[1] / 3; }",
        "var t = `}`; }",
        "var t = `${ {a: 1}.a } }`; }",
        "var t = `a${ `b${ '}' }` }c`; }",
        "var t = `$}`; }",
        "if (x) { /re/.test(s); } }",
        "x = 1 // comment at the end\n}",
        "s = 'line \\\n continued }'; }",
        # non-ASCII text between braces (the braces are counted in its UTF-8 bytes; offsets stay the text's)
        "\u00e9 = { \u00fc: 1 }; \U0001f600 }",
        "\ud800 { } \udfff }",
        # special characters inside other tokens: each is looked up again once the scan has passed it
        "var s = \"/'`\"; x = a / '\"' + `'/`; /* \" ' ` */ }",
        "a = '//'; b = \"/*\"; c = x / y / `/${ '}' }/`; }",
    ],
)
def test_match_brace(body: str) -> None:
    assert _close(body) == "{" + body


def test_division_that_looks_like_an_unterminated_regex_is_division() -> None:
    assert _close("a = b++ / 2; c = d / 2; }") == "{a = b++ / 2; c = d / 2; }"


def test_end_of_input() -> None:
    assert match_brace("{ { }", 0) is None


@pytest.mark.parametrize(
    ("source", "pos"),
    [('{ var s = "abc\n }', 10), ("{ /* never closed }", 2), ("{ var t = `abc }", 10)],
)
def test_unterminated(source: str, pos: int) -> None:
    with pytest.raises(ScanError) as err:
        match_brace(source, 0)
    assert err.value.pos == pos


def test_count_lines_follows_ecmascript() -> None:
    text = "a\nb\r\nc\rd\u2028e\u2029f"
    assert count_lines(text, 0, len(text)) == 5
    assert offset_loc(text, text.index("f")) == Loc(6, 0)
    assert offset_loc(text, text.index("c")) == Loc(3, 0)


def test_line_cursor_moves_forward_and_back() -> None:
    text = "ab\ncd\n\nefg"
    cursor = LineCursor(text)
    assert cursor.loc(text.index("d")) == Loc(2, 1)
    assert cursor.loc(text.index("g")) == Loc(4, 2)
    assert cursor.loc(1) == Loc(1, 1)
