"""The generator makes only valid, terminating, deterministic asm.js: V8 validates every module, runs it, and gets
the same results from two fresh instances.

Seeds 0..FUZZ_SEEDS-1 (default 300). The files are checked in batches by tests/fuzz/v8_batch.js (one node process
per CPU, many modules each); a sample also goes through the differential harness itself (diff.js --self).
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from fuzz_support import BATCH_JS, DIFF_JS, SEEDS
from generate import generate

NODE = ["node", "--allow-natives-syntax"]
CALL_TIMEOUT_MS = 5000  # per exported call; a generated program that loops would be reported, not hang the run
HARNESS_SAMPLE = 20  # seeds also run through diff.js --self


def run_batch(paths) -> list[dict]:
    command = [*NODE, str(BATCH_JS), "--timeout-ms", str(CALL_TIMEOUT_MS), *map(str, paths)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120 + 2 * len(paths))
    assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def problems(record: dict) -> list[str]:
    found = list(record["errors"])
    if not record["asm_valid"]:
        found.append("V8 does not accept it as asm.js: " + "; ".join(record.get("v8_warnings", [])))
    return found


def test_generation_is_deterministic():
    assert generate(12345) == generate(12345)
    assert generate(1) != generate(2)


def test_v8_accepts_and_runs_every_module(fuzz_files):
    paths = fuzz_files.paths(SEEDS)
    workers = max(1, min(os.cpu_count() or 1, 4))
    chunks = [paths[k::workers] for k in range(workers) if paths[k::workers]]
    with ThreadPoolExecutor(len(chunks)) as pool:
        records = [r for batch in pool.map(run_batch, chunks) for r in batch]
    assert len(records) == len(paths)
    failures = {r["file"]: problems(r) for r in records if problems(r)}
    assert not failures, json.dumps(failures, indent=1)


@pytest.mark.parametrize("seed", SEEDS[::max(1, len(SEEDS) // HARNESS_SAMPLE)])
def test_harness_sees_valid_deterministic_module(fuzz_files, seed):
    done = subprocess.run([*NODE, str(DIFF_JS), str(fuzz_files.path(seed)), "--self"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["asm_valid"] is True, done.stderr[-2000:]
    assert result["mismatches"] == [], "\n".join(result["mismatches"])
