"""Browser compatibility shims for migrated apps: which legacy browser APIs an app's JavaScript uses, and one classic
script (rendered from templates/shims/) that makes exactly those work in today's browsers.

shim          covers (legacy -> today)
------------  ---------------------------------------------------------------------------------------------------
canvas2d      `putImageData` of an `ImageData` made over the heap: once Wasm memory growth detached the heap's
              buffer, it draws from a view re-taken at the same offset of the grown memory (the runtime's
              `globalThis.asm2wasmCurrentHeap(oldBuffer)` gives the current buffer)
webgl         `getContext('experimental-webgl' | 'webkit-3d' | 'moz-webgl' | 'experimental-webgl2')` -> 'webgl' /
              'webgl2' when the legacy name gives null; `MOZ_`/`WEBKIT_` extension names; a lost context can be
              restored (`preventDefault` on `webglcontextlost`) and is reported by `console.warn`
raf           `webkit/moz/ms/oRequestAnimationFrame`, `...CancelAnimationFrame`, `...CancelRequestAnimationFrame`
fullscreen    `requestFullScreen`, `webkit/mozRequestFullScreen`, `msRequestFullscreen`, `cancelFullScreen`,
              `moz/webkitCancelFullScreen`, `webkit/msExitFullscreen`, `webkitIsFullScreen`, `mozFullScreen`,
              `*FullScreenElement`, `*FullscreenEnabled`, the `moz/webkit/MS` change and error events;
              `Module.requestFullScreen` <-> `Module.requestFullscreen`
pointerlock   `moz/webkitRequestPointerLock`, `moz/webkitExitPointerLock`, `moz/webkitPointerLockElement`,
              `moz/webkitMovementX/Y`, the `moz/webkit` pointerlockchange and pointerlockerror events
audio         `webkitAudioContext`, `webkitOfflineAudioContext`, `createGainNode`, `createDelayNode`,
              `createJavaScriptNode`, `createWaveTable`, `noteOn`/`noteGrainOn`/`noteOff`, `setTargetValueAtTime`;
              an AudioContext suspended by the autoplay policy is resumed by the first user gesture
getusermedia  `navigator.getUserMedia`, `webkit/moz/msGetUserMedia` (callback form) over
              `navigator.mediaDevices.getUserMedia`
gamepads      `navigator.webkitGetGamepads`, `mozGetGamepads`
indexeddb     `moz/webkit/msIndexedDB`, `webkitIDBKeyRange` and the other prefixed IDB interfaces; also `webkitURL`,
              `webkit/moz/msHidden`, `...VisibilityState`
wheel         `mousewheel` (`wheelDelta*`) and `DOMMouseScroll` (`detail`, `axis`) events for apps that listen for
              them, where the browser does not fire them (Chromium fires mousewheel, only Gecko DOMMouseScroll)

`detect_shims` scans each script once with one compiled regular expression whose alternatives are comments (skipped),
string and template literals (a literal whose whole content is a pattern counts: `getContext('experimental-webgl')`,
`window['webkitAudioContext']`), regular expression literals (skipped, after `( , = : [ ! & | ? { } ;`), property
calls (`.noteOn(`) and identifiers (a trie of the names, ended by a word boundary; the character before is checked
when a candidate matches). Every alternative starts with a literal character, so the regex engine skips ahead to
the next possible start in C; a file's scan stops when every shim was found in it. The bodies of asm.js modules
(`find_modules`) are left out. Known limits: a `/` that starts a regular expression after a keyword (`return /'/`)
is read as a division, so a quote inside such a literal can make the rest of its line read as a string; a template
literal's `${...}` is read as text.

`render_shims` renders the wrapper (templates/shims/shims.js.j2) with one template per shim. The script is classic
(no modules), uses no eval or `new Function` (it works under `script-src 'self' 'wasm-unsafe-eval'`), defines a
legacy name only where the browser lacks it (it never replaces a modern API: it wraps `getContext`, `getExtension`,
`getSupportedExtensions`, `putImageData`, `ImageData`, `AudioContext` and `EventTarget.prototype.addEventListener`,
keeping their behaviour), and applies each shim at most once per global object, so loading it twice changes nothing.
It must be loaded before the app's scripts: the event shims (fullscreen, pointerlock, wheel) note which event types
the app listens for and give it one legacy event per change, as the browsers of its time did (an app listening for
the standard event, or for one the browser fires itself, gets no second one).

The canvas2d shim's contract with the migrated runtime: `globalThis.asm2wasmCurrentHeap(buffer)` returns the
ArrayBuffer that now holds the Wasm memory `buffer` belonged to (`buffer` is the one an ImageData was made over, or
one this function returned before); any other result (undefined, `buffer` itself) means "unknown" and the shim
leaves the call alone (the browser then throws as it would without the shim).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from asm2wasm.frontend import find_modules
from asm2wasm.frontend.jsscan import LineCursor
from asm2wasm.glue.render import render

TEMPLATE_DIR = "shims"
WRAPPER_TEMPLATE = f"{TEMPLATE_DIR}/shims.js.j2"


class Kind(Enum):
    NAME = "name"  # an identifier (also a property name, or a string literal equal to it); `a.b`: a member path
    CALL = "call"  # a property call `.text(` (or a string literal equal to text)
    STRING = "string"  # a string literal equal to text (a trailing `*`: starting with the rest)


@dataclass(frozen=True, slots=True)
class Pattern:
    """One thing that reveals the use of a shim."""

    text: str
    kind: Kind
    why: str  # one sentence; `{name}` is the legacy name as found


@dataclass(frozen=True, slots=True)
class Shim:
    name: str
    template: str  # under templates/shims/
    description: str
    patterns: tuple[Pattern, ...]


@dataclass(frozen=True, slots=True)
class ScriptText:
    """JavaScript to scan: a file, or an inline script of a page starting at `line`:`col` of `file`."""

    file: str  # path relative to the app
    text: str
    line: int = 1  # the 1-based line of the text's first character in `file`
    col: int = 0  # the 0-based column of the text's first character on that line


@dataclass(frozen=True, slots=True)
class ShimUse:
    """Where a script first uses what a shim covers (one per shim and file)."""

    shim: str
    file: str
    line: int  # 1-based
    col: int  # 0-based, like `diagnostics.Loc`: print col + 1
    found: str  # the code found, e.g. `new webkitAudioContext()` or `canvas.getContext('experimental-webgl')`
    why: str  # one sentence


def _patterns(kind: Kind, why: str, *texts: str) -> tuple[Pattern, ...]:
    return tuple(Pattern(text, kind, why) for text in texts)


def _mapped(kind: Kind, why: str, mapping: dict[str, str]) -> tuple[Pattern, ...]:
    return tuple(Pattern(text, kind, why.replace("{modern}", modern)) for text, modern in mapping.items())


_GONE = "`{name}` is not defined in today's browsers: the shim maps it to `{modern}`."

SHIMS: tuple[Shim, ...] = (
    Shim("canvas2d", "canvas2d.js.j2",
         "putImageData from an ImageData over the heap keeps drawing after Wasm memory growth",
         _patterns(Kind.CALL, "`{name}` may draw an ImageData made over the heap, whose buffer memory growth "
                   "detaches: the shim draws from the grown memory instead.", "putImageData")),
    Shim("webgl", "webgl.js.j2",
         "legacy WebGL context names and prefixed extension names; lost contexts can be restored",
         _mapped(Kind.STRING, "`getContext('{name}')` gives null in today's browsers: the shim asks for "
                 "'{modern}' instead.", {"experimental-webgl": "webgl", "webkit-3d": "webgl", "moz-webgl": "webgl",
                                         "experimental-webgl2": "webgl2"})
         + _patterns(Kind.STRING, "the prefixed WebGL extension name '{name}' is not known to today's browsers: "
                     "the shim maps it to the unprefixed name.", "MOZ_*", "WEBKIT_*")
         + _patterns(Kind.STRING, "the app creates a '{name}' context: the shim lets a lost context be restored "
                     "(preventDefault on webglcontextlost) and reports the loss.", "webgl", "webgl2",
                     "webglcontextlost")),
    Shim("raf", "raf.js.j2", "prefixed requestAnimationFrame / cancelAnimationFrame",
         _mapped(Kind.NAME, _GONE, {
             **{f"{p}RequestAnimationFrame": "requestAnimationFrame" for p in ("webkit", "moz", "ms", "o")},
             **{f"{p}CancelAnimationFrame": "cancelAnimationFrame" for p in ("webkit", "moz", "ms", "o")},
             **{f"{p}CancelRequestAnimationFrame": "cancelAnimationFrame" for p in ("webkit", "moz", "ms")}})),
    Shim("fullscreen", "fullscreen.js.j2", "prefixed and old-spelling Fullscreen API; Module.requestFullScreen",
         _patterns(Kind.NAME, "`{name}` (the old spelling of requestFullscreen, also `Module.requestFullScreen` of "
                   "Emscripten's shell) is not defined in today's browsers: the shim maps it to requestFullscreen.",
                   "requestFullScreen")
         + _mapped(Kind.NAME, _GONE, {
             "webkitRequestFullScreen": "requestFullscreen", "webkitRequestFullscreen": "requestFullscreen",
             "mozRequestFullScreen": "requestFullscreen", "msRequestFullscreen": "requestFullscreen",
             "cancelFullScreen": "document.exitFullscreen", "mozCancelFullScreen": "document.exitFullscreen",
             "webkitCancelFullScreen": "document.exitFullscreen", "webkitExitFullscreen": "document.exitFullscreen",
             "msExitFullscreen": "document.exitFullscreen", "webkitIsFullScreen": "document.fullscreenElement",
             "mozFullScreen": "document.fullscreenElement", "webkitFullscreenElement": "document.fullscreenElement",
             "webkitCurrentFullScreenElement": "document.fullscreenElement",
             "mozFullScreenElement": "document.fullscreenElement", "msFullscreenElement": "document.fullscreenElement",
             "webkitFullscreenEnabled": "document.fullscreenEnabled",
             "mozFullScreenEnabled": "document.fullscreenEnabled", "msFullscreenEnabled": "document.fullscreenEnabled"})
         + _patterns(Kind.STRING, "the '{name}' event is not fired by today's browsers: the shim fires it along "
                     "with the standard fullscreen event.", "webkitfullscreenchange", "mozfullscreenchange",
                     "MSFullscreenChange", "webkitfullscreenerror", "mozfullscreenerror", "MSFullscreenError")),
    Shim("pointerlock", "pointerlock.js.j2", "prefixed Pointer Lock API and movementX/Y",
         _mapped(Kind.NAME, _GONE, {
             "mozRequestPointerLock": "requestPointerLock", "webkitRequestPointerLock": "requestPointerLock",
             "mozExitPointerLock": "document.exitPointerLock", "webkitExitPointerLock": "document.exitPointerLock",
             "mozPointerLockElement": "document.pointerLockElement",
             "webkitPointerLockElement": "document.pointerLockElement", "webkitMovementX": "movementX",
             "webkitMovementY": "movementY", "mozMovementX": "movementX", "mozMovementY": "movementY"})
         + _patterns(Kind.STRING, "the '{name}' event is not fired by today's browsers: the shim fires it along "
                     "with the standard pointer lock event.", "mozpointerlockchange", "webkitpointerlockchange",
                     "mozpointerlockerror", "webkitpointerlockerror")),
    Shim("audio", "audio.js.j2", "webkitAudioContext, the 2012 Web Audio method names, resume on first gesture",
         _mapped(Kind.NAME, _GONE, {"webkitAudioContext": "AudioContext",
                                    "webkitOfflineAudioContext": "OfflineAudioContext"})
         + _patterns(Kind.NAME, "an AudioContext starts suspended in today's browsers until a user gesture: the "
                     "shim resumes it on the first key press, click or touch.", "AudioContext")
         + _mapped(Kind.CALL, "the Web Audio method `{name}` was renamed `{modern}`: the shim maps the old name.", {
             "createGainNode": "createGain", "createDelayNode": "createDelay",
             "createJavaScriptNode": "createScriptProcessor", "createWaveTable": "createPeriodicWave",
             "noteOn": "start", "noteGrainOn": "start", "noteOff": "stop",
             "setTargetValueAtTime": "setTargetAtTime"})),
    Shim("getusermedia", "getusermedia.js.j2", "callback-style navigator.getUserMedia and its prefixed forms",
         _mapped(Kind.NAME, "`{name}` (callback form) is not defined in today's browsers: the shim calls "
                 "`{modern}`.", {name: "navigator.mediaDevices.getUserMedia" for name in (
                     "navigator.getUserMedia", "webkitGetUserMedia", "mozGetUserMedia", "msGetUserMedia")})),
    Shim("gamepads", "gamepads.js.j2", "prefixed navigator.getGamepads",
         _mapped(Kind.NAME, _GONE, {"webkitGetGamepads": "navigator.getGamepads",
                                    "mozGetGamepads": "navigator.getGamepads"})),
    Shim("indexeddb", "indexeddb.js.j2", "prefixed IndexedDB, webkitURL, prefixed page visibility",
         _mapped(Kind.NAME, _GONE, {
             **{f"{p}IndexedDB": "indexedDB" for p in ("moz", "webkit", "ms")},
             **{f"{p}IDB{i}": f"IDB{i}" for p in ("webkit", "moz", "ms")
                for i in ("KeyRange", "Transaction", "Cursor", "Database", "Request", "Index", "ObjectStore",
                          "Factory")},
             "webkitURL": "URL",
             **{f"{p}Hidden": "document.hidden" for p in ("webkit", "moz", "ms")},
             **{f"{p}VisibilityState": "document.visibilityState" for p in ("webkit", "moz", "ms")}})),
    Shim("wheel", "wheel.js.j2", "mousewheel and DOMMouseScroll events made from wheel events",
         _mapped(Kind.STRING, "the '{name}' event is not fired by every browser today: the shim makes it from "
                 "`{modern}` events where the browser does not fire it.", {"mousewheel": "wheel",
                                                                          "DOMMouseScroll": "wheel"})
         + _mapped(Kind.NAME, "`{name}` handlers are not called by every browser today: the shim calls them for "
                   "`{modern}` events where the browser does not.", {"onmousewheel": "wheel"})),
)

SHIM_NAMES: tuple[str, ...] = tuple(shim.name for shim in SHIMS)
_BY_NAME = {shim.name: shim for shim in SHIMS}

# --- the scanner -----------------------------------------------------------------------------------------------

_IDENT_CHAR = re.compile(r"[\w$]")
_LINE_END = r"\n\r\u2028\u2029"
_COMMENT = rf"//[^{_LINE_END}]*|/\*[\s\S]*?(?:\*/|\Z)"
# An unterminated string runs to the end of its line, an unterminated template or block comment to the end of the
# input: these alternatives always match once they start, so no stretch of text is scanned again and again.
_STRING = "|".join(rf"{q}[^{q}\\{_LINE_END}]*(?:\\[\s\S][^{q}\\{_LINE_END}]*)*{q}?" for q in ('"', "'"))
_TEMPLATE = r"`[^`\\]*(?:\\[\s\S][^`\\]*)*`?"
# A regular expression literal: at most _REGEX_MAX parts outside character classes, classes of at most about as many
# characters (a longer literal is read as code), and loops that never backtrack, so an attempt that fails (a
# division after all) costs a bounded number of steps.
_REGEX_MAX = 256
_NOT_LINE_END = rf"[^{_LINE_END}]"
_CLASS_RUN = rf"[^\]\\{_LINE_END}]{{0,{_REGEX_MAX}}}+"
_CLASS = rf"\[{_CLASS_RUN}(?:\\{_NOT_LINE_END}{_CLASS_RUN}){{0,16}}+\]"
_REGEX_BODY = rf"/(?![*/])(?:[^/\\\[{_LINE_END}]|\\{_NOT_LINE_END}|{_CLASS}){{1,{_REGEX_MAX}}}+/"
_BEFORE_REGEX = "(,=:[!&|?{};"  # after these a `/` starts a regular expression literal
_REGEX = "|".join(rf"{re.escape(c)}[ \t]*{_REGEX_BODY}" for c in _BEFORE_REGEX)
_SKIPPED = frozenset("/" + _BEFORE_REGEX)  # the first characters of the matches that are not uses


def _trie(words: Iterable[str]) -> list[str]:
    """Alternatives, one per first character, each starting with that literal character: `w(?:ebkitA|ebkitB)`."""
    groups: dict[str, list[str]] = {}
    for word in sorted(set(words)):
        groups.setdefault(word[0], []).append(word[1:])
    out = []
    for first, rests in groups.items():
        ends = "" in rests
        inner = _trie(r for r in rests if r)
        body = ""
        if inner:
            body = f"(?:{'|'.join(inner)})" + ("?" if ends else "")
        out.append(re.escape(first) + body)
    return out


@dataclass(frozen=True, slots=True)
class _Scanner:
    regex: re.Pattern[str]
    names: dict[str, tuple[str, Pattern]]  # identifier, member path (no spaces), call name -> (shim, pattern)
    strings: dict[str, tuple[str, Pattern]]  # string literal content -> (shim, pattern)
    prefixes: tuple[tuple[str, str, Pattern], ...]  # (prefix, shim, pattern) for `PREFIX*` string patterns


def _build_scanner() -> _Scanner:
    names: dict[str, tuple[str, Pattern]] = {}
    strings: dict[str, tuple[str, Pattern]] = {}
    prefixes: list[tuple[str, str, Pattern]] = []
    identifiers, paths, calls = [], [], []
    for shim in SHIMS:
        for pattern in shim.patterns:
            if pattern.kind is Kind.STRING and pattern.text.endswith("*"):
                prefixes.append((pattern.text[:-1], shim.name, pattern))
                continue
            if pattern.kind is Kind.STRING:
                strings[pattern.text] = (shim.name, pattern)
                continue
            names[pattern.text] = (shim.name, pattern)
            if "." in pattern.text:
                paths.append(pattern.text)
                continue
            strings.setdefault(pattern.text, (shim.name, pattern))
            (calls if pattern.kind is Kind.CALL else identifiers).append(pattern.text)
    alternatives = [_COMMENT, _STRING, _TEMPLATE, _REGEX]
    if calls:
        alternatives.append(rf"\.\s*(?:{'|'.join(_trie(calls))})\s*\(")
    alternatives += [rf"{alternative}(?![\w$])" for alternative in _trie(identifiers)]
    alternatives += [r"\s*\.\s*".join(map(re.escape, path.split("."))) + r"(?![\w$])" for path in paths]
    return _Scanner(re.compile("|".join(alternatives)), names, strings, tuple(prefixes))


_SCANNER = _build_scanner()
_CALL_NAME = re.compile(r"[\w$]+")


def detect_shims(scripts: Iterable[tuple[str, str] | ScriptText]) -> list[ShimUse]:
    """The shims `scripts` need: (relative file name, JavaScript text) pairs or `ScriptText`s (inline scripts).

    One ShimUse per shim and file, at its first use in that file (scripts of one file are taken in the order
    given); the result is in the order of the files, then of the positions. Comments and the bodies of asm.js
    modules are ignored. Linear in the size of the input.
    """
    found: dict[tuple[str, str], ShimUse] = {}
    file_order: dict[str, int] = {}
    for script in scripts:
        if not isinstance(script, ScriptText):
            script = ScriptText(*script)
        file_order.setdefault(script.file, len(file_order))
        missing = {name for name in SHIM_NAMES if (name, script.file) not in found}
        for use in _scan(script, missing):
            found[(use.shim, use.file)] = use
    return sorted(found.values(), key=lambda use: (file_order[use.file], use.line, use.col, SHIM_NAMES.index(use.shim)))


def _segments(text: str) -> list[tuple[int, int]]:
    """The parts of `text` outside asm.js module bodies."""
    if "use asm" not in text and "almost asm" not in text:
        return [(0, len(text))]
    segments, at = [], 0
    for span in find_modules(text):
        segments.append((at, span.body_start))
        at = span.end
    segments.append((at, len(text)))
    return segments


def _scan(script: ScriptText, missing: set[str]) -> Iterable[ShimUse]:
    text = script.text
    cursor = LineCursor(text)
    for start, end in _segments(text):
        for match in _SCANNER.regex.finditer(text, start, end):
            if not missing:
                return
            hit = _classify(text, match)
            if hit is None or hit[0] not in missing:
                continue
            shim, pattern, name = hit
            missing.discard(shim)
            loc = cursor.loc(match.start() + _lead(match.group()))
            line, col = loc.line, loc.col
            if line == 1:
                col += script.col
            yield ShimUse(shim, script.file, script.line + line - 1, col, _excerpt(text, match),
                          pattern.why.replace("{name}", name))


def _lead(matched: str) -> int:
    """Characters of a match before the name it is about (the `.` and blanks of a call)."""
    if matched[0] == ".":
        return len(matched) - len(matched[1:].lstrip())
    return 0


def _classify(text: str, match: re.Match[str]) -> tuple[str, Pattern, str] | None:
    """(shim, pattern, legacy name) of a match, or None for a comment, a regex, an unknown string, a longer name."""
    matched = match.group()
    first = matched[0]
    if first in _SKIPPED:
        return None  # a comment or a regular expression literal
    if first in "\"'`":
        content = matched[1:-1] if len(matched) > 1 and matched[-1] == first else matched[1:]
        hit = _SCANNER.strings.get(content)
        if hit is not None:
            return (*hit, content)
        for prefix, shim, pattern in _SCANNER.prefixes:
            if content.startswith(prefix) and len(content) > len(prefix) and _CALL_NAME.fullmatch(content):
                return shim, pattern, content
        return None
    if first == ".":
        name = _CALL_NAME.search(matched).group()
        return (*_SCANNER.names[name], name)
    at = match.start()
    if at > 0 and _IDENT_CHAR.match(text, at - 1):
        return None  # the end of a longer identifier
    key = "".join(matched.split())
    return (*_SCANNER.names[key], key)


_EXCERPT = 100
_RECEIVER = re.compile(r"(?:new\s+)?(?:[A-Za-z_$][\w$]*\s*\??\.\s*)*\Z")  # `new `, `window.`, `a.b.` before a name
_OBJECT = re.compile(r"[A-Za-z_$][\w$]*(?:\s*\??\.\s*[A-Za-z_$][\w$]*)*\s*\Z")  # `this.source` before `.noteOn(`
_CALLEE = re.compile(r"(?:new\s+)?[A-Za-z_$][\w$]*(?:\s*\??\.\s*[A-Za-z_$][\w$]*)*\s*\(\s*\Z")  # `c.getContext(`


def _excerpt(text: str, match: re.Match[str]) -> str:
    """The code of a use: with the callee or receiver before it, and the call's arguments when they are short."""
    start, end = match.start(), match.end()
    first = text[start]
    finder = _CALLEE if first in "\"'`" else _OBJECT if first == "." else _RECEIVER
    head = finder.search(text, max(0, start - _EXCERPT), start)
    if head is not None:
        start = head.start()
    if first in "\"'`":
        return _call(text, start, end, opened=head is not None)
    if text[end - 1] == "(":
        return _call(text, start, end, opened=True)
    rest = text[end : end + _EXCERPT]
    after = end + len(rest) - len(rest.lstrip(" \t"))
    if text[after : after + 1] == "(":
        return _call(text, start, after + 1, opened=True)
    return _flat(text[start:end])


def _call(text: str, start: int, at: int, opened: bool) -> str:
    """`text[start:at]` completed up to the `)` closing a call opened before `at` if it comes soon on the same line
    (else with `...)`)."""
    if not opened:
        return _flat(text[start:at])
    depth = 1
    for i in range(at, min(len(text), at + _EXCERPT)):
        c = text[i]
        if c in "\n\r":
            break
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return _flat(text[start : i + 1])
    return _flat(text[start:at]) + "...)"


def _flat(code: str) -> str:
    return " ".join(code.split())


def render_shims(names: Iterable[str]) -> str:
    """One classic script with the named shims (in the table's order; each once); "" when there are none.

    Raises ValueError for an unknown name.
    """
    wanted = set(names)
    unknown = sorted(wanted - set(_BY_NAME))
    if unknown:
        raise ValueError(f"unknown shim {', '.join(unknown)}: expected one of {', '.join(SHIM_NAMES)}")
    if not wanted:
        return ""
    chosen = [shim for shim in SHIMS if shim.name in wanted]
    return render(WRAPPER_TEMPLATE, {"shims": [{"name": s.name, "template": f"{TEMPLATE_DIR}/{s.template}",
                                                "description": s.description} for s in chosen]})
