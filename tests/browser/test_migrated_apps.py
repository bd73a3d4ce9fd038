"""The browser apps of fixtures/apps/, as they shipped (asm.js) and as `asm2wasm migrate` left them, side by side in
the same headless Chromium: the migrated page must load with no console error, page error or failed request,
really run WebAssembly (its .wasm fetched, no asm.js left), compute exactly what the original computed
(`window.appResult`) and draw exactly the same pixels (canvas contents read back, and screenshots of the canvases).

* canvas-mandelbrot (Canvas2D blit of heap pixels) and webgl-triangles (WebGL through an FFI): the originals run in
  today's Chromium as they are;
* legacy-apis (prefixed APIs of about 2014): the original runs under the "period browser" (period_browser.js adds
  the 2014 names to today's Chromium, as the browsers of its day had them); the migrated page runs in plain
  Chromium, with the compatibility shims migrate added (asm2wasm-shims.js) and nothing else.
"""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from asm2wasm.frontend import find_modules

from .chromium import APP_READY, Opened, app_result, needs_chromium, serving, stage_apps, wasm_requests
from .test_fixture_apps import MODULES, PERIOD_BROWSER, READ_2D, READ_GL

pytestmark = needs_chromium

# app -> (its canvases: (element id, context name or "2d")), scripts holding its module
CANVASES = {
    "canvas-mandelbrot": [("canvas", "2d")],
    "webgl-triangles": [("canvas", "webgl")],
    "legacy-apis": [("canvas", "2d"), ("meter", "webkit-3d")],
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("migrated-apps")
    stage_apps(root, CANVASES)
    with serving(root) as url:
        yield url, root


@pytest.fixture(scope="module")
def csp_url(served: tuple[str, Path]) -> Iterator[str]:
    """The same tree served with `--csp` (scripts only from 'self', plus 'wasm-unsafe-eval')."""
    with serving(served[1], "--csp") as url:
        yield url


def pixels(opened: Opened, canvas: str, context: str) -> bytes:
    if context == "2d":
        return base64.b64decode(opened.page.evaluate(READ_2D, canvas))
    return base64.b64decode(opened.page.evaluate(READ_GL, [canvas, context])["pixels"])


@pytest.mark.parametrize("app", list(CANVASES))
def test_migrated_app_computes_and_draws_what_the_original_did(served: tuple[str, Path], open_page,
                                                               app: str) -> None:
    url, root = served
    period = (PERIOD_BROWSER,) if app == "legacy-apis" else ()
    original = open_page(url + f"original/{app}/index.html", ready=APP_READY, init_scripts=period)
    migrated = open_page(url + f"migrated/{app}/index.html", ready=APP_READY)
    expected, got = app_result(original), app_result(migrated)
    assert got == expected

    for canvas, context in CANVASES[app]:
        drawn = pixels(original, canvas, context)
        assert len(set(drawn)) > 2, f"{app}: {canvas} is blank"
        assert pixels(migrated, canvas, context) == drawn, f"{app}: {canvas} differs"
        shots = [opened.page.locator(f"#{canvas}").screenshot() for opened in (original, migrated)]
        assert shots[0] == shots[1], f"{app}: the screenshots of {canvas} differ"

    assert wasm_requests(migrated) == [url + f"migrated/{app}/" + module_wasm(root, app)]
    for script in (root / "migrated" / app).glob("*.js"):
        assert find_modules(script.read_text()) == [], script


def module_wasm(root: Path, app: str) -> str:
    """The .wasm file of the app's one module, which `asm2wasm migrate` compiled."""
    report = json.loads((root / "migrated" / app / "migration.json").read_text())
    [module] = report["modules"]
    assert module["status"] == "compiled" and module["name"] == MODULES[app][1], module
    return module["wasm_file"]


# (legacy-apis has an inline event handler attribute of its own: not CSP-clean as shipped)
@pytest.mark.parametrize("app", ["canvas-mandelbrot", "webgl-triangles"])
def test_migrated_app_works_under_the_strict_csp(served: tuple[str, Path], csp_url: str, open_page, app: str) -> None:
    """The loader, the runtime and the shims need no eval and no inline script: a migrated page whose original had
    none works under `script-src 'self' 'wasm-unsafe-eval'` (the policy would be violated by either)."""
    url, _ = served
    expected = app_result(open_page(url + f"original/{app}/index.html", ready=APP_READY))
    page_url = csp_url + f"migrated/{app}/index.html"
    with urllib.request.urlopen(page_url, timeout=10) as response:
        assert "'wasm-unsafe-eval'" in response.headers["Content-Security-Policy"]
    migrated = open_page(page_url, ready=APP_READY)
    assert app_result(migrated) == expected  # no console error: a blocked script or eval would have logged one
    assert migrated.page.evaluate("window.__cspViolations") == []
