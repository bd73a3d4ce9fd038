"""The differential harness itself: it must see no difference where there is none, and report every kind of
difference it is meant to catch (a result, a signed zero, a trap, the FFI log, the heap).

The "Wasm" side here is a stand-in shim that runs the fixture's own asm.js module, optionally with one
deliberate fault, so these tests need node but not the compiler.
"""

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "tests" / "harness" / "diff.js"
VALID = ROOT / "fixtures" / "valid"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

# A shim with the generated companion's interface (createHeap, link, signatures, singleExport) that runs
# the asm.js module as JavaScript. FAULT selects one deliberate difference.
SHIM = r"""
'use strict';
const fs = require('fs');
const vm = require('vm');
const diff = require(__HARNESS__);
const FIXTURE = __FIXTURE__;
const FAULT = __FAULT__;
const source = fs.readFileSync(FIXTURE, 'utf8');
const name = diff.findModuleName(source);
const M = vm.runInThisContext(`(function () {${source}\n;return ${name};\n})`)();
const { single, map } = diff.exportMap(source, name);
const signatures = {};
for (const [exportName, internal] of Object.entries(map)) {
  signatures[exportName] = { params: diff.inferParams(source, internal), result: 'int' };
}
if (FAULT === 'signature') signatures[Object.keys(signatures)[0]].params = [];
function createHeap(size) {
  return new ArrayBuffer(FAULT === 'pages' ? Math.max(size, 65536) : size);
}
function link(stdlib, foreign, heap) {
  const exports = M(stdlib, foreign, heap && FAULT === 'pages' ? heap.slice(0, 4096) : heap);
  if (FAULT === 'pages') new Uint8Array(heap)[5000] ^= 1;
  if (typeof exports === 'function') return exports;
  const out = {};
  for (const [key, fn] of Object.entries(exports)) {
    out[key] = function (...args) {
      if (FAULT === 'trap' && key === 'sdiv' && (args[1] | 0) === 0) {
        throw new WebAssembly.RuntimeError('divide by zero');
      }
      if (FAULT === 'ffi' && key === 'asStatement') foreign.log(99);
      if (FAULT === 'heap' && key === 'store32') new Uint8Array(heap)[100] ^= 0xff;
      const r = fn(...args);
      if (FAULT === 'negzero' && Object.is(r, -0)) return 0;
      if (FAULT === 'nanbox' && Number.isNaN(r)) return -NaN;
      return r;
    };
  }
  return out;
}
module.exports = { createHeap, link, signatures, singleExport: single };
"""


def write_shim(tmp_path: Path, fixture: Path, fault: str) -> Path:
    text = (
        SHIM.replace("__HARNESS__", json.dumps(str(HARNESS)))
        .replace("__FIXTURE__", json.dumps(str(fixture)))
        .replace("__FAULT__", json.dumps(fault))
    )
    shim = tmp_path / f"shim-{fault}.js"
    shim.write_text(text)
    return shim


