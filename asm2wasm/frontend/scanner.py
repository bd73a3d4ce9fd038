"""The fast front end's tokenizer: asm.js text to a list of token texts and a list of their offsets.

One compiled regular expression does all the work (pycparser's habit of rows joined into one pattern, V8's habit
of lexing only what asm.js needs). Each match is `(trivia)(token)`: the trivia (whitespace and comments, taken
possessively: never re-split) and one token. `findall` runs the whole module at C speed; the offsets come
from the running sum of the pieces' lengths (`itertools.accumulate`, also C speed). No Python code runs per token.
Minified text (little trivia) is matched without the groups, each match as one string: faster; the few matches
that start with trivia are cut apart afterwards (`_scan_dense`). Both ways give the same tokens and offsets.

A token is its own text, so the parser compares strings (`tok == "("`, `PREC.get(tok)`) and classifies the rest by
the first character: a letter, `_` or `$` starts an identifier or keyword, a digit (or `.` followed by a digit) a
number, a quote a string. The number keeps its raw text; the parser types it (`common.literal_number`).

What it does not lex, it does not guess: any other character (a backslash, a backquote, a non-ASCII letter, an
unterminated or escaped string's quote, `@`) becomes a one-character token that no grammar rule accepts, so the
parser gives up and the module goes to the reference front end. JavaScript's punctuators are all listed, longest
first, even those asm.js lacks (`++`, `===`, `=>`), so that `a--b` is never read as `a - -b`. A `/` is always a
punctuator: where JavaScript would start a regular expression the parser finds an operator in operand position and
gives up the same way. Adjacent tokens that JavaScript would reject (`1a`, `0x`, `010`) come out as two tokens, which
no rule accepts either.

The input ends with END (its offset is the end of the text), twice, so that the parser may look one token ahead
without a bounds check.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate, chain, islice
from operator import itemgetter

END = "\0end"  # the end-of-input token: no real token starts with NUL
LINE_TERMINATOR = re.compile(r"[\n\r\u2028\u2029]")

IDENTIFIER_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$")
DIGITS = frozenset("0123456789")
QUOTES = frozenset("\"'")

# Every ECMAScript punctuator (ES2017), for reference and token_kind.
PUNCTUATORS = frozenset(
    """{ } ( ) [ ] ; , < > + - * / % & | ^ ! ~ ? : = . ... => == != === !== <= >= << >> >>> && || ++ -- **
    += -= *= /= %= &= |= ^= <<= >>= >>>= **=""".split()
)
# The same set as two patterns, each alternative taking the longest punctuator it can (`>>>=` before `>>`, `=>`
# before `=`); grouped by first character, which is faster than a list sorted by length. The one-character
# punctuators no other token starts with are tried first of all the tokens: they are the most frequent.
_SINGLE_PUNCTUATOR = r"[(){}\[\];,~?:]"
_PUNCTUATOR = r">(?:>>?)?=?|<<?=?|=>|[=!](?:==?)?|&&|\|\||\+\+|--|\*\*=?|[-+*/%&|^]=?|\.\.\.|\."
COMMENT = r"//[^\n\r\u2028\u2029]*|/\*(?:[^*]|\*(?!/))*\*/"
STRING = r"\"[^\"\\\n\r\u2028\u2029]*\"|'[^'\\\n\r\u2028\u2029]*'"
# CPython 3.11.2 (Debian 12's; 3.11.7 is fixed) can end a possessive repeat inside an iteration that failed part way
# (an unterminated `/*` became trivia). There the patterns go without possessive repeats: the same matches, since a
# token always follows the trivia and nothing backtracks into it, but about a tenth slower.
POSSESSIVE = "+" if re.match(r"(?:/\*.*?\*/)*+", "/* x").end() == 0 else ""


def trivia_pattern(possessive: str) -> str:
    """White space and comments; `possessive` is "+" or "" (see POSSESSIVE)."""
    white = rf"[ \t\n\r\v\f\u2028\u2029]*{possessive}"
    return rf"{white}(?:(?:{COMMENT}){white})*{possessive}"


_TRIVIA = trivia_pattern(POSSESSIVE)
_IDENTIFIER = r"[A-Za-z_$][A-Za-z0-9_$]*"
_NUMBER = r"0[xX][0-9a-fA-F]+|(?:[1-9][0-9]*|0)(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
_ANY = r"[\s\S]|\Z"  # one character no rule knows; or the end of the text (an empty token)
_ANY_TOKEN = f"{_SINGLE_PUNCTUATOR}|{_IDENTIFIER}|{_NUMBER}|{_PUNCTUATOR}|{STRING}|{_ANY}"
TOKEN = re.compile(f"({_TRIVIA})({_ANY_TOKEN})")
_PIECE = re.compile(f"{_TRIVIA}(?:{_ANY_TOKEN})")  # TOKEN, ungrouped
_TRIVIA_PREFIX = re.compile(_TRIVIA)
# A character where trivia may start (white space, or a `/` that may open a comment): one character class, which
# the regular expression engine searches several times faster than the runs and `/[/*]` as alternatives.
_TRIVIA_OPENER = re.compile(r"[ \t\n\r\v\f\u2028\u2029/]")
_match_start = re.Match.start
_DENSE = 25  # text with fewer spaces and line feeds than one per this many characters is scanned as dense

_KINDS = (
    (IDENTIFIER_START, "identifier"),
    (DIGITS, "number"),
    (QUOTES, "string"),
)


def scan(source: str, start: int = 0, end: int | None = None) -> tuple[list[str], list[int]]:
    """The tokens of source[start:end] (texts) and their offsets in `source`; the last two are END."""
    end = len(source) if end is None else end
    if source.count(" ", start, end) + source.count("\n", start, end) < (end - start) // _DENSE:
        tokens, starts = _scan_dense(source, start, end)
    else:
        tokens, starts = _scan_spaced(source, start, end)
    while tokens and not tokens[-1]:  # the empty match(es) at the end of the text
        tokens.pop()
        starts.pop()
    tokens += (END, END)
    starts += (end, end)
    return tokens, starts


def _scan_spaced(source: str, start: int, end: int) -> tuple[list[str], list[int]]:
    """Each match's trivia and token apart: offsets from the running sum of both lengths."""
    pieces = TOKEN.findall(source, start, end)
    tokens = list(map(itemgetter(1), pieces))
    bounds = accumulate(map(len, chain.from_iterable(pieces)), initial=start)  # trivia start, token start, ...
    return tokens, list(islice(bounds, 1, None, 2))


