"""The browser compatibility shims (asm2wasm/glue/shims.py) in real headless Chromium.

Small pages of our own, served by the real `asm2wasm serve --csp` (so every shim is also proven to work under
`script-src 'self' 'wasm-unsafe-eval'`), call the legacy names: each check runs on a page that loads the rendered
shims (twice: loading them again must change nothing) and on the same page without them, where it must fail.
Every page must load with no console error, no failed request and no CSP violation.

Two things headless Chromium cannot show as a user's browser would, and what the tests do instead:
* its autoplay policy lets an AudioContext start running, so the page suspends its contexts itself (as the policy
  does) before the synthetic click that must resume them;
* it fires `mousewheel` itself, so the mousewheel-making path of the wheel shim (Firefox's case) runs on a page that
  first removes Chromium's `onmousewheel` handler attributes; the events the shim makes are told apart from
  Chromium's own ones by `isTrusted`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from asm2wasm.glue.shims import SHIM_NAMES, render_shims

from .chromium import Opened, Server, needs_chromium

pytestmark = needs_chromium

READY = "html[data-ready]"
FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>\n'
PAGE = """<!doctype html>
<html>
<head>
  <meta charset="utf-8">
  <title>shims</title>
  <link rel="icon" href="favicon.svg">
</head>
<body>
  <canvas id="stage" width="64" height="64"></canvas>
{scripts}
</body>
</html>
"""
READY_JS = "document.documentElement.dataset.ready = 'yes';\n"
# An app's glue (Emscripten 1.36+ names the function requestFullscreen; older shells call requestFullScreen).
MODULE_APP_JS = """var Module = typeof Module !== 'undefined' ? Module : {};
window.moduleCalls = [];
Module['requestFullscreen'] = function (lockPointer, resizeCanvas) { moduleCalls.push([lockPointer, resizeCanvas]); };
"""
# Stands for a browser that does not fire mousewheel (Firefox): Chromium's handler attributes are removed.
NO_MOUSEWHEEL_JS = """[window, Window.prototype, Document.prototype, Element.prototype, HTMLElement.prototype,
 SVGElement.prototype].forEach(function (o) { delete o.onmousewheel; });
