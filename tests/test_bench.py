"""`make bench` must not rot silently: its compile benchmark runs on the demo fixture and prints the full table.

Nothing here asserts a time (speed is measured by `benchmarks/run.py`, never in tests): only that every column is
there, every phase was measured, the module compiled and V8 accepted the same module as asm.js (%IsAsmWasmCode).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
RUN = REPO_ROOT / "benchmarks" / "run.py"
COLUMNS = ("input", "size", "extract", "parse", "check", "lower", "encode", "total", "peak RSS", ".wasm", "V8",
           "ours/V8")
PHASES = ("extract", "parse", "check", "lower", "encode")


@pytest.fixture(scope="module")
def demo_bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    if shutil.which("node") is None:
        pytest.fail("node is required for the benchmark smoke test")
    out = tmp_path_factory.mktemp("bench") / "latest.json"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--only", "demo", "--no-run", "--v8-runs", "1", "--timeout", "120", "--json",
         str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, json.loads(out.read_text())


def test_table_has_every_column(demo_bench: tuple[str, dict]) -> None:
    stdout, _ = demo_bench
    lines = stdout.splitlines()
    header = next(line for line in lines if line.startswith("input "))
    assert header.split("  ")[0] == "input"
    positions = [header.find(column) for column in COLUMNS]
    assert all(p >= 0 for p in positions), header
    assert positions == sorted(positions), header
    row = next(line for line in lines if line.startswith("demo "))
    assert len(row.split()) >= len(COLUMNS)
    assert "%IsAsmWasmCode true" in stdout


def test_every_phase_measured_and_v8_accepted_the_module(demo_bench: tuple[str, dict]) -> None:
    _, report = demo_bench
    [row] = report["compile"]
    assert row["name"] == "demo" and row["error"] is None
    assert set(row["times"]) == set(PHASES)
    assert all(t > 0 for t in row["times"].values())
    assert row["peak_rss_kb"] > 0 and row["wasm_bytes"] > 0
    assert row["v8"]["asm"] is True
    assert row["v8"]["accepted"] == row["v8"]["modules"] == 1
    assert row["v8"]["ms"] > 0 and row["v8"]["ratio"] > 0
    assert "run" not in report


def _run_module():
    """benchmarks/run.py as a module (it is a script, not part of the package)."""

    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_run_notes_give_the_median_of_the_runs_beside_the_best() -> None:
    # the best runs give 0.90 (90 / 100); the medians 1.00 (110 / 110): the note must show the latter
    row = {"workload": "w", "label": "w [eager]", "all_ms": {"asm.js": [100.0, 110.0, 130.0],
                                                             "exact": [90.0, 110.0, 120.0]}}
    row["ms"] = {mode: min(values) for mode, values in row["all_ms"].items()}
    row["ratio"] = {"exact": row["ms"]["exact"] / row["ms"]["asm.js"]}
    bench = _run_module()
    _, notes = bench.run_table([row])
    assert "w [eager]: median of 3 runs: asm.js 110.0 ms, exact 110.0 ms (1.00)" in notes
    row["all_ms"] = {"asm.js": [100.0, 110.0], "exact": [90.0, 110.0]}  # too few runs for a median
    _, notes = bench.run_table([row])
    assert not any("median" in note for note in notes)
