"""Shared by ``test_sqljs.py``, ``test_ammo.py`` and ``test_vizjs.py``: compile an Emscripten build's asm.js module
once per session, run a node driver (``sqljs_run.js`` / ``ammo_run.js`` / ``vizjs_run.js``, all built on
``emscripten_substitute.js``) in its original and shim modes, and explain the first difference between two results.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import wasmtime

from .npm_cache import REPO_ROOT

HERE = Path(__file__).resolve().parent
NODE_TIMEOUT_S = 900
COMPILE_TIMEOUT_S = 1800


def node() -> str:
    exe = shutil.which("node")
    if exe is None:
        pytest.fail("node is required for the real-world Emscripten tests")
    return exe


@dataclass(frozen=True)
class Compiled:
    """One run of ``python -m asm2wasm compile``: the outputs when it succeeded, and what it printed."""

    source: Path
    wasm: Path
    js: Path
    returncode: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.wasm.is_file() and self.js.is_file()

    def first_error(self) -> str:
        lines = [line for line in self.output.splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()]
        return (errors or lines or ["(no output)"])[0]


class CompileCache:
    """Compiles each source at most once per test session (compiles of big modules take tens of seconds)."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._done: dict[tuple[Path, str, tuple[str, ...]], Compiled] = {}

    def get(self, source: Path, module: str = "asm", options: tuple[str, ...] = ()) -> Compiled:
        """``options`` are extra compiler options (e.g. ``("--lenient",)``)."""
        key = (source.resolve(), module, options)
        if key not in self._done:
            self._done[key] = self._compile(*key)
        return self._done[key]

    def _compile(self, source: Path, module: str, options: tuple[str, ...]) -> Compiled:
        suffix = "".join(f"-{option.lstrip('-')}" for option in options)
        out = self.out_dir / f"{source.parent.name}-{source.stem}{suffix}"
        out.mkdir(parents=True, exist_ok=True)
        wasm, js = out / f"{source.stem}.wasm", out / f"{source.stem}.shim.js"
        cmd = [sys.executable, "-m", "asm2wasm", "compile", str(source), "--module", module, "-o", str(wasm)]
        cmd += ["--js", str(js), "-v", *options]
        t0 = time.perf_counter()
        proc = subprocess.run(
            cmd, check=False, cwd=REPO_ROOT, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S
        )
        seconds = time.perf_counter() - t0
        compiled = Compiled(source, wasm, js, proc.returncode, (proc.stdout + proc.stderr).strip(), seconds)
        status = "ok" if compiled.ok else f"FAILED ({proc.returncode}): {compiled.first_error()}"
        print(f"\n[asm2wasm] compiled {source.name} in {seconds:.1f} s: {status}")
        return compiled


_ENGINE = wasmtime.Engine()


def require_compiled(compiled: Compiled) -> None:
    """Fail with the compiler's own message when the module did not compile."""
    if not compiled.ok:
        pytest.fail(
            f"asm2wasm could not compile {compiled.source.name} (exit {compiled.returncode}, "
            f"{compiled.seconds:.1f} s):\n{compiled.output[-6000:]}"
        )
    wasmtime.Module.validate(_ENGINE, compiled.wasm.read_bytes())  # valid for a Wasm-only host too


def run_driver(driver: str, *args: str) -> dict[str, Any]:
    """Run ``tests/realworld/<driver>`` with node and return its JSON result."""
    cmd = [node(), str(HERE / driver), *args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=NODE_TIMEOUT_S)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        command = " ".join([driver, *args])
        pytest.fail(f"{command} failed ({proc.returncode}) after {seconds:.1f} s:\n{proc.stderr[-6000:]}")
    result = json.loads(proc.stdout)
    result["processSeconds"] = seconds
    return result


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else f"{text[:300]}... ({len(text)} chars)"


def first_difference(a: Any, b: Any, where: str = "") -> str | None:
    """Where two JSON values first differ, as ``path: got B, original A``; None when they are equal."""
    if type(a) is not type(b):
        return f"{where or '<root>'}: got {_short(b)}, original {_short(a)}"
    if isinstance(a, dict):
        for key in list(a) + [k for k in b if k not in a]:
            if key not in a or key not in b:
                return f"{where}/{key}: present only in {'the original' if key in a else 'the shim run'}"
            found = first_difference(a[key], b[key], f"{where}/{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{where}[{i}]")
            if found:
                return found
        if len(a) != len(b):
            return f"{where}: {len(b)} items, original {len(a)}"
        return None
    return None if a == b else f"{where or '<root>'}: got {_short(b)}, original {_short(a)}"


def first_differing_byte(a: bytes, b: bytes) -> str | None:
    """The first offset where two byte strings differ (with some context); None when they are equal."""
    if a == b:
        return None
    offset = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    lo = max(0, offset - 8)
    return (
        f"first difference at byte {offset} (of {len(a)} original, {len(b)} shim): "
        f"original {a[lo : offset + 16].hex()} shim {b[lo : offset + 16].hex()} (from byte {lo})"
    )


def assert_really_ran_wasm(
    shimmed: dict[str, Any],
    heap_bytes: int | list[int],
    directive: str = "use asm",
    js_exports: tuple[str, ...] = (),
) -> None:
    """The shim run replaced the asm.js module: one heap from createHeap, one link, every export a Wasm function
    (except ``js_exports``, which the shim implements in JS, e.g. ``_emscripten_replace_memory`` of growth builds).

    Builds that instantiate their module once per use (``MODULARIZE``, e.g. viz.js) pass the sizes of all the heaps
    made, in order: one createHeap, one link and one ``WebAssembly.Instance`` each."""
    heaps = heap_bytes if isinstance(heap_bytes, list) else [heap_bytes]
    assert shimmed["mode"] == "shim"
    assert shimmed["patches"]["directive"] == directive
    assert shimmed["patches"]["moduleBytes"] > 100_000
    stats = shimmed["shim"]
    assert stats["createHeap"] == heaps, stats["createHeap"]
    assert stats["link"] == len(heaps)
    assert stats["exports"] > 0
    assert sorted(stats["nonWasmExports"]) == sorted(js_exports), (
        f"exports that are not Wasm functions: {stats['nonWasmExports'][:10]}"
    )
    assert shimmed["webassembly"]["Module"] >= 1, "no WebAssembly.Module was constructed"
    assert shimmed["webassembly"]["Instance"] == len(heaps)


def assert_original_used_no_wasm(original: dict[str, Any]) -> None:
    assert original["mode"] == "original"
    assert original["shim"] is None
    assert original["webassembly"] == {"Module": 0, "Instance": 0, "compile": 0, "instantiate": 0}
