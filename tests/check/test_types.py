"""The asm.js type lattice and operator tables (spec §2.1, §8) as data: checked against the spec's facts."""

from __future__ import annotations

import itertools

from asm2wasm.check.types import BINARY, HEAP_VIEWS, MATH_FUNCS, PARENTS, SUPERTYPES, UNARY, WASM_TYPE, is_a


def test_lattice_edges_from_the_spec() -> None:
    assert is_a("fixnum", "signed") and is_a("fixnum", "unsigned") and is_a("fixnum", "intish")
    assert is_a("signed", "extern") and not is_a("unsigned", "extern")
    assert is_a("double", "double?") and is_a("double", "extern") and not is_a("double?", "double")
    assert is_a("float", "floatish") and not is_a("float", "extern") and not is_a("floatish", "float?")
    assert not is_a("int", "signed") and not is_a("intish", "int")
    assert not any(is_a(t, "void") for t in PARENTS if t != "void")


def test_subtyping_is_a_partial_order() -> None:
    for t in PARENTS:
        assert is_a(t, t)
    for a, b in itertools.permutations(PARENTS, 2):
        assert not (is_a(a, b) and is_a(b, a)), (a, b)
    for a, b, c in itertools.product(PARENTS, repeat=3):
        if is_a(a, b) and is_a(b, c):
            assert is_a(a, c)
    assert set(SUPERTYPES) == set(PARENTS)


def test_every_operator_row_is_well_typed() -> None:
    for op, rows in BINARY.items():
        for left, right, result, opcode in rows:
            assert {left, right, result} <= set(PARENTS), op
            assert WASM_TYPE[result] is not None
            assert opcode.split(".")[0].lstrip("$") in ("i32", "f32", "f64"), opcode
    for op, rows in UNARY.items():
        for operand, result, _ in rows:
            assert {operand, result} <= set(PARENTS), op


def test_comparisons_choose_signedness_from_operands() -> None:
    rows = {(left, right): opcode for left, right, _, opcode in BINARY["<"]}
    assert rows[("signed", "signed")] == "i32.lt_s"
    assert rows[("unsigned", "unsigned")] == "i32.lt_u"
    assert rows[("double", "double")] == "f64.lt"


def test_heap_views_and_math_signatures() -> None:
    assert sorted(HEAP_VIEWS) == sorted(["Int8Array", "Uint8Array", "Int16Array", "Uint16Array", "Int32Array",
                                         "Uint32Array", "Float32Array", "Float64Array"])
    assert HEAP_VIEWS["Float32Array"].store_types == ("floatish", "double?")
    assert HEAP_VIEWS["Uint16Array"].load_op == "i32.load16_u"
    assert {"sin", "cos", "tan", "asin", "acos", "atan", "atan2", "exp", "log", "pow", "sqrt", "ceil", "floor",
            "abs", "min", "max", "imul", "clz32"} == set(MATH_FUNCS)
