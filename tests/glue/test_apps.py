"""`asm2wasm migrate` on the Emscripten-shaped apps of fixtures/apps/ (written by hand: no Emscripten here).

Each app is migrated by the real command, then the original and the migrated script are run by node (through
app_run.js, from another working directory) and must print exactly the same lines; the original must be valid asm.js
to V8 and make no WebAssembly, the migrated one must hold no asm.js module any more and must have instantiated its
Wasm module once. A page that includes the script gets the loader (its listed edits only); every other file of the
app (the .mem file) is copied byte for byte.

* emscripten-inline/strtab.js: inline `allocate([...], "i8", ALLOC_NONE, Runtime.GLOBAL_BASE)` initializer;
* emscripten-memfile/sort.js: `memoryInitializer = "sort.js.mem"`, read asynchronously under a run dependency;
* emscripten-datauri/crc.js: a data: URI initializer, the 1.38 call `(asmGlobalArg, asmLibraryArg, buffer)` and a
  heap a page could hand in as Module["buffer"] (reported as a warning);
* emscripten-growth/grow.js: an "almost asm" growth build whose heap grows from 16 to 128 MiB.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from asm2wasm.frontend import find_modules

from .test_migrate import APPS, assert_kept_byte_for_byte, run_migrate, tree_digest

HERE = Path(__file__).resolve().parent
APP_RUN = HERE / "app_run.js"


@dataclass(frozen=True)
class App:
    directory: str
    script: str
    directive: str
    rewrites: int  # glue rewrites besides the appended runtime: body, heap, growth calls
    warnings: int
    marker: str  # a line the output must contain (the app did what it is about)


EMSCRIPTEN_APPS = [
    App("emscripten-inline", "strtab.js", "use asm", 2, 0, '"asm.js" 95ab2329'),
    App("emscripten-memfile", "sort.js", "use asm", 2, 0, "loaded: 32 ints, 8 doubles"),
    App("emscripten-datauri", "crc.js", "use asm", 2, 1, 'crc32("123456789") = cbf43926'),
    App("emscripten-growth", "grow.js", "almost asm", 3, 0, "growth: 16 -> 32 MiB, 32 -> 64 MiB"),
]


def run_app(script: Path, cwd: Path) -> tuple[dict, str]:
    proc = subprocess.run(["node", str(APP_RUN), str(script)], capture_output=True, text=True, timeout=300, cwd=cwd)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout), proc.stderr


@pytest.mark.parametrize("app", EMSCRIPTEN_APPS, ids=lambda a: a.directory)
def test_emscripten_shaped_app_migrates_and_behaves_identically(app: App, tmp_path: Path) -> None:
    source = APPS / app.directory
    out = tmp_path / "out"
    before = tree_digest(source)
    result = run_migrate(source, "-o", out, "-q")
    assert result.returncode == 0, result.stderr
    assert tree_digest(source) == before
    stem = Path(app.script).stem
    after = tree_digest(out)
    pages = [rel for rel in before if rel.endswith(".html")]
    loader = {"asm2wasm-loader.js"} if pages else set()
    assert set(after) == set(before) | {f"{stem}.wasm", "MIGRATION.md", "migration.json"} | loader
    for rel in before:
        if rel != app.script and rel not in pages:
            assert after[rel] == before[rel], f"{rel} was not copied byte for byte"

    report = json.loads((out / "migration.json").read_text())
    page_rewrites = [r for r in report["rewrites"] if r["file"] in pages]
    for page in pages:  # the page loads the Wasm first: only the listed edits (tests/glue/test_html.py)
        rewrites = [r for r in page_rewrites if r["file"] == page]
        assert rewrites and "loads" in rewrites[0]["what"]
        assert_kept_byte_for_byte((source / page).read_text(), (out / page).read_text(), rewrites)
    report["rewrites"] = [r for r in report["rewrites"] if r["file"] not in pages]
    [module] = report["modules"]
    assert module["status"] == "compiled" and module["directive"] == app.directive
    assert module["wasm_file"] == f"{stem}.wasm"
    whats = [r["what"] for r in report["rewrites"]]
    assert len(whats) == app.rewrites + 1 and sum("runtime" in w for w in whats) == 1
    assert sum("heap of module" in w for w in whats) == 1
    assert sum("memory growth" in w for w in whats) == (1 if app.directive == "almost asm" else 0)
    assert len(report["warnings"]) == app.warnings
    original_text = (source / app.script).read_text(encoding="utf-8")
    migrated_text = (out / app.script).read_text(encoding="utf-8")
    assert find_modules(migrated_text) == []
    directive = re.compile(r"\{\s*([\"'])(use|almost) asm\1")  # a function body starting with the directive
    assert directive.search(original_text) is not None and directive.search(migrated_text) is None
    assert_kept_byte_for_byte(original_text, migrated_text, report["rewrites"])

    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    original, original_stderr = run_app(source / app.script, elsewhere)
    migrated, migrated_stderr = run_app(out / app.script, elsewhere)
    assert "Invalid asm.js" not in original_stderr and "Linking failure" not in original_stderr, original_stderr
    assert original["webassembly"] == {"Module": 0, "Instance": 0, "compile": 0, "instantiate": 0}
    assert migrated["webassembly"]["Module"] == 1 and migrated["webassembly"]["Instance"] == 1
    assert app.marker in original["output"]
    assert migrated["output"] == original["output"]
    assert migrated_stderr == original_stderr == ""
