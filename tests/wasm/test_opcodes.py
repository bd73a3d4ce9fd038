"""The opcode table is consistent, and every immediate kind has an encoder, a printer and a decoder."""

from __future__ import annotations

from decode import IMM_DECODERS

from asm2wasm.wasm.instrs import ENCODER_FOR_KIND, ENCODERS, encode_instr
from asm2wasm.wasm.opcodes import BY_CODE, BY_NAME, NATURAL_ALIGN, OPCODES, SIG_TYPES, signature
from asm2wasm.wasm.wat import IMM_TEXT


def test_names_and_codes_are_unique() -> None:
    assert len(BY_NAME) == len(OPCODES)
    assert len(BY_CODE) == len(OPCODES)


def test_instruction_set_size() -> None:
    # MVP: 172 opcodes 0x00..0xBF in use (13 control, 2 parametric, 5 variable, 25 memory, 4 const, 123 numeric);
    # plus 5 sign-extension and 8 saturating conversions.
    assert len(OPCODES) == 13 + 2 + 5 + 25 + 4 + 123 + 5 + 8


def test_every_kind_has_encoder_printer_decoder() -> None:
    kinds = {op.imm for op in OPCODES}
    assert kinds == set(ENCODER_FOR_KIND) == set(IMM_TEXT) == set(IMM_DECODERS)
    assert set(ENCODERS) == set(BY_NAME)


def test_signatures_are_well_formed() -> None:
    for op in OPCODES:
        if op.sig != "*":
            params, results = op.sig.split(":")
            assert set(params + results) <= set(SIG_TYPES), op
            assert len(results) <= 1, op


def test_numeric_signatures_follow_names() -> None:
    """The result type of a numeric op is its prefix, except comparisons (i32) and the ops that name the operand."""
    comparisons = {"eqz", "eq", "ne", "lt", "gt", "le", "ge"}
    for op in OPCODES:
        sig = signature(op.name)
        if sig is None or op.imm in ("memarg", "memory"):
            continue
        prefix, _, rest = op.name.partition(".")
        base = rest.split("_")[0]
        expected = "i32" if base in comparisons else prefix
        assert sig[1] == (expected,), op


def test_natural_alignment() -> None:
    assert NATURAL_ALIGN["i32.load"] == 2
    assert NATURAL_ALIGN["f64.store"] == 3
    assert NATURAL_ALIGN["i64.load32_u"] == 2
    assert NATURAL_ALIGN["i64.store16"] == 1
    assert NATURAL_ALIGN["i32.load8_s"] == 0
    assert len(NATURAL_ALIGN) == 23


def test_prefixed_encoding() -> None:
    assert encode_instr(("i32.trunc_sat_f32_s",)) == b"\xfc\x00"
    assert encode_instr(("i64.trunc_sat_f64_u",)) == b"\xfc\x07"
    assert encode_instr(("i32.extend8_s",)) == b"\xc0"


def test_immediate_encodings() -> None:
    assert encode_instr(("block", None)) == b"\x02\x40"
    assert encode_instr(("if", "f64")) == b"\x04\x7c"
    assert encode_instr(("br_table", (0, 1), 2)) == b"\x0e\x02\x00\x01\x02"
    assert encode_instr(("call_indirect", 3)) == b"\x11\x03\x00"
    assert encode_instr(("i32.load", 2, 200)) == b"\x28\x02\xc8\x01"
    assert encode_instr(("memory.grow",)) == b"\x40\x00"
    assert encode_instr(("i32.const", -1)) == b"\x41\x7f"
    assert encode_instr(("f32.const", 1.0)) == b"\x43\x00\x00\x80\x3f"
    assert encode_instr(("f64.const", -0.0)) == b"\x44" + bytes(7) + b"\x80"
