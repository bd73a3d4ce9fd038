"""Where JavaScript and Wasm differ: each asm.js operation whose plain Wasm instruction would behave differently.

Every row of DESIGN.md's semantics table lives here, as pure Wasm (no JavaScript imports), so a module that
uses no FFI runs unchanged in a Wasm-only host:

    pseudo-op          JavaScript meaning                       here
    $i32.div_s/div_u   x / 0 -> 0, INT_MIN / -1 -> INT_MIN       helper function (plain div by a safe constant)
    $i32.rem_s/rem_u   x % 0 -> 0                                helper function (plain rem by a non-zero constant)
    $f64.to_int32      ToInt32: NaN, ±Inf -> 0, else mod 2^32    helper function (`~~d`)
    $f64.rem           fmod with the dividend's sign             helper function (exact, iterative)
    $i32.abs/min/max   Math.abs/min/max on ints                  helper function
    $i32.neg/not       0 - x, ~x                                 inline

Heap bounds checks (out of bounds loads give 0 / NaN, stores are dropped) are emitted inline by the lowering,
except in the slow copies of ranges (versioning.py), which run only when a range's test failed: there each checked
access calls a checked-access helper (ACCESS_HELPER_OPS, `access_helpers`), which keeps those copies small.
Each helper is a `Helper` with its Wasm signature and body; the module includes all of them at fixed indices,
so function indices do not depend on which helpers a function happens to use. Its `if`s carry branch hints (the
guarded case is the unlikely one), as the lowering's checks do.
"""

from __future__ import annotations

from dataclasses import dataclass

from asm2wasm.wasm.consts import LIKELY, UNLIKELY

I32_MIN = -(1 << 31)
TWO_31 = 2147483648.0
TWO_32 = 4294967296.0
NAN = float("nan")


@dataclass(frozen=True)
class Helper:
    name: str
    params: tuple[str, ...]
    result: str | None
    locals: tuple[str, ...]
    body: tuple[tuple, ...]
    hints: tuple[tuple[int, int], ...] = ()  # (index of an `if` in body, LIKELY or UNLIKELY): wasm.Function's


def hinted(body: tuple[tuple, ...], *hints: int) -> tuple[tuple[int, int], ...]:
    """The branch hints of `body`'s `if`s, in order: one of LIKELY or UNLIKELY for each."""
    ifs = [index for index, ins in enumerate(body) if ins[0] == "if"]
    if len(ifs) != len(hints):
        raise ValueError(f"{len(hints)} hints for {len(ifs)} ifs")
    return tuple(zip(ifs, hints))


def _guarded_div(op: str, signed: bool) -> tuple[tuple, ...]:
    """b == 0 -> 0; for signed division also INT_MIN / -1 -> INT_MIN (the wrapped JS result)."""
    plain = (("local.get", 0), ("local.get", 1), (op,))
    if signed:
        plain = (
            ("local.get", 0), ("i32.const", I32_MIN), ("i32.eq",), ("local.get", 1), ("i32.const", -1), ("i32.eq",),
            ("i32.and",), ("if", "i32"), ("i32.const", I32_MIN), ("else",), *plain, ("end",),
        )
    return (("local.get", 1), ("i32.eqz",), ("if", "i32"), ("i32.const", 0), ("else",), *plain, ("end",))


# ToInt32 of a double (ECMAScript 7.1.6): the fast path truncates; otherwise reduce modulo 2^32 exactly.
_TO_INT32 = (
    ("local.get", 0), ("f64.abs",), ("f64.const", TWO_31), ("f64.lt",),
    ("if", "i32"),
    ("local.get", 0), ("i32.trunc_f64_s",),
    ("else",),
    # finite? (d - d is 0 only for finite d)
    ("local.get", 0), ("local.get", 0), ("f64.sub",), ("f64.const", 0.0), ("f64.eq",),
    ("if", "i32"),
    ("local.get", 0), ("f64.trunc",), ("local.tee", 0),
    ("local.get", 0), ("f64.const", TWO_32), ("f64.div",), ("f64.floor",), ("f64.const", TWO_32), ("f64.mul",),
    ("f64.sub",),  # t - floor(t / 2^32) * 2^32, exact, in [0, 2^32)
    ("i64.trunc_f64_s",), ("i32.wrap_i64",),
    ("else",), ("i32.const", 0), ("end",),
    ("end",),
)