window.noMousewheel = !('onmousewheel' in document);
"""
PAGES = {
    "with.html": ["shims.js", "shims.js", "ready.js"],
    "without.html": ["ready.js"],
    "module.html": ["shims.js", "module-app.js", "ready.js"],
    "module-without.html": ["module-app.js", "ready.js"],
    "firefox-like.html": ["no-mousewheel.js", "shims.js", "ready.js"],
}

TICK = "(ms) => new Promise((resolve) => setTimeout(resolve, ms))"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shims")
    (root / "shims.js").write_text(render_shims(SHIM_NAMES))
    (root / "ready.js").write_text(READY_JS)
    (root / "module-app.js").write_text(MODULE_APP_JS)
    (root / "no-mousewheel.js").write_text(NO_MOUSEWHEEL_JS)
    (root / "favicon.svg").write_text(FAVICON)
    for name, scripts in PAGES.items():
        tags = "\n".join(f'  <script src="{src}"></script>' for src in scripts)
        (root / name).write_text(PAGE.format(scripts=tags))
    return root


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[Server]:
    started = Server(site, "--csp")
    yield started
    assert started.stop() == 0


def assert_clean(opened: Opened) -> None:
    assert opened.problems == []
    assert opened.page.evaluate("window.__cspViolations") == []


@pytest.fixture
def pages(open_page, server: Server):
    """pages(name=...): (the page with the shims, the page without them), opened; both checked clean at the end."""
    opened: list[Opened] = []

    def opener(shimmed: str = "with.html", plain: str = "without.html") -> tuple[Opened, Opened]:
        pair = (open_page(server.url + shimmed, ready=READY), open_page(server.url + plain, ready=READY))
        opened.extend(pair)
        return pair

    yield opener
    for page in opened:
        assert_clean(page)


def test_page_is_served_under_csp(server: Server, open_page) -> None:
    opened = open_page(server.url + "with.html", ready=READY)
    page = opened.page
    assert page.evaluate("Object.keys(window[Symbol.for('asm2wasm.shims')])") == list(SHIM_NAMES)
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.inline = 1';"
                  " document.body.append(s); }")
    page.wait_for_function("() => window.__cspViolations.length >= 1", timeout=5000)
    assert page.evaluate("window.inline") is None  # the policy was in force


RAF = f"""async () => {{
  const tick = {TICK};
  const out = {{ types: [typeof window.mozRequestAnimationFrame, typeof window.msCancelAnimationFrame,
                         typeof window.oRequestAnimationFrame, typeof window.webkitCancelRequestAnimationFrame] }};
  if (out.types[0] !== 'function') return out;
  out.time = await new Promise((resolve) => mozRequestAnimationFrame((t) => resolve(typeof t)));
  let ran = false;
  const id = msRequestAnimationFrame(() => {{ ran = true; }});
  mozCancelAnimationFrame(id);
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  out.cancelledRan = ran;
  out.native = [requestAnimationFrame, cancelAnimationFrame, webkitRequestAnimationFrame]
    .every((f) => String(f).includes('[native code]'));
  return out;
}}"""


def test_raf(pages) -> None:
    shimmed, plain = pages()
    assert shimmed.page.evaluate(RAF) == {"types": ["function"] * 4, "time": "number", "cancelledRan": False,
                                         "native": True}
    assert plain.page.evaluate(RAF) == {"types": ["undefined"] * 4}


WEBGL = """async () => {
  const make = (type) => {
    const canvas = document.createElement('canvas');
    document.body.append(canvas);
    return [canvas, canvas.getContext(type)];
  };
  const out = {};
  for (const type of ['moz-webgl', 'webkit-3d', 'experimental-webgl2', 'experimental-webgl']) {
    out[type] = String(make(type)[1]);
  }
  const [canvas, gl] = make('webgl');
  out.prefixed = gl.getExtension('MOZ_WEBGL_lose_context') !== null;
  out.listed = gl.getSupportedExtensions().includes('WEBKIT_WEBGL_lose_context');
  out.unknown = gl.getExtension('MOZ_no_such_extension');
  const lose = gl.getExtension('WEBGL_lose_context');
  const lost = new Promise((resolve) => {
    canvas.addEventListener('webglcontextlost', (e) => resolve(e.defaultPrevented));
  });
  lose.loseContext();
  out.prevented = await lost;
  out.restored = await new Promise((resolve) => {
    canvas.addEventListener('webglcontextrestored', () => resolve(true));
    setTimeout(() => resolve(false), 1000);
    setTimeout(() => lose.restoreContext(), 0);  // once the loss has been dispatched
  });
  return out;
}"""


def test_webgl(pages) -> None:
    shimmed, plain = pages()
    warnings: list[str] = []
    shimmed.page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)
    assert shimmed.page.evaluate(WEBGL) == {
        "moz-webgl": "[object WebGLRenderingContext]", "webkit-3d": "[object WebGLRenderingContext]",
        "experimental-webgl2": "[object WebGL2RenderingContext]",
        "experimental-webgl": "[object WebGLRenderingContext]", "prefixed": True, "listed": True, "unknown": None,
        "prevented": True, "restored": True}
    assert any("WebGL context" in text and "lost" in text for text in warnings), warnings
    assert plain.page.evaluate(WEBGL) == {
        "moz-webgl": "null", "webkit-3d": "null", "experimental-webgl2": "null",
        "experimental-webgl": "[object WebGLRenderingContext]", "prefixed": False, "listed": False, "unknown": None,
        "prevented": False, "restored": False}


# A heap blit as an SDL-era app does it, over a real WebAssembly.Memory that grows. The page defines
# globalThis.asm2wasmCurrentHeap as the migrated runtime does: any buffer the memory has had -> its current buffer.
CANVAS2D = """async (hook) => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 8 });
  const buffers = new WeakSet([memory.buffer]);
  if (hook) globalThis.asm2wasmCurrentHeap = (old) => (buffers.has(old) ? memory.buffer : undefined);
  const grow = () => { memory.grow(1); buffers.add(memory.buffer); };
  const W = 4, H = 2, AT = 1032, N = W * H * 4;
  const fill = (seed) => {
    const pixels = new Uint8Array(memory.buffer, AT, N);
    for (let i = 0; i < N; i++) pixels[i] = i % 4 === 3 ? 255 : (seed * 71 + i * 13) & 255;
    return Array.from(pixels);
  };
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  document.body.append(canvas);
  const ctx = canvas.getContext('2d');
  const drawn = () => Array.from(ctx.getImageData(0, 0, W, H).data);
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const attempt = (f) => { try { return f(); } catch (e) { return e.name; } };
  const view = new Uint8ClampedArray(memory.buffer, AT, N);
  const image = new ImageData(view, W, H);
  const out = {};
  const first = fill(1);
  ctx.putImageData(image, 0, 0);
  out.before = same(drawn(), first);
  grow();
  out.detached = image.data.length === 0;
  const second = fill(2);
  out.afterGrowth = attempt(() => { ctx.putImageData(image, 0, 0); return same(drawn(), second); });
  grow();
  const third = fill(3);
  out.againAfterGrowth = attempt(() => { ctx.putImageData(image, 0, 0); return same(drawn(), third); });
  const fourth = fill(4);
  out.fromDetachedView = attempt(() => {
    ctx.putImageData(new ImageData(view, W, H), 0, 0);
    return same(drawn(), fourth);
  });
  const fifth = fill(5);
  out.dirtyRect = attempt(() => {
    ctx.putImageData(image, 0, 0, 1, 0, 2, 1);
    const want = fourth.slice();
    for (let i = 4; i < 12; i++) want[i] = fifth[i];
    return same(drawn(), want);
  });
  out.instances = image instanceof ImageData && ctx.createImageData(1, 1) instanceof ImageData;
  return out;
}"""


def test_canvas2d_blit_survives_memory_growth(pages) -> None:
    shimmed, plain = pages()
    unchanged = {"before": True, "detached": True, "afterGrowth": "InvalidStateError",
                 "againAfterGrowth": "InvalidStateError", "fromDetachedView": "InvalidStateError",
                 "dirtyRect": "InvalidStateError", "instances": True}
    assert plain.page.evaluate(CANVAS2D, True) == unchanged
    assert shimmed.page.evaluate(CANVAS2D, False) == unchanged  # no runtime to ask: nothing changes
    assert shimmed.page.evaluate(CANVAS2D, True) == {"before": True, "detached": True, "afterGrowth": True,
                                                     "againAfterGrowth": True, "fromDetachedView": True,
                                                     "dirtyRect": True, "instances": True}


AUDIO = """async () => {
  const out = {};
  try {
    window.legacy = new webkitAudioContext();
  } catch (e) {
    out.legacy = e.name;
  }
  window.modern = new AudioContext();
  if (window.legacy) {
    const ctx = window.legacy;
    out.gain = ctx.createGainNode() instanceof GainNode;
    out.delay = ctx.createDelayNode(1) instanceof DelayNode;
    out.script = ctx.createJavaScriptNode(1024, 1, 1) instanceof ScriptProcessorNode;
    const osc = ctx.createOscillator();
    osc.connect(ctx.destination);
    osc.noteOn(0);
    osc.noteOff(ctx.currentTime + 0.01);
    const source = ctx.createBufferSource();
    source.buffer = ctx.createBuffer(1, 128, ctx.sampleRate);
    source.noteGrainOn(0, 0, 0.001);
    ctx.createGainNode().gain.setTargetValueAtTime(0.5, 0, 0.1);
    out.instance = ctx instanceof AudioContext && ctx instanceof BaseAudioContext && modern instanceof AudioContext;
    await ctx.suspend();  // as the autoplay policy of a user's browser would have it
  }
  await modern.suspend();
  out.states = [window.legacy && legacy.state, modern.state];
  return out;
}"""


def test_audio(pages) -> None:
    shimmed, plain = pages()
    assert shimmed.page.evaluate(AUDIO) == {"gain": True, "delay": True, "script": True, "instance": True,
                                           "states": ["suspended", "suspended"]}
    assert plain.page.evaluate(AUDIO) == {"legacy": "ReferenceError", "states": [None, "suspended"]}
    for opened in (shimmed, plain):
        opened.page.mouse.click(2, 2)
    shimmed.page.wait_for_function("() => legacy.state === 'running' && modern.state === 'running'", timeout=5000)
    plain.page.wait_for_timeout(300)
    assert plain.page.evaluate("modern.state") == "suspended"  # nothing resumes it without the shim


FULLSCREEN = f"""async (listen) => {{
  const tick = {TICK};
  const stage = document.getElementById('stage');
  const out = {{ types: [typeof stage.mozRequestFullScreen, typeof stage.requestFullScreen,
                         typeof document.mozCancelFullScreen, typeof document.mozFullScreenElement] }};
  if (out.types[0] !== 'function') return out;
  const events = [];
  for (const type of listen) document.addEventListener(type, () => events.push([type, document.mozFullScreen]));
  // each change is awaited (up to 5 s: a loaded machine is slow to switch), then 100 ms more for any extra event
  const settled = async (ready) => {{
    for (let waited = 0; waited < 5000 && !ready(); waited += 20) await tick(20);
    await tick(100);
  }};
  out.request = await stage.mozRequestFullScreen().then(() => 'resolved', (e) => e.name);
  await settled(() => events.length >= 1 && document.fullscreenElement === stage);
  out.during = [document.fullscreenElement === stage, document.mozFullScreenElement === stage,
                document.webkitIsFullScreen, document.mozFullScreen];
  await document.mozCancelFullScreen();
  await settled(() => events.length >= 2 && document.fullscreenElement === null);
  out.after = [document.fullscreenElement, document.mozFullScreen];
  out.events = events;
  out.native = String(Object.getOwnPropertyDescriptor(Document.prototype, 'webkitIsFullScreen').get)
    .includes('[native code]');
  return out;
}}"""
LEGACY_FULLSCREEN_EVENTS = ["mozfullscreenchange", "webkitfullscreenchange", "MSFullscreenChange"]


def test_fullscreen(pages) -> None:
    shimmed, plain = pages()
    # one legacy event per change (the first the app listens for), as the browsers of its time fired
    assert shimmed.page.evaluate(FULLSCREEN, LEGACY_FULLSCREEN_EVENTS) == {
        "types": ["function", "function", "function", "object"], "request": "resolved",
        "during": [True, True, True, True], "after": [None, False],
        "events": [["webkitfullscreenchange", True], ["webkitfullscreenchange", False]], "native": True}
    assert plain.page.evaluate(FULLSCREEN, LEGACY_FULLSCREEN_EVENTS) == {"types": ["undefined"] * 4}
    # an app that listens for the standard event too gets that one only
    modern, _ = pages()
    got = modern.page.evaluate(FULLSCREEN, ["fullscreenchange", *LEGACY_FULLSCREEN_EVENTS])
    assert got["events"] == [["fullscreenchange", True], ["fullscreenchange", False]]


MODULE = """() => {
  const out = {};
  try {
    Module.requestFullScreen(true, false);
  } catch (e) {
    out.error = e.name;
  }
  out.calls = moduleCalls;
  out.keys = Object.keys(Module);
  window.Module = { requestFullScreen: function () { moduleCalls.push('old glue'); } };
  try {
    Module.requestFullscreen();
  } catch (e) {
    out.error2 = e.name;
  }
  return out;
}"""


def test_module_request_fullscreen(pages) -> None:
    shimmed, plain = pages("module.html", "module-without.html")
    assert shimmed.page.evaluate(MODULE) == {"calls": [[True, False], "old glue"], "keys": ["requestFullscreen"]}
    assert plain.page.evaluate(MODULE) == {"error": "TypeError", "calls": [], "keys": ["requestFullscreen"],
                                          "error2": "TypeError"}


POINTERLOCK = f"""async () => {{
  const tick = {TICK};
  const stage = document.getElementById('stage');
  const move = new MouseEvent('mousemove', {{ movementX: 5, movementY: -3 }});
  const out = {{ types: [typeof stage.webkitRequestPointerLock, typeof stage.mozRequestPointerLock,
                         typeof document.webkitExitPointerLock, typeof document.mozPointerLockElement],
                 movement: [move.webkitMovementX, move.webkitMovementY, move.mozMovementX, move.mozMovementY] }};
  if (out.types[0] !== 'function') return out;
  const events = [];
  for (const type of ['mozpointerlockchange', 'webkitpointerlockchange']) {{
    document.addEventListener(type, () => events.push([type, document.mozPointerLockElement === stage]));
  }}
  stage.webkitRequestPointerLock();
  await tick(300);
  out.locked = [document.pointerLockElement === stage, document.webkitPointerLockElement === stage];
  document.mozExitPointerLock();
  await tick(300);
  out.unlocked = document.pointerLockElement === null;
  out.events = events;
  return out;
}}"""


def test_pointerlock(pages) -> None:
    shimmed, plain = pages()
    shimmed.page.mouse.click(2, 2)  # pointer lock needs a user activation
    assert shimmed.page.evaluate(POINTERLOCK) == {
        "types": ["function", "function", "function", "object"], "movement": [5, -3, 5, -3],
        "locked": [True, True], "unlocked": True,
        "events": [["mozpointerlockchange", True], ["mozpointerlockchange", False]]}
    assert plain.page.evaluate(POINTERLOCK) == {"types": ["undefined"] * 4, "movement": [None] * 4}


GETUSERMEDIA = """() => new Promise((resolve) => {
  const types = ['getUserMedia', 'webkitGetUserMedia', 'mozGetUserMedia'].map((n) => typeof navigator[n]);
  if (types[2] !== 'function') return resolve({ types });
  navigator.mozGetUserMedia({ audio: true }, () => resolve({ types, result: 'stream' }),
                            (e) => resolve({ types, result: e.name }));
})"""


def test_getusermedia(pages) -> None:
    shimmed, plain = pages()
    got = shimmed.page.evaluate(GETUSERMEDIA)
    # headless Chromium has no microphone: the error callback gets the modern API's refusal
    assert got["types"] == ["function"] * 3 and got["result"] in ("stream", "NotFoundError", "NotAllowedError"), got
    assert plain.page.evaluate(GETUSERMEDIA) == {"types": ["function", "function", "undefined"]}


GAMEPADS_AND_INDEXEDDB = """() => new Promise((resolve) => {
  const out = { gamepads: typeof navigator.webkitGetGamepads, moz: typeof navigator.mozGetGamepads };
  if (out.gamepads === 'function') {
    const pads = navigator.webkitGetGamepads();
    out.pads = [typeof pads.length, pads.length === navigator.getGamepads().length];
  }
  out.url = window.webkitURL === URL;
  if (typeof window.mozIndexedDB === 'undefined') return resolve(out);
  out.same = mozIndexedDB === indexedDB && webkitIDBKeyRange === IDBKeyRange;
  const request = mozIndexedDB.open('asm2wasm-shims', 1);
  request.onupgradeneeded = () => request.result.createObjectStore('store');
  request.onerror = () => resolve({ ...out, error: String(request.error) });
  request.onsuccess = () => {
    const db = request.result;
    const put = db.transaction('store', 'readwrite');
    put.objectStore('store').put('saved', 7);
    put.oncomplete = () => {
      const get = db.transaction('store').objectStore('store').get(webkitIDBKeyRange.only(7));
      get.onsuccess = () => resolve({ ...out, value: get.result });
    };
  };
})"""


def test_gamepads_and_indexeddb(pages) -> None:
    shimmed, plain = pages()
    assert shimmed.page.evaluate(GAMEPADS_AND_INDEXEDDB) == {
        "gamepads": "function", "moz": "function", "pads": ["number", True], "url": True, "same": True,
        "value": "saved"}
    assert plain.page.evaluate(GAMEPADS_AND_INDEXEDDB) == {"gamepads": "undefined", "moz": "undefined",
                                                          "url": True}


def wheel_once(opened: Opened, listen: str) -> list:
    """Listeners from `listen` (JS statements with `log` and `stage`), one wheel notch over the stage; the log.

    The wheel event is logged on the document, after the target: a wheel listener on window would make Chromium
    skip the mousewheel listeners of window (the shim's among them)."""
    page = opened.page
    page.evaluate(f"() => {{ const stage = document.getElementById('stage'); window.log = [];"
                  f" {listen}; document.addEventListener('wheel', (e) => log.push(['wheel', e.defaultPrevented])); }}")
    page.mouse.move(20, 20)
    page.mouse.wheel(0, 100)
    page.wait_for_function("() => log.some((entry) => entry[0] === 'wheel')", timeout=5000)
    page.wait_for_timeout(100)
    return page.evaluate("log")


DOMMOUSESCROLL = ("stage.addEventListener('DOMMouseScroll', (e) => {"
                  " log.push(['DOMMouseScroll', e.detail, e.axis, e.isTrusted]); e.preventDefault(); })")
BOTH = ("stage.addEventListener('DOMMouseScroll', (e) => log.push(['DOMMouseScroll', e.detail]));"
        " stage.addEventListener('mousewheel', (e) => log.push(['mousewheel', e.wheelDeltaY, e.isTrusted]))")


def test_wheel(pages) -> None:
    shimmed, plain = pages()
    # a DOMMouseScroll-only app: one event per notch, 3 lines down; its preventDefault cancels the wheel event
    assert wheel_once(shimmed, DOMMOUSESCROLL) == [["DOMMouseScroll", 3, 2, False], ["wheel", True]]
    assert wheel_once(plain, DOMMOUSESCROLL) == [["wheel", False]]
    # an app listening for both: Chromium's own mousewheel only, never a second event
    both, _ = pages()
    assert wheel_once(both, BOTH) == [["mousewheel", -120, True], ["wheel", False]]


ONMOUSEWHEEL = ("stage.onmousewheel = (e) => { if (e.isTrusted) return; log.push(['onmousewheel', e.wheelDelta,"
                " e.wheelDeltaY, e.wheelDeltaX]); return false; };"
                " stage.addEventListener('mousewheel', (e) => { if (!e.isTrusted) log.push(['listener', e.detail]); })")


def test_wheel_where_mousewheel_is_not_fired(pages) -> None:
    emulated, _ = pages("firefox-like.html")
    assert emulated.page.evaluate("window.noMousewheel") is True
    assert wheel_once(emulated, ONMOUSEWHEEL) == [["onmousewheel", -120, -120, 0], ["listener", 0], ["wheel", True]]
