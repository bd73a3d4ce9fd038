"""The fast front end's tokenizer: token texts, offsets, trivia, and what it leaves for the parser to refuse."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from asm2wasm.frontend import scanner
from asm2wasm.frontend.scanner import END, PUNCTUATORS, scan, token_kind

REPO = Path(__file__).resolve().parents[2]


def _tokens(text: str) -> list[str]:
    tokens, _ = scan(text)
    assert tokens[-2:] == [END, END]
    return tokens[:-2]


@pytest.mark.parametrize(
    "number", ["1", "0", "1.0", "1.", "1e3", "1E3", "1e-3", "1e+3", ".5", "0x1F", "0XaB", "4294967295", "1.5e308"]
)
def test_numbers_keep_their_raw_text(number: str) -> None:
    assert _tokens(f"x = {number};") == ["x", "=", number, ";"]
    assert token_kind(number) == "number"


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("1a", ["1", "a"]),  # JavaScript rejects these; as two tokens, no parser rule accepts them either
        ("0x", ["0", "x"]),
        ("010", ["0", "10"]),
        ("1e", ["1", "e"]),
        ("1..a", ["1.", ".", "a"]),
        ("a.5", ["a", ".5"]),
        ("f(...x)", ["f", "(", "...", "x", ")"]),
    ],
)
def test_number_edges(text: str, tokens: list[str]) -> None:
    assert _tokens(text) == tokens


def test_offsets_are_in_the_whole_text() -> None:
    source = "var a;\nfunction M() { x = 1; }"
    tokens, starts = scan(source, source.index("function"), len(source))
    assert [source[s : s + len(t)] for t, s in zip(tokens[:-2], starts)] == tokens[:-2]
    assert starts[0] == 7 and starts[-1] == starts[-2] == len(source)


def test_comments_and_whitespace_are_skipped() -> None:
    source = "a /* b */ c // d e\n\tf /* multi\nline */ g\r\nh\u2028i\u2029j"
    tokens, starts = scan(source)
    assert tokens[:-2] == ["a", "c", "f", "g", "h", "i", "j"]
    assert [source[s] for s in starts[:-2]] == ["a", "c", "f", "g", "h", "i", "j"]


def test_trailing_trivia_and_empty_input() -> None:
    assert _tokens("a // end") == ["a"]
    assert _tokens("a /* end */  \n") == ["a"]
    assert _tokens("") == []
    assert _tokens("  ") == []


def test_unterminated_comment_is_not_trivia() -> None:
    assert _tokens("a /* never closed") == ["a", "/", "*", "never", "closed"]


# (text, length of the trivia at its start)
TRIVIA_CORNERS = [("", 0), (" ", 1), (" /* x", 1), ("/* x", 0), (" /* a */ /* b", 9), ("// a\n /* b */ c", 14),
                  ("/* a */\n//", 10), ("/ x", 0), (" /x/ ", 1), ("\u2028/* * / */ /**/\t", 16),
                  ("/* a **/ /*/ b */ b", 18), ("//\r\n/", 4)]


@pytest.mark.parametrize("text, length", TRIVIA_CORNERS)
def test_trivia_is_the_same_with_and_without_possessive_repeats(text: str, length: int) -> None:
    """The pattern without possessive repeats (what an interpreter that mishandles them gets, see POSSESSIVE)
    takes exactly the trivia the possessive one takes, from every offset."""
    ends = {}
    for possessive in ("+", ""):
        trivia = re.compile(scanner.trivia_pattern(possessive))
        ends[possessive] = [trivia.match(text, start).end() for start in range(len(text) + 1)]
    assert ends["+"] == ends[""]
    assert ends[""][0] == length


def test_possessive_repeats_are_used_where_they_work() -> None:
    if re.match(r"(?:/\*.*?\*/)*+", "/* x").end() == 0:
        assert scanner.POSSESSIVE == "+"
    else:
        assert scanner.POSSESSIVE == ""
    assert _tokens("a /* never closed") == ["a", "/", "*", "never", "closed"]


def test_strings() -> None:
    assert _tokens("\"use asm\"; 'almost asm'") == ['"use asm"', ";", "'almost asm'"]
    assert token_kind('"use asm"') == "string"


@pytest.mark.parametrize("text", ['"a\\"b"', "'unterminated", '"line\nbreak"', '"a\u2028b"'])
def test_strings_with_escapes_or_line_breaks_are_error_tokens(text: str) -> None:
    tokens = _tokens(text)
    assert token_kind(tokens[0]) == "error"


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("a>>>b", ["a", ">>>", "b"]),
        ("a>>b", ["a", ">>", "b"]),
        ("a>=b", ["a", ">=", "b"]),
        ("a>>>=b", ["a", ">>>=", "b"]),
        ("a===b", ["a", "===", "b"]),
        ("a!==b", ["a", "!==", "b"]),
        ("a==b!=c", ["a", "==", "b", "!=", "c"]),
        ("a<<=b<=c<<d", ["a", "<<=", "b", "<=", "c", "<<", "d"]),
        ("a--b", ["a", "--", "b"]),  # never `a - -b`
        ("a- -b", ["a", "-", "-", "b"]),
        ("a&&b||c", ["a", "&&", "b", "||", "c"]),
        ("x=>y", ["x", "=>", "y"]),
        ("a**=b", ["a", "**=", "b"]),
    ],
)
def test_punctuators_longest_first(text: str, tokens: list[str]) -> None:
    assert _tokens(text) == tokens


def test_every_punctuator_is_one_token() -> None:
    for punctuator in PUNCTUATORS:
        assert _tokens(f"a {punctuator} b") == ["a", punctuator, "b"], punctuator
        assert token_kind(punctuator) == "punctuator"


def test_regex_looking_division() -> None:
    assert _tokens("a / b / c") == ["a", "/", "b", "/", "c"]
    assert _tokens("(a)/b/(c)") == ["(", "a", ")", "/", "b", "/", "(", "c", ")"]


@pytest.mark.parametrize("char", ["\\", "`", "@", "#", "\u00e9", "\u00a0", "\ufeff"])
def test_unknown_characters_are_error_tokens(char: str) -> None:
    tokens = _tokens(f"a {char} b")
    assert tokens[1] == char and token_kind(char) == "error"


def test_identifiers_are_ascii() -> None:
    assert _tokens("$a _b c1 HEAP32") == ["$a", "_b", "c1", "HEAP32"]
    assert _tokens("caf\u00e9") == ["caf", "\u00e9"]
    assert token_kind("if") == "identifier"  # keywords are identifiers to the scanner


# ---- dense (minified) and spaced text are scanned two ways, with the same result


def _both_ways(source: str, start: int = 0, end: int | None = None) -> tuple[list[str], list[int]]:
    end = len(source) if end is None else end
    results = []
    for way in (scanner._scan_spaced, scanner._scan_dense):
        tokens, starts = way(source, start, end)
        while tokens and not tokens[-1]:
            tokens.pop()
            starts.pop()
        results.append((tokens, starts))
    assert results[0] == results[1]
    return results[0]


@pytest.mark.parametrize(
    "text",
    [
        "", " ", "a", "a ", " a", "a//c", "a/*c*/", "a /* c */ b // d\n e", "a/b/=c//d\n/*e*/f", "/**/a/**/",
        "x=1;y=2;\r\n\u2028z", "a /* never closed", "a\u00a0b", "'s' \"t\" 'u\\'", "a\tb\vc\fd",
    ],
)
def test_both_ways_agree(text: str) -> None:
    _both_ways(text)
    for start in range(len(text) + 1):
        _both_ways(text, start, len(text))
        _both_ways(text, 0, start)


def test_both_ways_agree_on_every_fixture() -> None:
    for path in sorted(REPO.glob("fixtures/*/*.js")):
        source = path.read_text()
        tokens, starts = _both_ways(source)
        assert [source[s : s + len(t)] for t, s in zip(tokens, starts)] == tokens


def test_minified_text_takes_the_dense_way(monkeypatch: pytest.MonkeyPatch) -> None:
    taken = []
    monkeypatch.setattr(scanner, "_scan_dense", lambda *args: taken.append("dense") or ([], []))
    monkeypatch.setattr(scanner, "_scan_spaced", lambda *args: taken.append("spaced") or ([], []))
    scan("function f(a){a=a|0;return(a+1)|0}" * 10)
    scan("function f(a) {\n  a = a | 0;\n  return (a + 1) | 0;\n}\n" * 10)
    assert taken == ["dense", "spaced"]
