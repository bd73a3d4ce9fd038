"""Real code no one here wrote: viz.js@1.8.2 (Graphviz 2.40.1 built by Emscripten 1.37.33 fastcomp), its asm.js
modules compiled by asm2wasm and substituted into the unmodified library.

The package is fetched with ``npm pack`` into the ignored ``.cache/npm/`` (see ``npm_cache.py``); nothing of it is
committed. It ships two builds: ``viz-lite.js`` (dot layout only) and ``viz.js`` (all layout engines, Expat for
HTML-like labels). ``vizjs_run.js`` renders 35 graphs with each: clusters, records, ports, HTML-like and UTF-8 labels,
ortho and curved splines, a generated 120-node graph (once with a 32 MiB heap), every layout engine, twelve output
formats, an embedded image, and inputs that make Graphviz fail (a syntax error, an unknown format).

viz.js is a ``MODULARIZE`` build: every ``Viz()`` call instantiates the Emscripten module afresh (a new heap, a new
instance of the asm.js module), so a shim run makes one heap and one Wasm instance per render, all from one compiled
``WebAssembly.Module``.

``viz.js`` is not valid asm.js: two calls in one function pass a double for an int parameter and an int for a double
one (C code calling a function through a mismatched prototype). V8 says "Invalid asm.js: Function definition doesn't
match use" and runs it as plain JavaScript; asm2wasm refuses it (T006) unless ``--lenient``, which applies the
conversions JavaScript applies at those calls. ``viz-lite.js`` (without the layout plugin holding those calls) is valid
asm.js and compiles as it is.

* ``original``: the library as published; the renders are plausible (SVG with every node, JSON that parses, the
  engines the build has work and the others fail with Graphviz's message).
* ``shim``: the module function's body becomes ``__asm2wasm.link(global, env, buffer)`` and the heap
  ``new ArrayBuffer(TOTAL_MEMORY)`` becomes ``shim.createHeap(TOTAL_MEMORY)`` (see ``emscripten_substitute.js``);
  every output string, error message and printed line must equal the original's.

The compiled modules also pass node's ``WebAssembly.validate`` and load in ``wasmtime``, which runs a few of their
exports (malloc, memset, memcpy, the stack and 64-bit helpers) with no JavaScript at all.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import wasmtime

from .emscripten_harness import (
    CompileCache,
    Compiled,
    assert_original_used_no_wasm,
    assert_really_ran_wasm,
    first_difference,
    node,
    require_compiled,
    run_driver,
)
from .npm_cache import fetch_package

SPEC = "viz.js@1.8.2"
DRIVER = "vizjs_run.js"
# build -> the compiler options it needs
BUILDS = {"viz-lite.js": (), "viz.js": ("--lenient",)}
FULL_BUILD = "viz.js"
HEAP_BYTES = 16 * 1024 * 1024  # the builds' default TOTAL_MEMORY (Viz's totalMemory option overrides it)
ENGINES = ("neato", "fdp", "sfdp", "twopi", "circo", "osage", "patchwork")
BIG_NODES = 120
PAGE = 65536


@pytest.fixture(scope="session")
def viz_package() -> Path:
    return fetch_package(SPEC)


@pytest.fixture(scope="session")
def viz_compiled(tmp_path_factory: pytest.TempPathFactory) -> CompileCache:
    return CompileCache(tmp_path_factory.mktemp("vizjs-compiled"))


def compiled_build(package: Path, cache: CompileCache, build: str) -> Compiled:
    compiled = cache.get(package / build, options=BUILDS[build])
    require_compiled(compiled)
    return compiled


class Runs:
    """The driver's results per (build, mode), each run once per session."""

    def __init__(self, package: Path, compiled: CompileCache) -> None:
        self.package, self.compiled = package, compiled
        self._done: dict[tuple[str, str], dict[str, Any]] = {}

    def get(self, build: str, mode: str) -> dict[str, Any]:
        if (build, mode) not in self._done:
            args = ["--file", str(self.package / build)]
            if mode == "shim":
                args += ["--shim", str(compiled_build(self.package, self.compiled, build).js)]
            self._done[build, mode] = run_driver(DRIVER, *args)
        return self._done[build, mode]


@pytest.fixture(scope="session")
def viz_runs(viz_package: Path, viz_compiled: CompileCache) -> Runs:
    return Runs(viz_package, viz_compiled)


def by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {case["name"]: case for case in result["results"]}


def first_line_difference(a: str, b: str) -> str:
    """Where two rendered outputs first differ, line by line."""
    lines_a, lines_b = a.splitlines(), b.splitlines()
    for number, (x, y) in enumerate(zip(lines_a, lines_b), 1):
        if x != y:
            return f"line {number}: got {y[:200]!r}, original {x[:200]!r}"
    return f"{len(lines_b)} lines, original {len(lines_a)}"


# ----------------------------------------------------------------------------------------------------------------
# the library as published


