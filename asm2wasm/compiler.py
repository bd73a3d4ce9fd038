"""The pipeline, pass after pass: parse -> check -> lower -> encode (+ .wat, + JS shim). No file I/O here.

    source text --frontend.parse--> nodes.Module --check--> ir.TypedModule --lower--> wasm.Module --encode--> bytes
                                                                                  \\--glue--> shim.js / shim.mjs

Big modules on several cores (`parallel`): the parent only skims the module (`frontend.skim_module`: module-level
statements parsed, function bodies delimited) and declares it; forked workers parse, check, lower and encode the
bodies. Whatever the skim cannot decide alone goes the ordinary way (parse whole, check, then bodies in parallel
or not), which is the reference: the output and the first error are the same either way.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from asm2wasm import frontend, parallel
from asm2wasm.check import ir
from asm2wasm.check.module import Declarations, check_bodies, check_declarations, declare_without_bodies
from asm2wasm.diagnostics import CompileError
from asm2wasm.glue.context import shim_context
from asm2wasm.glue.render import render
from asm2wasm.lower.module import Lowered, lower
from asm2wasm.util import gc_paused, run_with_big_stack
from asm2wasm.wasm.encode import encode
from asm2wasm.wasm.sourcemap import build_source_map
from asm2wasm.wasm.wat import to_wat

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class Options:
    module: str | None = None  # which module of the file (by name)
    fast: bool = False  # drop the exactness guards (see README)
    versioning: bool = True  # one bounds test for runs of heap accesses (lower/versioning.py); off: each checked alone
    lenient: bool = False  # coerce mismatched call arguments as JavaScript would, with a warning
    debug: bool = False  # record statement lines for a source map (-g)
    jobs: int = 1  # processes for the function bodies (big modules only; the output is identical)
    progress: Progress | None = None


@dataclass
class Compiled:
    """The result of the pipeline, filled in pass by pass (with each pass's time and the peak memory after it)."""

    tree: object = None  # the syntax tree (nodes.Module)
    typed: ir.TypedModule | None = None
    lowered: Lowered | None = None
    bodies: list[tuple[bytes, bytes]] | None = None  # encode_function() of each function, when made in parallel
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds
    worker_timings: dict[str, float] = field(default_factory=dict)  # in "parallel": phase -> slowest worker's seconds
    peak_rss: dict[str, int] = field(default_factory=dict)  # phase -> peak resident memory (bytes) after it

    def wasm(self) -> bytes:
        with gc_paused():  # a collection now would rescan every node and instruction: seconds on big modules
            if self.bodies is None:
                return _timed(self, "encode", encode, self.lowered.module)
            bodies, hints = [body for body, _ in self.bodies], [hints for _, hints in self.bodies]
            return _timed(self, "encode", encode, self.lowered.module, bodies, hints)

    def source_map(self, binary: bytes, source: str, source_name: str, wasm_name: str) -> str:
        """The source map of `binary` (this module's encoding, compiled with Options(debug=True))."""
        return build_source_map(self.lowered.module, binary, source, source_name, wasm_name)

    def wat(self) -> str:
        if self.bodies is not None:
            raise ValueError("the text format needs the instructions: compile with Options(jobs=1)")
        return to_wat(self.lowered.module)

    def shim(self, wasm_file: str, source_name: str, esm: bool = False) -> str:
        context = shim_context(self.typed, self.lowered.link, wasm_file, source_name, esm)
        return render("shim.js.j2", context)


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def _timed(record: Compiled, phase: str, fn: Callable, *args, progress: Progress | None = None, **kwargs):
    """Run one phase, adding its time and the peak memory so far to `record`."""
    if progress is not None:
        progress(phase, 0, 0)  # the phase starts (0 of an unknown total)
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    record.timings[phase] = record.timings.get(phase, 0.0) + time.perf_counter() - start
    record.peak_rss[phase] = _peak_rss()
    return result


def _declare(source: str, filename: str, options: Options, record: Compiled) -> Declarations:
    """Parse, then validate everything but the function bodies."""
    # Kept on the record: freeing a big tree node by node takes seconds, which the CLI skips at exit.
    record.tree = _timed(record, "parse", frontend.parse, source, filename, options.module, progress=options.progress)
    return _timed(record, "check", check_declarations, record.tree)


def validate(source: str, filename: str = "<input>", options: Options | None = None) -> ir.TypedModule:
    """Parse and check only. Raises CompileError at the first error. On several cores (options.jobs) the functions
    of a big module come back without their bodies."""
    options = options or Options()

    def check_all() -> ir.TypedModule:
        record = Compiled()
        with gc_paused():  # the trees are acyclic: a collection would only rescan every node
            typed = _validate_skimmed(source, options, record)
            if typed is not None:
                return typed
            declarations = _declare(source, filename, options, record)
            return _timed(record, "check", check_bodies, declarations, options.lenient, options.progress)

    return run_with_big_stack(check_all)


def compile_source(source: str, filename: str = "<input>", options: Options | None = None) -> Compiled:
    """Parse, check and lower one asm.js module. Raises CompileError at the first error."""
    options = options or Options()

    def pipeline() -> Compiled:
        record = Compiled()
        with gc_paused():  # one pause for all passes: each resumption would rescan every live node
            if not options.debug and _compile_skimmed(source, options, record):
                return record
            declarations = _declare(source, filename, options, record)
            if not options.debug and parallel.worth_it(declarations, options.jobs):
                result = _timed(record, "parallel", parallel.compile_bodies, declarations, options.jobs,
                                options.fast, options.lenient, options.versioning, progress=options.progress)
                record.typed, record.lowered, record.bodies = declarations.typed, result.lowered, result.bodies
                record.worker_timings = result.worker_seconds
                return record
            record.typed = _timed(record, "check", check_bodies, declarations, options.lenient, options.progress)
            record.lowered = _timed(record, "lower", lower, record.typed, options.fast, options.progress,
                                    options.debug, options.versioning)
        return record

    return run_with_big_stack(pipeline)


def _compile_skimmed(source: str, options: Options, record: Compiled) -> bool:
    """The parallel compile of a big module whose function bodies the parent never parses (`parallel`, round 0).

    False when it does not apply, or cannot decide alone (a body the fast parser does not take, an error in the
    module-level declarations): then compile the ordinary way, which gives the reference result and first error.
    """
    found = _declare_skimmed(source, options, record)
    if found is None:
        return False
    span, skimmed, declarations = found
    result = _timed(record, "parallel", parallel.compile_skimmed, source, span, skimmed.ranges, declarations,
                    options.jobs, options.fast, options.lenient, options.versioning, progress=options.progress)
    if result is None:
        return False
    record.tree, record.typed = skimmed.module, declarations.typed  # the tree without its function bodies
    record.lowered, record.bodies = result.lowered, result.bodies
    record.worker_timings = result.worker_seconds
    return True


def _validate_skimmed(source: str, options: Options, record: Compiled) -> ir.TypedModule | None:
    """`validate` of a big module on several cores (rounds 0 and 1 of `parallel`); None as in `_compile_skimmed`.
    The functions of the result have no bodies."""
    found = _declare_skimmed(source, options, record)
    if found is None:
        return None
    span, skimmed, declarations = found
    return _timed(record, "check", parallel.validate_skimmed, source, span, skimmed.ranges, declarations,
                  options.jobs, options.lenient)


def _declare_skimmed(source: str, options: Options, record: Compiled
                     ) -> tuple[frontend.ModuleSpan, frontend.Skimmed, Declarations] | None:
    """A big module skimmed and declared without its bodies, if it is worth compiling on several cores and the skim
    can decide alone (otherwise None)."""
    if not parallel.can_fork(options.jobs):
        return None
    try:
        found = _timed(record, "parse", _skim, source, options, progress=options.progress)
        if found is None:
            return None
        span, skimmed = found
        declarations = _timed(record, "check", declare_without_bodies, skimmed.module)
    except (frontend.FastPathUnavailable, CompileError, RecursionError):
        return None
    if not parallel.worth_it(declarations, options.jobs):
        return None
    return span, skimmed, declarations


def _skim(source: str, options: Options) -> tuple[frontend.ModuleSpan, frontend.Skimmed] | None:
    """The module skimmed (`frontend.skim_module`), if it is big enough to be worth it."""
    span = frontend.select_module(frontend.find_modules(source), options.module)
    if span.error is not None or not parallel.worth_skimming(source, span, options.jobs):
        return None
    return span, frontend.skim_module(source, span)