def harness(fixture: Path, *options: str) -> dict:
    proc = subprocess.run(
        [NODE, "--allow-natives-syntax", str(HARNESS), str(fixture), *options],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("name", ["int-division", "single-export", "ffi-calls", "heap-small-4096", "no-heap"])
def test_faithful_shim_has_no_mismatches(tmp_path, name):
    fixture = VALID / f"{name}.js"
    result = harness(fixture, "--shim", str(write_shim(tmp_path, fixture, "none")))
    assert result["asm_valid"] is True
    assert result["mismatches"] == []
    assert "warnings" not in result


def test_trap_is_reported(tmp_path):
    fixture = VALID / "int-division.js"
    result = harness(fixture, "--shim", str(write_shim(tmp_path, fixture, "trap")))
    assert any("sdiv(" in m and "throws RuntimeError" in m for m in result["mismatches"])


def test_signed_zero_is_compared_bitwise(tmp_path):
    fixture = VALID / "double-arith.js"
    result = harness(fixture, "--shim", str(write_shim(tmp_path, fixture, "negzero")))
    assert any("-0 (0x8000000000000000)" in m and "vs Wasm 0 (0x0000000000000000)" in m for m in result["mismatches"])


def test_nan_payloads_are_not_compared(tmp_path):
    fixture = VALID / "double-modulo.js"
    result = harness(fixture, "--shim", str(write_shim(tmp_path, fixture, "nanbox")))
    assert result["mismatches"] == []


def test_ffi_log_difference_is_reported(tmp_path):
    fixture = VALID / "ffi-calls.js"
    result = harness(fixture, "--shim", str(write_shim(tmp_path, fixture, "ffi")))
    assert any(m.startswith("ffi log entry #") for m in result["mismatches"])


def test_heap_difference_is_reported(tmp_path):
    fixture = VALID / "heap-out-of-bounds.js"
    result = harness(fixture, "--shim", str(write_shim(tmp_path, fixture, "heap")))
    heap = [m for m in result["mismatches"] if m.startswith("heap:")]
    assert heap and "100: JS" in heap[0]


def test_write_past_a_small_heap_is_reported(tmp_path):
    fixture = VALID / "heap-small-4096.js"
    result = harness(fixture, "--shim", str(write_shim(tmp_path, fixture, "pages")))
    assert any("past the JS heap's end (4096)" in m and "5000:" in m for m in result["mismatches"])


def test_signature_disagreement_is_a_warning(tmp_path):
    fixture = VALID / "int-division.js"
    result = harness(fixture, "--shim", str(write_shim(tmp_path, fixture, "signature")))
    assert any(w.startswith("signature of sdiv") for w in result.get("warnings", []))


def test_calls_only_lists_the_js_results():
    result = harness(VALID / "int-division.js", "--calls-only")
    assert result["asm_valid"] is True
    assert len(result["results"]) == result["calls"]
    last = result["results"][-1]
    assert last["call"] == "call: umod(-1, 10)"
    assert last["result"] == {"n": "4014000000000000"}  # 4294967295 % 10 = 5


def test_plan_uses_edge_values_per_parameter_type():
    result = harness(VALID / "int-compare.js", "--calls-only")
    calls = [r["call"] for r in result["results"]]
    assert "ltSigned()" in calls
    assert "ltSigned(-2147483648, 3)" in calls
    assert "ltSigned(3, 4294967296)" in calls
    assert 'ltSigned("12", 3)' in calls
    assert "ltSigned({valueOf: () => 7}, 3)" in calls
    assert "compareDouble(-Infinity, 1.5)" in calls
    assert "compareFloat(2.25, 1e+39)" in calls
    per_export = {}
    for call in calls:
        per_export[call.split("(")[0]] = per_export.get(call.split("(")[0], 0) + 1
    assert max(per_export.values()) <= 150


def test_plan_gives_exact_arguments_and_the_js_results():
    fixture = VALID / "int-compare.js"
    plan = harness(fixture, "--plan")
    listing = harness(fixture, "--calls-only")
    assert plan["linked"] is True and plan["skipped"] == []
    assert [c["call"] for c in plan["calls"]] == [r["call"] for r in listing["results"]]
    assert [c["result"] for c in plan["calls"]] == [r["result"] for r in listing["results"]]
    by_call = {c["call"]: c for c in plan["calls"]}
    assert by_call["ltSigned()"]["args"] == []
    assert by_call['ltSigned("12", 3)']["args"] == [{"s": "12"}, {"n": "4008000000000000"}]
    assert by_call["ltSigned({valueOf: () => 7}, 3)"]["args"][0] == {"object": {"n": "401c000000000000"}}
    assert by_call["ltSigned(NaN, 3)"]["args"][0] == {"n": "7ff8000000000000"}  # NaN bits kept in arguments
    assert by_call["ltSigned(-0, 3)"]["args"][0] == {"n": "8000000000000000"}
    assert plan["heap_length"] == 65536
    assert len(base64.b64decode(plan["heap"])) == 65536


def test_plan_skips_call_lines_that_are_not_plain_calls(tmp_path):
    source = (VALID / "int-division.js").read_text()
    extra = [
        "// call: sdiv(7, 2) + sdiv(1, 1)",
        "// call: console.log(1)",
        "// call: sdiv(sdiv(9, 3), 1)",
        "// call: sdiv((9), ...[3, 4])",
        "// call: sdiv({ valueOf() { return 8; } }, '2')",
    ]
    fixture = tmp_path / "int-division-extra.js"
    fixture.write_text("\n".join(extra) + "\n" + source)
    plan = harness(fixture, "--plan")
    assert plan["skipped"] == ["sdiv(7, 2) + sdiv(1, 1)", "console.log(1)", "sdiv(sdiv(9, 3), 1)"]
    tail = {c["call"]: c for c in plan["calls"] if c["call"].startswith("call: sdiv(")}
    spread = tail["call: sdiv((9), ...[3, 4])"]
    assert spread["args"] == [{"n": "4022000000000000"}, {"n": "4008000000000000"}, {"n": "4010000000000000"}]
    assert spread["result"] == {"n": "4008000000000000"}
    odd = tail["call: sdiv({ valueOf() { return 8; } }, '2')"]
    assert odd["args"] == [{"object": {"n": "4020000000000000"}}, {"s": "2"}]
    assert odd["result"] == {"n": "4010000000000000"}


def test_plan_excludes_the_comparison_options():
    proc = subprocess.run([NODE, str(HARNESS), str(VALID / "int-division.js"), "--plan", "--dump"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2 and "--plan excludes" in proc.stderr
