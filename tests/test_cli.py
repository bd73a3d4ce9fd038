"""The command line as a user meets it: outputs, messages, exit codes, and bad input of every kind."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from asm2wasm import cli

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "fixtures" / "demo" / "demo.asm.js"
ERROR_LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): error: .+ \[(?P<code>[A-Z]\d{3})\]$")

SMALL = """function Small(stdlib, foreign, heap) {
  "use asm";
  function add(a, b) { a = a|0; b = b|0; return (a + b)|0; }
  return { add: add };
}
"""


def run_cli(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real entry point in a child process (what a user runs), with a memory cap for the big-input cases."""
    return subprocess.run([sys.executable, "-m", "asm2wasm", *args], input=stdin, capture_output=True, cwd=cwd,
                          timeout=300)


def assert_located_error(result: subprocess.CompletedProcess, code: str) -> re.Match:
    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr
    assert "Traceback" not in stderr
    match = ERROR_LINE.match(stderr.splitlines()[0])
    assert match, stderr
    assert match["code"] == code, stderr
    return match


def test_compile_writes_valid_wasm_and_both_shims(tmp_path: Path) -> None:
    out = tmp_path / "demo.wasm"
    result = run_cli(str(DEMO), "-o", str(out), "--js", str(tmp_path / "demo.js"))
    assert result.returncode == 0, result.stderr.decode()
    assert out.read_bytes()[:4] == b"\0asm"
    check = subprocess.run(["node", "-e", "const fs=require('fs');"
                            "process.exit(WebAssembly.validate(fs.readFileSync(process.argv[1]))?0:1)", str(out)])
    assert check.returncode == 0
    assert "module.exports" in (tmp_path / "demo.js").read_text()
    assert "export {" in (tmp_path / "demo.mjs").read_text()
    # The ES module twin really works.
    script = ("import * as m from './demo.mjs';"
              "const e = m.link(globalThis, {log(){}}, m.createHeap(65536));"
              "console.log(e.add(2147483647, 1), e.div(7, 0));")
    run = subprocess.run(["node", "--input-type=module", "-e", script], cwd=tmp_path, capture_output=True, text=True)
    assert run.stdout.split() == ["-2147483648", "0"], run.stderr


def test_default_output_name_and_text_format(tmp_path: Path) -> None:
    source = tmp_path / "game.asm.js"
    source.write_text(SMALL)
    assert run_cli(str(source)).returncode == 0
    assert (tmp_path / "game.wasm").is_file()
    assert run_cli(str(source), "-S").returncode == 0
    wat = tmp_path / "game.wat"
    assert wat.read_text().startswith("(module")
    rebuilt = subprocess.run(["wat2wasm", str(wat), "-o", str(tmp_path / "re.wasm")], capture_output=True)
    assert rebuilt.returncode == 0, rebuilt.stderr


def test_dash_output_writes_to_standard_output_and_no_file(tmp_path: Path) -> None:
    source = tmp_path / "game.asm.js"
    source.write_text(SMALL)
    binary = run_cli(str(source), "-o", "-", cwd=tmp_path)
    assert binary.returncode == 0, binary.stderr
    assert binary.stdout[:4] == b"\0asm" and b"standard output" in binary.stderr
    assert run_cli(str(source), "-o", str(tmp_path / "file.wasm")).returncode == 0
    assert binary.stdout == (tmp_path / "file.wasm").read_bytes()
    text = run_cli(str(source), "-S", "-o", "-", "-q", cwd=tmp_path)
    assert text.returncode == 0 and text.stdout.startswith(b"(module") and text.stderr == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.wasm", "game.asm.js"]  # no file named "-"
    refused = run_cli(str(source), "-o", "-", "--js", str(tmp_path / "x.js"), cwd=tmp_path)
    assert refused.returncode == 2 and b"-o -" in refused.stderr and refused.stdout == b""


def test_reads_standard_input(tmp_path: Path) -> None:
    result = run_cli("-", "-o", str(tmp_path / "x.wasm"), stdin=SMALL.encode())
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x.wasm").read_bytes()[:4] == b"\0asm"


