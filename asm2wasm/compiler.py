"""The pipeline, pass after pass: parse -> check -> lower -> encode (+ .wat, + JS shim). No file I/O here.

    source text --frontend.parse--> nodes.Module --check--> ir.TypedModule --lower--> wasm.Module --encode--> bytes
                                                                                  \\--glue--> shim.js / shim.mjs
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from asm2wasm import frontend
from asm2wasm.check import check, ir
from asm2wasm.glue.context import shim_context
from asm2wasm.glue.render import render
from asm2wasm.lower.module import Lowered, lower
from asm2wasm.util import gc_paused, run_with_big_stack
from asm2wasm.wasm.encode import encode
from asm2wasm.wasm.wat import to_wat


@dataclass
class Options:
    module: str | None = None  # which module of the file (by name)
    fast: bool = False  # drop the exactness guards (see README)
    lenient: bool = False  # coerce mismatched call arguments as JavaScript would, with a warning


@dataclass
class Compiled:
    typed: ir.TypedModule
    lowered: Lowered
    timings: dict[str, float] = field(default_factory=dict)

    def wasm(self) -> bytes:
        return encode(self.lowered.module)

    def wat(self) -> str:
        return to_wat(self.lowered.module)

    def shim(self, wasm_file: str, source_name: str, esm: bool = False) -> str:
        context = shim_context(self.typed, self.lowered.link, wasm_file, source_name, esm)
        return render("shim.js.j2", context)


def _timed(timings: dict[str, float], phase: str, fn: Callable, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    timings[phase] = timings.get(phase, 0.0) + time.perf_counter() - start
    return result


def _check_source(source: str, filename: str, options: Options, timings: dict[str, float]) -> ir.TypedModule:
    # The trees are acyclic: pausing the cyclic GC saves the rescans of every node that big modules trigger.
    with gc_paused():
        tree = _timed(timings, "parse", frontend.parse, source, filename, options.module)
        return _timed(timings, "check", check, tree, options.lenient)


def validate(source: str, filename: str = "<input>", options: Options | None = None) -> ir.TypedModule:
    """Parse and check only. Raises CompileError at the first error."""
    options = options or Options()
    return run_with_big_stack(_check_source, source, filename, options, {})


def compile_source(source: str, filename: str = "<input>", options: Options | None = None) -> Compiled:
    """Parse, check and lower one asm.js module. Raises CompileError at the first error."""
    options = options or Options()

    def pipeline() -> Compiled:
        timings: dict[str, float] = {}
        typed = _check_source(source, filename, options, timings)
        with gc_paused():
            lowered = _timed(timings, "lower", lower, typed, options.fast)
        return Compiled(typed, lowered, timings)

    return run_with_big_stack(pipeline)
