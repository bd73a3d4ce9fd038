"""What every browser test shares: headless Chromium (Debian's package, driven by playwright), the real
`asm2wasm serve` in a child process, and a page opener that records every console error, page error, failed
request, HTTP error and Content-Security-Policy violation. The fixtures (`browser`, `open_page`) are in conftest.py.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from asm2wasm.frontend import find_modules

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                  "--no-first-run", "--disable-component-update", "--disable-sync"]
PAGE_TIMEOUT_MS = 20_000
# the generated pages set <html data-asm2wasm="ready|error"> once loading ended
PAGE_READY = "html[data-asm2wasm='ready'], html[data-asm2wasm='error']"
# the fixture apps (fixtures/apps) set <html data-app="done|error"> once they ran, and window.appResult
APP_READY = "html[data-app='done'], html[data-app='error']"
APPS = REPO / "fixtures" / "apps"

try:
    from playwright.sync_api import Page, sync_playwright
except ImportError:  # pragma: no cover - the test extras install it
    sync_playwright = None
    Page = object

needs_chromium = pytest.mark.skipif(sync_playwright is None or not CHROMIUM.exists(),
                                    reason="needs playwright and /usr/bin/chromium (`make test` installs both)")

WATCH_CSP = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"""


def run_cli(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m asm2wasm ARGS` from the repository; its completed process (text output)."""
    return subprocess.run([sys.executable, "-m", "asm2wasm", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def stage_apps(root: Path, apps: Iterable[str], variant: str = "migrated", flags: tuple[str, ...] = (),
               ok: tuple[int, ...] = (0,)) -> None:
    """ROOT/original/APP (the fixture app, copied unless it is there already) and ROOT/VARIANT/APP (`asm2wasm
    migrate` of it with `flags`, whose exit status must be one of `ok`), for each app: one tree to serve."""
    for app in apps:
        if not (root / "original" / app).exists():
            shutil.copytree(APPS / app, root / "original" / app)
        (root / variant).mkdir(exist_ok=True)
        proc = run_cli("migrate", APPS / app, "-o", root / variant / app, "-q", *flags)
        assert proc.returncode in ok, proc.stderr


@contextmanager
def serving_migrated(root: Path, script: str) -> Iterator[str]:
    """ROOT/original migrated to ROOT/migrated (`asm2wasm migrate`, which must succeed and leave no asm.js module in
    the `script` it rewrote), then the URL of ROOT served while the block runs."""
    proc = run_cli("migrate", root / "original", "-o", root / "migrated", "-q", timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert find_modules((root / "migrated" / script).read_text()) == []
    with serving(root) as url:
        yield url


@contextmanager
def serving(directory: Path, *flags: str) -> Iterator[str]:
    """The URL of `asm2wasm serve DIR FLAGS` while the block runs; the server must end cleanly."""
    server = Server(directory, *flags)
    try:
        yield server.url
    finally:
        status = server.stop()
    assert status == 0


class Server:
    """`asm2wasm serve DIR --port 0 ...` in a child process; `url` is the one it printed."""

    def __init__(self, directory: Path, *flags: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "asm2wasm", "serve", str(directory), "--port", "0",
                                      *flags], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
        line = self.proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if match is None:
            self.proc.kill()
            raise AssertionError(f"serve printed {line!r}; stderr: {self.proc.stderr.read()}")
        self.url = match.group(0)

    def stop(self) -> int:
        """Ctrl-C; the exit status."""
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.stdout.close()
            self.proc.stderr.close()


@dataclass
class Opened:
    page: Page
    problems: list[str]  # console errors, page errors, failed or refused requests
    aborted: list[str] = field(default_factory=list)  # URLs reported as net::ERR_ABORTED (see test_page.assert_clean)


def app_result(opened: Opened) -> dict[str, Any]:
    """window.appResult of a fixture app that ran without a problem."""
    page = opened.page
    state = page.evaluate("document.documentElement.dataset.app")
    assert state == "done", (page.evaluate("window.appError"), opened.problems)
    assert opened.problems == []
    return page.evaluate("window.appResult")


def wasm_requests(opened: Opened) -> list[str]:
    """The URLs of the .wasm files the page fetched."""
    return opened.page.evaluate("performance.getEntriesByType('resource').map(e => e.name)"
                                ".filter(n => n.endsWith('.wasm'))")
