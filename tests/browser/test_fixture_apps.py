"""The browser apps of fixtures/apps/ (asm.js as shipped in about 2014-2016), run as originals in headless Chromium.

Each app is served by the real `asm2wasm serve` and opened at index.html; it announces the end with
<html data-app="done|error"> and leaves what it computed in `window.appResult`. The same values are computed
independently in node: the app's asm.js module (cut out of its script by asm2wasm's front end) is run by a small
driver with a heap of its own and the app's parameters, its heap bytes hashed (FNV-1a) and its exports' results
collected; node's V8 must also accept each module as asm.js (`%IsAsmWasmCode`). Then:

* canvas-mandelbrot: every frame's result equals node's, and the 2D canvas holds exactly the bytes of the last frame
  (those of node's heap, and those of the page's own heap; the module writes opaque alpha);
* webgl-triangles: the FFI call log of every frame (with the hash of the uploaded vertex bytes) equals node's; the
  WebGL drawing buffer, read back with gl.readPixels, is not blank, shows exactly the clear colour and the twelve
  triangle colours of node's vertex data, and is identical across two loads;
* legacy-apis: under the "period browser" (period_browser.js, an init script that adds the 2014 names to today's
  Chromium) everything equals node's results, the meter's bars have the heights the module computed, the mouse wheel
  (`mousewheel`) and a `DOMMouseScroll` event zoom the waveform as node predicts, and the Fullscreen button works
  through Module.requestFullScreen; in plain modern Chromium the page stops with
  "ReferenceError: webkitAudioContext is not defined" (what the compatibility shim is for).

Every original page must load with no console error, page error or failed request. Each module is also valid to
`asm2wasm validate`; test_migrated_apps.py migrates each app (its module compiled) and compares the pages.
"""

from __future__ import annotations

import base64
import functools
import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from asm2wasm.frontend import find_modules

from .chromium import APP_READY, APPS, Opened, Server, app_result, needs_chromium, run_cli

pytestmark = needs_chromium

HERE = Path(__file__).resolve().parent
PERIOD_BROWSER = HERE / "period_browser.js"

# app directory -> (script, module name)
MODULES = {
    "canvas-mandelbrot": ("mandelbrot.js", "MandelbrotModule"),
    "webgl-triangles": ("triangles.js", "TrianglesModule"),
    "legacy-apis": ("synth.js", "SynthModule"),
}

# The node side: {app, name, source} on stdin; prints {result: what appResult must hold (or its parts), ...}.
NODE_REFERENCE = r"""
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const M = new Function(input.source + '\nreturn ' + input.name + ';')();
function fnv(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h;
}
function opaque(bytes) { for (let i = 3; i < bytes.length; i += 4) bytes[i] = 255; return bytes; }
const b64 = (bytes) => Buffer.from(bytes).toString('base64');

const apps = {
  'canvas-mandelbrot': () => {
    const heap = new ArrayBuffer(262144), u8 = new Uint8Array(heap);
    const m = M(globalThis, {}, heap);
    m.initPalette(1024);
    const frames = [];
    let pixels;
    for (let k = 0; k < 5; k++) {
      const cx = -0.743643887, cy = 0.131825904, scale = 0.025 / Math.pow(4, k), maxIter = 64 + 96 * k;
      const iterations = m.renderFrame(4096, 1024, 160, 120, cx, cy, scale, maxIter);
      pixels = opaque(u8.slice(4096, 4096 + 160 * 120 * 4));
      frames.push({ frame: k, cx, cy, scale, maxIter, iterations, hash: fnv(pixels) });
    }
    return { result: { width: 160, height: 120, heapSize: 262144, pixels: 4096, frames, finalHash: frames[4].hash },
             finalPixels: b64(pixels) };
  },

  'webgl-triangles': () => {
    const heap = new ArrayBuffer(65536), u8 = new Uint8Array(heap);
    let calls = [];
    const foreign = {
      glClearColor: (r, g, b, a) => { calls.push(['glClearColor', r, g, b, a]); },
      glClear: (mask) => { calls.push(['glClear', mask]); },
      glBufferData: (ptr, bytes) => { calls.push(['glBufferData', ptr, bytes, fnv(u8.subarray(ptr, ptr + bytes))]); },
      glDrawArrays: (mode, first, count) => { calls.push(['glDrawArrays', mode, first, count]); },
    };
    const m = M(globalThis, foreign, heap);
    const frames = [];
    for (let n = 0; n < 3; n++) {
      calls = [];
      const vertices = m.frame(n);
      frames.push({ frame: n, vertices, calls });
    }
    // the colours of the last frame's triangles (bytes 8-10 of each 12-byte vertex)
    const [, ptr, bytes] = frames[2].calls.find((c) => c[0] === 'glBufferData');
    const colours = new Set();
    for (let p = ptr; p < ptr + bytes; p += 12) colours.add((u8[p + 8] << 16) | (u8[p + 9] << 8) | u8[p + 10]);
    return { result: { width: 128, height: 128, frames }, triangleColours: [...colours].sort((a, b) => a - b) };
  },

  'legacy-apis': () => {
    const heap = new ArrayBuffer(262144), u8 = new Uint8Array(heap), i32 = new Int32Array(heap);
    const m = M(globalThis, {}, heap);
    const checksum = m.synth(4096, 36864, 16384) >>> 0;
    const peak = m.peak(4096, 16384);
    m.levels(4096, 16384, 16, 2048, 64);
    const levels = Array.from(i32.subarray(512, 528));
    const audioHash = fnv(u8.subarray(36864, 36864 + 16384 * 4));
    const draw = (start, spp) => {
      const lit = m.drawWave(102400, 256, 64, 4096, start, spp);
      return { lit, hash: fnv(opaque(u8.slice(102400, 102400 + 256 * 64 * 4))) };
    };
    const frames = [];
    for (let k = 0; k < 4; k++) frames.push({ frame: k, start: 2048 * k, samplesPerPixel: 16, ...draw(2048 * k, 16) });
    return {
      result: {
        sampleRate: 22050, samples: 16384, checksum, peak, levels, wavBytes: 44 + 16384 * 2,
        audio: { length: 16384, sampleRate: 22050, channels: 1, hash: audioHash },
        meter: { context: 'webkit-3d', bars: 16 },
        wheel: { events: 0, samplesPerPixel: 16, hash: frames[3].hash },
        frames, gamepads: 0, stored: checksum,
      },
      zoomedIn: draw(6144, 8).hash,
    };
  },
};

const out = apps[input.app]();
out.asmValid = %IsAsmWasmCode(M);
console.log(JSON.stringify(out));
"""

