"""The differential check shared by the suite: a module compiled with its JS companion, then run as asm.js in node
and as our Wasm through the companion by tests/harness/diff.js (results compared bitwise, FFI call logs, heap
bytes). Used by tests/test_differential.py (every fixture), tests/test_wasmtime.py (diff.js --plan), the lowering's
versioning tests and the checker's lenient and spec-vs-V8 cases."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import NamedTuple

from asm2wasm.compiler import Compiled, Options, compile_source
from asm2wasm.wasm.optimize import optimize

DIFF = Path(__file__).resolve().parent / "harness" / "diff.js"


class Built(NamedTuple):
    compiled: Compiled
    wasm: Path
    shim: Path


def compile_fixture(path: Path, out_dir: Path, fast: bool = False, optimized: bool = False) -> Built:
    """`path` compiled to out_dir/<stem>.wasm (through wasm-opt when `optimized`) and its companion <stem>.shim.js."""
    compiled = compile_source(path.read_text(), str(path), Options(fast=fast))
    wasm = out_dir / (path.stem + ".wasm")
    shim = out_dir / (path.stem + ".shim.js")
    wasm.write_bytes(optimize(compiled.wasm()) if optimized else compiled.wasm())
    shim.write_text(compiled.shim(wasm.name, path.name))
    return Built(compiled, wasm, shim)


def run_diff(fixture: Path, shim: Path, *flags: str, timeout: float = 120, node_flags: tuple[str, ...] = ()) -> dict:
    """diff.js's JSON report on `fixture` (asm_valid, calls, mismatches, ...), its Wasm side through `shim`; `flags`
    are diff.js's, `node_flags` node's own."""
    command = ["node", "--allow-natives-syntax", *node_flags, str(DIFF), str(fixture), "--shim", str(shim), *flags]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout)
