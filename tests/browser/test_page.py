"""`asm2wasm page` and `asm2wasm serve` in real headless Chromium (Debian's chromium, driven by playwright).

For each module (the demo and three fixtures/valid programs) the test session builds a page (`asm2wasm page`) and
a single-file page (`--single-file`), and computes the asm.js original's results in node: a list of calls
(the demo's, or the fixture's `// call:` lines plus one call of every export with typical arguments), the foreign
function log, and a digest of the heap. Every page must load with no console error, no failed request and no
Content-Security-Policy violation, and give bit-identical results:

* served by `asm2wasm serve` (streaming compilation), also under `--csp` (with a check that a violation would have
  been seen), and with `--wrong-wasm-mime` (the ArrayBuffer fallback);
* the single-file page opened from file://;
* the classic loader.js used on its own.

One browser per test session (per xdist worker), one context per page. The servers are the real command in child
processes on free ports, stopped with SIGINT (Ctrl-C), which must end them cleanly.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from asm2wasm import compiler
from asm2wasm.glue.page import DEFAULT_HEAP_SIZE

from .chromium import REPO, Opened, Server, needs_chromium, run_cli

pytestmark = needs_chromium

# The demo's calls (as fixtures/demo/run.js makes them).
DEMO_CALLS = [["add", ["2147483647", "1"]], ["div", ["7", "0"]], ["div", ["-2147483648", "-1"]],
              ["hyp", ["3", "4"]], ["sum", ["10"]], ["tr", ["1e20"]], ["m", ["-5.5", "2"]]]
FIXTURES = ["crc32", "ffi-calls", "function-tables"]
TYPICAL = {"int": "3", "double": "1.5", "float": "2.25"}
_NUMBER = re.compile(r"-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|NaN|Infinity)")
_CALL = re.compile(r"^// call: (\w+)\((.*)\)\s*$")

# Runs calls on exports (asm.js in node, Wasm in the page) and encodes what came out: results and foreign call
# arguments as float64 bits (every NaN as "nan"), exceptions by constructor, and an FNV-1a digest of the heap.
RUN_CALLS = """(function () {
  function encode(v) {
    if (typeof v !== 'number') return { type: typeof v };
    if (Number.isNaN(v)) return 'nan';
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, v);
    return view.getBigUint64(0).toString(16).padStart(16, '0');
  }
  function parseArg(s) { return s.startsWith('-') ? -Number(s.slice(1)) : Number(s); }
  return function runCalls(functions, heap, ffiLog, calls, heapSize) {
    const results = [];
    for (const [name, args] of calls) {
      let result;
      try { result = encode(functions[name](...args.map(parseArg))); }
      catch (e) { result = { throw: e.constructor.name }; }
      results.push([name, args, result]);
    }
    let h = 0x811c9dc5;
    const bytes = new Uint8Array(heap, 0, heapSize);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    return { results, ffi: ffiLog.map(([n, a]) => [n, a.map(encode)]), heap: h };
  };
})()"""

# What generated code must never do: both are refused under the policy `asm2wasm serve --csp` sends.
PROBE_JS = """window.probe = [];
try { eval('1'); window.probe.push('ran'); } catch (e) { window.probe.push(e.name); }
try { new Function('return 1')(); window.probe.push('ran'); } catch (e) { window.probe.push(e.name); }
"""

NODE_REFERENCE = """
const fs = require('fs');
const [fixture, moduleName, singleExport, callsJson, foreignJson, heapSize] = process.argv.slice(1);
const runCalls = eval(__RUN_CALLS__);
const M = new Function(fs.readFileSync(fixture, 'utf8') + '\\nreturn ' + moduleName + ';')();
const ffiLog = [];
const foreign = {};
for (const name of JSON.parse(foreignJson)) foreign[name] = (...args) => { ffiLog.push([name, args]); };
const heap = new ArrayBuffer(Number(heapSize));
const e = M(globalThis, foreign, heap);
const functions = typeof e === 'function' ? { [singleExport]: e } : e;
console.log(JSON.stringify(runCalls(functions, heap, ffiLog, JSON.parse(callsJson), Number(heapSize))));
""".replace("__RUN_CALLS__", json.dumps(RUN_CALLS))


@dataclass
class Subject:
    name: str
    source: Path
    calls: list[list[Any]]
    expected: dict[str, Any]


def fixture_calls(source: Path, signatures: dict[str, dict]) -> list[list[Any]]:
    """The fixture's `// call:` lines whose arguments are number literals, then every export with typical ones."""
    calls = []
    for line in source.read_text().splitlines():
        match = _CALL.match(line)
        if match and match.group(1) in signatures:
            args = [a.strip() for a in match.group(2).split(",") if a.strip()]
            if all(_NUMBER.fullmatch(a) for a in args):
                calls.append([match.group(1), args])
    for name, signature in signatures.items():
        calls.append([name, [TYPICAL[t] for t in signature["params"]]])
    return calls