# fmod(a, b) with JS `%` semantics, exact. Locals: 2 r = |a|, 3 m = |b|, 4 t.
# NaN, a = ±Inf or b = 0 -> NaN; |a| < |b| (also b = ±Inf) -> a; otherwise subtract the largest m * 2^k <= r
# for k from high to low: each subtraction is exact (Sterbenz, since t <= r < 2t), as is every doubling/halving.
_FMOD = (
    ("local.get", 0), ("local.get", 0), ("f64.sub",), ("local.get", 0), ("local.get", 0), ("f64.sub",), ("f64.eq",),
    ("local.get", 1), ("local.get", 1), ("f64.eq",), ("i32.and",),
    ("local.get", 1), ("f64.const", 0.0), ("f64.ne",), ("i32.and",),
    ("i32.eqz",), ("if", None), ("f64.const", NAN), ("return",), ("end",),
    ("local.get", 0), ("f64.abs",), ("local.set", 2),
    ("local.get", 1), ("f64.abs",), ("local.tee", 3), ("local.set", 4),
    ("local.get", 2), ("local.get", 3), ("f64.lt",), ("if", None), ("local.get", 0), ("return",), ("end",),
    # t = largest m * 2^k with t <= r
    ("block", None), ("loop", None),
    ("local.get", 4), ("local.get", 4), ("f64.add",), ("local.get", 2), ("f64.gt",), ("br_if", 1),
    ("local.get", 4), ("local.get", 4), ("f64.add",), ("local.set", 4), ("br", 0),
    ("end",), ("end",),
    ("block", None), ("loop", None),
    ("local.get", 2), ("local.get", 4), ("f64.ge",),
    ("if", None), ("local.get", 2), ("local.get", 4), ("f64.sub",), ("local.set", 2), ("end",),
    ("local.get", 4), ("local.get", 3), ("f64.eq",), ("br_if", 1),
    ("local.get", 4), ("f64.const", 0.5), ("f64.mul",), ("local.set", 4), ("br", 0),
    ("end",), ("end",),
    ("local.get", 2), ("local.get", 0), ("f64.copysign",),
)

_ABS = (("local.get", 0), ("local.get", 0), ("i32.const", 31), ("i32.shr_s",), ("local.tee", 1), ("i32.xor",),
        ("local.get", 1), ("i32.sub",))


def _pick(compare: str) -> tuple[tuple, ...]:
    return (("local.get", 0), ("local.get", 1), ("local.get", 0), ("local.get", 1), (compare,), ("select",))


def _guarded(name: str, op: str, signed: bool) -> Helper:
    body = _guarded_div(op, signed)
    return Helper(name, ("i32", "i32"), "i32", (), body, hinted(body, *(UNLIKELY,) * (1 + signed)))


HELPERS: tuple[Helper, ...] = (
    _guarded("div_s", "i32.div_s", True),
    _guarded("div_u", "i32.div_u", False),
    _guarded("rem_s", "i32.rem_s", False),
    _guarded("rem_u", "i32.rem_u", False),
    Helper("to_int32", ("f64",), "i32", (), _TO_INT32, hinted(_TO_INT32, LIKELY, LIKELY)),
    Helper("fmod", ("f64", "f64"), "f64", ("f64", "f64", "f64"), _FMOD),  # its branches go either way
    Helper("abs", ("i32",), "i32", ("i32",), _ABS),
    Helper("min_s", ("i32", "i32"), "i32", (), _pick("i32.lt_s")),
    Helper("max_s", ("i32", "i32"), "i32", (), _pick("i32.gt_s")),
)
HELPER_INDEX = {helper.name: i for i, helper in enumerate(HELPERS)}

