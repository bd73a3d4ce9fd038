"""LEB128 writers: known encodings, edge values, minimal length, and agreement with the test decoder's reader."""

from __future__ import annotations

import pytest
from decode import DecodeError, Reader

from asm2wasm.wasm.leb import sleb_bytes, uleb, uleb_bytes

ULEB_CASES = [
    (0, "00"),
    (1, "01"),
    (127, "7f"),
    (128, "8001"),
    (255, "ff01"),
    (16383, "ff7f"),
    (16384, "808001"),
    (624485, "e58e26"),
    (2**32 - 1, "ffffffff0f"),
    (2**64 - 1, "ffffffffffffffffff01"),
]
SLEB_CASES = [
    (0, "00"),
    (1, "01"),
    (-1, "7f"),
    (63, "3f"),
    (64, "c000"),
    (-64, "40"),
    (-65, "bf7f"),
    (127, "ff00"),
    (-128, "807f"),
    (-123456, "c0bb78"),
    (2**31 - 1, "ffffffff07"),
    (-(2**31), "8080808078"),
    (2**63 - 1, "ffffffffffffffffff00"),
    (-(2**63), "8080808080808080807f"),
]


@pytest.mark.parametrize(("value", "hexbytes"), ULEB_CASES)
def test_uleb_known(value: int, hexbytes: str) -> None:
    assert uleb_bytes(value).hex() == hexbytes


@pytest.mark.parametrize(("value", "hexbytes"), SLEB_CASES)
def test_sleb_known(value: int, hexbytes: str) -> None:
    assert sleb_bytes(value).hex() == hexbytes


def test_uleb_appends() -> None:
    out = bytearray(b"\xaa")
    uleb(out, 300)
    assert out == b"\xaa\xac\x02"


def test_uleb_rejects_negative() -> None:
    with pytest.raises(ValueError):
        uleb_bytes(-1)


def _around_powers(bits: int) -> list[int]:
    values = set()
    for k in range(bits):
        for v in (1 << k, -(1 << k)):
            values.update((v - 1, v, v + 1))
    return sorted(values)


@pytest.mark.parametrize("value", [v for v in _around_powers(32) if 0 <= v < 2**32])
def test_u32_round_trip_and_minimal(value: int) -> None:
    raw = uleb_bytes(value)
    assert len(raw) == max(1, -(-value.bit_length() // 7))
    assert Reader(raw).u32() == value


def test_signed_round_trip_and_minimal() -> None:
    for value in _around_powers(64):
        if not -(2**63) <= value < 2**63:
            continue
        raw = sleb_bytes(value)
        # minimal: the value's bits plus a sign bit, in groups of 7
        signed_bits = (value if value >= 0 else ~value).bit_length() + 1
        assert len(raw) == -(-signed_bits // 7), value
        assert Reader(raw).s64() == value
        if -(2**31) <= value < 2**31:
            assert Reader(raw).s32() == value


@pytest.mark.parametrize("raw", ["8000", "ff00ffffff", "ffffffff1f", "ffffffffff01"])
def test_reader_rejects_bad_u32(raw: str) -> None:
    with pytest.raises(DecodeError):
        Reader(bytes.fromhex(raw)).u32()


@pytest.mark.parametrize("raw", ["ff7f", "8000", "ffffffff0f", "8080808070"])
def test_reader_rejects_bad_s32(raw: str) -> None:
    with pytest.raises(DecodeError):
        Reader(bytes.fromhex(raw)).s32()
