"""The text printer: wat2wasm of `to_wat(m)` gives the bytes of `encode(m)`; names and floats come through exactly."""

from __future__ import annotations

import random
import struct

import pytest
from decode import decode_module, strip_custom_sections
from wasm_modules import all_modules, every_opcode_module
from wasm_tools import wasm2wat, wat2wasm

from asm2wasm.wasm.encode import encode
from asm2wasm.wasm.model import Function, FuncType, Module
from asm2wasm.wasm.wat import f32_text, f64_text, to_wat, wat_ids, wat_string

MODULES = all_modules()


@pytest.mark.parametrize("name", MODULES)
def test_wat2wasm_gives_identical_sections(name: str) -> None:
    m = MODULES[name]
    assert strip_custom_sections(wat2wasm(to_wat(m))) == strip_custom_sections(encode(m))


def test_wat_uses_debug_names() -> None:
    text = to_wat(every_opcode_module())
    assert text.startswith("(module $every_opcode\n")
    for fragment in (
        "(func $every (type 1) (param $a i32)",
        "(func $every.2 (type 1)",
        "local.get $weird_name!",
        "(local $tmp.2 i64)",
        "call $add3",
        "(global $copy (mut i32) (global.get $seed))",
        '(export "\\c3\\a9t\\c3\\a9 \\22q\\22" (func $inc))',
        "(elem (i32.const 0) $inc $add3)",
    ):
        assert fragment in text, fragment


def test_binary_name_section_is_read_by_wabt() -> None:
    text = wasm2wat(encode(every_opcode_module()))
    for fragment in ("(func $add3", "(func $inc", "(global $copy", "(param $x i32)", "global.get $seed"):
        assert fragment in text, fragment


def test_wabt_names_agree_with_ours() -> None:
    """wat2wasm --debug-names turns our $ids back into a name section; for clean names it is the one we wrote."""
    m = MODULES["run"]
    theirs, ours = decode_module(wat2wasm(to_wat(m))), decode_module(encode(m))
    assert [f.debug_name for f in theirs.functions] == [f.debug_name for f in ours.functions]
    assert [f.local_names for f in theirs.functions] == [f.local_names for f in ours.functions]


def test_wat_ids() -> None:
    assert wat_ids(["a", "", "a b", "a_b", "a", "a.2", "$x"]) == ["$a", "1", "$a_b", "$a_b.2", "$a.2", "$a.2.2", "$$x"]


def test_wat_string_escapes() -> None:
    assert wat_string('a"b\\c\n\u00e9') == '"a\\22b\\5cc\\0a\\c3\\a9"'


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0, "0x0p+0 (;=0.0;)"), (-0.0, "-0x0p+0 (;=-0.0;)"), (1.5, "0x1.8p+0 (;=1.5;)"), (float("inf"), "inf"),
     (float("-inf"), "-inf"), (float("nan"), "nan:0x8000000000000")],
)  # fmt: skip
def test_f64_text(value: float, text: str) -> None:
    assert f64_text(value) == text


def test_f32_text() -> None:
    assert f32_text(float("nan")) == "nan:0x400000"
    assert f32_text(struct.unpack("<f", bytes.fromhex("0100c0ff"))[0]) == "-nan:0x400001"
    # A Python float cannot hold a signalling f32 NaN: float32 -> double conversion sets the quiet bit. The encoder
    # and the printer both see the quieted value, so they still agree.
    assert f32_text(struct.unpack("<f", bytes.fromhex("010080ff"))[0]) == "-nan:0x400001"
    assert f32_text(0.1) == f32_text(struct.unpack("<f", struct.pack("<f", 0.1))[0]) == "0x1.99999ap-4 (;=0.1;)"
    assert f32_text(2.0**-149) == "0x1p-149 (;=1e-45;)"


def _random_float_module(seed: int, count: int) -> Module:
    rnd = random.Random(seed)
    body: list[tuple] = []
    for _ in range(count):
        f32 = struct.unpack("<f", rnd.getrandbits(32).to_bytes(4, "little"))[0]
        f64 = struct.unpack("<d", rnd.getrandbits(64).to_bytes(8, "little"))[0]
        body += [("f32.const", f32), ("drop",), ("f64.const", f64), ("drop",)]
    m = Module()
    m.functions.append(Function(m.type_index(FuncType((), ())), body))
    return m


def test_random_float_bit_patterns_survive_the_text_format() -> None:
    m = _random_float_module(seed=2024, count=2000)
    assert strip_custom_sections(wat2wasm(to_wat(m))) == encode(m)
