"""Helpers shared by the frontend tests: the fuzz program generator and the npm package cache, loaded from their
own folders (tests/fuzz, tests/realworld) without making tests/ a package."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def fuzz_generator() -> ModuleType:
    """tests/fuzz/generate.py (`generate(seed)` makes one valid asm.js module)."""
    fuzz_dir = str(REPO / "tests" / "fuzz")
    if fuzz_dir not in sys.path:
        sys.path.insert(0, fuzz_dir)  # generate.py imports its siblings as top-level modules
    return importlib.import_module("generate")


def npm_cache() -> ModuleType:
    """tests/realworld/npm_cache.py (`fetch_package(spec)`, `NpmFetchError`)."""
    path = REPO / "tests" / "realworld" / "npm_cache.py"
    spec = importlib.util.spec_from_file_location("asm2wasm_tests_npm_cache", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