# Pseudo-op -> (helper name, instructions to emit before the call). Operands are already on the stack.
PSEUDO_CALLS: dict[str, tuple[str, tuple[tuple, ...]]] = {
    "$i32.div_s": ("div_s", ()), "$i32.div_u": ("div_u", ()), "$i32.rem_s": ("rem_s", ()),
    "$i32.rem_u": ("rem_u", ()), "$f64.to_int32": ("to_int32", ()),
    "$f32.to_int32": ("to_int32", (("f64.promote_f32",),)), "$f64.rem": ("fmod", ()), "$i32.abs": ("abs", ()),
    "$i32.min_s": ("min_s", ()), "$i32.max_s": ("max_s", ()),
}
PSEUDO_INLINE: dict[str, tuple[tuple, ...]] = {
    "$i32.neg": (("i32.const", -1), ("i32.mul",)),
    "$i32.not": (("i32.const", -1), ("i32.xor",)),
}

# With a constant divisor the plain instruction is exact: any non-zero divisor for rem and unsigned division,
# any divisor but 0 and -1 for signed division.
PLAIN_WITH_CONSTANT: dict[str, tuple[str, frozenset[int]]] = {
    "$i32.div_s": ("i32.div_s", frozenset((0, -1))), "$i32.div_u": ("i32.div_u", frozenset((0,))),
    "$i32.rem_s": ("i32.rem_s", frozenset((0,))), "$i32.rem_u": ("i32.rem_u", frozenset((0,))),
}

# --fast: plain instructions that trap (division by zero, INT_MIN / -1) or saturate (ToInt32 out of range).
FAST_REPLACEMENTS: dict[str, tuple[tuple, ...]] = {
    "$i32.div_s": (("i32.div_s",),), "$i32.div_u": (("i32.div_u",),), "$i32.rem_s": (("i32.rem_s",),),
    "$i32.rem_u": (("i32.rem_u",),), "$f64.to_int32": (("i32.trunc_sat_f64_s",),),
    "$f32.to_int32": (("i32.trunc_sat_f32_s",),),
}

# What an out-of-bounds load gives (`undefined` coerced: 0 for integer views, NaN for float views).
OOB_LOAD_VALUE = {"i32": ("i32.const", 0), "f32": ("f32.const", NAN), "f64": ("f64.const", NAN)}


# The checked accesses as functions, one per heap access instruction: (kind, instruction, value type, size).
# Loads take the address and return the value (0 / NaN out of bounds); stores take the address and the value.
ACCESS_HELPER_OPS: tuple[tuple[str, str, str, int], ...] = (
    ("load", "i32.load8_s", "i32", 1), ("load", "i32.load8_u", "i32", 1), ("load", "i32.load16_s", "i32", 2),
    ("load", "i32.load16_u", "i32", 2), ("load", "i32.load", "i32", 4), ("load", "f32.load", "f32", 4),
    ("load", "f64.load", "f64", 8),
    ("store", "i32.store8", "i32", 1), ("store", "i32.store16", "i32", 2), ("store", "i32.store", "i32", 4),
    ("store", "f32.store", "f32", 4), ("store", "f64.store", "f64", 8),
)
ACCESS_HELPER_INDEX = {op: i for i, (_, op, _, _) in enumerate(ACCESS_HELPER_OPS)}
ALIGN = {1: 0, 2: 1, 4: 2, 8: 3}  # memarg alignment (log2 bytes) of each access size


def access_helpers(heap_limit_globals: dict[int, int]) -> list[Helper]:
    """The checked-access helpers of a module whose `byteLength - size + 1` limits are in these globals (size ->
    global index), in the order of ACCESS_HELPER_OPS."""
    helpers = []
    for kind, op, vt, size in ACCESS_HELPER_OPS:
        check = (("local.get", 0), ("global.get", heap_limit_globals[size]), ("i32.lt_u",))
        access = (op, ALIGN[size], 0)
        if kind == "load":
            body = (*check, ("if", vt), ("local.get", 0), access, ("else",), OOB_LOAD_VALUE[vt], ("end",))
            helpers.append(Helper(f"checked.{op}", ("i32",), vt, (), body, hinted(body, LIKELY)))
        else:
            body = (*check, ("if", None), ("local.get", 0), ("local.get", 1), access, ("end",))
            helpers.append(Helper(f"checked.{op}", ("i32", vt), None, (), body, hinted(body, LIKELY)))
    return helpers
