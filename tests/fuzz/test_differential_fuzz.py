"""Differential fuzzing: each generated module, compiled by asm2wasm, behaves exactly like V8 running it as asm.js.

For seeds 0..FUZZ_SEEDS-1 (default 300; ``make fuzz`` uses 2000): compile in-process (the pipeline of
``python -m asm2wasm FILE -o OUT.wasm --js OUT.js``, without its start-up), then ``diff.js FILE --shim OUT.js``
runs every export with edge-value arguments on both sides and lists the differences in results, FFI call logs and
heap bytes. Reproduce one failure with ``python tests/fuzz/generate.py SEED > f.js`` and the same two commands.
"""

from __future__ import annotations

import json
import subprocess

import pytest
import wasmtime
from fuzz_support import DIFF_JS, SEEDS

from asm2wasm.compiler import compile_source

RUN_TIMEOUT = 120
ENGINE = wasmtime.Engine()


@pytest.mark.parametrize("seed", SEEDS)
def test_wasm_matches_asmjs(fuzz_files, tmp_path, seed):
    source = fuzz_files.path(seed)
    wasm, shim = tmp_path / "out.wasm", tmp_path / "out.js"
    compiled = compile_source(source.read_text(), str(source))
    wasm.write_bytes(compiled.wasm())
    wasmtime.Module.validate(ENGINE, wasm.read_bytes())
    shim.write_text(compiled.shim(wasm.name, source.name))
    ran = subprocess.run(["node", "--allow-natives-syntax", str(DIFF_JS), str(source), "--shim", str(shim)],
                         capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert ran.returncode == 0, f"seed {seed}: diff.js failed:\n{ran.stderr[-3000:]}"
    result = json.loads(ran.stdout)
    assert result["asm_valid"] is True, f"seed {seed}: V8 rejected the generated module"
    assert result["mismatches"] == [], f"seed {seed}: Wasm differs from asm.js:\n" + "\n".join(result["mismatches"])
