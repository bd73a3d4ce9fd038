"""Real code no one here wrote: the hand-written asm.js modules of asmcrypto.js@0.22.0.

The package is fetched with ``npm pack`` into the ignored ``.cache/npm/`` (see ``npm_cache.py``); nothing of it is
committed. ``asmcrypto_run.js`` loads the library's UMD bundle ``asmcrypto.all.js`` in node, runs the package's own
QUnit suite (``test/*.js``: SHA-1/256/512, HMAC, PBKDF2, AES ECB/CBC/CTR/CCM/GCM/CFB/OFB/CMAC, BigNumber, Modulus,
RSA) plus published vectors (FIPS 180-4, FIPS 197, SP 800-38A, the GCM spec, RFC 2202/4231/6070) and prints JSON.
In shim mode every asm.js module function is replaced by ``shim.link(stdlib, foreign, heap)`` and every heap the
library hands to a module comes from ``shim.createHeap(n)``.

* ``test_original_*``: the driver is right (the library passes its own suite and the published vectors).
* ``test_substitution_with_js_stand_ins``: the substitution machinery is right, using stand-in shims that run the
  original asm.js over a ``WebAssembly.Memory`` buffer (no compiler involved).
* ``test_compiled_modules_match_original``: the requirement: each module compiled by ``python -m asm2wasm`` gives,
  through its generated shim, exactly the original's results.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import wasmtime

from .npm_cache import REPO_ROOT, fetch_package

SPEC = "asmcrypto.js@0.22.0"
DRIVER = Path(__file__).with_name("asmcrypto_run.js")
NODE_TIMEOUT_S = 600
COMPILE_TIMEOUT_S = 900

# id -> (name given to the compiler, approximate size in bytes)
EXPECTED_MODULES = {
    "asmcrypto.all.js#asm": ("asm", 18_866),  # AES: `var asm = function (stdlib, foreign, buffer) {...}(...)`
    "asmcrypto.all.js#sha256_asm": ("sha256_asm", 37_685),
    "asmcrypto.all.js#bigint_asm": ("bigint_asm", 94_242),
    "asmcrypto.all.js#sha1_asm": ("sha1_asm", 31_469),
    "asmcrypto.all.js#sha512_asm": ("sha512_asm", 179_196),
    "test/aes.asm.js#asm": ("asm", 18_404),  # the same AES module, built alone (indented differently)
}

# The package's QUnit tests: every one must run (none skipped except the suite's own deliberate skip).
EXPECTED_SKIPPED = {"dummy :: Conditional test should skip"}
MIN_ASSERTIONS = 300


def node() -> str:
    exe = shutil.which("node")
    if exe is None:
        pytest.fail("node is required for the asmcrypto.js tests")
    return exe


def run_driver(package: Path, *args: str) -> dict | list:
    proc = subprocess.run(
        [node(), str(DRIVER), "--package", str(package), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_S,
    )
    if proc.returncode != 0:
        pytest.fail(f"asmcrypto_run.js {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)


def safe_name(module_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", module_id)


@pytest.fixture(scope="module")
def package() -> Path:
    return fetch_package(SPEC)


@pytest.fixture(scope="module")
def modules(package: Path) -> list[dict]:
    return run_driver(package, "--list-modules")


@pytest.fixture(scope="module")
def original(package: Path) -> dict:
    return run_driver(package)


def comparable(result: dict) -> dict:
    """What must be identical between the original and the shim run (timings dropped)."""
    return {
        "qunit": [{k: v for k, v in t.items() if k != "ms"} for t in result["qunit"]],
        "vectors": [{"name": v["name"], "actual": v["actual"]} for v in result["vectors"]],
    }


def assert_same_results(original: dict, shimmed: dict) -> None:
    a, b = comparable(original), comparable(shimmed)
    assert [t["name"] for t in b["qunit"]] == [t["name"] for t in a["qunit"]]
    diffs = []
    for ta, tb in zip(a["qunit"], b["qunit"], strict=True):
        if tb["error"] != ta["error"]:
            diffs.append(f"{ta['name']}: error {tb['error']!r}, original {ta['error']!r}")
        if len(tb["assertions"]) != len(ta["assertions"]):
            diffs.append(f"{ta['name']}: {len(tb['assertions'])} assertions, original {len(ta['assertions'])}")
            continue
        for i, (xa, xb) in enumerate(zip(ta["assertions"], tb["assertions"], strict=True)):
            if xa != xb:
                diffs.append(f"{ta['name']} #{i} ({xa['message']}): got {xb['actual']!r}, original {xa['actual']!r}")
    for va, vb in zip(a["vectors"], b["vectors"], strict=True):
        if va != vb:
            diffs.append(f"vector {va['name']}: got {vb['actual']!r}, original {va['actual']!r}")
    assert not diffs, f"{len(diffs)} differences from the original:\n" + "\n".join(diffs[:40])
    assert b == a


def assert_every_module_used(modules: list[dict], shimmed: dict) -> None:
    ids = {m["id"] for m in modules}
    assert shimmed["mode"] == "shim"
    assert set(shimmed["links"]) == ids, f"modules never linked: {ids - set(shimmed['links'])}"
    assert set(shimmed["heaps"]) == ids


# ----------------------------------------------------------------------------------------------------------------
# the package and the driver


def test_finds_the_asm_modules(modules: list[dict]) -> None:
    found = {m["id"]: m for m in modules}
    assert set(found) == set(EXPECTED_MODULES)
    for module_id, (name, size) in EXPECTED_MODULES.items():
        m = found[module_id]
        assert m["name"] == name
        assert abs(m["bytes"] - size) < size // 10
        assert m["params"] == ["stdlib", "foreign", "buffer"]
        assert '"use asm"' in m["source"][:200]


def test_original_passes_its_own_suite(original: dict) -> None:
    assert original["mode"] == "original"
    tests = original["qunit"]
    skipped = {t["name"] for t in tests if t["skipped"]}
    assert skipped == EXPECTED_SKIPPED
    errors = [f"{t['name']}: {t['error']}" for t in tests if t["error"]]
    assert not errors
    failed = [
        f"{t['name']}: {a['message']}: {a['actual']!r} != {a['expected']!r}"
        for t in tests
        for a in t["assertions"]
        if not a["ok"]
    ]
    assert not failed
    assert sum(len(t["assertions"]) for t in tests) >= MIN_ASSERTIONS
    modules_covered = {t["name"].split(" :: ")[0] for t in tests if t["assertions"]}
    assert {"SHA1", "SHA256", "SHA512", "AES", "BigNumber", "RSA"} <= modules_covered


def test_original_matches_published_vectors(original: dict) -> None:
    vectors = original["vectors"]
    assert len(vectors) >= 40
    wrong = [v for v in vectors if not v["actual"] == v["expected"] == v["reference"]]
    assert not wrong, "\n".join(
        f"{v['name']} ({v['source']}): asmcrypto {v['actual']}, expected {v['expected']}, node {v['reference']}"
        for v in wrong
    )
    names = " ".join(v["name"] for v in vectors)
    for needle in (
        'SHA1("")',
        "SHA256(1000000 bytes) streamed",
        "SHA512(112 bytes)",
        "HMAC_SHA512 rfc4231-6",
        "PBKDF2_HMAC_SHA256",
        "ECB",
        "CBC",
        "CTR",
        "GCM",
        "Modulus",
    ):
        assert needle in names


# ----------------------------------------------------------------------------------------------------------------
# substitution, proven without the compiler

STAND_IN_SHIM = """\
'use strict';
// Test stand-in for a generated shim: runs the original asm.js module over a WebAssembly.Memory buffer.
const fs = require('fs');
const path = require('path');
const source = fs.readFileSync(path.join(__dirname, %(source)s), 'utf8');
const moduleFunction = new Function(`${source}\\nreturn %(name)s;`)();
const memories = new WeakMap();
exports.createHeap = function createHeap(byteLength) {
  const memory = new WebAssembly.Memory({ initial: Math.ceil(byteLength / 65536) });
  memories.set(memory.buffer, memory);
  return memory.buffer;
};
exports.link = function link(stdlib, foreign, heap) {
  if (!memories.has(heap)) throw new TypeError('heap was not made by createHeap()');
  return moduleFunction(stdlib, foreign, heap);
};
"""


def write_sources(modules: list[dict], directory: Path) -> dict[str, Path]:
    paths = {}
    for m in modules:
        path = directory / f"{safe_name(m['id'])}.asm.js"
        path.write_text(m["source"])
        paths[m["id"]] = path
    return paths


def test_substitution_with_js_stand_ins(package: Path, modules: list[dict], original: dict, tmp_path: Path) -> None:
    sources = write_sources(modules, tmp_path)
    manifest = {"modules": {}}
    for m in modules:
        shim = tmp_path / f"{safe_name(m['id'])}.standin.js"
        shim.write_text(STAND_IN_SHIM % {"source": json.dumps(sources[m["id"]].name), "name": m["name"]})
        manifest["modules"][m["id"]] = str(shim)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    shimmed = run_driver(package, "--shims", str(tmp_path / "manifest.json"))
    assert_every_module_used(modules, shimmed)
    assert_same_results(original, shimmed)


# ----------------------------------------------------------------------------------------------------------------
# the requirement: compiled by asm2wasm


def compile_module(source: Path, name: str, out_dir: Path) -> tuple[Path, Path]:
    wasm, js = out_dir / f"{name}.wasm", out_dir / f"{name}.shim.js"
    cmd = [sys.executable, "-m", "asm2wasm", str(source), "--module", name, "-o", str(wasm), "--js", str(js)]
    proc = subprocess.run(cmd, check=False, cwd=REPO_ROOT, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    assert wasm.is_file() and js.is_file()
    return wasm, js


def test_compiled_modules_match_original(package: Path, modules: list[dict], original: dict, tmp_path: Path) -> None:
    sources = write_sources(modules, tmp_path)
    manifest = {"modules": {}}
    for m in modules:
        out_dir = tmp_path / safe_name(m["id"])
        out_dir.mkdir()
        _, js = compile_module(sources[m["id"]], m["name"], out_dir)
        manifest["modules"][m["id"]] = str(js)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    shimmed = run_driver(package, "--shims", str(tmp_path / "manifest.json"))
    assert_every_module_used(modules, shimmed)
    assert_same_results(original, shimmed)
    # and therefore also the library's own expectations and the published vectors
    assert all(a["ok"] for t in shimmed["qunit"] for a in t["assertions"])
    assert all(v["actual"] == v["expected"] for v in shimmed["vectors"])


@pytest.mark.parametrize("name", ["asm", "sha1_asm", "sha256_asm", "sha512_asm", "bigint_asm"])
def test_compiles_straight_from_the_umd_bundle(package: Path, name: str, tmp_path: Path) -> None:
    """The front end finds each module inside the rollup UMD bundle by itself (AES is `var asm = function ...`)."""
    wasm, _ = compile_module(package / "asmcrypto.all.js", name, tmp_path)
    proc = subprocess.run(
        [
            node(),
            "-e",
            "process.exit(WebAssembly.validate(require('fs').readFileSync(process.argv[1])) ? 0 : 1)",
            str(wasm),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_S,
    )
    assert proc.returncode == 0, f"{wasm.name} is not valid Wasm: {proc.stderr}"
    wasmtime.Module.validate(wasmtime.Engine(), wasm.read_bytes())  # and for a Wasm-only host
