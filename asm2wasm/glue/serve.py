"""`asm2wasm serve DIR`: a small threaded HTTP server on 127.0.0.1 for generated pages and migrated apps.

It sends the MIME types browsers need (`application/wasm` for .wasm, which `WebAssembly.compileStreaming`
requires; `text/javascript` for .js/.mjs, which module scripts require; `.mem` memory initializers as binary),
`Cache-Control: no-store`, and, with `csp`, the header
`Content-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'` (no eval, no inline scripts).
`wrong_wasm_mime` sends .wasm as application/octet-stream, as misconfigured servers do (to test the loader's
fallback). Only files under DIR are served.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"
DEFAULT_PORT = 8000
CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"

MIME_TYPES = {
    ".wasm": "application/wasm",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".cjs": "text/javascript",
    ".json": "application/json",
    ".map": "application/json",
    ".mem": "application/octet-stream",
    ".data": "application/octet-stream",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    "": "application/octet-stream",
}


@dataclass
class ServeSettings:
    port: int = DEFAULT_PORT
    csp: bool = False
    wrong_wasm_mime: bool = False
    log: Callable[[str], None] | None = None  # one line per request, when given


class PageRequestHandler(SimpleHTTPRequestHandler):
    settings: ServeSettings = ServeSettings()
    extensions_map = MIME_TYPES

    def __init__(self, *args, settings: ServeSettings, **kwargs) -> None:
        self.settings = settings
        super().__init__(*args, **kwargs)

    def guess_type(self, path: str | Path) -> str:
        suffix = Path(str(path)).suffix.lower()
        if suffix == ".wasm" and self.settings.wrong_wasm_mime:
            return "application/octet-stream"
        return MIME_TYPES.get(suffix, "application/octet-stream")

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        if self.settings.csp:
            self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        if self.settings.log is not None:
            self.settings.log(f"{self.address_string()} {format % args}")


def make_server(directory: Path, settings: ServeSettings) -> ThreadingHTTPServer:
    """A server bound to 127.0.0.1:settings.port (0: a free port; the bound one is `server.server_address[1]`)."""
    handler = functools.partial(PageRequestHandler, directory=str(directory), settings=settings)
    server = ThreadingHTTPServer((HOST, settings.port), handler)
    server.daemon_threads = True
    return server


def serve(directory: Path, settings: ServeSettings, announce: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted (Ctrl-C / SIGINT); the socket is closed on the way out."""
    server = make_server(directory, settings)
    port = server.server_address[1]
    if announce is not None:
        announce(f"http://{HOST}:{port}/")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.stdout.flush()
