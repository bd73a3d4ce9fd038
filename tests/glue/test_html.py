"""glue/html.py: the script tags of a page, and the rewrite that loads the Wasm before the app's scripts run."""

from __future__ import annotations

from asm2wasm.glue.edits import apply_edits
from asm2wasm.glue.html import DEFERRED_TYPE, loader_rewrite, resolve, scripts

PAGE = """<!doctype html>
<html><head>
<!-- <script src="commented.js"></script> -->
<script>var Module = { print: function (t) { console.log(t); } };</script>
<script type='text/javascript' src=lib/app.js?v=2 async></script>
<script type="module" src="later.mjs"></script>
<script TYPE="text/template"><b>not code</b></script>
<script>
  document.write('<p>late</p>');
  run("</scr" + "ipt>");
</script>
</head><body></body></html>
"""


def test_scripts_are_found_with_their_attributes_and_bodies() -> None:
    tags = scripts(PAGE)
    assert [t.src for t in tags] == [None, "lib/app.js?v=2", "later.mjs", None, None]
    assert [t.get("type") for t in tags] == [None, "text/javascript", "module", "text/template", None]
    assert [t.is_classic for t in tags] == [True, True, False, False, True]
    assert tags[1].get("async") == ""
    assert PAGE[tags[0].body_start : tags[0].body_end].startswith("var Module")
    assert PAGE[tags[4].body_start : tags[4].body_end].strip().endswith('run("</scr" + "ipt>");')


def test_src_resolves_inside_the_app_only() -> None:
    assert resolve("index.html", "lib/app.js?v=2#x") == "lib/app.js"
    assert resolve("pages/a.html", "../js/sql.js") == "js/sql.js"
    assert resolve("pages/a.html", "./b.js") == "pages/b.js"
    for outside in ("../../x.js", "/abs.js", "https://cdn.example/x.js", "//cdn.example/x.js", "data:,1", ""):
        assert resolve("pages/a.html", outside) is None


def test_loader_goes_before_the_first_migrated_script_and_later_classic_scripts_wait() -> None:
    rewrite = loader_rewrite("index.html", PAGE, {"lib/app.js": ["lib/app.wasm"]}, "asm2wasm-loader.js")
    assert rewrite is not None
    assert rewrite.wasm_files == ["lib/app.wasm"]
    new = apply_edits(PAGE, rewrite.edits)
    assert ("<script src=\"asm2wasm-loader.js\" data-asm2wasm-wasm='[\"lib/app.wasm\"]'></script>"
            f"<script type=\"{DEFERRED_TYPE}\" data-asm2wasm-type=\"text/javascript\" src=lib/app.js?v=2 async>") in new
    assert "<script>var Module" in new  # before the migrated script: runs as it did
    assert '<script type="module" src="later.mjs">' in new  # not classic: left alone, with a warning
    assert '<script TYPE="text/template">' in new
    assert new.count(DEFERRED_TYPE) == 2
    messages = [message for _, message in rewrite.warnings]
    assert any("'module'" in m for m in messages) and any("document.write" in m for m in messages)
    tags = scripts(new)
    assert [t.get("type") for t in tags][1:] == [None, DEFERRED_TYPE, "module", "text/template", DEFERRED_TYPE]


def test_pages_in_subdirectories_get_relative_urls() -> None:
    page = '<script src="../js/sql.js"></script><script>go()</script>'
    rewrite = loader_rewrite("demo/index.html", page, {"js/sql.js": ["js/sql.wasm"]}, "asm2wasm-loader.js")
    new = apply_edits(page, rewrite.edits)
    assert new.startswith("<script src=\"../asm2wasm-loader.js\" data-asm2wasm-wasm='[\"../js/sql.wasm\"]'>")
    assert new.endswith(f'<script type="{DEFERRED_TYPE}">go()</script>')


def test_pages_without_migrated_scripts_are_left_alone() -> None:
    assert loader_rewrite("index.html", PAGE, {"other.js": ["other.wasm"]}, "asm2wasm-loader.js") is None