def test_validate_reports_what_it_found() -> None:
    result = run_cli("validate", str(DEMO))
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "valid asm.js module Demo" in out
    assert "add, div, hyp, sum, tr, m" in out
    assert "H32: Int32Array" in out
    assert "Math.sqrt" not in out or "sqrt" in out  # sqrt is an instruction, not an import
    assert "log" in out


def test_invalid_module_gives_located_error_with_caret_and_no_output(tmp_path: Path) -> None:
    source = tmp_path / "bad.js"
    source.write_text(SMALL.replace("return (a + b)|0;", "return (a + 1.5)|0;"))
    out = tmp_path / "bad.wasm"
    result = run_cli(str(source), "-o", str(out))
    match = assert_located_error(result, "T002")
    bad_line = source.read_text().splitlines()[2]
    column = bad_line.index("a + 1.5") + 1  # the operator expression starts at its left operand
    assert (match["line"], match["col"]) == ("3", str(column))
    shown, caret = result.stderr.decode().splitlines()[1:3]
    assert shown == "  " + bad_line
    assert caret.index("^") == 2 + column - 1  # under that column, after the two-space indent
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [source]  # no temporary file left behind either


@pytest.mark.parametrize("content, code", [
    (b"\x00\x01\x02garbage\xff", "E001"),
    ("function M(){ 'use asm'; var x = \xe9;".encode("latin-1"), "E001"),
    (b"", "E003"),
    (b"   \n\n  ", "E003"),
    (b"var x = function (a, b) { return a + b; };", "E003"),
    (b"function M(stdlib) { 'use asm'; function f() { return 1; ", "E002"),
    (b"function M(stdlib) { 'use asm'; function f() { return 1 +; } return f; }", "E002"),
])
def test_bad_input_gets_a_clear_one_line_reason(tmp_path: Path, content: bytes, code: str) -> None:
    source = tmp_path / "in.js"
    source.write_bytes(content)
    result = run_cli(str(source), "-o", str(tmp_path / "out.wasm"))
    assert_located_error(result, code)
    assert not (tmp_path / "out.wasm").exists()
    assert source.read_bytes() == content  # the input is never touched


@pytest.mark.parametrize("opening, closing", [("(", ")"), ("{", "}")])
def test_deep_nesting_is_an_error_or_compiles_never_a_crash(tmp_path: Path, opening: str, closing: str) -> None:
    depth = 100_000
    if opening == "(":
        body = "return (" + opening * depth + "1" + closing * depth + ")|0;"
    else:
        body = opening * depth + closing * depth + " return 0;"
    source = tmp_path / "deep.js"
    source.write_text("function Deep(stdlib) { 'use asm'; function f() { " + body + " } return f; }")
    result = run_cli(str(source), "-o", str(tmp_path / "deep.wasm"))
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr and "RecursionError" not in stderr
    if result.returncode == 0:
        assert (tmp_path / "deep.wasm").read_bytes()[:4] == b"\0asm"
    else:
        assert_located_error(result, "E006")


