"""Small helpers shared by the passes.

`run_with_big_stack` runs a whole pipeline in a thread with a large stack and a raised recursion limit: esprima and
every tree walk recurse once (or several times) per nesting level, and asm.js from real compilers can nest deeply.
On CPython 3.11 Python-to-Python calls do not grow the C stack, so the recursion limit is what bounds the depth
(and the memory: roughly 0.3 KB per Python frame); the big C stack is a safety margin for C-level recursion.

Measured with the defaults (512 MiB stack, 2,000,000 frames) through parse() and nodes.dump() (CPython 3.11):
- nested parentheses `((((1))))`: up to about 124,000 levels (esprima spends ~16 frames per level): 120,000 parse
  in ~3 s and ~0.6 GB, 126,000 give E006;
- nested blocks `{{{{}}}}`: up to about 500,000 levels (the adapter's ~4 frames per level): 450,000 parse in ~8 s,
  520,000 give E006;
- 100,000 unary minus, 100,000 else-if, a 1,000,000-term `1 + 1 + ...` chain: all parse;
- beyond the limit: CompileError E006 (at the deepest bracket when the parser reports it), never a crash; the
  memory used just before the limit is reached is about 0.9-1.3 GB.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from asm2wasm.diagnostics import CompileError

T = TypeVar("T")

STACK_BYTES = 512 * 1024 * 1024
RECURSION_LIMIT = 2_000_000

_STACK_SIZE_LOCK = threading.Lock()


def run_with_big_stack(
    fn: Callable[..., T],
    *args: Any,
    stack_bytes: int = STACK_BYTES,
    recursion_limit: int = RECURSION_LIMIT,
    **kwargs: Any,
) -> T:
    """`fn(*args, **kwargs)` in a thread with a `stack_bytes` stack and at least `recursion_limit` frames.

    Returns its result or re-raises its exception in the caller; RecursionError (and MemoryError) become
    CompileError E006.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the calling thread
            outcome["error"] = exc

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, recursion_limit))
    try:
        with _STACK_SIZE_LOCK:
            old_size = threading.stack_size(stack_bytes)
            try:
                worker = threading.Thread(target=target, name="asm2wasm-big-stack", daemon=True)
                worker.start()
            finally:
                threading.stack_size(old_size)
        worker.join()
    finally:
        sys.setrecursionlimit(old_limit)
    error = outcome.get("error")
    if error is not None:
        raise _as_compile_error(error) from None
    return outcome["value"]


def _as_compile_error(error: BaseException) -> BaseException:
    if isinstance(error, RecursionError):
        return CompileError("E006", "nesting too deep: the input nests beyond the supported depth")
    if isinstance(error, MemoryError):
        return CompileError("E006", "out of memory: the input nests too deeply or is too large")
    return error


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a big tree.

    Allocating hundreds of thousands of nodes triggers collections that rescan every live object, so parse time
    grows faster than linearly; measured on a 0.87 MB module, esprima takes 3.9 s with collections and 2.0 s
    without, the adapter 1.6 s and 0.3 s. The trees are acyclic, nothing is lost; the previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
