"""Browser fixtures: one Chromium per test session (per xdist worker), one context per opened page."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .chromium import CHROMIUM, CHROMIUM_FLAGS, PAGE_READY, PAGE_TIMEOUT_MS, WATCH_CSP, Opened, sync_playwright


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if sync_playwright is None or not CHROMIUM.exists():
        pytest.skip("needs playwright and /usr/bin/chromium (`make test` installs both)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser) -> Iterator[Callable[..., Opened]]:
    """open_page(url, ready=PAGE_READY, viewport=None, init_scripts=()): a new context (running the init script
    files first in every page) and page at url, waiting for the `ready` selector to be attached (None: for the
    load event only)."""
    contexts = []

    def opener(url: str, ready: str | None = PAGE_READY, viewport: dict | None = None,
               init_scripts: tuple = ()) -> Opened:
        context = browser.new_context(viewport=viewport) if viewport else browser.new_context()
        contexts.append(context)
        context.add_init_script(WATCH_CSP)
        for script in init_scripts:
            context.add_init_script(path=str(script))
        page = context.new_page()
        problems: list[str] = []
        aborted: list[str] = []

        def on_console(message) -> None:
            if message.type == "error":
                problems.append(f"console: {message.text}")

        def on_failed(request) -> None:
            if request.failure == "net::ERR_ABORTED":
                aborted.append(request.url)
            else:
                problems.append(f"request failed: {request.url}: {request.failure}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("requestfailed", on_failed)
        page.on("response", lambda response: problems.append(f"HTTP {response.status}: {response.url}")
                if response.status >= 400 else None)
        page.goto(url)
        if ready is not None:
            page.wait_for_selector(ready, state="attached", timeout=PAGE_TIMEOUT_MS)
        return Opened(page, problems, aborted)

    yield opener
    for context in contexts:
        context.close()
