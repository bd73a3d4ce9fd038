"""Tables for the asm.js program generator: the type lattice, the operators by type, literals, stdlib.

Everything here is data about asm.js (spec sections 5 and 8, with the errata V8 implements); the generator in
``fuzz_exprs.py`` only walks these tables. Where the spec and V8's validator differ, the tables keep to what both
accept (e.g. ``~~`` only on ``double`` and ``float?``, ``min``/``max`` only on ``signed`` or ``double``).
"""

from __future__ import annotations

from dataclasses import dataclass

# §5.1 value types: each type's direct supertypes.
SUPERTYPES: dict[str, tuple[str, ...]] = {
    "fixnum": ("signed", "unsigned"),
    "signed": ("int", "extern"),
    "unsigned": ("int",),  # not extern: an unsigned value is not passed to or returned from foreign code
    "int": ("intish",),
    "intish": (),
    "double": ("double?", "extern"),
    "double?": (),
    "float": ("float?",),
    "float?": ("floatish",),
    "floatish": (),
    "extern": (),
}


def is_a(sub: str, sup: str) -> bool:
    """True if ``sub`` is ``sup`` or one of its subtypes (reachability in SUPERTYPES)."""
    if sub == sup:
        return True
    return any(is_a(parent, sup) for parent in SUPERTYPES[sub])


@dataclass(frozen=True)
class Op:
    """One operator row: operand types, result type and the source template (operands are ``{0}``, ``{1}``...).

    ``needs`` names a stdlib function the template calls; the row is only usable when the module imports it.
    ``int_prefix`` marks the int unary operators ``-`` and ``~``, whose operand must not merge with them once the
    parentheses are gone (the spec validates the syntax tree): ``-(5)`` would be the literal -5 (and ``-(0)`` a
    double), ``~(~~x)`` would be ``~~(~x)``.
    """

    result: str
    args: tuple[str, ...]
    template: str
    weight: float = 1.0
    needs: str | None = None
    int_prefix: str = ""


def _each(result: str, args: tuple[str, ...], symbols: str, weight: float) -> list[Op]:
    return [Op(result, args, f"({{0}} {symbol} {{1}})", weight) for symbol in symbols.split()]


COMPARISONS = "< <= > >= == !="

# §8.1-§8.3 unary and binary operators, coercions, conditionals; §9 stdlib calls with their overloads.
OPERATORS: list[Op] = [
    # int arithmetic (additive chains and `*` by a literal are special producers in fuzz_exprs.py)
    Op("intish", ("int", "int"), "({0} + {1})", 1.0),
    Op("intish", ("int", "int"), "({0} - {1})", 1.0),
    Op("intish", ("int",), "(-{0})", 0.4, int_prefix="-"),
    *_each("intish", ("signed", "signed"), "/ %", 0.8),
    *_each("intish", ("unsigned", "unsigned"), "/ %", 0.6),
    Op("intish", ("signed",), "({0} / (-1))", 0.15),  # INT_MIN / -1 when the operand is INT_MIN
    Op("intish", ("signed",), "({0} % (-1))", 0.1),
    Op("intish", ("signed",), "((-2147483648) / {0})", 0.1),
    # bitwise and shifts
    *_each("signed", ("intish", "intish"), "| & ^ << >>", 0.5),
    Op("unsigned", ("intish", "intish"), "({0} >>> {1})", 0.6),
    Op("signed", ("intish",), "(~{0})", 0.3, int_prefix="~"),
    # coercions
    Op("signed", ("intish",), "({0}|0)", 2.0),
    Op("unsigned", ("intish",), "({0}>>>0)", 1.2),
    Op("signed", ("double",), "(~~{0})", 0.8),
    Op("signed", ("float?",), "(~~{0})", 0.5),
    Op("double", ("signed",), "(+{0})", 0.6),
    Op("double", ("unsigned",), "(+{0})", 0.5),
    Op("double", ("double?",), "(+{0})", 0.4),
    Op("double", ("float?",), "(+{0})", 0.4),
    Op("float", ("floatish",), "fround({0})", 1.5),
    Op("float", ("double?",), "fround({0})", 0.6),
    Op("float", ("signed",), "fround({0})", 0.3),
    Op("float", ("unsigned",), "fround({0})", 0.3),
    # comparisons, `!` and conditionals
    *_each("int", ("signed", "signed"), COMPARISONS, 0.15),
    *_each("int", ("unsigned", "unsigned"), COMPARISONS, 0.1),
    *_each("int", ("double", "double"), COMPARISONS, 0.12),
    *_each("int", ("float", "float"), COMPARISONS, 0.1),
    Op("int", ("int",), "(!{0})", 0.3),
    Op("int", ("int", "int", "int"), "({0} ? {1} : {2})", 0.5),
    Op("double", ("int", "double", "double"), "({0} ? {1} : {2})", 0.4),
    Op("float", ("int", "float", "float"), "({0} ? {1} : {2})", 0.4),
    # double arithmetic
    *_each("double", ("double", "double"), "+ -", 1.0),
    *_each("double", ("double?", "double?"), "* / %", 0.7),
    Op("double", ("double?",), "(-{0})", 0.3),
    # float arithmetic
    *_each("floatish", ("float?", "float?"), "+ - * /", 1.0),
    Op("floatish", ("float?",), "(-{0})", 0.3),
    # stdlib (§9, with the errata V8 implements: abs(signed) -> unsigned, float overloads of abs/ceil/floor/sqrt)
    Op("signed", ("int", "int"), "imul({0}, {1})", 0.6, "imul"),
    Op("signed", ("int",), "clz32({0})", 0.3, "clz32"),
    Op("unsigned", ("signed",), "abs({0})", 0.3, "abs"),
    Op("signed", ("signed", "signed"), "min({0}, {1})", 0.2, "min"),
    Op("signed", ("signed", "signed"), "max({0}, {1})", 0.2, "max"),
    Op("signed", ("signed", "signed", "signed"), "max({0}, {1}, {2})", 0.1, "max"),
    Op("double", ("double", "double"), "min({0}, {1})", 0.25, "min"),
    Op("double", ("double", "double"), "max({0}, {1})", 0.25, "max"),
    Op("double", ("double", "double", "double"), "min({0}, {1}, {2})", 0.1, "min"),
    # The spec types these arguments double? / float?, but V8 accepts only double / float arguments to any call.
    *[Op("double", ("double",), name + "({0})", 0.25, name) for name in ("abs", "sqrt", "floor", "ceil")],
    *[Op("floatish", ("float",), name + "({0})", 0.25, name) for name in ("abs", "sqrt", "floor", "ceil")],
    *[Op("double", ("double",), name + "({0})", 0.2, name) for name in ("sin", "cos", "tan", "exp", "log")],
    *[Op("double", ("double", "double"), name + "({0}, {1})", 0.2, name) for name in ("pow", "atan2")],
]

