"""Differential tests: every valid fixture runs as asm.js in node and as our Wasm through the generated shim.

The harness (tests/harness/diff.js) calls every export with edge-value arguments chosen by parameter type, then the
fixture's own `call:` lines, and compares results bitwise, the FFI call logs and the heap bytes. Every emitted
module must also pass node's and wasmtime's validators, and `--fast` output must validate too. The output behaves
the same compiled as browsers compile it today, its branch hints taken, and through wasm-opt (-O).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime
from diff_support import compile_fixture, run_diff

REPO = Path(__file__).resolve().parent.parent
VALID = sorted((REPO / "fixtures" / "valid").glob("*.js"))
ENGINE = wasmtime.Engine()


@pytest.mark.parametrize("fixture", VALID, ids=[p.stem for p in VALID])
def test_wasm_behaves_exactly_like_asmjs(fixture: Path, tmp_path: Path) -> None:
    _, wasm, shim = compile_fixture(fixture, tmp_path)
    wasmtime.Module.validate(ENGINE, wasm.read_bytes())
    report = run_diff(fixture, shim)
    assert report["asm_valid"], "V8 no longer accepts this fixture as asm.js"
    assert report["calls"] > 0
    assert report["mismatches"] == [], "\n".join(report["mismatches"])


@pytest.mark.parametrize("fixture", VALID, ids=[p.stem for p in VALID])
def test_optimized_output_behaves_the_same(fixture: Path, tmp_path: Path) -> None:
    """-O: Binaryen's wasm-opt must keep every exact behaviour (the project's setup installs it)."""
    _, wasm, shim = compile_fixture(fixture, tmp_path, optimized=True)
    wasmtime.Module.validate(ENGINE, wasm.read_bytes())
    report = run_diff(fixture, shim)
    assert report["mismatches"] == [], "\n".join(report["mismatches"])


# How Chrome (since 136) and Firefox compile it: with the module's branch hints (node 20 takes them when asked), by
# the optimising tier from the start.
HINTS_TAKEN = ("--experimental-wasm-branch-hinting", "--no-liftoff", "--no-wasm-lazy-compilation")


@pytest.mark.parametrize("fixture", VALID, ids=[p.stem for p in VALID])
def test_output_behaves_the_same_where_the_branch_hints_are_taken(fixture: Path, tmp_path: Path) -> None:
    _, _, shim = compile_fixture(fixture, tmp_path)
    report = run_diff(fixture, shim, node_flags=HINTS_TAKEN)
    assert report["calls"] > 0
    assert report["mismatches"] == [], "\n".join(report["mismatches"])


@pytest.mark.parametrize("fixture", VALID, ids=[p.stem for p in VALID])
def test_fast_output_validates(fixture: Path, tmp_path: Path) -> None:
    _, wasm, _ = compile_fixture(fixture, tmp_path, fast=True)
    wasmtime.Module.validate(ENGINE, wasm.read_bytes())


def test_there_are_enough_fixtures() -> None:
    assert len(VALID) >= 40
