"""`asm2wasm migrate` on a hand-written asm.js library: asmcrypto.js@0.22.0's UMD bundle `asmcrypto.all.js` (AES,
SHA-1, SHA-256, SHA-512, bignum; fetched by npm into the ignored cache, never committed).

The library makes its heaps itself (`new Uint8Array(0x100000)`, `new Uint32Array(0x100000)`, `new ArrayBuffer(size)`
in `_heap_init`) and hands `heap.buffer` to its modules through wrappers, constructors and `this.heap`; migration
follows each module's heap back to those sites (glue/emscripten.py `_HeapTracer`) and makes them the runtime's
createHeap. The migrated bundle, put in a copy of the package, runs tests/realworld/asmcrypto_run.js (the library's
own QUnit suite and published vectors) unpatched, through migrated_asmcrypto_run.js: every assertion and vector must
give the original's result, with WebAssembly instantiated and no asm.js module left in the bundle.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest
from realworld.npm_cache import fetch_package

from asm2wasm.frontend import find_modules

from .test_migrate import HERE, REPO, assert_kept_byte_for_byte, node_json, run_migrate

SPEC = "asmcrypto.js@0.22.0"
BUNDLE = "asmcrypto.all.js"
RUNNER = REPO / "tests" / "realworld" / "asmcrypto_run.js"
MIGRATED_RUNNER = HERE / "migrated_asmcrypto_run.js"
MODULES = {"asm", "sha1_asm", "sha256_asm", "sha512_asm", "bigint_asm"}


@pytest.fixture(scope="module")
def asmcrypto(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    package = fetch_package(SPEC)
    work = tmp_path_factory.mktemp("asmcrypto")
    out = work / "out"
    result = run_migrate(package / BUNDLE, "-o", out, "-q")
    migrated_package = work / "package"
    shutil.copytree(package, migrated_package)
    if result.returncode == 0:
        for path in out.iterdir():
            if path.suffix in (".js", ".wasm"):
                shutil.copy(path, migrated_package / path.name)
    return {"package": package, "out": out, "result": result, "migrated_package": migrated_package}


def test_asmcrypto_bundle_migrates(asmcrypto: dict[str, Any]) -> None:
    assert asmcrypto["result"].returncode == 0, asmcrypto["result"].stderr
    report = json.loads((asmcrypto["out"] / "migration.json").read_text())
    assert {m["name"] for m in report["modules"]} == MODULES
    assert all(m["status"] == "compiled" for m in report["modules"])
    heaps = [r["before"] for r in report["rewrites"] if "heap of module" in r["what"]]
    # AES's shared 1 MiB heap, _heap_init's default (shared by AES and the hashes), the bignum heap
    assert sorted(heaps) == sorted(["new Uint8Array(0x100000)", "new ArrayBuffer(size)", "new Uint32Array(0x100000)"])
    # heaps a caller may pass in (a constructor's `heap`, `options.heapx`) are reported, not followed
    assert report["warnings"] and all("createHeap" in w["message"] for w in report["warnings"])
    original = (asmcrypto["package"] / BUNDLE).read_text(encoding="utf-8")
    text = (asmcrypto["out"] / BUNDLE).read_text(encoding="utf-8")
    assert find_modules(text) == [] and '"use asm"' not in text
    # the five runtimes are appended one after the other at the end of the file
    runtimes = [r for r in report["rewrites"] if "runtime of module" in r["what"]]
    assert len(runtimes) == len(MODULES) and {r["offset"] for r in runtimes} == {len(original)}
    assert_kept_byte_for_byte(original, text, report["rewrites"])


def test_migrated_asmcrypto_passes_its_own_vectors_like_the_original(asmcrypto: dict[str, Any]) -> None:
    assert asmcrypto["result"].returncode == 0, asmcrypto["result"].stderr
    original = node_json(RUNNER, "--package", asmcrypto["package"])
    migrated = node_json(MIGRATED_RUNNER, "--package", asmcrypto["migrated_package"])
    assert migrated["mode"] == "original"  # the runner patched nothing: the migrated bundle runs as it is
    assert migrated["webassembly"]["Module"] == len(MODULES) and migrated["webassembly"]["Instance"] >= len(MODULES)
    assert migrated["modules"] == ["test/aes.asm.js#asm"]  # only the test suite's own standalone AES is asm.js

    def outcome(tests: list[dict]) -> list[tuple]:
        return [(t["name"], t["skipped"], t["error"], t["assertions"]) for t in tests]

    assert len(original["qunit"]) > 40 and sum(len(t["assertions"]) for t in original["qunit"]) > 300
    assert all(a["ok"] for t in migrated["qunit"] for a in t["assertions"]) and not any(
        t["error"] for t in migrated["qunit"])
    assert outcome(migrated["qunit"]) == outcome(original["qunit"])
    assert migrated["vectors"] == original["vectors"] and len(original["vectors"]) > 40
