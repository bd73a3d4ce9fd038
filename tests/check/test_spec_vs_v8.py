"""Valid asm.js that V8 refuses: the cases where the spec, not V8, decides, each documented by its fixture.

For each: our validator accepts it, V8 does not (%IsAsmWasmCode is false: it ran the module as plain
JavaScript), and our Wasm still behaves exactly like what V8 ran.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from diff_support import run_diff

REPO = Path(__file__).resolve().parents[2]
CASES = sorted((REPO / "fixtures" / "spec-vs-v8").glob("*.js"))


@pytest.mark.parametrize("fixture", CASES, ids=[p.stem for p in CASES])
def test_spec_valid_module_that_v8_refuses(fixture: Path, tmp_path: Path) -> None:
    validate = subprocess.run([sys.executable, "-m", "asm2wasm", "validate", str(fixture)], capture_output=True,
                              text=True, timeout=60)
    assert validate.returncode == 0, validate.stderr
    shim = tmp_path / "m.js"
    compiled = subprocess.run([sys.executable, "-m", "asm2wasm", str(fixture), "-o", str(tmp_path / "m.wasm"),
                               "--js", str(shim)], capture_output=True, text=True, timeout=60)
    assert compiled.returncode == 0, compiled.stderr
    report = run_diff(fixture, shim)
    assert report["asm_valid"] is False
    assert report["mismatches"] == [], "\n".join(report["mismatches"])


def test_there_is_at_least_one_case() -> None:
    assert CASES
