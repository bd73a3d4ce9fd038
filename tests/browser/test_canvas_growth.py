"""fixtures/apps/canvas-growth: an Emscripten-shaped "almost asm" growth build that draws a plasma into a framebuffer
in its heap and blits it to two 2D canvases each frame, SDL style (a copy into an ImageData) and zero-copy (an
ImageData over the heap, re-made by the glue's growth hook); the heap grows 16 -> 32 -> 64 MiB while it runs and the
later frames live in the grown memory.

The original page (asm.js) and the page `asm2wasm migrate` made of it are served side by side by the real
`asm2wasm serve` and opened in the same headless Chromium. Both must load with no console error, page error or
failed request, finish, and compute the same `window.appResult`; the migrated page must really run WebAssembly (its
.wasm fetched, no asm.js left in its scripts), its growth call rewritten and the canvas2d shim included. What the
frames must be is computed independently in node: the module alone, cut out of the script by asm2wasm's front end,
run on a 64 MiB heap from the start (so no growth at all) with the same calls; every frame's address, palette sum
and pixel hash must equal the pages', and both canvases of both pages must hold exactly node's last frame.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from asm2wasm.frontend import find_modules

from .chromium import APP_READY, REPO, Opened, app_result, needs_chromium, run_cli, serving, stage_apps, wasm_requests
from .test_fixture_apps import READ_2D, fnv1a

pytestmark = needs_chromium

APP = "canvas-growth"
APP_DIR = REPO / "fixtures" / "apps" / APP
SCRIPT = "plasma.js"
MIB = 1 << 20
WIDTH, HEIGHT, FRAMES = 128, 96, 8
CANVASES = ("sdl", "direct")

# The module alone in node, on a heap big enough from the start: {source, initializer} on stdin; prints the frames.
# The static layout and the call sequence are those of plasma.js (its header and main loop).
NODE_REFERENCE = r"""
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const asm = new Function('return ' + input.source + ';')();
function fnv(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h;
}
const MIB = 1048576, W = 128, H = 96, N = W * H * 4;
const KEYS = 8, SINE = 64, PALETTE = 320, TEMP_DOUBLE = 1344, DYNAMICTOP_PTR = 1352, STACK_BASE = 1360;
const STACK_MAX = STACK_BASE + 5 * MIB, DYNAMIC_BASE = STACK_MAX;  // already a multiple of 16
const heap = new ArrayBuffer(64 * MIB), u8 = new Uint8Array(heap), i32 = new Int32Array(heap);
u8.set(input.initializer, 8);
i32[DYNAMICTOP_PTR >> 2] = DYNAMIC_BASE;
const stdlib = {
  Math, Int8Array, Int16Array, Int32Array, Uint8Array, Uint16Array, Uint32Array, Float32Array, Float64Array,
  NaN, Infinity, byteLength: (b) => b.byteLength,
};
const env = {
  abort: (what) => { throw new Error('abort(' + what + ')'); },
  enlargeMemory: () => { throw new Error('the 64 MiB heap must be enough'); },
  getTotalMemory: () => 64 * MIB,
  DYNAMICTOP_PTR, tempDoublePtr: TEMP_DOUBLE, ABORT: 0, STACKTOP: STACK_BASE, STACK_MAX,
};
const m = asm(stdlib, env, heap);
m._init_tables(KEYS, SINE, PALETTE);
let fb = m._set_video_mode(W, H), texture = 0, level = null, soundBank = 0, pixels = null;
const frames = [];
for (let k = 0; k < 8; k++) {
  if (k === 4) { texture = m._load_level(12 * MIB); level = { ptr: texture + 4096 - 12 * MIB, texture }; }
  if (k === 5) fb = m._set_video_mode(W, H);
  if (k === 6) soundBank = m._malloc(20 * MIB);
  const sum = m._render_frame(fb, W, H, k, SINE, PALETTE, texture);
  pixels = u8.slice(fb, fb + N);
  frames.push({ frame: k, fb, sum, hash: fnv(pixels) });
}
console.log(JSON.stringify({ frames, level, soundBank, lastPixels: Buffer.from(pixels).toString('base64') }));
"""


def module_source() -> str:
    text = (APP_DIR / SCRIPT).read_text()
    [span] = find_modules(text)
    assert span.name == "asm"
    return text[span.start:span.end]


def initializer() -> list[int]:
    """The bytes of the script's inline memory initializer (applied at GLOBAL_BASE 8)."""
    match = re.search(r"allocate\(\[([0-9,]+)\], \"i8\", ALLOC_NONE, Runtime\.GLOBAL_BASE\)",
                      (APP_DIR / SCRIPT).read_text())
    assert match is not None
    return [int(b) for b in match.group(1).split(",")]


