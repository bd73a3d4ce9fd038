"""Parsing, checking, lowering and encoding function bodies on several cores.

Once the module-level statements are validated, functions are independent, except for facts they discover
together. Each worker (a forked process) works on its share of the functions (`_assign`: a few runs of consecutive
functions), in rounds:

    0. (skimmed modules only) parse its functions' declarations from the source text (inherited by fork; the
       parent only skimmed them: `frontend.skim`) and send back what each body says about its declaration: its
       signature, from the annotations and the last statement (or why it has none), and whether it is an "almost
       asm" heap replacement function. The parent completes the module-level validation with every function's
       facts, in function order (`check.module.declare_signatures`: signatures, function tables, the export)
       and sends all the facts to every worker, which completes its own copy the same way
    1. check its functions and plan their versioning (`lower.function.plan_versions`); send back, run by run, the
       foreign-call signatures and Math imports in first-use order, and which functions get a checked twin
    2. receive the merged index layout (merged in function order, exactly as a sequential run would see them);
       lower and encode its functions and their twins; send back the encoded bodies and their names
       (`validate_skimmed` stops the workers before this round)

The result is byte-identical to a single-process compile, and so is the first error: a body the fast parser does
not take (a syntax error, a form it leaves to esprima, nesting too deep) makes `compile_skimmed` return None, and the
caller compiles the ordinary way (parse errors come before any other); after that, a signature, table or export
error is the first in module order, as in a sequential run; in round 1, the first failing function in source order
wins. The parent never holds the trees of the bodies, and workers no longer needed are terminated.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from asm2wasm.check import ir
from asm2wasm.check.module import Declarations, body_facts, check_body, declare_signatures
from asm2wasm.diagnostics import CompileError, Diagnostic
from asm2wasm.frontend import FastPathUnavailable, ModuleSpan, parse_functions
from asm2wasm.lower.function import Layout, lower_with_twin, plan_versions, versioning_on
from asm2wasm.lower.module import Lowered, Plan, finish_module, plan_module, twin_indices
from asm2wasm.lower.versioning import MAX_FUNCTION_CHECKS
from asm2wasm.wasm import model as wasm
from asm2wasm.wasm.encode import encode_function
from asm2wasm.wasm.instrs import InstructionCache

# Below this many functions, forking costs more than it saves.
MIN_FUNCTIONS = 400
# A function with more `[` than this is *heavy*: it likely has more checked heap accesses than versioning plans
# (lower/versioning.py), so planning and lowering it cost about half as much per byte as other functions.
HEAVY_BRACKETS = MAX_FUNCTION_CHECKS


@dataclass
class ParallelResult:
    lowered: Lowered  # the module; its asm.js functions have names and locals but empty bodies
    bodies: list[tuple[bytes, bytes]]  # encode_function() of every function of lowered.module, in order
    worker_seconds: dict[str, float] = field(default_factory=dict)  # phase -> seconds of the slowest worker


Run = tuple[int, int]  # the functions first <= index < last


class _Checked(NamedTuple):
    """A worker's round 1 reply: the first error of its functions (and that function's index), else what its
    functions need of the module."""

    diagnostic: Diagnostic | None
    failed: int = -1  # the index of the function with the error
    found: Sequence = ()  # per run: (first index, foreign-call signatures, Math imports, warnings), first-use order
    stubs: Sequence = ()  # its ir.Functions without their bodies
    outlined: Sequence = ()  # the functions (module indices) that get a checked twin


class _LoweredShare(NamedTuple):
    """A worker's round 2 reply: its functions and their twins, without code (the code encoded beside them)."""

    functions: list[wasm.Function]
    bodies: list[tuple[bytes, bytes]]  # encode_function() of each
    twins: list[wasm.Function]
    twin_bodies: list[tuple[bytes, bytes]]
    seconds: dict[str, float]  # phase -> seconds


def default_jobs() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def can_fork(jobs: int) -> bool:
    return jobs > 1 and "fork" in multiprocessing.get_all_start_methods()


def worth_it(declarations: Declarations, jobs: int) -> bool:
    return can_fork(jobs) and len(declarations.funcs) >= MIN_FUNCTIONS


def worth_skimming(source: str, span: ModuleSpan, jobs: int) -> bool:
    """Whether the module may have enough functions (each has a `function` keyword) to skim it."""
    return can_fork(jobs) and source.count("function", span.start, span.end) > MIN_FUNCTIONS


