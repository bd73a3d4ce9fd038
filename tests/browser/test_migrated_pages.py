"""Migrated pages in real headless Chromium: the app as it shipped (asm.js) and as `asm2wasm migrate` left it, both
served by `asm2wasm serve`, must show the same output, with no console error; the migrated page must really have
run WebAssembly (its .wasm fetched and compiled by the page's asm2wasm-loader.js, no asm.js left).

* fixtures/apps/emscripten-memfile: an Emscripten-shaped app whose .mem initializer is fetched under a run
  dependency; also migrated with `--instantiate async`, where the runtime instantiates asynchronously and holds
  run() back through the app's run dependencies (the exports the glue captured forward to the instance);
* fixtures/apps/checksum-page: a hand-written library used by an inline script right after it (the synchronous
  contract), next to a module that stays asm.js (not valid);
* fixtures/apps/inline-page: a module inside an inline script of the page, used by the next inline script, by a
  DOMContentLoaded listener and by window.onload (added by scripts the loader runs late).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .chromium import Opened, needs_chromium, serving, stage_apps, wasm_requests

pytestmark = needs_chromium

# app directory -> (the element whose text is the app's output, a text the finished output contains)
PAGES = {"emscripten-memfile": ("#output", "sorted by JS call:"), "checksum-page": ("#out", "}"),
         "inline-page": ("#out", "load: done")}
# pages migrated with --instantiate async too: those whose glue has run dependencies (a library used right after its
# script tag needs the synchronous link)
ASYNC_PAGES = ["emscripten-memfile"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """ROOT/original/APP (copied), ROOT/migrated/APP, ROOT/async/APP (--instantiate async), served by one server."""
    root = tmp_path_factory.mktemp("migrated-pages")
    stage_apps(root, PAGES, ok=(0, 2))
    stage_apps(root, ASYNC_PAGES, "async", ("--instantiate", "async"), ok=(0, 2))
    with serving(root) as url:
        yield url


def app_output(opened: Opened, app: str) -> str:
    selector, done = PAGES[app]
    opened.page.wait_for_function("([s, d]) => (document.querySelector(s) || {}).textContent?.includes(d)",
                                  arg=[selector, done], timeout=20_000)
    return opened.page.text_content(selector)


@pytest.mark.parametrize(("kind", "app"), [("migrated", a) for a in PAGES] + [("async", a) for a in ASYNC_PAGES])
def test_migrated_page_shows_what_the_original_showed(served: dict[str, str], open_page, app: str,
                                                      kind: str) -> None:
    original = open_page(served + f"original/{app}/index.html", ready=None)
    expected = app_output(original, app)
    assert original.problems == [] and wasm_requests(original) == []

    migrated = open_page(served + f"{kind}/{app}/index.html", ready=None)
    output = app_output(migrated, app)
    if kind == "async" and app == "emscripten-memfile":  # the app prints its pending run dependencies: one more
        assert "run dependencies before run(): 2" in output and "run dependencies before run(): 1" in expected
        output = output.replace("run dependencies before run(): 2", "run dependencies before run(): 1")
    assert output == expected
    assert migrated.problems == []
    [wasm] = wasm_requests(migrated)
    compiled = migrated.page.evaluate("Object.keys(window.__asm2wasmCompiled || {})")
    assert compiled == [wasm]  # compiled ahead by the loader, used by the runtime
    assert migrated.page.evaluate("document.querySelectorAll('script[type=\"text/x-asm2wasm-deferred\"]').length") == 0


def test_async_instantiation_forwards_the_captured_exports(served: dict[str, str], open_page) -> None:
    """With --instantiate async the glue captured forwarding functions (not the Wasm exports themselves), and run()
    still ran main after the instance existed."""
    natives = {}
    for kind in ("migrated", "async"):
        opened = open_page(served + f"{kind}/emscripten-memfile/index.html", ready=None)
        app_output(opened, "emscripten-memfile")
        natives[kind] = opened.page.evaluate("String(Module._isort).includes('[native code]')")
        assert opened.page.evaluate("Module._isort.length") == (0 if kind == "async" else 3)
    assert natives == {"migrated": True, "async": False}
