"""Differential tests: every valid fixture runs as asm.js in node and as our Wasm through the generated shim.

The harness (tests/harness/diff.js) calls every export with edge-value arguments chosen by parameter type, then the
fixture's own `call:` lines, and compares results bitwise, the FFI call logs and the heap bytes. Every emitted
module must also pass node's and wasmtime's validators, and `--fast` output must validate too.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import wasmtime

from asm2wasm.compiler import Options, compile_source
from asm2wasm.wasm.optimize import optimize

REPO = Path(__file__).resolve().parent.parent
VALID = sorted((REPO / "fixtures" / "valid").glob("*.js"))
DIFF = REPO / "tests" / "harness" / "diff.js"
ENGINE = wasmtime.Engine()


def compile_fixture(path: Path, out_dir: Path, fast: bool = False, optimized: bool = False) -> tuple[Path, Path]:
    compiled = compile_source(path.read_text(), str(path), Options(fast=fast))
    wasm = out_dir / (path.stem + ".wasm")
    shim = out_dir / (path.stem + ".shim.js")
    wasm.write_bytes(optimize(compiled.wasm()) if optimized else compiled.wasm())
    shim.write_text(compiled.shim(wasm.name, path.name))
    return wasm, shim


def run_diff(fixture: Path, shim: Path) -> dict:
    result = subprocess.run(["node", "--allow-natives-syntax", str(DIFF), str(fixture), "--shim", str(shim)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("fixture", VALID, ids=[p.stem for p in VALID])
def test_wasm_behaves_exactly_like_asmjs(fixture: Path, tmp_path: Path) -> None:
    wasm, shim = compile_fixture(fixture, tmp_path)
    wasmtime.Module.validate(ENGINE, wasm.read_bytes())
    report = run_diff(fixture, shim)
    assert report["asm_valid"], "V8 no longer accepts this fixture as asm.js"
    assert report["calls"] > 0
    assert report["mismatches"] == [], "\n".join(report["mismatches"])


@pytest.mark.parametrize("fixture", VALID, ids=[p.stem for p in VALID])
def test_optimized_output_behaves_the_same(fixture: Path, tmp_path: Path) -> None:
    """-O: Binaryen's wasm-opt must keep every exact behaviour (the project's setup installs it)."""
    wasm, shim = compile_fixture(fixture, tmp_path, optimized=True)
    wasmtime.Module.validate(ENGINE, wasm.read_bytes())
    report = run_diff(fixture, shim)
    assert report["mismatches"] == [], "\n".join(report["mismatches"])


@pytest.mark.parametrize("fixture", VALID, ids=[p.stem for p in VALID])
def test_fast_output_validates(fixture: Path, tmp_path: Path) -> None:
    wasm, _ = compile_fixture(fixture, tmp_path, fast=True)
    wasmtime.Module.validate(ENGINE, wasm.read_bytes())


def test_there_are_enough_fixtures() -> None:
    assert len(VALID) >= 40
