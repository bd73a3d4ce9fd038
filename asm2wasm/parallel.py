"""Checking, lowering and encoding function bodies on several cores.

Once the module-level statements are validated, functions are independent, except for one fact they discover
together: which foreign-call signatures and Math functions the module imports (imports come first in the
function index space, so every call's index depends on them). So each worker (a forked process that inherits
the parsed tree) works on a contiguous range of functions in two rounds:

    1. check its functions; send back the foreign-call signatures and Math imports in first-use order
    2. receive the merged index layout (merged in function order, exactly as a sequential run would see them);
       lower and encode its functions; send back the encoded bodies and their names

The result is byte-identical to a single-process compile. Errors are reported as in a sequential run: the
first failing function in source order wins.
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass

from asm2wasm.check import ir
from asm2wasm.check.module import Declarations, check_body
from asm2wasm.diagnostics import CompileError
from asm2wasm.lower.function import lower_function
from asm2wasm.lower.module import Lowered, finish_module, plan_module
from asm2wasm.wasm import model as wasm
from asm2wasm.wasm.encode import encode_function_body

# Below this many functions, forking costs more than it saves.
MIN_FUNCTIONS = 400


@dataclass
class ParallelResult:
    lowered: Lowered  # the module; its asm.js functions have names and locals but empty bodies
    bodies: list[bytes]  # encode_function_body() of every function of lowered.module, in order


def default_jobs() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def worth_it(declarations: Declarations, jobs: int) -> bool:
    return jobs > 1 and len(declarations.funcs) >= MIN_FUNCTIONS and "fork" in multiprocessing.get_all_start_methods()


def compile_bodies(declarations: Declarations, jobs: int, fast: bool, lenient: bool) -> ParallelResult:
    typed = declarations.typed
    ranges = _split(declarations.funcs, jobs)
    context = multiprocessing.get_context("fork")
    workers = []
    for first, last in ranges:
        parent_end, child_end = context.Pipe()
        process = context.Process(target=_worker, args=(child_end, declarations, first, last, fast, lenient),
                                  daemon=True)
        process.start()
        child_end.close()
        workers.append((process, parent_end))
    try:
        checked = [connection.recv() for _, connection in workers]
        if any(diagnostic is not None for diagnostic, *_ in checked):
            for (_, connection), (diagnostic, *_) in zip(workers, checked):
                if diagnostic is None:
                    connection.send(None)  # stop: no layout is coming
            _raise_first_error(checked)
        for _, foreign_calls, math_imports, warnings, _stubs in checked:
            for signature in foreign_calls:
                typed.foreign_calls.setdefault(signature, len(typed.foreign_calls))
            for name in math_imports:
                if name not in typed.math_imports:
                    typed.math_imports.append(name)
            typed.warnings += warnings
        for (first, _), (_, _, _, _, stubs) in zip(ranges, checked):
            typed.functions[first:first + len(stubs)] = stubs
        plan = plan_module(typed, fast)
        for _, connection in workers:
            connection.send((plan.layout, plan.func_types))
        bodies: list[bytes] = []
        for _, connection in workers:
            functions, encoded = connection.recv()
            plan.module.functions += functions
            bodies += encoded
    finally:
        for process, connection in workers:
            connection.close()
            process.join(timeout=60)
            if process.is_alive():  # it died or hung: never leave a stray process behind
                process.terminate()
    lowered = finish_module(plan, typed)
    bodies += [encode_function_body(f) for f in lowered.module.functions[len(bodies):]]
    return ParallelResult(lowered, bodies)


def _split(funcs: list, jobs: int) -> list[tuple[int, int]]:
    """Contiguous ranges of about equal source size (a function's `end` offset measures where it stops)."""
    total = funcs[-1].end - funcs[0].end if len(funcs) > 1 else 0
    ranges, first = [], 0
    for job in range(1, jobs):
        target = funcs[0].end + total * job // jobs
        last = first
        while last < len(funcs) - 1 and funcs[last].end < target:
            last += 1
        ranges.append((first, last))
        first = last
    ranges.append((first, len(funcs)))
    return [(a, b) for a, b in ranges if b > a]


def _worker(connection, declarations: Declarations, first: int, last: int, fast: bool, lenient: bool) -> None:
    typed = declarations.typed
    try:
        functions = [check_body(declarations, index, lenient) for index in range(first, last)]
    except CompileError as error:
        connection.send((error.diagnostic, (), (), (), ()))
        return
    except RecursionError:
        connection.send((CompileError("E006", "nesting too deep").diagnostic, (), (), (), ()))
        return
    stubs = [ir.Function(f.name, f.params, [], f.result, f.result_type, [], f.loc) for f in functions]
    connection.send((None, list(typed.foreign_calls), list(typed.math_imports), list(typed.warnings), stubs))
    message = connection.recv()
    if message is None:  # another worker found an error
        return
    layout, func_types = message
    lowered = [lower_function(f, func_types[first + i], layout) for i, f in enumerate(functions)]
    encoded = [encode_function_body(f) for f in lowered]
    named = [wasm.Function(f.type_index, [], f.locals, f.debug_name, f.local_names) for f in lowered]
    connection.send((named, encoded))
    connection.close()


def _raise_first_error(checked: list[tuple]) -> None:
    for diagnostic, *_ in checked:
        if diagnostic is not None:
            error = CompileError(diagnostic.code, diagnostic.message, diagnostic.loc)
            raise error