def test_hundred_megabyte_input_is_refused_cleanly(tmp_path: Path) -> None:
    source = tmp_path / "huge.js"
    line = b"var filler = [1, 2, 3, 'not asm.js at all', {a: 1}];\n"
    with source.open("wb") as handle:
        for _ in range(100 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    result = run_cli(str(source), "-o", str(tmp_path / "huge.wasm"))
    assert_located_error(result, "E003")


def test_output_may_not_overwrite_the_input(tmp_path: Path) -> None:
    source = tmp_path / "m.js"
    source.write_text(SMALL)
    result = run_cli(str(source), "-o", str(source))
    assert result.returncode == 2
    assert source.read_text() == SMALL


def test_failed_rename_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.wasm"

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cli.write_atomically(target, b"\0asm" + b"x" * 1000)
    assert list(tmp_path.iterdir()) == []


def test_several_modules_need_a_choice(tmp_path: Path) -> None:
    source = tmp_path / "two.js"
    source.write_text(SMALL + SMALL.replace("Small", "Other"))
    result = run_cli(str(source), "-o", str(tmp_path / "o.wasm"))
    assert_located_error(result, "E004")
    assert "Small" in result.stderr.decode() and "Other" in result.stderr.decode()
    assert run_cli(str(source), "--module", "Other", "-o", str(tmp_path / "o.wasm")).returncode == 0
    listing = run_cli("modules", str(source)).stdout.decode().splitlines()
    assert [line.split(": ")[-1] for line in listing] == ["Small", "Other"]


def test_help_explains_fast() -> None:
    result = CliRunner().invoke(cli.main, ["compile", "--help"])
    assert result.exit_code == 0
    assert "--fast" in result.output and "trap" in result.output


def test_optimize_says_clearly_when_wasm_opt_is_missing(tmp_path: Path) -> None:
    source = tmp_path / "m.js"
    source.write_text(SMALL)
    env = {**os.environ, "PATH": str(tmp_path)}  # no wasm-opt there
    result = subprocess.run([sys.executable, "-m", "asm2wasm", str(source), "-O", "-o", str(tmp_path / "m.wasm")],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0
    assert "wasm-opt was not found" in result.stderr and "binaryen" in result.stderr
    assert (tmp_path / "m.wasm").read_bytes()[:4] == b"\0asm"


def test_optimize_runs_wasm_opt(tmp_path: Path) -> None:
    plain, optimized = tmp_path / "plain.wasm", tmp_path / "opt.wasm"
    assert run_cli(str(DEMO), "-o", str(plain)).returncode == 0
    result = run_cli(str(DEMO), "-O", "-o", str(optimized))
    assert result.returncode == 0 and "warning" not in result.stderr.decode()
    assert optimized.read_bytes()[:4] == b"\0asm" and optimized.read_bytes() != plain.read_bytes()


def test_verbose_prints_time_and_memory_of_each_phase(tmp_path: Path) -> None:
    result = run_cli(str(DEMO), "-v", "-o", str(tmp_path / "d.wasm"))
    lines = result.stderr.decode().splitlines()
    for phase in ("parse", "check", "lower", "encode"):
        assert any(line.split()[0] == phase and "ms" in line and "MiB" in line for line in lines if line.strip())


def test_progress_line_reports_functions() -> None:
    seen = []
    source = "function Big(stdlib) {\n  \"use asm\";\n" + "".join(
        f"  function f{i}(x) {{ x = x|0; return (x + {i})|0; }}\n" for i in range(200)) + "  return f0;\n}\n"
    cli.compiler.compile_source(source, "big.js", cli.compiler.Options(progress=lambda *a: seen.append(a)))
    counted = [(phase, done, total) for phase, done, total in seen if total]
    assert {phase for phase, _, _ in counted} == {"check", "lower"}
    assert all(total == 200 and 0 <= done < total for _, done, total in counted)
    assert ("parse", 0, 0) in seen  # phases without a count are announced as they start


def test_error_on_a_long_minified_line_shows_the_text_around_the_column(tmp_path: Path) -> None:
    filler = "".join(f"function f{i}(x) {{ x = x|0; return (x + {i})|0; }}" for i in range(300))
    source = tmp_path / "min.js"
    source.write_text('function Min(stdlib) { "use asm"; ' + filler + " function bad() { return (1 + 1.5)|0; }"
                      " return f0; }")
    result = run_cli("validate", str(source))
    match = assert_located_error(result, "T002")
    shown, caret = result.stderr.decode().splitlines()[1:3]
    assert len(shown) < 200 and "(1 + 1.5)" in shown
    assert shown[caret.index("^")] == "1"  # the caret is under the offending expression
    assert int(match["col"]) > 10000


def test_validate_shortens_long_lists(tmp_path: Path) -> None:
    functions = "\n".join(f"  function f{i}() {{}}" for i in range(30))
    source = tmp_path / "many.js"
    source.write_text(f'function Many(stdlib, foreign, heap) {{\n  "use asm";\n{functions}\n  return f0;\n}}\n')
    result = run_cli("validate", str(source))
    assert result.returncode == 0
    line = next(x for x in result.stdout.decode().splitlines() if x.strip().startswith("functions"))
    assert line.split(None, 1)[1] == ", ".join(f"f{i}" for i in range(10)) + ", ... (30 in all; --json lists them)"
    listed = json.loads(run_cli("validate", str(source), "--json").stdout)
    assert listed["functions"] == [f"f{i}" for i in range(30)]
