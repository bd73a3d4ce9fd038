"""`asm2wasm migrate` on ammo.js@0.0.10 (Bullet physics, an Emscripten fastcomp build like sql.js; fetched by npm into
the ignored cache, never committed).

The published `ammo.js` is migrated by the real command; tests/realworld/ammo_run.js's falling-bodies simulation (a
pyramid of boxes, spheres, cylinders, a cone and a capsule dropped on a ground plane, 300 steps at 1/60 s, an impulse
at step 120, then final velocities and a ray cast) runs on the migrated file loaded with plain `require()` (through
migrated_run.js) and must record the same positions and rotations, bit for bit, after every step as the original.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from realworld.emscripten_harness import first_difference
from realworld.npm_cache import fetch_package
from realworld.test_ammo import first_trace_difference

from asm2wasm.frontend import find_modules

from .test_migrate import MIGRATED_DRIVER, REPO, assert_kept_byte_for_byte, node_json, run_migrate, tree_digest

SPEC = "ammo.js@0.0.10"
STEPS = 300
AMMO_DRIVER = REPO / "tests" / "realworld" / "ammo_run.js"


@pytest.fixture(scope="module")
def ammo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    source = fetch_package(SPEC) / "ammo.js"
    out = tmp_path_factory.mktemp("ammo") / "out"
    before = tree_digest(source)
    result = run_migrate(source, "-o", out, "-q")
    return {"source": source, "out": out, "result": result, "input_unchanged": tree_digest(source) == before}


def test_ammo_migrates(ammo: dict[str, Any]) -> None:
    assert ammo["result"].returncode == 0, ammo["result"].stderr
    assert ammo["input_unchanged"]
    out: Path = ammo["out"]
    assert sorted(p.name for p in out.iterdir()) == ["MIGRATION.md", "ammo.js", "ammo.wasm", "migration.json"]
    report = json.loads((out / "migration.json").read_text())
    [module] = report["modules"]
    assert module["status"] == "compiled" and module["functions"] > 1000
    whats = [r["what"] for r in report["rewrites"]]
    assert len(whats) == 3 and sum("heap of module" in w for w in whats) == 1
    # the build may take a page's Module["buffer"]: reported, the branch is not taken in node
    assert all('Module["buffer"]' in w["message"] for w in report["warnings"])
    original = ammo["source"].read_text(encoding="utf-8")
    text = (out / "ammo.js").read_text(encoding="utf-8")
    assert find_modules(text) == [] and '"use asm"' not in text
    assert_kept_byte_for_byte(original, text, report["rewrites"])


def test_migrated_ammo_simulates_like_the_original(ammo: dict[str, Any]) -> None:
    assert ammo["result"].returncode == 0, ammo["result"].stderr
    original = node_json(AMMO_DRIVER, "--file", ammo["source"], "--steps", str(STEPS))
    migrated = node_json(MIGRATED_DRIVER, "--driver", "ammo_run.js", "--file", ammo["out"] / "ammo.js",
                         "--steps", str(STEPS))
    assert original["webassembly"]["Instance"] == 0
    assert migrated["webassembly"]["Module"] == 1 and migrated["webassembly"]["Instance"] == 1, migrated["webassembly"]
    assert migrated["names"] == original["names"] and len(original["trace"]) == STEPS
    difference = first_trace_difference(original["names"], original["trace"], migrated["trace"])
    assert difference is None, f"the migrated ammo.js simulates differently: {difference}"
    for key in ("manifolds", "final", "rayHit"):
        difference = first_difference(original[key], migrated[key], key)
        assert difference is None, f"the migrated ammo.js differs: {difference}"
    print(f"\n[migrate] ammo.js: original load {original['loadMs']:.0f} ms + {STEPS} steps "
          f"{original['simulateMs']:.0f} ms; migrated load {migrated['loadMs']:.0f} ms + {STEPS} steps "
          f"{migrated['simulateMs']:.0f} ms")