def compile_bodies(declarations: Declarations, jobs: int, fast: bool, lenient: bool, versioning: bool = True
                   ) -> ParallelResult:
    """Rounds 1 and 2, for a module parsed whole."""
    shares = _assign(declarations.funcs, jobs)
    versioned = versioning_on(versioning, fast, bool(declarations.typed.heap_views))
    with _Workers(_worker, (declarations, versioned, lenient), shares) as workers:
        plan, bodies, twins, seconds = _check_and_lower(workers, declarations.typed, fast, versioning)
    return _finish(plan, declarations.typed, bodies, twins, seconds)


def compile_skimmed(source: str, span: ModuleSpan, functions: list[tuple[int, int]], declarations: Declarations,
                    jobs: int, fast: bool, lenient: bool, versioning: bool = True) -> ParallelResult | None:
    """Rounds 0, 1 and 2, for a skimmed module (`functions`: each function's range of text, from the skim) whose
    declarations are those of `check.module.declare_without_bodies`. None when a body must be parsed otherwise."""
    shares = _assign(declarations.funcs, jobs, heavy_functions(source, functions))
    versioned = versioning_on(versioning, fast, bool(declarations.typed.heap_views))
    args = (source, span, functions, declarations, versioned, lenient)
    with _Workers(_skimmed_worker, args, shares) as workers:
        if not _declare_skimmed(workers, declarations):
            return None
        plan, bodies, twins, seconds = _check_and_lower(workers, declarations.typed, fast, versioning)
    return _finish(plan, declarations.typed, bodies, twins, seconds)


def validate_skimmed(source: str, span: ModuleSpan, functions: list[tuple[int, int]], declarations: Declarations,
                     jobs: int, lenient: bool) -> ir.TypedModule | None:
    """Rounds 0 and 1 only (`asm2wasm validate`): the typed module, its functions without bodies; None as in
    `compile_skimmed`."""
    shares = _assign(declarations.funcs, jobs, heavy_functions(source, functions))
    args = (source, span, functions, declarations, False, lenient)  # not versioned: no plans to make
    with _Workers(_skimmed_worker, args, shares) as workers:
        if not _declare_skimmed(workers, declarations):
            return None
        _merge_checked(workers, declarations.typed)
        workers.stop()  # they wait for round 2
    return declarations.typed


def _declare_skimmed(workers: _Workers, declarations: Declarations) -> bool:
    """The parent's side of round 0; False when a worker could not parse its bodies."""
    replies = workers.receive()
    if any(reply is None for reply in replies):
        workers.stop()
        return False
    facts = _in_function_order(workers.shares, replies, len(declarations.funcs))
    # A worker stops after a signature error: up to the first function without facts, that error comes first.
    known = facts.index(None) if None in facts else len(facts)
    declare_signatures(declarations, facts[:known])  # the first error in module order, if any
    workers.send(facts)
    return True


