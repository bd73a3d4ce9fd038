"""The asm.js type lattice and every operator, builtin and heap-view signature, as data (spec §2, §8).

The checker looks rows up here and hands the chosen row's opcode to the lowering, so typing and instruction
selection cannot drift apart. Opcode names are Wasm instruction names, or pseudo-instructions (marked with a
leading '$') whose exact-JavaScript expansion lives in `lower/semantics.py`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# §2.1 value types: each type with its immediate supertypes.
PARENTS: dict[str, tuple[str, ...]] = {
    "fixnum": ("signed", "unsigned"),
    "signed": ("int", "extern"),
    "unsigned": ("int",),  # not extern: JavaScript would see a different number than a signed int
    "int": ("intish",),
    "intish": (),
    "double": ("double?", "extern"),
    "double?": (),
    "float": ("float?",),
    "float?": ("floatish",),
    "floatish": (),
    "extern": (),
    "void": (),
}


def _closure(t: str) -> frozenset[str]:
    seen = {t}
    todo = [t]
    while todo:
        for parent in PARENTS[todo.pop()]:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return frozenset(seen)


SUPERTYPES: dict[str, frozenset[str]] = {t: _closure(t) for t in PARENTS}


def is_a(t: str, u: str) -> bool:
    """t <: u in the asm.js lattice (reflexive)."""
    return u in SUPERTYPES[t]


# The Wasm value type that carries each asm.js type.
WASM_TYPE: dict[str, str | None] = {
    "fixnum": "i32", "signed": "i32", "unsigned": "i32", "int": "i32", "intish": "i32",
    "double": "f64", "double?": "f64", "float": "f32", "float?": "f32", "floatish": "f32",
    "extern": None, "void": None,
}

# The declared type of a variable (local or global) of each Wasm type (§5.4): int, double or float.
VAR_TYPE: dict[str, str] = {"i32": "int", "f64": "double", "f32": "float"}

# Row = (operand type, result type, opcode). The first row whose operand types match wins. §8.1
UNARY: dict[str, list[tuple[str, str, str | None]]] = {
    "+": [("signed", "double", "f64.convert_i32_s"), ("unsigned", "double", "f64.convert_i32_u"),
          ("double?", "double", None), ("float?", "double", "f64.promote_f32")],
    "-": [("int", "intish", "$i32.neg"), ("double?", "double", "f64.neg"), ("float?", "floatish", "f32.neg")],
    "~": [("intish", "signed", "$i32.not")],
    "!": [("int", "int", "i32.eqz")],
}

# `~~e`, the ToInt32 idiom (§8.1).
DOUBLE_NOT: list[tuple[str, str, str]] = [("double", "signed", "$f64.to_int32"), ("float?", "signed", "$f32.to_int32")]

# Row = (left type, right type, result type, opcode). §8.2. Integer `+`, `-` and `*` have their own rules
# (additive chains §6.8.9, multiplication by a literal §6.8.8) and use INT_ADDITIVE / INT_MUL below.
_INTISH_BITWISE = "intish", "intish", "signed"
BINARY: dict[str, list[tuple[str, str, str, str]]] = {
    "+": [("double", "double", "double", "f64.add"), ("float?", "float?", "floatish", "f32.add")],
    "-": [("double", "double", "double", "f64.sub"), ("float?", "float?", "floatish", "f32.sub")],
    "*": [("double?", "double?", "double", "f64.mul"), ("float?", "float?", "floatish", "f32.mul")],
    "/": [("signed", "signed", "intish", "$i32.div_s"), ("unsigned", "unsigned", "intish", "$i32.div_u"),
          ("double?", "double?", "double", "f64.div"), ("float?", "float?", "floatish", "f32.div")],
    "%": [("signed", "signed", "intish", "$i32.rem_s"), ("unsigned", "unsigned", "intish", "$i32.rem_u"),
          ("double?", "double?", "double", "$f64.rem")],
    "|": [(*_INTISH_BITWISE, "i32.or")],
    "&": [(*_INTISH_BITWISE, "i32.and")],
    "^": [(*_INTISH_BITWISE, "i32.xor")],
    "<<": [(*_INTISH_BITWISE, "i32.shl")],
    ">>": [(*_INTISH_BITWISE, "i32.shr_s")],
    ">>>": [("intish", "intish", "unsigned", "i32.shr_u")],
}
_COMPARISONS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}
for _op, _name in _COMPARISONS.items():
    _int_suffix = "" if _name in ("eq", "ne") else "_s"
    _uint_suffix = "" if _name in ("eq", "ne") else "_u"
    BINARY[_op] = [
        ("signed", "signed", "int", f"i32.{_name}{_int_suffix}"),
        ("unsigned", "unsigned", "int", f"i32.{_name}{_uint_suffix}"),
        ("double", "double", "int", f"f64.{_name}"),
        ("float", "float", "int", f"f32.{_name}"),
    ]

INT_ADDITIVE = {"+": "i32.add", "-": "i32.sub"}
ADDITIVE_CHAIN_LIMIT = 1 << 20
MUL_LITERAL_LIMIT = 1 << 20


@dataclass(frozen=True)
class MathFunc:
    """A stdlib Math function: overloads (param types, result type, opcode); `variadic` for min/max (§8.3)."""

    name: str
    overloads: tuple[tuple[tuple[str, ...], str, str], ...]
    variadic: bool = False


def _unary_import(name: str) -> MathFunc:
    return MathFunc(name, ((("double?",), "double", "$import"),))


def _rounding(name: str) -> MathFunc:
    return MathFunc(name, ((("double?",), "double", f"f64.{name}"), (("float?",), "float", f"f32.{name}")))


MATH_FUNCS: dict[str, MathFunc] = {
    **{n: _unary_import(n) for n in ("acos", "asin", "atan", "cos", "sin", "tan", "exp", "log")},
    **{n: _rounding(n) for n in ("ceil", "floor", "sqrt")},
    "abs": MathFunc("abs", ((("signed",), "unsigned", "$i32.abs"), (("double?",), "double", "f64.abs"),
                            (("float?",), "float", "f32.abs"))),
    "atan2": MathFunc("atan2", ((("double?", "double?"), "double", "$import"),)),
    "pow": MathFunc("pow", ((("double?", "double?"), "double", "$import"),)),
    "imul": MathFunc("imul", ((("int", "int"), "signed", "i32.mul"),)),
    "clz32": MathFunc("clz32", ((("int",), "fixnum", "i32.clz"),)),
    "min": MathFunc("min", ((("int",), "signed", "$i32.min_s"), (("double",), "double", "f64.min"),
                            (("float",), "float", "f32.min")), variadic=True),
    "max": MathFunc("max", ((("int",), "signed", "$i32.max_s"), (("double",), "double", "f64.max"),
                            (("float",), "float", "f32.max")), variadic=True),
}
FROUND = "fround"

MATH_CONSTANTS: dict[str, float] = {
    "E": math.e, "LN10": math.log(10), "LN2": math.log(2), "LOG2E": 1 / math.log(2),
    "LOG10E": 1 / math.log(10), "PI": math.pi, "SQRT1_2": math.sqrt(0.5), "SQRT2": math.sqrt(2),
}
STDLIB_CONSTANTS: dict[str, float] = {"Infinity": math.inf, "NaN": math.nan}

# Argument types `fround` accepts (§8.3, Float Coercions).
FROUND_ARGS = (("floatish", None), ("double?", "f32.demote_f64"), ("signed", "f32.convert_i32_s"),
               ("unsigned", "f32.convert_i32_u"))


@dataclass(frozen=True)
class HeapView:
    """A typed array constructor usable as a heap view (§6.10)."""

    ctor: str
    size: int  # element size in bytes
    load_type: str
    store_types: tuple[str, ...]
    load_op: str
    store_op: str
    valtype: str  # the Wasm type loaded and stored

    @property
    def storable(self) -> frozenset[str]:
        """The types of the values a store may put in it: those that are one of `store_types`."""
        return _STORABLE[self.store_types]


HEAP_VIEWS: dict[str, HeapView] = {v.ctor: v for v in (
    HeapView("Int8Array", 1, "intish", ("intish",), "i32.load8_s", "i32.store8", "i32"),
    HeapView("Uint8Array", 1, "intish", ("intish",), "i32.load8_u", "i32.store8", "i32"),
    HeapView("Int16Array", 2, "intish", ("intish",), "i32.load16_s", "i32.store16", "i32"),
    HeapView("Uint16Array", 2, "intish", ("intish",), "i32.load16_u", "i32.store16", "i32"),
    HeapView("Int32Array", 4, "intish", ("intish",), "i32.load", "i32.store", "i32"),
    HeapView("Uint32Array", 4, "intish", ("intish",), "i32.load", "i32.store", "i32"),
    HeapView("Float32Array", 4, "float?", ("floatish", "double?"), "f32.load", "f32.store", "f32"),
    HeapView("Float64Array", 8, "double?", ("float?", "double?"), "f64.load", "f64.store", "f64"),
)}

_STORABLE = {view.store_types: frozenset(t for t in SUPERTYPES if any(is_a(t, u) for u in view.store_types))
             for view in HEAP_VIEWS.values()}

# Converting a stored value's Wasm type to the view's (storing a double into a Float32Array rounds, §6.10).
STORE_CONVERSIONS: dict[tuple[str, str], str] = {("f64", "f32"): "f32.demote_f64", ("f32", "f64"): "f64.promote_f32"}

# The smallest heap asm.js links with; constant accesses below it need no bounds check.
MIN_HEAP_BYTES = 1 << 12
SHIFT_OF_SIZE = {1: 0, 2: 1, 4: 2, 8: 3}

# Return-annotation types (§5.2) and what each makes the function return.
RETURN_TYPES = ("signed", "double", "float", "void")
