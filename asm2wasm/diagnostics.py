"""One diagnostic type for every pass, printed clang-style with the source line and a caret.

Positions: lines are 1-based, columns 0-based (as esprima gives them); only `format` adds 1 to the column.
Codes are stable: tests assert the code and the position, never the wording.
"""

from __future__ import annotations

from dataclasses import dataclass

# code -> one-line explanation (the spec section in brackets).
CODES: dict[str, str] = {
    # input and parsing
    "E001": "the input is not readable text (not UTF-8, or binary)",
    "E002": "JavaScript syntax error",
    "E003": "no asm.js module (a function whose body starts with \"use asm\") in the input",
    "E004": "several asm.js modules in the input: choose one with --module",
    "E005": "no module of that name in the input",
    "E006": "nesting too deep (expressions or blocks beyond the supported depth)",
    "E007": "JavaScript syntax that asm.js does not allow here",
    # module structure [§6.1]
    "M001": "a module takes at most three parameters (stdlib, foreign, heap) [§6.1]",
    "M002": "the module must start with the \"use asm\" directive [§6.1]",
    "M003": "module statements must be: variables, then functions, then function tables, then the export [§6.1]",
    "M004": "invalid global variable declaration [§6.1]",
    "M005": "name defined twice, or shadows a module parameter [§3.1]",
    "M006": "unknown standard library member [§8.3]",
    "M007": "heap view must be `new stdlib.XArray(heap)` with a typed array constructor [§6.1]",
    "M008": "invalid foreign import: expected `foreign.x`, `foreign.x|0` or `+foreign.x` [§6.1]",
    "M009": "the module must end with `return f;` or `return {name: f, ...};` [§6.2]",
    "M010": "export of something that is not a function of this module [§6.2]",
    "M011": "function table length must be a power of two [§6.3]",
    "M012": "function table entries must be functions of one signature [§6.3]",
    "M013": "missing export statement [§6.2]",
    "M014": "function declared twice or uses a reserved name [§6.4]",
    "M015": "an \"almost asm\" module's memory replacement function has an unexpected form",
    # annotations [§5]
    "A001": "parameter lacks its type annotation: expected `x = x|0`, `x = +x` or `x = fround(x)` [§5.1]",
    "A002": "local variable initialiser must be a numeric literal or fround(literal) [§5.4]",
    "A003": "invalid return: expected `return e|0`, `return +e`, `return fround(e)`, a literal or `return;` [§5.2]",
    "A004": "return type differs from the function's other returns [§6.5.5]",
    "A005": "numeric literal out of range [§6.6.1]",
    # types [§6.5 - §6.10]
    "T001": "unknown identifier [§3.3]",
    "T002": "operand type not allowed for this operator [§8]",
    "T003": "assignment of a value whose type does not match the variable [§6.8.4]",
    "T004": "cannot assign to this name (a constant, a function or an import) [§6.8.4]",
    "T005": "condition must be of type int [§6.5.4]",
    "T006": "function called with arguments that do not match its parameter types [§6.9]",
    "T007": "call result needs a coercion that matches the function's return type [§6.9]",
    "T008": "calls must be coerced (|0, +, fround) or statements [§6.9]",
    "T009": "foreign functions cannot return float or take float arguments [§6.9]",
    "T010": "function table call must be `table[e & mask](...)` with mask = length - 1 [§6.9]",
    "T011": "invalid heap access: expected `view[e >> n]` or `view[n]` with n matching the element size [§6.10]",
    "T012": "value type not allowed for a store into this view [§6.10]",
    "T013": "conditional expression branches must both be int, double or float [§6.8.10]",
    "T014": "too many operands in an additive chain (2^20) [§6.8.9]",
    "T015": "integer multiplication needs a literal operand below 2^20 [§6.8.8]",
    "T016": "switch discriminant must be signed and cases distinct signed literals [§6.5.10]",
    "T017": "break or continue outside its loop, switch or label [§6.5.7]",
    "T018": "unsupported expression form in asm.js [§6.8]",
    "T019": "unsupported statement form in asm.js [§6.5]",
    "T021": "the expression's value must be coerced before it is used here (intish, floatish, double?, float?) [§2.1]",
    "T022": "function has the wrong number of arguments [§6.9]",
    "T023": "label declared twice in nested statements [§6.5.9]",
    "T024": "a function table's name may only be used in a call [§6.9]",
    # lenient-mode warnings
    "W001": "call arguments coerced to the callee's parameter types (not valid asm.js) [§6.9]",
}


@dataclass(frozen=True, slots=True)
class Loc:
    line: int  # 1-based
    col: int  # 0-based


NO_LOC = Loc(1, 0)


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    loc: Loc
    severity: str = "error"

    def format(self, filename: str, source: str | None = None) -> str:
        """`file:line:col: error: message [CODE]`, then the source line and a caret."""
        head = f"{filename}:{self.loc.line}:{self.loc.col + 1}: {self.severity}: {self.message} [{self.code}]"
        line = source_line(source, self.loc.line) if source is not None else None
        if line is None:
            return head
        shown, caret_at = _window(line, self.loc.col)
        pad = "".join("\t" if ch == "\t" else " " for ch in shown[:caret_at])
        return f"{head}\n  {shown}\n  {pad}^"


SNIPPET_WIDTH = 160


def _window(line: str, col: int) -> tuple[str, int]:
    """The part of a (possibly minified, very long) line around `col`, and the caret's position in it."""
    if len(line) <= SNIPPET_WIDTH:
        return line, min(col, len(line))
    start = max(0, min(col - SNIPPET_WIDTH // 2, len(line) - SNIPPET_WIDTH))
    prefix = "..." if start else ""
    end = start + SNIPPET_WIDTH
    return prefix + line[start:end] + ("..." if end < len(line) else ""), len(prefix) + col - start


def source_line(source: str, line: int) -> str | None:
    """The text of 1-based `line` without its newline, found without splitting the whole source."""
    start = 0
    for _ in range(line - 1):
        start = source.find("\n", start) + 1
        if start == 0:
            return None
    end = source.find("\n", start)
    return source[start:] if end < 0 else source[start:end]


class CompileError(Exception):
    """Raised by any pass to stop at its first error; carries the diagnostic."""

    def __init__(self, code: str, message: str, loc: Loc = NO_LOC) -> None:
        super().__init__(message)
        self.diagnostic = Diagnostic(code, message, loc)