class _Workers:
    """One forked process per share of the functions (its runs), each with a pipe; `with` stops them all on an
    error."""

    def __init__(self, target: Callable, args: tuple, shares: list[list[Run]]) -> None:
        context = multiprocessing.get_context("fork")
        self.shares = shares
        self.processes = []
        self.connections = []
        for runs in shares:
            parent_end, child_end = context.Pipe()
            process = context.Process(target=target, args=(child_end, *args, runs), daemon=True)
            process.start()
            child_end.close()
            self.processes.append(process)
            self.connections.append(parent_end)

    def receive(self) -> list:
        return [connection.recv() for connection in self.connections]

    def send(self, message: object) -> None:
        for connection in self.connections:
            connection.send(message)

    def stop(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        if error_type is not None:
            self.stop()
        for process, connection in zip(self.processes, self.connections):
            connection.close()
            process.join(timeout=60)
            if process.is_alive():  # it hung: never leave a stray process behind
                process.kill()
                process.join()


def _check_and_lower(workers: _Workers, typed: ir.TypedModule, fast: bool, versioning: bool
                     ) -> tuple[Plan, list[tuple[bytes, bytes]], tuple[list, list[tuple[bytes, bytes]]],
                                dict[str, float]]:
    """The parent's side of rounds 1 and 2."""
    outlined = _merge_checked(workers, typed)
    plan = plan_module(typed, fast, versioning=versioning)
    twins_of = twin_indices(plan.layout, outlined)
    workers.send((plan.layout, plan.func_types, twins_of))
    replies: list[_LoweredShare] = workers.receive()
    count = len(typed.functions)
    plan.module.functions += _in_function_order(workers.shares, [r.functions for r in replies], count)
    bodies = _in_function_order(workers.shares, [r.bodies for r in replies], count)
    # the twins in the order of their functions, which is the order of their indices
    twinned = sorted((index, twin, body) for runs, r in zip(workers.shares, replies)
                     for index, twin, body in zip(_twinned(runs, twins_of), r.twins, r.twin_bodies))
    twins = [twin for _, twin, _ in twinned]
    twin_bodies = [body for _, _, body in twinned]
    slowest: dict[str, float] = {}
    for reply in replies:
        for phase, value in reply.seconds.items():
            slowest[phase] = max(slowest.get(phase, 0.0), value)
    return plan, bodies, (twins, twin_bodies), slowest


def _merge_checked(workers: _Workers, typed: ir.TypedModule) -> list[int]:
    """The parent's side of round 1: the first error in function order, else what the workers found, merged in
    function order (as a one-process run finds them). Returns the functions that get a checked twin, in order."""
    checked: list[_Checked] = workers.receive()
    failed = [reply for reply in checked if reply.diagnostic is not None]
    if failed:
        first = min(failed, key=lambda reply: reply.failed).diagnostic
        raise CompileError(first.code, first.message, first.loc)
    for _, foreign_calls, math_imports, warnings in sorted(run for reply in checked for run in reply.found):
        for signature in foreign_calls:
            typed.foreign_calls.setdefault(signature, len(typed.foreign_calls))
        for name in math_imports:
            if name not in typed.math_imports:
                typed.math_imports.append(name)
        typed.warnings += warnings
    stubs = _in_function_order(workers.shares, [reply.stubs for reply in checked], len(typed.functions))
    typed.functions[:] = stubs
    return sorted(func for reply in checked for func in reply.outlined)


def _finish(plan: Plan, typed: ir.TypedModule, bodies: list[tuple[bytes, bytes]],
            twins: tuple[list[wasm.Function], list[tuple[bytes, bytes]]], worker_seconds: dict[str, float]
            ) -> ParallelResult:
    named_twins, twin_bodies = twins
    lowered = finish_module(plan, typed, named_twins)
    helpers = lowered.module.functions[len(bodies):len(lowered.module.functions) - len(named_twins)]
    bodies += [encode_function(f) for f in helpers]
    return ParallelResult(lowered, bodies + twin_bodies, worker_seconds)


def heavy_functions(source: str, functions: list[tuple[int, int]]) -> list[bool]:
    """Per function (its range of text): whether it is heavy (HEAVY_BRACKETS), counted at C speed."""
    return [source.count("[", start, end) > HEAVY_BRACKETS for start, end in functions]


def _assign(funcs: list, jobs: int, heavy: Sequence[bool] | None = None) -> list[list[Run]]:
    """Each worker's share of the functions, as runs of consecutive indices.

    The rounds wait for the slowest worker, so each should have the same work in every round. Parsing and checking
    go by source size, versioning by the size of the functions it plans (not the heavy ones). So the heavy functions
    and the others are each cut into `jobs` consecutive parts of about equal size, and worker k takes the k-th part
    of both: a few runs. Without `heavy`, one run per worker (its part of the source)."""
    count = len(funcs)
    owner = [0] * count
    for selected in (False, True):
        members = [i for i in range(count) if bool(heavy and heavy[i]) == selected]
        sizes = [funcs[i].end - funcs[i].at for i in members]
        total, done = sum(sizes), 0
        for index, size in zip(members, sizes):
            owner[index] = min(jobs - 1, (2 * done + size) * jobs // (2 * total)) if total else 0  # by its middle
            done += size
    shares: list[list[Run]] = [[] for _ in range(jobs)]
    for index, worker in enumerate(owner):
        runs = shares[worker]
        if runs and runs[-1][1] == index:
            runs[-1] = (runs[-1][0], index + 1)
        else:
            runs.append((index, index + 1))
    return [runs for runs in shares if runs]


def _indices(runs: list[Run]) -> list[int]:
    return [index for first, last in runs for index in range(first, last)]


def _in_function_order(shares: list[list[Run]], replies: list[Sequence], count: int) -> list:
    """The workers' per-function items (each reply in its runs' order, maybe cut short) at their functions' indices;
    None for the functions a reply stopped before."""
    merged: list = [None] * count
    for runs, reply in zip(shares, replies):
        for index, item in zip(_indices(runs), reply):
            merged[index] = item
    return merged


def _twinned(runs: list[Run], twins_of: dict[int, int]) -> list[int]:
    """A worker's functions that have a checked twin, in the order it lowers them."""
    return [index for index in _indices(runs) if index in twins_of]


def _skimmed_worker(connection, source: str, span: ModuleSpan, functions: list[tuple[int, int]],
                    declarations: Declarations, versioned: bool, lenient: bool, runs: list[Run]) -> None:
    """Round 0, then rounds 1 and 2."""
    started = time.perf_counter()
    try:
        decls = [decl for first, last in runs for decl in parse_functions(source, span, functions[first:last])]
    except (FastPathUnavailable, RecursionError):
        connection.send(None)
        return
    facts = []
    for decl in decls:
        sig, replaces = body_facts(declarations, decl)
        facts.append((sig, replaces))
        if isinstance(sig, Diagnostic) and not replaces:  # an error whatever the other functions say
            break
    connection.send(facts)
    declare_signatures(declarations, connection.recv())
    for index, decl in zip(_indices(runs), decls):
        declarations.funcs[index] = decl
    del decls  # the trees stay only in declarations.funcs, which round 1 empties as it goes
    _worker(connection, declarations, versioned, lenient, runs, parse_seconds=time.perf_counter() - started)


def _worker(connection, declarations: Declarations, versioned: bool, lenient: bool, runs: list[Run],
            parse_seconds: float = 0.0) -> None:
    """Rounds 1 and 2 (`versioned`: `lower.function.versioning_on`). The last message also says how long each phase
    took here (the versioning plans count as lowering)."""
    typed = declarations.typed
    t0 = time.perf_counter()
    functions: list[ir.Function] = []
    found = []
    index = -1
    try:
        for first, last in runs:
            calls, maths, warnings = len(typed.foreign_calls), len(typed.math_imports), len(typed.warnings)
            for index in range(first, last):
                functions.append(check_body(declarations, index, lenient))
                declarations.funcs[index] = None  # its tree: the memory is reused by the next ones
            found.append((first, list(typed.foreign_calls)[calls:], typed.math_imports[maths:],
                          typed.warnings[warnings:]))
    except CompileError as error:
        connection.send(_Checked(error.diagnostic, index))
        return
    except RecursionError:
        connection.send(_Checked(CompileError("E006", "nesting too deep").diagnostic, index))
        return
    t1 = time.perf_counter()
    indices = _indices(runs)
    versions = [plan_versions(f, versioned) for f in functions]
    outlined = [index for index, v in zip(indices, versions) if v is not None and v.outlined]
    stubs = [ir.Function(f.name, f.params, [], f.result, f.result_type, [], f.at) for f in functions]
    connection.send(_Checked(None, -1, found, stubs, outlined))
    t2 = time.perf_counter()
    layout, func_types, twins = connection.recv()
    t3 = time.perf_counter()
    share, encode_seconds = _lower_and_encode(functions, versions, indices, layout, func_types, twins)
    seconds = {"parse": parse_seconds, "check": t1 - t0,
               "lower": (t2 - t1) + (time.perf_counter() - t3) - encode_seconds, "encode": encode_seconds}
    connection.send(_LoweredShare(*share, seconds))
    _exit_now()


def _lower_and_encode(functions: list, versions: list, indices: list[int], layout: Layout, func_types: list[int],
                      twins: dict[int, int]) -> tuple[tuple[list, list, list, list], float]:
    """Round 2 for a worker's functions: (the functions without their code, their encodings, the same for their
    twins), and the time spent encoding. Each function is lowered and encoded in turn, and its IR and Wasm code
    freed at once, so that the next one reuses their memory (with round 1 freeing each tree once checked, the
    peak RSS of a sql.js compile went from 219 MB to 145 MB)."""
    named, encoded, named_twins, encoded_twins = [], [], [], []
    cache = InstructionCache()
    encode_seconds = 0.0
    for i, index in enumerate(indices):
        f, version = functions[i], versions[i]
        functions[i] = versions[i] = None  # freed once lowered: the next function reuses the memory
        function, twin = lower_with_twin(f, func_types[index], layout, version, twins.get(index))
        start = time.perf_counter()
        encoded.append(encode_function(function, cache))
        named.append(_without_code(function))
        if twin is not None:
            encoded_twins.append(encode_function(twin, cache))
            named_twins.append(_without_code(twin))
        encode_seconds += time.perf_counter() - start
    return (named, encoded, named_twins, encoded_twins), encode_seconds


def _without_code(f: wasm.Function) -> wasm.Function:
    """The function without its code (sent back encoded)."""
    return wasm.Function(f.type_index, [], f.locals, f.debug_name, f.local_names)


def _exit_now() -> None:
    """End the worker without freeing its trees object by object (tens of milliseconds the parent would wait)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