@pytest.mark.parametrize("build", BUILDS)
def test_finds_the_emscripten_module(viz_package: Path, build: str) -> None:
    text = (viz_package / build).read_text(encoding="utf-8")
    for marker in ("// EMSCRIPTEN_START_ASM\n", "\n// EMSCRIPTEN_END_ASM\n", "buffer=new ArrayBuffer(TOTAL_MEMORY)"):
        assert text.count(marker) == 1, marker
    assert text.count('"use asm"') == 1
    assert "Emscripten 1.37.33" in text[:200]


@pytest.mark.parametrize("build", BUILDS)
def test_original_renders(viz_runs: Runs, build: str) -> None:
    original = viz_runs.get(build, "original")
    assert_original_used_no_wasm(original)
    cases = by_name(original)
    assert len(cases) == 35
    for name, case in cases.items():
        if "output" in case:
            assert case["length"] == len(case["output"]) > 0, name
    svgs = [case for case in cases.values() if case["format"] == "svg" and "output" in case]
    assert len(svgs) >= 7
    for case in svgs:
        assert case["output"].startswith('<?xml version="1.0" encoding="UTF-8" standalone="no"?>'), case["name"]
        assert case["output"].rstrip().endswith("</svg>"), case["name"]
    big = cases["big.svg"]["output"]
    assert big.count('<g id="node') == BIG_NODES
    assert cases["big-32MiB.plain"]["output"].count("\nnode ") == BIG_NODES
    assert cases["clusters.plain"]["output"].startswith("graph ")
    assert json.loads(cases["clusters.json"]["output"])["name"] == "G"
    assert json.loads(cases["utf8.json"]["output"])["name"] == "U"
    for label in ("Zürich", "Genève", "東京", "Москва", "☃ snow", "déjà vu", "ε → ∞"):
        assert label in cases["utf8.svg"]["output"], label
    assert cases["clusters.ps"]["output"].startswith("%!PS-Adobe-")
    assert "<image " in cases["image.svg"]["output"] and "pic.png" in cases["image.svg"]["output"]
    assert cases["syntax-error"]["error"].startswith("syntax error in line 1 near ';'")
    assert "nosuchformat" in cases["unknown-format"]["error"]
    assert "ok" in cases["after-errors.svg"]["output"]
    engines = {engine: cases[f"undirected.{engine}"] for engine in ENGINES}
    if build == FULL_BUILD:
        assert engines.pop("sfdp")["error"].startswith("remove_overlap: Graphviz not built with triangulation")
        for engine, case in engines.items():
            assert case["output"].startswith("graph "), engine
            assert case["output"].count("\nnode ") == 40, engine
        layouts = {case["output"] for case in engines.values()}
        assert len(layouts) == len(engines), "two engines gave the same layout"
    else:
        assert all(case["error"].startswith("Layout was not done") for case in engines.values())
    print(f"\n[viz.js] {build} original: load {original['loadMs']:.0f} ms, workload {original['workloadMs']:.0f} ms")


# ----------------------------------------------------------------------------------------------------------------
# compiling


def test_viz_js_is_not_valid_asm_js(viz_package: Path, viz_compiled: CompileCache) -> None:
    """Without --lenient the full build is refused where V8 also gives up on it; with it, those calls are warned."""
    strict = viz_compiled.get(viz_package / FULL_BUILD)
    assert not strict.ok
    assert re.search(
        r"viz\.js:33:146182: error: argument of type double where the function takes int \[T006\]", strict.output
    ), strict.output[-2000:]
    lenient = compiled_build(viz_package, viz_compiled, FULL_BUILD)
    assert len(re.findall(r"warning: .*converted as JavaScript would \[W001\]", lenient.output)) == 4


@pytest.mark.parametrize("build", BUILDS)
def test_compiles(viz_package: Path, viz_compiled: CompileCache, build: str) -> None:
    compiled = compiled_build(viz_package, viz_compiled, build)
    assert compiled.wasm.stat().st_size > 1_000_000
    print(f"\n[viz.js] {build}: compiled in {compiled.seconds:.1f} s")


@pytest.mark.parametrize("build", BUILDS)
def test_node_validates_the_output(viz_package: Path, viz_compiled: CompileCache, build: str) -> None:
    compiled = compiled_build(viz_package, viz_compiled, build)
    script = "process.stdout.write(String(WebAssembly.validate(require('fs').readFileSync(process.argv[1]))))"
    proc = subprocess.run(
        [node(), "-e", script, str(compiled.wasm)], check=False, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "true"


def _wasmtime_imports(
    store: wasmtime.Store, module: wasmtime.Module, heap_bytes: int, values: dict[str, int]
) -> tuple[list[wasmtime.Memory | wasmtime.Global | wasmtime.Func], wasmtime.Memory]:
    """Imports for a Wasm-only host: the memory, the heap limits, the numbers in ``values``, and functions that trap
    (except ``getTotalMemory``, which sbrk asks)."""
    imports: list[wasmtime.Memory | wasmtime.Global | wasmtime.Func] = []
    memory = None
    for imp in module.imports:
        t, name = imp.type, imp.name or ""
        if isinstance(t, wasmtime.MemoryType):
            memory = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(heap_bytes // PAGE, t.limits.max)))
            imports.append(memory)
        elif isinstance(t, wasmtime.GlobalType):
            limit = re.fullmatch(r"heap_limit_([1-9][0-9]*)", name)
            value = heap_bytes - int(limit.group(1)) + 1 if limit else values.get(name.removesuffix("|0"), 0)
            imports.append(wasmtime.Global(store, t, wasmtime.Val.i32(value)))
        else:
            assert isinstance(t, wasmtime.FuncType), f"{imp.module}.{name}: {t}"

            def stub(*_args: object, _name: str = f"{imp.module}.{name}") -> int:
                if _name.endswith(".getTotalMemory"):
                    return heap_bytes
                raise RuntimeError(f"{_name} called")

            imports.append(wasmtime.Func(store, t, stub))
    assert memory is not None, "the module imports no memory"
    return imports, memory


@pytest.mark.parametrize("build", BUILDS)
def test_wasmtime_runs_the_output(viz_package: Path, viz_compiled: CompileCache, build: str) -> None:
    """The output is standard Wasm: wasmtime validates and instantiates it, and its self-contained exports work."""
    compiled = compiled_build(viz_package, viz_compiled, build)
    wasm = compiled.wasm.read_bytes()
    engine = wasmtime.Engine()
    wasmtime.Module.validate(engine, wasm)
    module = wasmtime.Module(engine, wasm)
    store = wasmtime.Store(engine)
    # a heap laid out by hand (no memory initializer): the stack at 8 MiB, malloc's space from 10 MiB
    stack, dynamic_top_ptr, dynamic_base = 8 << 20, HEAP_BYTES - 16, 10 << 20
    values = {"STACKTOP": stack, "STACK_MAX": stack + (1 << 20), "DYNAMICTOP_PTR": dynamic_top_ptr}
    imports, memory = _wasmtime_imports(store, module, HEAP_BYTES, values)
    memory.write(store, dynamic_base.to_bytes(4, "little"), dynamic_top_ptr)
    exports = wasmtime.Instance(store, module, imports).exports(store)

    def call(name: str, *args: int) -> Any:
        func = exports[name]
        assert isinstance(func, wasmtime.Func), name
        return func(store, *args)

    def u32(value: int) -> int:
        return value & 0xFFFFFFFF

    assert u32(call("_llvm_bswap_i32", 0x11223344)) == 0x44332211
    low = call("___muldi3", 0x89ABCDEF, 0x01234567, 0x10001, 0)  # (a, b) 64-bit, times 0x10001
    product = (0x0123456789ABCDEF * 0x10001) & (2**64 - 1)
    assert (u32(call("getTempRet0")) << 32 | u32(low)) == product
    assert call("stackSave") == stack
    frame = call("stackAlloc", 100)
    assert frame == stack and call("stackSave") == stack + 112
    call("stackRestore", stack)
    first, second = call("_malloc", 1000), call("_malloc", 5000)
    assert dynamic_base <= first < second and first % 8 == 0 and second - first >= 1000
    call("_memset", first, 0xAB, 1000)
    call("_memcpy", second + 3, first + 10, 500)
    assert memory.read(store, second, second + 504) == b"\0\0\0" + b"\xab" * 500 + b"\0"
    call("_free", first)
    assert call("_malloc", 800) == first  # the freed chunk is reused


# ----------------------------------------------------------------------------------------------------------------
# the requirement: the compiled module gives exactly the original's results


@pytest.mark.parametrize("build", BUILDS)
def test_compiled_module_matches_original(viz_runs: Runs, build: str) -> None:
    original = viz_runs.get(build, "original")
    shimmed = viz_runs.get(build, "shim")
    heaps = [heap or HEAP_BYTES for heap in shimmed["heaps"]]
    assert 32 * 1024 * 1024 in heaps
    assert_really_ran_wasm(shimmed, heaps)
    assert shimmed["webassembly"]["Module"] == 1, "the Wasm module should be compiled once for all the renders"
    print(
        f"\n[viz.js] {build}: original load {original['loadMs']:.0f} ms + workload {original['workloadMs']:.0f} ms; "
        f"shim load {shimmed['loadMs']:.0f} ms + workload {shimmed['workloadMs']:.0f} ms"
    )
    originals, shims = by_name(original), by_name(shimmed)
    assert list(shims) == list(originals)
    for name, expected in originals.items():
        got = shims[name]
        if "output" in expected and "output" in got and got["output"] != expected["output"]:
            pytest.fail(
                f"{name}: the compiled module renders differently: "
                f"{first_line_difference(expected['output'], got['output'])}"
            )
        difference = first_difference(expected, got, name)
        assert difference is None, f"the compiled module differs from the original: {difference}"
