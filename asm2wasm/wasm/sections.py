"""The section layout of an encoded module, read back: where each section and its payload lie [spec §5.5.2]. The
source map needs the code section's entries (sourcemap.py); -O leaves the branch hint section out (optimize.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from asm2wasm.wasm.leb import read_uleb


class Section(NamedTuple):
    id: int
    at: int  # offset of its id byte
    payload: int  # offset of its payload (after the size)
    end: int  # offset just past it


def sections(binary: bytes) -> Iterator[Section]:
    """Each section of `binary` (after the magic number and version), in order."""
    at = 8
    while at < len(binary):
        size, payload = read_uleb(binary, at + 1)
        yield Section(binary[at], at, payload, payload + size)
        at = payload + size