# Math functions: always imported / imported by chance (the ones with no Wasm instruction come from the stdlib).
CORE_MATH = ("imul", "clz32", "fround", "abs", "min", "max", "sqrt", "floor", "ceil")
EXTRA_MATH = ("sin", "cos", "tan", "exp", "log", "pow", "atan2")
# stdlib values usable as immutable double globals.
STDLIB_VALUES = ("Math.PI", "Math.E", "Math.LN2", "Math.SQRT2", "Infinity", "NaN")

# Heap views: (name, constructor, log2 of element size, element kind).
HEAP_VIEWS = (
    ("H8", "Int8Array", 0, "int"),
    ("HU8", "Uint8Array", 0, "int"),
    ("H16", "Int16Array", 1, "int"),
    ("HU16", "Uint16Array", 1, "int"),
    ("H32", "Int32Array", 2, "int"),
    ("HU32", "Uint32Array", 2, "int"),
    ("HF32", "Float32Array", 2, "float"),
    ("HF64", "Float64Array", 3, "double"),
)
# Load type of each element kind (§8.? heap access): int views load intish, float views load float?/double?.
LOAD_TYPE = {"int": "intish", "float": "float?", "double": "double?"}

# Literals by type. Negative literals are written in parentheses where used as operands.
FIXNUM_LITERALS = ("0", "1", "2", "3", "4", "5", "7", "8", "15", "16", "31", "32", "33", "100", "255", "256",
                   "1000", "4095", "4096", "32767", "65535", "65536", "1048575", "2147483647")
NEGATIVE_LITERALS = ("-1", "-1", "-2", "-7", "-128", "-32768", "-65536", "-2147483647", "-2147483648")
UNSIGNED_LITERALS = ("2147483648", "3000000000", "4294967294", "4294967295")
DOUBLE_LITERALS = ("0.0", "1.0", "-1.0", "0.5", "1.5", "-2.5", "3.25", "0.1", "-0.0", "1.0e10", "1.0e20",
                   "1.0e300", "-1.0e300", "5.0e-324", "2147483647.0", "2147483648.0", "-2147483648.0",
                   "-2147483649.0", "4294967295.0", "4294967296.0", "4294967296.5", "1.0e-5")
FLOAT_LITERALS = ("0.0", "1.0", "0.5", "1.5", "-2.5", "0.1", "-0.0", "16777217.0", "3.4028234663852886e38",
                  "1.0e39", "1.401298464324817e-45", "2147483648.0", "-3.75")
# Arguments for `// call:` lines, by parameter type.
CALL_ARGS = {
    "int": ("0", "1", "-1", "7", "2147483647", "-2147483648", "4294967295", "65536", "-3"),
    "double": ("0", "-0", "1.5", "-2.75", "1e300", "2147483648", "-2147483649", "0.1", "NaN", "Infinity"),
    "float": ("0", "-0", "1.5", "3.4028234663852886e38", "1e-45", "16777217", "-2.5", "NaN"),
}