def make_subject(name: str, source: Path, calls: list[list[Any]] | None) -> Subject:
    compiled = compiler.compile_source(source.read_text(), str(source))
    typed, link = compiled.typed, compiled.lowered.link
    from asm2wasm.glue.context import signatures
    calls = calls if calls is not None else fixture_calls(source, signatures(typed))
    single = typed.exports[0][0] if typed.single_export else ""
    proc = subprocess.run(["node", "-e", NODE_REFERENCE, str(source), typed.name, single, json.dumps(calls),
                           json.dumps(link.foreign_functions), str(DEFAULT_HEAP_SIZE)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return Subject(name, source, calls, json.loads(proc.stdout))


SUBJECT_NAMES = ["demo", *FIXTURES]


@pytest.fixture(scope="session")
def subjects() -> dict[str, Subject]:
    result = {"demo": make_subject("demo", REPO / "fixtures" / "demo" / "demo.asm.js", DEMO_CALLS)}
    for name in FIXTURES:
        result[name] = make_subject(name, REPO / "fixtures" / "valid" / f"{name}.js", None)
    return result


@pytest.fixture(scope="session")
def pages(tmp_path_factory: pytest.TempPathFactory, subjects: dict[str, Subject]) -> Path:
    """ROOT/served/NAME/ (default pages) and ROOT/single/NAME/ (--single-file) for every subject."""
    root = tmp_path_factory.mktemp("pages")
    (root / "served").mkdir()
    (root / "served" / "probe.js").write_text(PROBE_JS)
    (root / "single").mkdir()
    for subject in subjects.values():
        for kind, extra in (("served", ()), ("single", ("--single-file",))):
            proc = run_cli("page", subject.source, "-o", root / kind / subject.name, "-q", *extra)
            assert proc.returncode == 0, proc.stderr
    return root


@pytest.fixture(scope="session")
def servers(pages: Path) -> Iterator[dict[str, Server]]:
    started = {"plain": Server(pages / "served"), "csp": Server(pages / "served", "--csp"),
               "wrong-mime": Server(pages / "served", "--wrong-wasm-mime")}
    yield started
    statuses = {mode: server.stop() for mode, server in started.items()}
    assert statuses == dict.fromkeys(started, 0), statuses


def page_results(opened: Opened, subject: Subject) -> dict[str, Any]:
    page = opened.page
    assert page.evaluate("document.documentElement.dataset.asm2wasm") == "ready", \
        (page.text_content("#status"), opened.problems)
    return page.evaluate(f"([calls, heapSize]) => ({RUN_CALLS})(asmModule.functions, asmModule.currentHeap(), "
                         "asmModule.ffiLog, calls, heapSize)", [subject.calls, DEFAULT_HEAP_SIZE])


def assert_clean(opened: Opened) -> None:
    assert opened.problems == []
    # Chromium (through playwright) intermittently reports the .wasm fetch as net::ERR_ABORTED although the page
    # read every byte of it (often with HTTP/1.1 keep-alive, sometimes with HTTP/1.0): tolerated for .wasm files
    # only, and only when the loader got the whole file. Not yet understood.
    if opened.aborted:
        size = opened.page.evaluate("asmModule.loadInfo.bytes")
        wasm_sizes = {url: len(urllib.request.urlopen(url, timeout=10).read()) for url in opened.aborted
                      if url.endswith(".wasm")}
        unexplained = [url for url in opened.aborted if wasm_sizes.get(url) != size]
        assert unexplained == [], unexplained
    assert opened.page.evaluate("window.__cspViolations") == []


@pytest.mark.parametrize("name", SUBJECT_NAMES)
def test_served_page_matches_asmjs(name: str, subjects: dict[str, Subject], servers: dict[str, Server],
                                   open_page) -> None:
    subject = subjects[name]
    opened = open_page(servers["plain"].url + f"{name}/index.html")
    assert page_results(opened, subject) == subject.expected
    assert opened.page.evaluate("asmModule.loadInfo.mode") == "streaming"
    status = opened.page.text_content("#status")
    assert status.startswith("Ready: ") and "streaming" in status
    rows = opened.page.locator("#exports tbody tr").count()
    assert rows == len(opened.page.evaluate("Object.keys(asmModule.functions)"))
    assert_clean(opened)


@pytest.mark.parametrize("name", SUBJECT_NAMES)
def test_page_under_csp(name: str, subjects: dict[str, Subject], servers: dict[str, Server], open_page) -> None:
    subject = subjects[name]
    opened = open_page(servers["csp"].url + f"{name}/index.html")
    assert page_results(opened, subject) == subject.expected
    assert_clean(opened)
    # The policy is really in force, and a violation would have been seen: eval and inline scripts are refused.
    # (probe.js is a same-origin script, so 'self' allows it to load; DevTools' own evaluation is exempt from CSP.)
    page = opened.page
    page.add_script_tag(url=servers["csp"].url + "probe.js")
    assert page.evaluate("window.probe") == ["EvalError", "EvalError"]
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = 1';"
                  " document.body.append(s); }")
    page.wait_for_function("window.__cspViolations.length >= 3", timeout=5000)
    assert page.evaluate("window.inlineRan") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__cspViolations"))


@pytest.mark.parametrize("name", SUBJECT_NAMES)
def test_wrong_wasm_mime_falls_back_to_arraybuffer(name: str, subjects: dict[str, Subject],
                                                    servers: dict[str, Server], open_page) -> None:
    subject = subjects[name]
    opened = open_page(servers["wrong-mime"].url + f"{name}/index.html")
    assert page_results(opened, subject) == subject.expected
    info = opened.page.evaluate("asmModule.loadInfo")
    assert info["mode"] == "arraybuffer" and "application/octet-stream" in info["reason"], info
    assert_clean(opened)


@pytest.mark.parametrize("name", SUBJECT_NAMES)
def test_single_file_page_from_file_url(name: str, subjects: dict[str, Subject], pages: Path, open_page) -> None:
    subject = subjects[name]
    directory = pages / "single" / name
    assert sorted(p.name for p in directory.iterdir()) == ["favicon.svg", "index.html", "loader.js", "page.js",
                                                          "style.css"]
    opened = open_page((directory / "index.html").as_uri())
    assert page_results(opened, subject) == subject.expected
    assert opened.page.evaluate("asmModule.loadInfo.mode") == "inline"
    assert_clean(opened)


def test_classic_loader_on_its_own(subjects: dict[str, Subject], servers: dict[str, Server], open_page) -> None:
    """loader.js (no module script) defines asm2wasm.Demo; load() resolves to the exports."""
    opened = open_page(servers["csp"].url + "demo/index.html")
    page = opened.page
    page.add_script_tag(url=servers["csp"].url + "demo/loader.js")
    got = page.evaluate("async () => { const m = await asm2wasm.Demo.load({ foreign: { log() {} } });"
                        " return [m.add(2147483647, 1), m.div(7, 0), m.hyp(3, 4), asm2wasm.Demo.loadInfo.mode]; }")
    assert got == [-2147483648, 0, 5, "streaming"]
    assert_clean(opened)


def test_serve_headers(servers: dict[str, Server], pages: Path) -> None:
    (pages / "served" / "demo.mem").write_bytes(b"\0\1")

    def headers(mode: str, path: str) -> dict[str, str]:
        with urllib.request.urlopen(servers[mode].url + path, timeout=10) as response:
            return {k.lower(): v for k, v in response.headers.items()}

    assert headers("plain", "demo/demo.wasm")["content-type"] == "application/wasm"
    assert headers("plain", "demo/loader.mjs")["content-type"] == "text/javascript"
    assert headers("plain", "demo/loader.js")["content-type"] == "text/javascript"
    assert headers("plain", "demo.mem")["content-type"] == "application/octet-stream"
    assert headers("plain", "demo/index.html")["content-type"].startswith("text/html")
    assert "content-security-policy" not in headers("plain", "demo/index.html")
    assert headers("csp", "demo/index.html")["content-security-policy"] == \
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"
    assert headers("wrong-mime", "demo/demo.wasm")["content-type"] == "application/octet-stream"


def test_page_output_is_refused_or_replaced_whole(tmp_path: Path) -> None:
    demo = REPO / "fixtures" / "demo" / "demo.asm.js"
    out = tmp_path / "page"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    refused = run_cli("page", demo, "-o", out)
    assert refused.returncode == 1 and "exists" in refused.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    replaced = run_cli("page", demo, "-o", out, "--force", "-q")
    assert replaced.returncode == 0, replaced.stderr
    assert sorted(p.name for p in out.iterdir()) == ["demo.wasm", "favicon.svg", "index.html", "loader.js",
                                                    "loader.mjs", "page.mjs", "style.css"]
    assert [p.name for p in tmp_path.iterdir()] == ["page"]  # no staging directory left behind
    invalid = run_cli("page", REPO / "fixtures" / "invalid" / next(iter(sorted(
        p.name for p in (REPO / "fixtures" / "invalid").iterdir() if p.suffix == ".js"))), "-o", tmp_path / "bad")
    assert invalid.returncode == 1 and not (tmp_path / "bad").exists()


def test_generated_code_has_no_eval(pages: Path) -> None:
    for path in (pages / "served").rglob("*"):
        if path.suffix in (".js", ".mjs", ".html") and path.name != "probe.js":  # the probe is the test's own
            text = path.read_text()
            assert not re.search(r"\beval\s*\(|new\s+Function\b|\bon[a-z]+\s*=\s*\"|<script>|style=", text), path

