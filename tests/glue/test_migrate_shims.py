"""`asm2wasm migrate` adds the compatibility shims a page's JavaScript needs (glue/shims.py), and says why.

fixtures/apps/legacy-apis (a 2014 synth on prefixed APIs) gets asm2wasm-shims.js, loaded before every other script
of its page, with exactly the shims its code asks for; the report lists each with the use that asked for it (at
its real place). An app without legacy API uses gets none. The shims' behaviour is tested in Chromium
(tests/browser/test_shims.py, and the migrated app itself in tests/browser/test_migrated_apps.py)."""

from __future__ import annotations

import json
from pathlib import Path

from asm2wasm.glue.html import scripts

from .test_migrate import APPS, run_migrate

LEGACY_SHIMS = {"audio", "canvas2d", "fullscreen", "gamepads", "indexeddb", "raf", "webgl", "wheel"}


def test_legacy_app_gets_the_shims_it_uses_with_reasons(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_migrate(APPS / "legacy-apis", "-o", out, "-q")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "migration.json").read_text())
    assert {s["shim"] for s in report["shims"]} == LEGACY_SHIMS
    for shim in report["shims"]:
        lines = (APPS / "legacy-apis" / shim["file"]).read_text().splitlines()
        assert shim["found"] in lines[shim["line"] - 1], shim  # the use is on the line it names
        assert shim["why"]
    assert "asm2wasm-shims.js" in report["files_written"]
    page = (out / "index.html").read_text()
    first = scripts(page)[0]
    assert first.src == "asm2wasm-shims.js"
    rendered = (out / "asm2wasm-shims.js").read_text()
    header = next(line for line in rendered.splitlines() if "shims for the legacy APIs this app uses:" in line)
    assert set(header.split("uses: ", 1)[1].rstrip(".").split(", ")) == LEGACY_SHIMS
    assert "## Browser compatibility shims" in (out / "MIGRATION.md").read_text()


def test_app_without_legacy_apis_gets_no_shims(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_migrate(APPS / "emscripten-memfile", "-o", out, "-q")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "migration.json").read_text())
    assert report["shims"] == [] and not (out / "asm2wasm-shims.js").exists()
    assert "asm2wasm-shims.js" not in (out / "index.html").read_text()
