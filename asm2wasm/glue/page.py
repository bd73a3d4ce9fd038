"""`asm2wasm page MODULE.js -o DIR`: a runnable browser page for one standalone asm.js module.

DIR holds (all rendered from templates/page/):

* index.html: a status line and progress bar while the module loads, then a table of the exports with their
  signatures and a form to call each; `window.asmModule` (exports, heap, FFI log, signatures, load mode) for tests
  and the console; `document.documentElement.dataset.asm2wasm` is "ready" or "error" once loading ended;
* NAME.wasm, loader.mjs (an ES module) and loader.js (a classic script defining `asm2wasm[NAME]`): the same API,
  `createHeap(byteLength)`, async `link(stdlib, foreign, heap)`, async `load(options)`; the Wasm is fetched and
  compiled with `WebAssembly.compileStreaming` when the server sends `application/wasm`, else (or if streaming
  fails) read as an ArrayBuffer and compiled with `WebAssembly.compile`;
* page.mjs (default) or page.js (single-file): the page's own script;
* style.css, favicon.svg.

With `single_file`, the Wasm is inlined as base64 in loader.js and every script is classic, so index.html works
from file:// (no fetch, no module script). Nothing generated uses eval, `new Function`, inline scripts, inline
styles or event-handler attributes: the page works under `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'`.

The directory is built beside DIR and renamed into place (glue/staging.py): DIR is complete or untouched.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

from asm2wasm.compiler import Compiled
from asm2wasm.glue.context import shim_context
from asm2wasm.glue.render import render
from asm2wasm.glue.staging import StagedDirectory

DEFAULT_HEAP_SIZE = 65536
_MAX_HEAP = 0x80000000


class PageRefused(Exception):
    """Nothing was written: DIR exists (without force) or cannot be used. The message says why."""


@dataclass
class PageSettings:
    single_file: bool = False
    heap_size: int = DEFAULT_HEAP_SIZE
    title: str | None = None


def valid_heap_size(size: int) -> bool:
    """asm.js heap lengths: at least 4096, and a power of two up to 16 MiB or a multiple of 16 MiB above it."""
    if size < 4096 or size > _MAX_HEAP:
        return False
    if size <= 1 << 24:
        return size & (size - 1) == 0
    return size % (1 << 24) == 0


def wasm_file_name(compiled: Compiled, source_name: str) -> str:
    """NAME.wasm, from the input file's name (demo.asm.js -> demo.wasm), else from the module's name."""
    base = Path(source_name).name
    stem = base[: -len(".asm.js")] if base.endswith(".asm.js") else Path(base).stem
    if source_name == "<stdin>" or not stem:
        stem = compiled.typed.name or "module"
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", stem).lstrip(".") or "module"
    return stem + ".wasm"


def page_files(compiled: Compiled, binary: bytes, source_name: str, settings: PageSettings) -> dict[str, bytes]:
    """{relative path: contents} of the page directory."""
    if not valid_heap_size(settings.heap_size):
        raise ValueError(f"{settings.heap_size} is not a valid asm.js heap size")
    wasm_name = wasm_file_name(compiled, source_name)
    shown_name = Path(source_name).name if source_name != "<stdin>" else source_name  # no local paths in pages
    base = shim_context(compiled.typed, compiled.lowered.link, wasm_name, shown_name, esm=False)
    base.update({
        "global_name": base["module_name"],
        "heap_size": settings.heap_size,
        "title": settings.title or f"{base['module_name']} (asm.js module compiled to WebAssembly)",
        "single_file": settings.single_file,
        "wasm_bytes": len(binary),
        "wasm_base64": None,
    })
    files: dict[str, bytes] = {}
    if settings.single_file:
        inline = dict(base, esm=False, wasm_base64=base64.b64encode(binary).decode("ascii"))
        files["loader.js"] = render("page/loader.js.j2", inline).encode()
        files["page.js"] = render("page/page.js.j2", dict(base, esm=False)).encode()
    else:
        files[wasm_name] = binary
        files["loader.mjs"] = render("page/loader.js.j2", dict(base, esm=True)).encode()
        files["loader.js"] = render("page/loader.js.j2", dict(base, esm=False)).encode()
        files["page.mjs"] = render("page/page.js.j2", dict(base, esm=True)).encode()
    files["index.html"] = render("page/index.html.j2", base).encode()
    files["style.css"] = render("page/style.css.j2", base).encode()
    files["favicon.svg"] = render("page/favicon.svg.j2", base).encode()
    return files


def check_output(out: Path, force: bool) -> None:
    """Refuse before any work when DIR cannot be written."""
    if out.exists() and not force:
        raise PageRefused(f"{out} exists (use --force to replace it)")
    if out.exists() and not out.is_dir():
        raise PageRefused(f"{out} exists and is not a directory")
    if not out.parent.is_dir():
        raise PageRefused(f"the parent directory {out.parent} does not exist")


def write_page(files: dict[str, bytes], out: Path, force: bool) -> None:
    """Write the page directory atomically: a staged sibling renamed into place."""
    out = out.resolve()
    check_output(out, force)
    try:
        with StagedDirectory(out, replace=force) as staged:
            for rel, data in files.items():
                staged.write(rel, data)
            staged.commit()
    except FileExistsError as exists:
        raise PageRefused(f"{out} exists (use --force to replace it)") from exists
    except OSError as error:
        raise PageRefused(f"cannot write {out}: {error.strerror or error}") from error
