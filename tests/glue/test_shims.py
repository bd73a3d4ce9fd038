"""Detection and rendering of the browser compatibility shims (asm2wasm/glue/shims.py); tests/browser/test_shims.py
runs the rendered shims in Chromium."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from asm2wasm.glue.render import TEMPLATE_DIRS
from asm2wasm.glue.shims import SHIM_NAMES, SHIMS, ScriptText, ShimUse, detect_shims, render_shims


def uses(text: str, file: str = "app.js") -> list[tuple[str, int, int, str]]:
    return [(u.shim, u.line, u.col, u.found) for u in detect_shims([(file, text)])]


# (shim, a line of legacy code, the 0-based column of the legacy name, the code reported as found)
ONE_LINERS = [
    ("canvas2d", "    ctx.putImageData(img, 0, 0);", 8, "ctx.putImageData(img, 0, 0)"),
    ("webgl", "var gl = canvas.getContext('experimental-webgl', { alpha: false }) || null;", 27,
     "canvas.getContext('experimental-webgl', { alpha: false })"),
    ("webgl", "var gl = c.getContext(\"moz-webgl\");", 22, "c.getContext(\"moz-webgl\")"),
    ("webgl", "var e = gl.getExtension(\"WEBKIT_EXT_texture_filter_anisotropic\");", 24,
     "gl.getExtension(\"WEBKIT_EXT_texture_filter_anisotropic\")"),
    ("webgl", "ext = gl.getExtension('MOZ_WEBGL_lose_context')", 22, "gl.getExtension('MOZ_WEBGL_lose_context')"),
    ("raf", "  window.webkitRequestAnimationFrame(Browser.mainLoop.runner);", 9,
     "window.webkitRequestAnimationFrame(Browser.mainLoop.runner)"),
    ("raf", "mozCancelAnimationFrame(id)", 0, "mozCancelAnimationFrame(id)"),
    ("fullscreen", "Module.requestFullScreen(false, true)", 7, "Module.requestFullScreen(false, true)"),
    ("fullscreen", "document.addEventListener('mozfullscreenchange', onChange, false);", 26,
     "document.addEventListener('mozfullscreenchange', onChange, false)"),
    ("fullscreen", "if (document.webkitIsFullScreen) x();", 13, "document.webkitIsFullScreen"),
    ("pointerlock", "var dx = event.movementX || event.mozMovementX || 0;", 34, "event.mozMovementX"),
    ("pointerlock", "canvas.webkitRequestPointerLock();", 7, "canvas.webkitRequestPointerLock()"),
    ("audio", "var ctx = new webkitAudioContext();", 14, "new webkitAudioContext()"),
    ("audio", "var ctx = new AudioContext;", 14, "new AudioContext"),
    ("audio", "src.noteOn(0);", 4, "src.noteOn(0)"),
    ("audio", "this.gain = this.ctx.createGainNode ();", 21, "this.ctx.createGainNode ()"),
    ("audio", "  this.node = context.createJavaScriptNode(4096, 0, 2);", 22,
     "context.createJavaScriptNode(4096, 0, 2)"),
    ("audio", "g.gain.setTargetValueAtTime(0, t, 0.1)", 7, "g.gain.setTargetValueAtTime(0, t, 0.1)"),
    ("audio", "var C = window['webkitAudioContext'];", 15, "'webkitAudioContext'"),
    ("getusermedia", "navigator.webkitGetUserMedia({video: true}, ok, fail);", 10,
     "navigator.webkitGetUserMedia({video: true}, ok, fail)"),
    ("getusermedia", "if (navigator.getUserMedia) {", 4, "navigator.getUserMedia"),
    ("gamepads", "var pads = navigator.webkitGetGamepads ? 1 : 0;", 21, "navigator.webkitGetGamepads"),
    ("indexeddb", "var db = window.indexedDB || window.mozIndexedDB;", 36, "window.mozIndexedDB"),
    ("indexeddb", "var u = webkitURL.createObjectURL(blob);", 8, "webkitURL"),
    ("wheel", "canvas.addEventListener('DOMMouseScroll', onWheel, false);", 24,
     "canvas.addEventListener('DOMMouseScroll', onWheel, false)"),
    ("wheel", "el.addEventListener(\"mousewheel\", function (e) {", 20, "el.addEventListener(\"mousewheel\"...)"),
    ("wheel", "canvas.onmousewheel = function (e) { return false; };", 7, "canvas.onmousewheel"),
]


@pytest.mark.parametrize(("shim", "line", "col", "found"), ONE_LINERS)
def test_each_shim_is_found_where_its_api_is_used(shim: str, line: str, col: int, found: str) -> None:
    text = f"// an app\nvar x = 1;\n{line}\n"
    assert uses(text) == [(shim, 3, col, found)]


def test_every_shim_has_a_detection_case() -> None:
    assert {case[0] for case in ONE_LINERS} == set(SHIM_NAMES)


def test_why_names_the_legacy_api() -> None:
    [use] = detect_shims([("a.js", "var ctx = new webkitAudioContext();")])
    assert use == ShimUse("audio", "a.js", 1, 14, "new webkitAudioContext()", use.why)
    assert "`webkitAudioContext`" in use.why and "`AudioContext`" in use.why and use.why.endswith(".")
    for shim in SHIMS:
        for pattern in shim.patterns:
            assert "{" not in pattern.why.replace("{name}", ""), pattern


NOT_USES = [
    "// webkitRequestAnimationFrame(step) in a line comment",
    "/* new webkitAudioContext();\n   canvas.getContext('moz-webgl') */",
    "xwebkitRequestAnimationFrameY(step);",
    "var mywebkitAudioContext = 1, webkitAudioContextual = 2, $mozIndexedDB = 3, mozIndexedDB_ = 4;",
    "var noteOn = 1; noteOn(2); obj.noteOn; obj.noteOnce(1);",
    "log('a new webkitAudioContext() in a string'); log(\"experimental-webgl is old\");",
    "var AudioContextX = 1, MyAudioContext = 2;",
    "if (navigator.mediaDevices.getUserMedia) navigator.mediaDevices.getUserMedia({audio: true});",
    "canvas.getContext('webgl-experimental'); canvas.getContext('2d');",
    "x = a / b / c; y = 'putImageData is a method'.length > 1 ? 'MOZ_' : 'WEBKIT_x y';",
]


@pytest.mark.parametrize("text", NOT_USES)
def test_comments_strings_and_longer_names_are_not_uses(text: str) -> None:
    assert uses(text) == []


ASM_MODULE = """function Game(stdlib, foreign, heap) {
  "use asm";
  var noteOn = foreign.noteOn;
  function webkitRequestAnimationFrame() { noteOn(); }
  function mozIndexedDB(i) { i = i|0; return i|0; }
  return { f: mozIndexedDB };
}
"""


def test_asm_module_bodies_are_ignored() -> None:
    text = f"var a = 1;\n{ASM_MODULE}var m = Game(window, {{}}, new ArrayBuffer(65536));\nsrc.noteOn(0);\n"
    assert uses(text) == [("audio", 10, 4, "src.noteOn(0)")]
    assert uses(ASM_MODULE) == []


def test_regex_literals_do_not_hide_code() -> None:
    text = "var q = s.replace(/'/g, \"\\\\'\"), r = [/\"/, /`/]; window.mozRequestAnimationFrame(f);\n"
    assert uses(text) == [("raf", 1, text.index("mozRequest"), "window.mozRequestAnimationFrame(f)")]


def test_template_literals_and_escapes() -> None:
    text = "var t = `webkitAudioContext ${x}\n` + 'it\\'s // not a comment'; new webkitAudioContext();"
    col = text.rindex("webkitAudioContext") - text.index("\n") - 1
    assert uses(text) == [("audio", 2, col, "new webkitAudioContext()")]


def test_one_use_per_shim_and_file_at_the_first_place_in_order() -> None:
    first = "src.noteOn(0);\nvar r = mozRequestAnimationFrame;\nsrc.noteOff(1);\nnew webkitAudioContext();\n"
    second = "var pads = navigator.webkitGetGamepads();\nsrc.noteOn(0);\n"
    found = detect_shims([("b.js", first), ("a.js", second)])
    assert [(u.file, u.shim, u.line) for u in found] == [("b.js", "audio", 1), ("b.js", "raf", 2),
                                                       ("a.js", "gamepads", 1), ("a.js", "audio", 2)]


def test_inline_scripts_are_located_in_their_page() -> None:
    scripts = [ScriptText("index.html", "  var c = new webkitAudioContext();", line=12, col=10),
               ScriptText("index.html", "\n  new webkitAudioContext();\n  mozCancelAnimationFrame(id);", line=30,
                          col=4)]
    assert [(u.shim, u.file, u.line, u.col) for u in detect_shims(scripts)] == [
        ("audio", "index.html", 12, 24), ("raf", "index.html", 32, 2)]


def test_detection_is_linear_in_the_input() -> None:
    # inputs that are quadratic for a scanner that restarts at each unterminated quote, comment or regex
    hostile = ["'" * 300_000, "'\\" * 300_000, "\"a" * 300_000, "/* " * 300_000, "`\\" * 300_000,
               "(/" * 300_000, "(/a" * 300_000, "(/[" * 300_000, "=/[a\\" * 200_000, "/'" * 300_000,
               "a" * 1_000_000, "webkit" * 200_000, ".noteOn " * 100_000, "navigator . " * 100_000]
    for text in hostile:
        assert uses(text + "\nnew webkitAudioContext();") in ([], [("audio", 2, 4, "new webkitAudioContext()")])
    code = ("function f(a, b) { return a / b + g('x', \"y\") /* c */ + h(/re'/g) + o.p.q(1); } // tail\n" * 100_000)
    assert len(code) > 8_000_000
    assert uses(code + "src.noteOn(0);\n") == [("audio", 100_001, 4, "src.noteOn(0)")]


def test_render_includes_only_the_named_shims() -> None:
    for name in SHIM_NAMES:
        script = render_shims([name, name])
        assert script.count("shims[") == 2  # its definition and the loop's lookup
        assert f'shims["{name}"] = function' in script
        others = [o for o in SHIM_NAMES if o != name and f'shims["{o}"]' in script]
        assert others == []
    assert render_shims([]) == ""
    with pytest.raises(ValueError, match="no-such-shim"):
        render_shims(["raf", "no-such-shim"])


def test_rendered_shims_use_no_eval_and_parse(tmp_path: Path) -> None:
    scripts = {name: render_shims([name]) for name in SHIM_NAMES}
    scripts["all"] = render_shims(reversed(SHIM_NAMES))
    assert scripts["all"].index('shims["canvas2d"]') < scripts["all"].index('shims["wheel"]')  # the table's order
    for name, script in scripts.items():
        assert not re.search(r"\beval\s*\(|new\s+Function\b|Function\s*\(|setTimeout\s*\(\s*['\"]", script), name
        path = tmp_path / f"{name}.js"
        path.write_text(script)
        proc = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, (name, proc.stderr)


def test_rendered_shims_load_outside_a_page(tmp_path: Path) -> None:
    """In node (no window, no document) every shim must return quietly, and a second load must change nothing."""
    path = tmp_path / "all.js"
    path.write_text(render_shims(SHIM_NAMES))
    driver = ("const fs = require('fs'); const vm = require('vm'); const code = fs.readFileSync(process.argv[1], "
              "'utf8'); const warnings = []; console.warn = (m) => warnings.push(m); vm.runInThisContext(code); "
              "vm.runInThisContext(code); const applied = globalThis[Symbol.for('asm2wasm.shims')]; "
              "console.log(JSON.stringify({ applied: Object.keys(applied), warnings }));")
    proc = subprocess.run(["node", "-e", driver, str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == '{"applied":' + str(list(SHIM_NAMES)).replace("'", '"').replace(" ", "") + \
        ',"warnings":[]}'


def test_every_template_exists() -> None:
    for shim in SHIMS:
        assert any((d / "shims" / shim.template).is_file() for d in TEMPLATE_DIRS), shim.template
    assert len(set(SHIM_NAMES)) == len(SHIM_NAMES)
