"""The fast front end's tokenizer: asm.js text to a list of token texts and a list of their offsets.

One compiled regular expression does all the work (pycparser's habit of rows joined into one pattern, V8's habit
of lexing only what asm.js needs). Each match is `(trivia)(token)`: the trivia (whitespace and comments, taken
possessively so it is never re-split) and one token. `findall` runs the whole module at C speed; the offsets come
from the running sum of the pieces' lengths (`itertools.accumulate`, also C speed). No Python code runs per token.

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
# The same set as one pattern, each alternative taking the longest punctuator it can (`>>>=` before `>>`, `=>`
# before `=`); grouped by first character, which is faster than a list sorted by length.
_PUNCTUATOR = r"[(){}\[\];,~?:]|>(?:>>?)?=?|<<?=?|=>|[=!](?:==?)?|&&|\|\||\+\+|--|\*\*=?|[-+*/%&|^]=?|\.\.\.|\."
_TRIVIA = r"(?:[ \t\n\r\v\f\u2028\u2029]+|//[^\n\r\u2028\u2029]*|/\*(?:[^*]|\*(?!/))*\*/)*+"
_IDENTIFIER = r"[A-Za-z_$][A-Za-z0-9_$]*"
_NUMBER = r"0[xX][0-9a-fA-F]+|(?:[1-9][0-9]*|0)(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
_STRING = r"\"[^\"\\\n\r\u2028\u2029]*\"|'[^'\\\n\r\u2028\u2029]*'"
_ANY = r"[\s\S]|\Z"  # one character no rule knows; or the end of the text (an empty token)
TOKEN = re.compile(f"({_TRIVIA})({_IDENTIFIER}|{_NUMBER}|{_PUNCTUATOR}|{_STRING}|{_ANY})")

_KINDS = (
    (IDENTIFIER_START, "identifier"),
    (DIGITS, "number"),
    (QUOTES, "string"),
)


def scan(source: str, start: int = 0, end: int | None = None) -> tuple[list[str], list[int]]:
    """The tokens of source[start:end] (texts) and their offsets in `source`; the last two are END."""
    end = len(source) if end is None else end
    pieces = TOKEN.findall(source, start, end)
    tokens = list(map(itemgetter(1), pieces))
    bounds = accumulate(map(len, chain.from_iterable(pieces)), initial=start)  # trivia start, token start, ...
    starts = list(islice(bounds, 1, None, 2))
    del pieces
    while tokens and not tokens[-1]:  # the empty match(es) at the end of the text
        tokens.pop()
        starts.pop()
    tokens += (END, END)
    starts += (end, end)
    return tokens, starts


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
