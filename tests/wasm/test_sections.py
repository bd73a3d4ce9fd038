"""Reading back a binary's section layout: the sections tile the module after its header, in the order and with
the ids the test decoder reads."""

from __future__ import annotations

import pytest
from decode import section_ids
from wasm_modules import all_modules

from asm2wasm.wasm.encode import encode
from asm2wasm.wasm.sections import sections

MODULES = all_modules()


@pytest.mark.parametrize("name", MODULES)
def test_sections_tile_the_module(name: str) -> None:
    binary = encode(MODULES[name])
    found = list(sections(binary))
    assert [s.id for s in found] == section_ids(binary)
    ends = [8] + [s.end for s in found]  # the header, then each section where the one before ends
    assert [s.at for s in found] == ends[:-1] and ends[-1] == len(binary)
    assert all(s.at < s.payload <= s.end for s in found)