# FNV-1a and base64 of canvas pixels, in the page
READ_2D = """(id) => {
  const canvas = document.getElementById(id);
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let s = '';
  for (let i = 0; i < data.length; i++) s += String.fromCharCode(data[i]);
  return btoa(s);
}"""
READ_GL = """([id, name]) => {
  const canvas = document.getElementById(id);
  const gl = canvas.getContext(name);
  const pixels = new Uint8Array(gl.drawingBufferWidth * gl.drawingBufferHeight * 4);
  gl.readPixels(0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
  let s = '';
  for (let i = 0; i < pixels.length; i++) s += String.fromCharCode(pixels[i]);
  return { width: gl.drawingBufferWidth, height: gl.drawingBufferHeight, pixels: btoa(s) };
}"""


def fnv1a(data: bytes) -> int:
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def module_source(app: str) -> tuple[str, str]:
    script, name = MODULES[app]
    text = (APPS / app / script).read_text()
    [span] = [s for s in find_modules(text) if s.name == name]
    return name, text[span.start:span.end]


@functools.cache
def node_reference(app: str) -> dict[str, Any]:
    """What node computed from the app's asm.js module (after checking that V8 accepts it as asm.js)."""
    name, source = module_source(app)
    proc = subprocess.run(["node", "--allow-natives-syntax", "-e", NODE_REFERENCE],
                          input=json.dumps({"app": app, "name": name, "source": source}),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    computed = json.loads(proc.stdout)
    assert computed["asmValid"] is True, f"V8 does not accept {app}'s module as asm.js"
    return computed


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    started = Server(APPS)
    yield started
    assert started.stop() == 0


@pytest.fixture
def open_app(open_page) -> Callable[..., Opened]:
    """open_app(url, period=False): the page at url (under the period browser if asked), once <html data-app> is
    set; console errors, page errors, failed requests and HTTP errors are in Opened.problems."""

    def opener(url: str, period: bool = False) -> Opened:
        return open_page(url, ready=APP_READY, init_scripts=(PERIOD_BROWSER,) if period else ())

    return opener


@pytest.mark.parametrize("app", MODULES)
def test_module_is_asmjs_to_v8_and_to_asm2wasm(app: str) -> None:
    assert node_reference(app)["asmValid"] is True
    proc = run_cli("validate", APPS / app / MODULES[app][0])
    assert proc.returncode == 0 and f"valid asm.js module {MODULES[app][1]}" in proc.stdout, proc.stderr


def test_canvas_mandelbrot(server: Server, open_app) -> None:
    expected = node_reference("canvas-mandelbrot")
    opened = open_app(server.url + "canvas-mandelbrot/index.html")
    result = app_result(opened)
    assert result == expected["result"]
    assert len({frame["hash"] for frame in result["frames"]}) == 5  # five different pictures
    page = opened.page
    canvas = base64.b64decode(page.evaluate(READ_2D, "canvas"))
    final = base64.b64decode(expected["finalPixels"])
    assert len(canvas) == 160 * 120 * 4
    assert canvas == final
    heap = bytearray(base64.b64decode(page.evaluate(
        "() => { let s = ''; for (const b of HEAPU8.subarray(4096, 4096 + 76800)) s += String.fromCharCode(b);"
        " return btoa(s); }")))
    assert heap[3::4] == b"\xff" * (160 * 120)  # the module wrote opaque pixels: the glue's alpha forcing kept them
    assert bytes(heap) == canvas
    assert fnv1a(canvas) == result["finalHash"]
    assert len(set(zip(canvas[0::4], canvas[1::4], canvas[2::4], strict=True))) > 50  # a real picture


def gl_picture(opened: Opened, canvas_id: str, context: str) -> tuple[int, int, bytes]:
    got = opened.page.evaluate(READ_GL, [canvas_id, context])
    return got["width"], got["height"], base64.b64decode(got["pixels"])


def test_webgl_triangles(server: Server, open_app) -> None:
    expected = node_reference("webgl-triangles")
    pictures = []
    for _load in range(2):
        opened = open_app(server.url + "webgl-triangles/index.html")
        result = app_result(opened)
        assert {k: result[k] for k in ("width", "height", "frames")} == expected["result"]
        width, height, pixels = gl_picture(opened, "canvas", "experimental-webgl")
        assert (width, height) == (128, 128)
        assert fnv1a(pixels) == result["pixelHash"]
        rgb = list(zip(pixels[0::4], pixels[1::4], pixels[2::4], strict=True))
        clear = rgb[0]  # a corner: outside the fan
        assert clear == (64, 32, 64)  # glClearColor(0.25, 0.125, 0.25, 1) of frame 2
        triangle_colours = {(c >> 16, (c >> 8) & 255, c & 255) for c in expected["triangleColours"]}
        assert len(triangle_colours) == 12
        assert set(rgb) == {clear} | triangle_colours  # flat colours, no antialiasing: nothing else
        lit = sum(1 for c in rgb if c != clear)
        assert lit == result["litPixels"] and 8000 < lit < 128 * 128 - 4000  # a disc of radius 56 (about 9850)
        assert result["colours"] == 13
        pictures.append(pixels)
    assert pictures[0] == pictures[1]


def test_legacy_apis_in_the_period_browser(server: Server, open_app) -> None:
    expected = node_reference("legacy-apis")
    opened = open_app(server.url + "legacy-apis/index.html", period=True)
    result = app_result(opened)
    assert result == expected["result"]
    page = opened.page
    # the 2D canvas holds the last frame
    canvas = base64.b64decode(page.evaluate(READ_2D, "canvas"))
    assert fnv1a(canvas) == result["frames"][-1]["hash"]
    # the meter: one bar per level, as high as the module computed (scissored clears: exact)
    width, height, pixels = gl_picture(opened, "meter", "webkit-3d")
    assert (width, height) == (128, 64)
    for band, level in enumerate(result["levels"]):
        x = band * 8 + 4
        column = [pixels[(y * width + x) * 4 + 1] for y in range(height)]  # green channel, bottom row first
        assert column == [191] * level + [16] * (height - level), band
    assert page.evaluate("document.getElementById('download').href").startswith("blob:")

    # mousewheel (still fired by Chromium): wheel up zooms in; a Firefox DOMMouseScroll (detail 3) zooms out again
    box = page.locator("#canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -100)
    page.wait_for_function("window.appResult.wheel.events === 1", timeout=5000)
    assert page.evaluate("window.appResult.wheel") == {"events": 1, "samplesPerPixel": 8, "hash": expected["zoomedIn"]}
    assert fnv1a(base64.b64decode(page.evaluate(READ_2D, "canvas"))) == expected["zoomedIn"]
    page.evaluate("() => document.getElementById('canvas').dispatchEvent("
                  "new UIEvent('DOMMouseScroll', { detail: 3, bubbles: true, cancelable: true }))")
    assert page.evaluate("window.appResult.wheel") == {"events": 2, "samplesPerPixel": 16,
                                                       "hash": result["frames"][-1]["hash"]}

    # Module.requestFullScreen -> canvas.webkitRequestFullScreen, with a user gesture
    page.click("#fullscreen")
    page.wait_for_function("Browser.fullScreenChanges > 0", timeout=5000)
    assert page.evaluate("[Browser.isFullScreen, document.webkitIsFullScreen]") == [True, True]
    assert opened.problems == []


def test_legacy_apis_fail_in_modern_chromium(server: Server, open_app) -> None:
    opened = open_app(server.url + "legacy-apis/index.html")
    page = opened.page
    assert page.evaluate("document.documentElement.dataset.app") == "error"
    assert page.evaluate("window.appError").startswith("ReferenceError: webkitAudioContext is not defined")
    assert opened.problems == ["page error: webkitAudioContext is not defined"]
    # the asm.js part ran before the first legacy API: its results are the same as node's
    partial = page.evaluate("window.appResult")
    expected = node_reference("legacy-apis")["result"]
    assert partial == {key: expected[key] for key in ("sampleRate", "samples", "checksum", "peak", "levels",
                                                      "wavBytes")}
