"""`asm2wasm migrate` on a module inside an inline script of a page (fixtures/apps/inline-page; its behaviour in
Chromium is compared with the original's in tests/browser/test_migrated_pages.py)."""

from __future__ import annotations

import json
from pathlib import Path

from asm2wasm.frontend import find_modules
from asm2wasm.glue.html import inline_program, scripts

from .test_migrate import APPS, assert_kept_byte_for_byte, run_migrate

PAGE = APPS / "inline-page" / "index.html"


def test_inline_program_keeps_page_positions() -> None:
    page = "<p>a</p>\n<script>var a = 1</script><script>\nfunction M() { 'use asm'; return {}; }</script>\n"
    program = inline_program(page, scripts(page))
    assert len(program) == len(page) and program.count("\n") == page.count("\n")
    assert program.strip().startswith("var a = 1") and "var a = 1;" in program  # the first script's end
    [span] = find_modules(program)
    assert page[span.start : span.start + 10] == "function M"


def test_inline_module_is_migrated_in_place(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_migrate(PAGE.parent, "-o", out, "-q")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "migration.json").read_text())
    [module] = report["modules"]
    assert (module["file"], module["name"], module["line"], module["status"]) == ("index.html", "Primes", 15,
                                                                                  "compiled")
    assert module["wasm_file"] == "index.wasm" and (out / "index.wasm").stat().st_size == module["wasm_bytes"]
    migrated = (out / "index.html").read_text()
    assert find_modules(inline_program(migrated, scripts(migrated))) == []
    assert_kept_byte_for_byte(PAGE.read_text(), migrated, report["rewrites"])
    whats = [r["what"] for r in report["rewrites"]]
    assert sum("runtime of module Primes" in w for w in whats) == 1 and sum("held back" in w for w in whats) == 2
    # the runtime is appended inside the module's own script, before its </script>
    runtime = migrated.index("function __asm2wasm_Primes()")
    assert migrated.index("</script>", runtime) < migrated.index("<script", runtime)
