"""ammo.js@0.0.10 in a page, in real headless Chromium (Debian's, which takes our branch hints): the page of
`make bench-browser` (benchmarks/browser/) with the library as published and as `asm2wasm migrate` left it. Both
must run the physics steps of tests/realworld/ammo_scene.js with no console error and end every body at the same
position, bit for bit; the migrated page must have fetched ammo.wasm and hold no asm.js."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from realworld.npm_cache import fetch_package

from .chromium import PAGE_TIMEOUT_MS, REPO, needs_chromium, serving_migrated, wasm_requests

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("ammo-page")
    original = root / "original"
    shutil.copytree(REPO / "benchmarks" / "browser", original)  # the page (scene.js: tests/realworld/ammo_scene.js)
    shutil.copy(fetch_package("ammo.js@0.0.10") / "ammo.js", original / "ammo.js")
    with serving_migrated(root, "ammo.js") as url:
        yield url


def test_ammo_page_ends_every_body_at_the_same_position_migrated(served: str, open_page) -> None:
    results = {}
    for kind in ("original", "migrated"):
        opened = open_page(served + f"{kind}/index.html?rounds=1&warm=0&steps=300", ready=None)
        opened.page.wait_for_function("window.result !== undefined", timeout=PAGE_TIMEOUT_MS)
        results[kind] = opened.page.evaluate("window.result")
        assert opened.problems == []
        assert wasm_requests(opened) == ([] if kind == "original" else [served + "migrated/ammo.wasm"])
    assert results["migrated"]["positions"] == results["original"]["positions"]
    positions = results["original"]["positions"].split(",")
    assert len(positions) > 10 and len(set(positions)) == len(positions)  # every body somewhere of its own
    assert all(t > 0 for kind in results for t in results[kind]["times"])
