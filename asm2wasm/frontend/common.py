"""Pieces both front ends share, so that they cannot drift apart: numeric literal typing and the nesting error.

- `literal_number` types a numeric literal by its source text (§6.6.1, as V8's asm.js scanner does): with a `.` it
  is a double; otherwise an integer kept exact as a Python int (`1e3` is 1000, `0x10` is 16), except a value with a
  fraction (`1e-3`), which is a double; legacy octal (`010`) gives None (the front ends make it Unsupported).
- `nesting_error` is the E006 both report when their recursion runs out: at the module's deepest bracket.
"""

from __future__ import annotations

import re
from decimal import Decimal

from asm2wasm.diagnostics import CompileError
from asm2wasm.frontend.extract import ModuleSpan
from asm2wasm.frontend.jsscan import offset_loc

_LEGACY_OCTAL = re.compile(r"0\d")
_BRACKET = re.compile(r"[()\[\]{}]")
_MAX_EXACT_DIGITS = 400  # integer literals longer than this keep a float approximation (they are out of range)


# ---- numeric literals (§6.6.1) ---------------------------------------------------------------------------------


def literal_number(raw: str) -> tuple[int | float, bool] | None:
    """(value, is_double) of a numeric literal's source text; None for a legacy octal literal."""
    if raw[:2].lower() in ("0x", "0o", "0b"):
        return int(raw, 0), False
    if _LEGACY_OCTAL.match(raw):
        return None
    if "." in raw:
        return float(raw), True
    if "e" in raw or "E" in raw:
        return _exponent_literal(raw)
    if len(raw) > _MAX_EXACT_DIGITS:
        return float(raw), False
    return int(raw), False


def _exponent_literal(raw: str) -> tuple[int | float, bool]:
    value = Decimal(raw)
    if value.adjusted() > _MAX_EXACT_DIGITS:
        return float(value), False
    if value == value.to_integral_value():
        return int(value), False
    return float(value), True


# ---- nesting too deep ------------------------------------------------------------------------------------------


def nesting_error(source: str, span: ModuleSpan) -> CompileError:
    """E006 at the deepest bracket of the module (found by a linear scan, only on this error path)."""
    at = _deepest_bracket(source, span.start, span.end)
    message = "nesting too deep for the parser (brackets, blocks or else-if chains); simplify the expression"
    return CompileError("E006", message, offset_loc(source, at if at >= 0 else span.start))


def _deepest_bracket(source: str, start: int, end: int) -> int:
    depth = best = 0
    best_at = -1
    for m in _BRACKET.finditer(source, start, end):
        depth += 1 if m.group() in "([{" else -1
        if depth > best:
            best, best_at = depth, m.start()
    return best_at
