"""LEB128 writers [spec §5.2.2], appending to a bytearray, and the unsigned reader.

The unsigned form stops when no bits are left; the signed form stops when the bits left are all copies of the sign
(0 or -1, which Python's arithmetic `>>` keeps) and bit 0x40 of the last byte agrees with that sign.
"""

from __future__ import annotations


def uleb(out: bytearray, n: int) -> None:
    """Append `n` (>= 0) as unsigned LEB128."""
    if n < 0:
        raise ValueError(f"unsigned LEB128 of a negative number: {n}")
    while True:
        byte, n = n & 0x7F, n >> 7
        if not n:
            out.append(byte)
            return
        out.append(byte | 0x80)


def sleb(out: bytearray, n: int) -> None:
    """Append `n` as signed LEB128."""
    while True:
        byte, n = n & 0x7F, n >> 7
        if (n == 0 and not byte & 0x40) or (n == -1 and byte & 0x40):
            out.append(byte)
            return
        out.append(byte | 0x80)


def uleb_bytes(n: int) -> bytes:
    """`n` as unsigned LEB128 bytes."""
    out = bytearray()
    uleb(out, n)
    return bytes(out)


def sleb_bytes(n: int) -> bytes:
    """`n` as signed LEB128 bytes."""
    out = bytearray()
    sleb(out, n)
    return bytes(out)


def read_uleb(data: bytes, pos: int) -> tuple[int, int]:
    """The unsigned LEB128 at `pos` in `data`, and the position after it."""
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos
