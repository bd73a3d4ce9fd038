"""Real code no one here wrote: ammo.js@0.0.10 (the Bullet physics engine built by Emscripten fastcomp), its asm.js
module compiled by asm2wasm and substituted into the unmodified library.

The package is fetched with ``npm pack`` into the ignored ``.cache/npm/`` (see ``npm_cache.py``); nothing of it is
committed. ``ammo_run.js`` builds a scene (a static ground plane; a pyramid of tilted boxes, a slab and a beam; six
spheres dropped from heights and one thrown sideways; two cylinders, a cone and a capsule), steps the world 300 times
at 1/60 s (an impulse kicks one box at step 120), records every body's position and rotation after every step as the
IEEE-754 bits of the values ammo returns, then the final velocities and a ray cast through the settled scene.

* ``original``: the library as published (V8 runs its asm.js); the simulation is physically plausible.
* ``shim``: the asm.js module function's body becomes ``shim.link(global, env, buffer)`` and the heap comes from
  ``shim.createHeap(TOTAL_MEMORY)`` (see ``emscripten_substitute.js``); the trace must be identical bit for bit.

The module (1.1 MB of asm.js, 1765 functions) is compiled once per test session.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from .emscripten_harness import (
    CompileCache,
    assert_original_used_no_wasm,
    assert_really_ran_wasm,
    first_difference,
    require_compiled,
    run_driver,
)
from .npm_cache import fetch_package

SPEC = "ammo.js@0.0.10"
DRIVER = "ammo_run.js"
BUILD = "ammo.js"
HEAP_BYTES = 64 * 1024 * 1024  # the build's TOTAL_MEMORY
STEPS = 300
SPHERE_RADII = {**{f"sphere{s}": 0.3 + 0.1 * s for s in range(6)}, "thrown": 0.4}
COMPONENTS = ("x", "y", "z", "qx", "qy", "qz", "qw")


@pytest.fixture(scope="session")
def ammo_package() -> Path:
    return fetch_package(SPEC)


@pytest.fixture(scope="session")
def ammo_compiled(tmp_path_factory: pytest.TempPathFactory) -> CompileCache:
    return CompileCache(tmp_path_factory.mktemp("ammo-compiled"))


@pytest.fixture(scope="session")
def ammo_original(ammo_package: Path) -> dict[str, Any]:
    return run_driver(DRIVER, "--file", str(ammo_package / BUILD), "--steps", str(STEPS))


@pytest.fixture(scope="session")
def ammo_shimmed(ammo_package: Path, ammo_compiled: CompileCache) -> dict[str, Any]:
    compiled = ammo_compiled.get(ammo_package / BUILD)
    require_compiled(compiled)
    return run_driver(DRIVER, "--file", str(ammo_package / BUILD), "--steps", str(STEPS), "--shim", str(compiled.js))


def f64(bits: str) -> float:
    return struct.unpack(">d", bytes.fromhex(bits))[0]


def exact_number(value: float | dict[str, str]) -> float:
    """A number as ammo_run.js encodes it: plain JSON, or {f64: bits} when JSON would blur it."""
    return f64(value["f64"]) if isinstance(value, dict) else float(value)


def frame_values(frame: list[str]) -> list[list[float]]:
    return [[f64(bits) for bits in body.split()] for body in frame]


def first_trace_difference(names: list[str], a: list[list[str]], b: list[list[str]]) -> str | None:
    """The first step, body and component where two traces differ, with both values."""
    for step, (fa, fb) in enumerate(zip(a, b)):
        for name, body_a, body_b in zip(names, fa, fb):
            if body_a == body_b:
                continue
            for component, xa, xb in zip(COMPONENTS, body_a.split(), body_b.split()):
                if xa != xb:
                    return (
                        f"step {step + 1}, body {name}, {component}: got {f64(xb)!r} (bits {xb}), "
                        f"original {f64(xa)!r} (bits {xa})"
                    )
    if len(a) != len(b):
        return f"{len(b)} steps recorded, original {len(a)}"
    return None


# ----------------------------------------------------------------------------------------------------------------
# the library as published


def test_finds_the_emscripten_module(ammo_package: Path) -> None:
    text = (ammo_package / BUILD).read_text(encoding="utf-8")
    for marker in ("// EMSCRIPTEN_START_ASM\n", "\n// EMSCRIPTEN_END_ASM\n", "buffer=new ArrayBuffer(TOTAL_MEMORY)"):
        assert text.count(marker) == 1, marker
    assert text.count('"use asm"') == 1


def test_original_simulation_is_plausible(ammo_original: dict[str, Any]) -> None:
    assert_original_used_no_wasm(ammo_original)
    names = ammo_original["names"]
    trace = ammo_original["trace"]
    assert len(names) >= 20
    assert len(trace) == STEPS and all(len(frame) == len(names) for frame in trace)
    first, last = frame_values(trace[0]), frame_values(trace[-1])
    for name, start, end in zip(names, first, last):
        assert all(abs(v) < 100 for v in end), f"{name} flew off or became NaN: {end}"
        if name == "ground":
            assert end == [0, 0, 0, 0, 0, 0, 1]
            continue
        assert end[1] > 0, f"{name} fell through the ground: {end}"
        if name in SPHERE_RADII:
            assert abs(end[1] - SPHERE_RADII[name]) < 0.02, f"{name} does not rest on the ground: y = {end[1]}"
        rotation_norm = sum(q * q for q in end[3:]) ** 0.5
        assert abs(rotation_norm - 1) < 1e-5
        assert start != end, f"{name} never moved"
    assert max(ammo_original["manifolds"]) >= 20, "almost no contacts: the bodies did not collide"
    hit = ammo_original["rayHit"]
    assert hit is not None, "the ray cast down through the scene hit nothing"
    assert exact_number(hit["normal"][1]) > 0.9, hit  # hit the top of something lying flat
    assert 0 < exact_number(hit["point"][1]) < 5, hit
    load, steps = ammo_original["loadMs"], ammo_original["simulateMs"]
    print(f"\n[ammo.js] original: load {load:.0f} ms, {STEPS} steps {steps:.0f} ms")


# ----------------------------------------------------------------------------------------------------------------
# the requirement: the compiled module gives exactly the original's results


def test_compiles(ammo_package: Path, ammo_compiled: CompileCache) -> None:
    compiled = ammo_compiled.get(ammo_package / BUILD)
    require_compiled(compiled)
    assert compiled.wasm.stat().st_size > 500_000
    print(f"\n[ammo.js] compiled in {compiled.seconds:.1f} s")


def test_compiled_module_matches_original_bit_for_bit(
    ammo_original: dict[str, Any], ammo_shimmed: dict[str, Any]
) -> None:
    assert_really_ran_wasm(ammo_shimmed, HEAP_BYTES)
    print(
        f"\n[ammo.js] original: load {ammo_original['loadMs']:.0f} ms + {STEPS} steps "
        f"{ammo_original['simulateMs']:.0f} ms; shim: load {ammo_shimmed['loadMs']:.0f} ms + {STEPS} steps "
        f"{ammo_shimmed['simulateMs']:.0f} ms"
    )
    assert ammo_shimmed["names"] == ammo_original["names"]
    difference = first_trace_difference(ammo_original["names"], ammo_original["trace"], ammo_shimmed["trace"])
    assert difference is None, f"the compiled module's simulation differs: {difference}"
    for key in ("manifolds", "final", "rayHit"):
        difference = first_difference(ammo_original[key], ammo_shimmed[key], key)
        assert difference is None, f"the compiled module differs: {difference}"


# A stand-in shim that wraps the generated one and changes a single value by one unit in the last place, so the
# comparison above is shown to notice the smallest possible difference.
PERTURBING_SHIM = """\
'use strict';
const real = require(%(real)s);
exports.createHeap = real.createHeap;
exports.link = function link(stdlib, foreign, heap) {
  const exports = Object.assign({}, real.link(stdlib, foreign, heap));
  const getY = exports._emscripten_bind_btVector3_y_0;
  let calls = 0;
  exports._emscripten_bind_btVector3_y_0 = function (self) {
    const y = getY(self);
    if (++calls !== %(call)d) return y;
    const f = new Float64Array([y]);
    new BigUint64Array(f.buffer)[0] ^= 1n;
    return f[0];
  };
  return exports;
};
"""


def test_comparison_notices_one_ulp(
    ammo_package: Path, ammo_compiled: CompileCache, ammo_original: dict[str, Any], tmp_path: Path
) -> None:
    compiled = ammo_compiled.get(ammo_package / BUILD)
    require_compiled(compiled)
    shim = tmp_path / "perturbing.shim.js"
    bodies = len(ammo_original["names"])
    call = 100 * bodies + 8  # step 101, the 8th body (calls count from 1; each step reads every y once)
    shim.write_text(PERTURBING_SHIM % {"real": json.dumps(str(compiled.js)), "call": call})
    perturbed = run_driver(DRIVER, "--file", str(ammo_package / BUILD), "--steps", "120", "--shim", str(shim))
    difference = first_trace_difference(ammo_original["names"], ammo_original["trace"][:120], perturbed["trace"])
    assert difference is not None and difference.startswith(f"step 101, body {ammo_original['names'][7]}, y:")
