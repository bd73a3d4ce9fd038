"""Invalid asm.js is rejected with the expected code at the expected place.

`python -m asm2wasm validate FIXTURE` must exit with status 1, print no Python traceback, and start its stderr with
`FIXTURE:LINE:COL: error: MESSAGE [CODE]` (column 1-based) as the fixture's `expect:` header says.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from invalid_fixtures import CHAIN_LIMIT, FIXTURES, NOT_FIXTURE_CODES, ROOT, chain_source, load, read_header

from asm2wasm.diagnostics import CODES

HEADER_KEYS = {"fixture", "exercises", "expect", "v8", "why", "heap", "foreign", "ffi", "call"}


def validate(path: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return subprocess.run(
        [sys.executable, "-m", "asm2wasm", "validate", str(shown)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_rejected(path: Path, code: str, line: int, col: int, timeout: float = 120) -> None:
    result = validate(path, timeout)
    shown = str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    assert "Traceback (most recent call last)" not in result.stderr, result.stderr
    assert result.returncode == 1, f"exit status {result.returncode}\n{result.stderr}"
    first = result.stderr.splitlines()[0] if result.stderr else ""
    pattern = rf"{re.escape(shown)}:(\d+):(\d+): error: .* \[([A-Z]\d{{3}})\]"
    m = re.fullmatch(pattern, first)
    assert m, f"first stderr line is not `{shown}:LINE:COL: error: ... [CODE]`:\n{result.stderr}"
    assert (m.group(3), int(m.group(1)), int(m.group(2))) == (code, line, col), first


# ---- the fixtures themselves ----------------------------------------------------------------------------------


def test_there_are_enough_fixtures() -> None:
    assert len(FIXTURES) >= 80


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_header_is_well_formed(path: Path) -> None:
    header = read_header(path)
    assert set(header) <= HEADER_KEYS, f"unknown header keys {set(header) - HEADER_KEYS}"
    assert header.get("fixture") == path.stem
    assert header.get("exercises"), "missing `exercises:`"
    fixture = load(path)
    assert fixture.code in CODES and fixture.code not in NOT_FIXTURE_CODES, fixture.code
    lines = path.read_text(encoding="utf-8").split("\n")
    assert 1 <= fixture.line <= len(lines), "expected line outside the file"
    assert 1 <= fixture.col <= len(lines[fixture.line - 1]) + 1, "expected column outside the line"
    assert header.get("v8") in ("accepts", "rejects"), "`v8:` is `accepts` or `rejects`"
    if header["v8"] == "accepts":
        assert header.get("why"), "`v8: accepts` needs a `why:` line"
    else:
        assert "why" not in header, "`why:` explains a disagreement with V8; there is none here"


def test_every_code_is_exercised() -> None:
    covered = {load(path).code for path in FIXTURES} | {"T014"}  # T014: the generated chain below
    wanted = set(CODES) - NOT_FIXTURE_CODES
    assert wanted <= covered, f"codes without an invalid fixture: {sorted(wanted - covered)}"


# ---- the validator rejects each one ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_validate_rejects(path: Path) -> None:
    fixture = load(path)
    assert_rejected(path, fixture.code, fixture.line, fixture.col)


def test_validate_rejects_long_additive_chain(tmp_path: Path) -> None:
    source, line, col = chain_source(CHAIN_LIMIT + 1)
    path = tmp_path / "additive-chain.js"
    path.write_text(source, encoding="utf-8")
    assert_rejected(path, "T014", line, col, timeout=600)
