"""The branch hint section of real output: read back by the strict test decoder (every hint at the start of an
`if`, in a section before the code), it says exactly what the lowered functions say."""

from __future__ import annotations

from pathlib import Path

import pytest
from decode import decode_module

from asm2wasm.compiler import Options, compile_source
from asm2wasm.wasm.encode import encode, encode_function
from asm2wasm.wasm.optimize import without_branch_hints

REPO = Path(__file__).resolve().parents[2]
VALID = sorted((REPO / "fixtures" / "valid").glob("*.js"))


@pytest.mark.parametrize("fixture", VALID, ids=[p.stem for p in VALID])
def test_the_binary_carries_the_hints_of_the_lowered_functions(fixture: Path) -> None:
    compiled = compile_source(fixture.read_text(), str(fixture), Options())
    binary = compiled.wasm()
    decoded = decode_module(binary)
    assert [f.branch_hints for f in decoded.functions] == [f.branch_hints for f in compiled.lowered.module.functions]
    assert any(f.branch_hints for f in decoded.functions)  # the helpers' at least
    # what -O hands wasm-opt: the same module without the section
    module = compiled.lowered.module
    assert without_branch_hints(binary) == encode(module, [encode_function(f)[0] for f in module.functions])
