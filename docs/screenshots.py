"""Make docs/screenshots/APP.png for each browser fixture app: the app as shipped (asm.js) beside the app as
`asm2wasm migrate` left it (WebAssembly), both rendered by headless Chromium in the same run.

    .venv/bin/python docs/screenshots.py        (or: make screenshots)

The legacy-apis original runs under tests/browser/period_browser.js (the 2014 names its browsers had); the migrated
pages run in plain Chromium. The two screenshots are put side by side by a small page rendered in the same browser
(no image library needed). The browser tests (tests/browser/test_migrated_apps.py) compare the same pages pixel by
pixel; these images are for people.
"""

from __future__ import annotations

import base64
import html
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from browser.chromium import CHROMIUM, CHROMIUM_FLAGS, serving, stage_apps  # noqa: E402 (after the path)

APPS = ["canvas-mandelbrot", "webgl-triangles", "legacy-apis", "canvas-growth"]
PERIOD_BROWSER = REPO / "tests" / "browser" / "period_browser.js"
VIEWPORT = {"width": 440, "height": 180}


def main() -> int:
    out = REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        stage_apps(root, APPS)
        with serving(root) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            for app in APPS:
                shots = [shoot(browser, url + f"{kind}/{app}/index.html",
                               PERIOD_BROWSER if kind == "original" and app == "legacy-apis" else None)
                         for kind in ("original", "migrated")]
                side_by_side(browser, app, shots, out / f"{app}.png")
                print(f"docs/screenshots/{app}.png")
            browser.close()
    return 0


def shoot(browser, url: str, init_script: Path | None) -> bytes:
    context = browser.new_context(viewport=VIEWPORT)
    if init_script:
        context.add_init_script(path=str(init_script))
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("html[data-app='done']", state="attached", timeout=30_000)  # not an error state
    shot = page.screenshot()
    context.close()
    return shot


def side_by_side(browser, app: str, shots: list[bytes], path: Path) -> None:
    cells = "".join(
        f"<figure><img src='data:image/png;base64,{base64.b64encode(shot).decode()}'>"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for shot, caption in zip(shots, ["asm.js, as shipped", "WebAssembly, migrated by asm2wasm"], strict=True))
    page = browser.new_page(viewport={"width": 2 * VIEWPORT["width"] + 48, "height": VIEWPORT["height"] + 64})
    page.set_content(f"<body style='margin:0;font:14px sans-serif;background:#eee'><div style='display:flex;"
                     f"gap:16px;padding:8px'>{cells}</div><style>figure{{margin:0}}img{{border:1px solid #999}}"
                     f"figcaption{{text-align:center;padding:4px}}</style></body>")
    page.locator("div").first.screenshot(path=str(path))
    page.close()


if __name__ == "__main__":
    sys.exit(main())
