"""Instruction idioms the lowering recognises in the typed IR: shapes of asm.js that one Wasm instruction does.

Rotations. `x << k` and `x >>> 32 - k` have no bit in common: xor-ing or or-ing them rotates x left by k. Hand-written
hashes (asmcrypto's SHA-256: `e>>>6 ^ e>>>11 ^ e>>>25 ^ e<<26 ^ e<<21 ^ e<<7`) spread the halves of several
rotations over one chain, where no engine pairs them up; emitted as `i32.rotl` they cost one instruction each.
"""

from __future__ import annotations

from typing import NamedTuple

from asm2wasm.check import ir

ROTATION_CHAINS = frozenset(("i32.xor", "i32.or"))  # the chains whose operands may pair up as rotations
_SIMPLE_OPS = frozenset(("i32.add", "i32.sub", "i32.and", "i32.or", "i32.xor", "i32.shl", "i32.shr_s", "i32.shr_u"))


class Rotation(NamedTuple):
    local: int
    bits: int  # rotated left by this many bits (1 to 31)


def chain_operands(node: ir.Binop) -> list:
    """The operands of the chain of node.op that ends at `node` (down its left spine), in evaluation order."""
    op, rights = node.op, []
    while type(node) is ir.Binop and node.op == op:
        rights.append(node.right)
        node = node.left
    rights.append(node)
    rights.reverse()
    return rights


def _shift_of_local(node) -> tuple[int, str, int] | None:
    """(local index, op, bits) of `local << bits` or `local >>> bits`, bits 1 to 31."""
    if type(node) is not ir.Binop or node.op not in ("i32.shl", "i32.shr_u"):
        return None
    value, bits = node.left, node.right
    if type(value) is not ir.GetLocal or type(bits) is not ir.Const or not 0 < bits.value & 31:
        return None
    return value.index, node.op, bits.value & 31


def rotations(operands: list) -> list | None:
    """The chain's operands with each rotation (`x << k` with a later or earlier `x >>> 32 - k`, x the same local)
    as one Rotation where its first half was; None when there is none, or when an operand is not simple (a
    constant, a variable, or the non-trapping integer operators of them): moving the second half of a rotation
    past the operands in between must not move it past anything that assigns x or has an effect."""
    halves: dict[tuple[int, str, int], int] = {}  # an unpaired half -> its position
    out: list = list(operands)
    found = False
    for i, operand in enumerate(operands):
        shift = _shift_of_local(operand)
        if shift is None:
            continue
        local, op, bits = shift
        other = (local, "i32.shr_u", 32 - bits) if op == "i32.shl" else (local, "i32.shl", 32 - bits)
        first = halves.pop(other, None)
        if first is None:
            halves.setdefault(shift, i)
            continue
        out[first] = Rotation(local, bits if op == "i32.shl" else 32 - bits)
        out[i] = None
        found = True
    if not found or not all(_simple(operand) for operand in operands):
        return None
    return [operand for operand in out if operand is not None]


def _simple(node) -> bool:
    kind = type(node)
    if kind is ir.Const or kind is ir.GetLocal or kind is ir.GetGlobal:
        return True
    return kind is ir.Binop and node.op in _SIMPLE_OPS and _simple(node.left) and _simple(node.right)