def _scan_dense(source: str, start: int, end: int) -> tuple[list[str], list[int]]:
    """Text with little trivia (minified code): each match as one string, its trivia cut off where there is some;
    a match's offset is the running sum of the lengths before it, plus its trivia's length. A fifth faster than
    `_scan_spaced` on such text."""
    pieces = _PIECE.findall(source, start, end)
    while pieces and not pieces[-1]:  # the empty match(es) at the end of the text
        pieces.pop()
    starts = list(accumulate(map(len, pieces), initial=start))
    starts.pop()  # the end of the last match
    # A match that starts with trivia starts where a run of white space or a comment opener does in the text: look
    # those up (few in dense text) instead of testing every match's first character.
    with_trivia = {bisect_right(starts, found) - 1 for found in map(_match_start, _TRIVIA_OPENER.finditer(
        source, start, end))}
    for i in sorted(with_trivia):
        piece = pieces[i]
        trivia = _TRIVIA_PREFIX.match(piece).end()
        if trivia:
            pieces[i] = piece[trivia:]
            starts[i] += trivia
    return pieces, starts


def token_kind(token: str) -> str:
    """ "identifier" (keywords included), "number", "string", "punctuator", "end" or "error"."""
    if token == END:
        return "end"
    first = token[0]
    if first == "." and len(token) > 1 and token[1] in DIGITS:
        return "number"
    for chars, kind in _KINDS:
        if first in chars:
            return "error" if kind == "string" and len(token) < 2 else kind
    return "punctuator" if token in PUNCTUATORS else "error"
