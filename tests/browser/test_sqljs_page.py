"""sql.js@0.5.0 in a page, in real headless Chromium: fixtures/apps/sqljs-page (its queries.js uses `SQL` right
after the library's script tag) with the library as published (fetched by npm into the ignored cache) and as
`asm2wasm migrate` left it. Both pages must show the same results with no console error; the migrated one must
hold no asm.js, have fetched and compiled js/sql.wasm, and the results must come from real work (row counts,
a non-empty export re-opened)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from realworld.npm_cache import fetch_package

from .chromium import APP_READY, APPS, app_result, needs_chromium, serving_migrated, wasm_requests

pytestmark = needs_chromium

@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("sqljs-page")
    original = root / "original"
    shutil.copytree(APPS / "sqljs-page", original)
    (original / "js").mkdir()
    shutil.copy(fetch_package("sql.js@0.5.0") / "js" / "sql.js", original / "js" / "sql.js")
    with serving_migrated(root, "js/sql.js") as url:
        yield url


def test_sqljs_page_gives_the_same_results_migrated(served: str, open_page) -> None:
    results = {}
    for kind in ("original", "migrated"):
        opened = open_page(served + f"{kind}/index.html", ready=APP_READY)
        results[kind] = app_result(opened)
        assert opened.page.text_content("#result").startswith("{")
        assert wasm_requests(opened) == ([] if kind == "original" else [served + "migrated/js/sql.wasm"])
    assert results["migrated"] == results["original"]
    original = results["original"]
    assert original["count"]["values"][0][0] == 2000 and original["reopened"]["values"][0][0] == 2000
    assert original["blobs"][0] == 2000 // 9 and original["exported"][0] > 4096
