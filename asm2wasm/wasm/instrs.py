"""Instruction bytes: one small encoder per immediate kind, derived from the rows of `opcodes.py`.

`encoded_instrs` is the hot loop of the whole encoder. Identical instruction tuples (`("local.get", 0)`, `("i32.add",)`,
`("call", 7)`) recur thousands of times, so each is encoded once and its bytes are looked up in a cache afterwards.
Float constants bypass the cache: `0.0 == -0.0` and `nan != nan` would make it return wrong bytes or grow forever.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence

from asm2wasm.wasm.consts import BLOCKTYPE_EMPTY, VALTYPE_BYTE
from asm2wasm.wasm.leb import sleb, uleb
from asm2wasm.wasm.opcodes import OPCODES

Encoder = Callable[[bytearray, tuple], None]

BLOCKTYPE_BYTE: dict[str | None, int] = {None: BLOCKTYPE_EMPTY, **VALTYPE_BYTE}
UNCACHED: frozenset[str] = frozenset({"f32.const", "f64.const"})

_pack_f32 = struct.Struct("<f").pack
_pack_f64 = struct.Struct("<d").pack


def wrap_signed(value: int, bits: int) -> int:
    """`value` as a signed `bits`-bit int; accepts the signed and the unsigned range, rejects anything wider."""
    if not -(1 << (bits - 1)) <= value < (1 << bits):
        raise ValueError(f"i{bits}.const out of range: {value}")
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


def _none(code: bytes) -> Encoder:
    def enc(out: bytearray, ins: tuple) -> None:
        out += code

    return enc


def _blocktype(code: bytes) -> Encoder:
    def enc(out: bytearray, ins: tuple) -> None:
        out += code
        out.append(BLOCKTYPE_BYTE[ins[1]])

    return enc


def _index(code: bytes) -> Encoder:
    def enc(out: bytearray, ins: tuple) -> None:
        out += code
        uleb(out, ins[1])

    return enc


def _br_table(code: bytes) -> Encoder:
    def enc(out: bytearray, ins: tuple) -> None:
        out += code
        depths = ins[1]
        uleb(out, len(depths))
        for depth in depths:
            uleb(out, depth)
        uleb(out, ins[2])

    return enc


def _call_indirect(code: bytes) -> Encoder:
    def enc(out: bytearray, ins: tuple) -> None:
        out += code
        uleb(out, ins[1])
        out.append(0x00)  # table 0

    return enc


def _memarg(code: bytes) -> Encoder:
    def enc(out: bytearray, ins: tuple) -> None:
        out += code
        uleb(out, ins[1])
        uleb(out, ins[2])

    return enc


def _memory(code: bytes) -> Encoder:
    def enc(out: bytearray, ins: tuple) -> None:
        out += code
        out.append(0x00)  # memory 0

    return enc


def _int_const(bits: int) -> Callable[[bytes], Encoder]:
    def make(code: bytes) -> Encoder:
        def enc(out: bytearray, ins: tuple) -> None:
            out += code
            sleb(out, wrap_signed(ins[1], bits))

        return enc

    return make


def _float_const(pack: Callable[[float], bytes]) -> Callable[[bytes], Encoder]:
    def make(code: bytes) -> Encoder:
        def enc(out: bytearray, ins: tuple) -> None:
            out += code
            out += pack(ins[1])

        return enc

    return make


ENCODER_FOR_KIND: dict[str, Callable[[bytes], Encoder]] = {
    "none": _none,
    "blocktype": _blocktype,
    "label": _index,
    "br_table": _br_table,
    "func": _index,
    "type": _call_indirect,
    "local": _index,
    "global": _index,
    "memarg": _memarg,
    "memory": _memory,
    "i32": _int_const(32),
    "i64": _int_const(64),
    "f32": _float_const(_pack_f32),
    "f64": _float_const(_pack_f64),
}

ENCODERS: dict[str, Encoder] = {op.name: ENCODER_FOR_KIND[op.imm](op.code) for op in OPCODES}


def encode_instr(ins: tuple) -> bytes:
    """The bytes of one instruction tuple."""
    try:
        enc = ENCODERS[ins[0]]
    except KeyError:
        raise ValueError(f"unknown instruction: {ins!r}") from None
    out = bytearray()
    enc(out, ins)
    return bytes(out)


class InstructionCache(dict):
    """Instruction tuple -> its bytes, each encoded on its first lookup (float constants are encoded every time and
    never kept: see the module docstring)."""

    __slots__ = ()

    def __missing__(self, ins: tuple) -> bytes:
        code = encode_instr(ins)
        if ins[0] not in UNCACHED:
            self[ins] = code
        return code


def encoded_instrs(body: Sequence[tuple], cache: InstructionCache) -> list[bytes]:
    """The bytes of every instruction in `body`, looked up in `cache` (at C speed).

    A body with an unhashable instruction (a list, or a `br_table` whose depths are a list) is encoded without the
    cache.
    """
    try:
        return list(map(cache.__getitem__, body))
    except TypeError:
        return [encode_instr(ins) for ins in body]
