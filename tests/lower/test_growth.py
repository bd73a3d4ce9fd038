"""Memory growth in "almost asm" modules: the heap replacement becomes memory.grow, and behaves like the original.

The original grows by swapping in a bigger copied ArrayBuffer; the Wasm memory grows in place. The same operations
(including refused growths and accesses past the old end, out of bounds before and in bounds after) must give the
same results and the same heap bytes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from asm2wasm.compiler import compile_source
from asm2wasm.diagnostics import CompileError

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "fixtures" / "growth" / "grow-heap.js"
RUNNER = Path(__file__).with_name("growth_run.js")


def test_growth_function_becomes_memory_grow_and_matches_javascript(tmp_path: Path) -> None:
    compiled = compile_source(FIXTURE.read_text(), str(FIXTURE))
    assert compiled.typed.almost_asm and compiled.typed.grow_function == 0
    grow_body = compiled.lowered.module.functions[0].body
    assert ("memory.grow",) in grow_body
    (tmp_path / "g.wasm").write_bytes(compiled.wasm())
    (tmp_path / "g.js").write_text(compiled.shim("g.wasm", FIXTURE.name))
    run = subprocess.run(["node", str(RUNNER), str(FIXTURE), str(tmp_path / "g.js")], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["isWasm"]
    assert result["wasm"]["log"] == result["js"]["log"]
    grows = [entry[2] for entry in result["js"]["log"] if entry[0] == "grow"]
    assert grows == [False, True, False, True]  # 16 MiB + 5 and 24 MiB are not multiples of 16 MiB
    assert result["wasm"]["length"] == result["js"]["length"] == 32 << 20
    assert result["wasm"]["sha"] == result["js"]["sha"]


def test_growth_function_with_an_unknown_statement_is_refused() -> None:
    source = FIXTURE.read_text().replace("buffer = newBuffer;", "buffer = newBuffer; HEAP32[0] = 1;")
    with pytest.raises(CompileError) as caught:
        compile_source(source, "g.js")
    assert caught.value.diagnostic.code == "M015"
