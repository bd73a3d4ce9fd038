#!/usr/bin/env python3
"""ammo.js's physics steps in headless Chromium: the original page against the page `asm2wasm migrate` makes of it.

    make bench-browser      (.venv/bin/python benchmarks/ammo_browser.py [--loads 3] [--chromium PATH])

The node benchmark (`make bench`) measures node 20's V8; this one measures the browser the Debian package installs
(Chromium 156 here), as a user's page runs: default flags, lazy compilation and tiering, our branch hints taken.
A page (benchmarks/browser/) loads ammo.js@0.0.10 and times 15 rounds of 600 steps of tests/realworld/ammo_scene.js,
each on a fresh scene; the median leaves the first 5 rounds out (the engine still tiering up). The two pages are
loaded in turn `--loads` times each; the report is each page's medians and the ratio of their middle values. Both
must end every body at the same position, bit for bit.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from run import AMMO, BENCH_DIR, REPO_ROOT, package  # benchmarks/run.py: the npm cache, the package

PAGES = {"asm.js": "original", "wasm": "migrated"}  # build -> its directory


@contextmanager
def _serving(root: Path) -> Iterator[str]:
    """The URL of `asm2wasm serve ROOT` (the server users run for a migrated app) while the block runs."""
    server = subprocess.Popen([sys.executable, "-m", "asm2wasm", "serve", str(root), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO_ROOT)
    try:
        match = re.search(r"http://127\.0\.0\.1:\d+/", server.stdout.readline())
        if match is None:
            raise RuntimeError("asm2wasm serve printed no URL")
        yield match.group(0)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)
        server.stdout.close()


def _stage(root: Path) -> None:
    """ROOT/original, the page with ammo.js as published, and ROOT/migrated, `asm2wasm migrate` of it."""
    original = root / PAGES["asm.js"]
    shutil.copytree(BENCH_DIR / "browser", original)  # the page (its scene.js: tests/realworld/ammo_scene.js)
    shutil.copy(package(AMMO) / "ammo.js", original / "ammo.js")
    subprocess.run([sys.executable, "-m", "asm2wasm", "migrate", str(original), "-o", str(root / PAGES["wasm"]),
                    "-q"], check=True, cwd=REPO_ROOT, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=3, help="page loads of each build [3]")
    parser.add_argument("--chromium", type=Path, default=Path("/usr/bin/chromium"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    medians: dict[str, list[float]] = {name: [] for name in PAGES}
    positions = set()
    with tempfile.TemporaryDirectory(prefix="asm2wasm-ammo-browser-") as scratch:
        _stage(Path(scratch))
        with _serving(Path(scratch)) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(args.chromium), headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            print(f"[ammo_browser] {browser.version}", file=sys.stderr)
            for _ in range(args.loads):
                for name, directory in PAGES.items():
                    page = browser.new_page()
                    page.goto(f"{url}{directory}/index.html")
                    page.wait_for_function("window.result !== undefined", timeout=300_000)
                    result = page.evaluate("window.result")
                    page.close()
                    medians[name].append(result["median"])
                    positions.add(result["positions"])
            browser.close()
    middle = {name: sorted(values)[len(values) // 2] for name, values in medians.items()}
    for name, values in medians.items():
        print(f"{name:8} 600 steps, median of rounds 6-15 per load: {', '.join(f'{v:.1f} ms' for v in values)}")
    print(f"wasm / asm.js: {middle['wasm'] / middle['asm.js']:.2f}"
          f"{'' if len(positions) == 1 else '  (DIFFERENT final positions)'}")
    return 0 if len(positions) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
