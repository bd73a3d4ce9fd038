"""-g: a source map from Wasm code offsets to C lines (Emscripten `//@line` comments) or asm.js lines."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from asm2wasm.wasm.sourcemap import original_lines

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "fixtures" / "debug" / "line-comments.js"
DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def decode_mappings(mappings: str) -> list[tuple[int, int, int]]:
    """(generated offset, source index, 0-based line) of every segment, absolute."""
    result, state = [], [0, 0, 0, 0]
    for segment in mappings.split(","):
        values, value, shift = [], 0, 0
        for char in segment:
            digit = DIGITS.index(char)
            value |= (digit & 31) << shift
            shift += 5
            if not digit & 32:
                values.append(-(value >> 1) if value & 1 else value >> 1)
                value = shift = 0
        for i, delta in enumerate(values):
            state[i] += delta
        result.append((state[0], state[1], state[2]))
    return result


def test_line_comments_are_read_per_asm_line() -> None:
    lines = original_lines(FIXTURE.read_text())
    assert lines[11] == ("src/sum.c", 10) and lines[13] == ("src/sum.c", 12) and lines[17] == ("src/sum.c", 15)
    assert 22 not in lines


def test_debug_build_writes_a_map_that_points_at_instruction_starts(tmp_path: Path) -> None:
    wasm = tmp_path / "lines.wasm"
    result = subprocess.run([sys.executable, "-m", "asm2wasm", str(FIXTURE), "-g", "-o", str(wasm)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    source_map = json.loads((tmp_path / "lines.wasm.map").read_text())
    assert source_map["version"] == 3 and source_map["file"] == "lines.wasm"
    assert source_map["sources"] == ["src/sum.c", str(FIXTURE)]
    segments = decode_mappings(source_map["mappings"])
    c_lines = {line + 1 for _, source, line in segments if source == 0}
    asm_lines = {line + 1 for _, source, line in segments if source == 1}
    assert c_lines == {10, 11, 12, 14, 15}
    assert asm_lines == {22}  # `HEAP32[p >> 2] = v;` has no comment: its asm.js line
    # Every mapped offset is the start of an instruction, as wabt's disassembler lists them.
    listing = subprocess.run(["wasm-objdump", "-d", str(wasm)], capture_output=True, text=True, check=True).stdout
    starts = {int(m.group(1), 16) for m in re.finditer(r"^ ([0-9a-f]{6}):", listing, re.M)}
    assert {offset for offset, _, _ in segments} <= starts
    headers = subprocess.run(["wasm-objdump", "-h", str(wasm)], capture_output=True, text=True, check=True).stdout
    assert '"sourceMappingURL"' in headers
    valid = subprocess.run(["node", "-e", "process.exit(WebAssembly.validate(require('fs').readFileSync("
                            "process.argv[1])) ? 0 : 1)", str(wasm)])
    assert valid.returncode == 0
