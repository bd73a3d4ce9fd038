"""asm2wasm.util: running a pipeline with a big stack, and pausing the garbage collector."""

from __future__ import annotations

import gc
import sys
import threading

import pytest

from asm2wasm.diagnostics import CompileError
from asm2wasm.util import gc_paused, run_with_big_stack


def _depth(n: int) -> int:
    return 0 if n == 0 else 1 + _depth(n - 1)


def test_returns_the_result_and_restores_limits() -> None:
    limit, size = sys.getrecursionlimit(), threading.stack_size()
    assert run_with_big_stack(_depth, 50_000) == 50_000
    assert (sys.getrecursionlimit(), threading.stack_size()) == (limit, size)


def test_reraises_exceptions() -> None:
    def fail() -> None:
        raise CompileError("E002", "boom")

    with pytest.raises(CompileError) as err:
        run_with_big_stack(fail)
    assert err.value.diagnostic.code == "E002"
    with pytest.raises(ValueError):
        run_with_big_stack(int, "x")


def test_recursion_error_becomes_e006() -> None:
    with pytest.raises(CompileError) as err:
        run_with_big_stack(_depth, 10_000, recursion_limit=2_000)
    assert err.value.diagnostic.code == "E006"


def test_gc_paused_restores_the_state() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