@functools.cache
def node_reference() -> dict[str, Any]:
    proc = subprocess.run(["node", "-e", NODE_REFERENCE],
                          input=json.dumps({"source": module_source(), "initializer": initializer()}),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("canvas-growth")
    stage_apps(root, [APP])
    with serving(root) as url:
        yield url, root


def canvas_pixels(opened: Opened, canvas: str) -> bytes:
    return base64.b64decode(opened.page.evaluate(READ_2D, canvas))


def test_validates_and_migrates_with_growth_and_canvas2d_shim(served: tuple[str, Path]) -> None:
    proc = run_cli("validate", APP_DIR / SCRIPT)
    assert proc.returncode == 0 and "valid asm.js module asm" in proc.stdout, proc.stderr
    assert '"almost asm";' in module_source()

    _, root = served
    report = json.loads((root / "migrated" / APP / "migration.json").read_text())
    [module] = report["modules"]
    assert (module["status"], module["directive"], module["wasm_file"]) == ("compiled", "almost asm", "plasma.wasm")
    assert report["warnings"] == []
    [growth] = [r for r in report["rewrites"] if r["what"].startswith("memory growth")]
    assert growth["before"] == "_emscripten_replace_memory(ret)"
    assert "currentHeap()" in growth["after"]
    assert {shim["shim"] for shim in report["shims"]} >= {"canvas2d"}
    markdown = (root / "migrated" / APP / "MIGRATION.md").read_text()
    assert "`canvas2d`" in markdown and "putImageData" in markdown


def test_original_and_migrated_draw_the_frames_node_computes(served: tuple[str, Path], open_page) -> None:
    url, root = served
    original = open_page(url + f"original/{APP}/index.html", ready=APP_READY)
    migrated = open_page(url + f"migrated/{APP}/index.html", ready=APP_READY)
    expected, got = app_result(original), app_result(migrated)
    assert got == expected

    # the heap really grew, twice, and the frames after it live in the grown memory
    assert [f["heapSize"] for f in got["frames"]] == [16 * MIB] * 4 + [32 * MIB] * 2 + [64 * MIB] * 2
    assert got["growths"] == [{"beforeFrame": 4, "from": 16 * MIB, "to": 32 * MIB},
                              {"beforeFrame": 6, "from": 32 * MIB, "to": 64 * MIB}]
    assert got["level"]["texture"] >= 16 * MIB and got["soundBank"] >= 16 * MIB
    assert all(f["fb"] < 16 * MIB for f in got["frames"][:5])
    assert all(f["fb"] >= 16 * MIB for f in got["frames"][5:])

    # node's frames: same addresses, sums and pixels; both blit paths drew them every frame
    reference = node_reference()
    assert [{"frame": f["frame"], "fb": f["fb"], "sum": f["sum"], "hash": f["sdlHash"]} for f in got["frames"]] \
        == reference["frames"]
    assert [f["directHash"] for f in got["frames"]] == [f["sdlHash"] for f in got["frames"]]
    assert (got["level"], got["soundBank"]) == (reference["level"], reference["soundBank"])
    assert len({f["sdlHash"] for f in got["frames"]}) == FRAMES  # eight different pictures
    assert got["finalHash"] == reference["frames"][-1]["hash"]

    last = base64.b64decode(reference["lastPixels"])
    assert len(last) == WIDTH * HEIGHT * 4
    assert last[3::4] == b"\xff" * (WIDTH * HEIGHT)  # opaque: putImageData/getImageData keep it exactly
    assert len(set(zip(last[0::4], last[1::4], last[2::4], strict=True))) > 50  # a real picture
    for canvas in CANVASES:
        drawn = canvas_pixels(original, canvas)
        assert drawn == last, f"original #{canvas}"
        assert canvas_pixels(migrated, canvas) == drawn, f"migrated #{canvas}"
        assert fnv1a(drawn) == got["finalHash"]

    # the zero-copy ImageData is over the current heap (the grown one), in both pages
    for opened in (original, migrated):
        assert opened.page.evaluate("directImage.data.buffer === buffer && HEAPU8.buffer === buffer"
                                    " && buffer.byteLength") == 64 * MIB

    # the migrated page ran Wasm: its memory is the heap, its .wasm was fetched, no asm.js is left
    assert migrated.page.evaluate("buffer instanceof ArrayBuffer && typeof __asm2wasm_asm === 'function'"
                                  " && __asm2wasm_asm().currentHeap() === buffer")
    assert original.page.evaluate("typeof __asm2wasm_asm") == "undefined"
    assert wasm_requests(migrated) == [url + f"migrated/{APP}/plasma.wasm"]
    scripts = sorted((root / "migrated" / APP).glob("*.js"))
    assert [s.name for s in scripts] == ["asm2wasm-loader.js", "asm2wasm-shims.js", SCRIPT]
    for script in scripts:
        assert find_modules(script.read_text()) == [], script


GROW_WITH_A_STALE_IMAGE = """() => {
  Module.onMemoryGrowth = null;  // the app's hook would re-make its ImageData: keep the old one, now over a stale heap
  const stale = directImage, old = stale.data.buffer, before = buffer.byteLength;
  _malloc(48 << 20);  // the heap grows again
  const pixels = HEAPU8.subarray(screenPtr, screenPtr + SCREEN_BYTES);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i & 3) === 3 ? 255 : (i * 7) & 255;  // a new opaque picture
  let drew = 'ok';
  try { document.getElementById('direct').getContext('2d').putImageData(stale, 0, 0); }
  catch (e) { drew = e.name; }
  return { before, after: buffer.byteLength, oldDetached: old.byteLength === 0, drew,
           current: globalThis.asm2wasmCurrentHeap(old) === buffer };
}"""


def test_migrated_runtime_lets_the_canvas2d_shim_draw_a_stale_image_from_the_grown_memory(
        served: tuple[str, Path], open_page) -> None:
    """An ImageData made over the heap before a growth: the Wasm memory's old buffer is detached, and the canvas2d
    shim draws from the current buffer that the migrated runtime reports (globalThis.asm2wasmCurrentHeap)."""
    url, _ = served
    opened = open_page(url + f"migrated/{APP}/index.html", ready="html[data-app='done'], html[data-app='error']")
    app_result(opened)
    grown = opened.page.evaluate(GROW_WITH_A_STALE_IMAGE)
    assert grown == {"before": 64 << 20, "after": 128 << 20, "oldDetached": True, "drew": "ok", "current": True}
    drawn = canvas_pixels(opened, "direct")
    assert drawn == bytes(255 if i & 3 == 3 else (i * 7) & 255 for i in range(len(drawn)))
    assert opened.problems == []
