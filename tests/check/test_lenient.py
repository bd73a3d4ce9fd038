"""--lenient: modules that are not asm.js only because a call's argument types differ from the callee's annotations.

The strict validator rejects them (T006, as V8 does, which then ran them as plain JavaScript); lenient mode compiles
them with the conversion the callee's annotation applies in JavaScript, warns at each such argument, and the result
behaves exactly like the plain JavaScript the browser ran.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from diff_support import run_diff

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "fixtures" / "lenient" / "prototype-mismatch.js"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "asm2wasm", *args], capture_output=True, text=True, timeout=120)


def test_strict_validator_rejects_the_mismatch() -> None:
    result = run_cli("validate", str(FIXTURE))
    assert result.returncode == 1
    first = result.stderr.splitlines()[0]
    assert first.endswith("[T006]") and ":19:" in first  # `half(i)`: an int where a double is declared


def test_lenient_compiles_with_located_warnings_and_behaves_like_plain_javascript(tmp_path: Path) -> None:
    wasm, shim = tmp_path / "m.wasm", tmp_path / "m.js"
    result = run_cli(str(FIXTURE), "--lenient", "-o", str(wasm), "--js", str(shim))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert len(warnings) == 5 and all(w.endswith("[W001]") for w in warnings)
    assert all(f"{FIXTURE}:19:" in w for w in warnings)
    report = run_diff(FIXTURE, shim)
    assert report["asm_valid"] is False  # V8 refused it too and ran plain JavaScript: our reference
    assert report["calls"] > 3
    assert report["mismatches"] == [], "\n".join(report["mismatches"])
