"""`asm2wasm migrate` on a library whose module is not strictly valid asm.js (fixtures/apps/prototype-mismatch: calls
whose argument types differ from the callee's annotations, a C prototype mismatch).

The strict validator rejects it (T006, located); migrate compiles it by default with the conversion JavaScript
applied made explicit, a located warning (W001) per site, and the migrated library gives exactly the original's
results in node; `migrate --strict` keeps it as asm.js (exit status 2, the error in the report)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .test_migrate import APPS, REPO, run_migrate

LIB = APPS / "prototype-mismatch" / "lib.js"
# Arguments that reach every conversion: fractions, negatives, NaN, int32 limits, values beyond int32.
ARGS = [[7, 2.75], [-1, -1e10], [2147483647, "NaN"], [0, -0.5], [-2147483648, 1e300], [3, 4294967297.5],
        [-7, -2147483648.75], [1, "-Infinity"]]
RUN = """
const lib = require(process.argv[1]);
const out = [];
for (const [i, d] of JSON.parse(process.argv[2])) {
  const r = lib.run(Number(i), Number(d));
  out.push(Object.is(r, -0) ? '-0' : String(r));
}
console.log(JSON.stringify(out));
"""


def run_lib(path: Path) -> list[str]:
    proc = subprocess.run(["node", "-e", RUN, str(path), json.dumps(ARGS)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_strict_validation_rejects_it() -> None:
    proc = subprocess.run([sys.executable, "-m", "asm2wasm", "validate", str(LIB)], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    assert proc.returncode == 1
    assert "lib.js:18:20: error: argument of type int where the function takes double [T006]" in proc.stderr


def test_migrate_compiles_it_with_located_warnings_and_same_results(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_migrate(LIB, "-o", out, "-q")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "migration.json").read_text())
    assert [m["status"] for m in report["modules"]] == ["compiled"]
    warnings = [(w["line"], w["col"], w["message"][-6:]) for w in report["warnings"]]
    assert warnings == [(18, 20, "[W001]"), (18, 32, "[W001]"), (18, 55, "[W001]"), (18, 67, "[W001]"),
                        (18, 79, "[W001]")]
    migrated = out / "lib.js"
    assert "use asm" not in migrated.read_text()
    assert (out / "lib.wasm").exists()
    assert run_lib(migrated) == run_lib(LIB)


def test_migrate_strict_keeps_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_migrate(LIB, "-o", out, "-q", "--strict")
    assert proc.returncode == 2, proc.stderr
    report = json.loads((out / "migration.json").read_text())
    (module,) = report["modules"]
    assert module["status"] == "refused"
    assert (module["error"]["code"], module["error"]["line"], module["error"]["col"]) == ("T006", 18, 20)
    assert (out / "lib.js").read_bytes() == LIB.read_bytes()
