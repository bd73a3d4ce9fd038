"""Every fixture in fixtures/valid/ is asm.js that V8 accepts, deterministic, with a complete header.

The differential harness runs each fixture as JavaScript under node with --allow-natives-syntax and reports
`%IsAsmWasmCode(M)` as `asm_valid`, so a module that V8 would run as plain JavaScript (because it is not
valid asm.js, or because linking failed) cannot pass as a valid fixture. `--self` makes the harness run the
whole call plan on a second fresh instance and compare, which catches fixtures that are not deterministic.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "tests" / "harness" / "diff.js"
FIXTURES = sorted((ROOT / "fixtures" / "valid").glob("*.js"))
NODE = shutil.which("node")

HEADER_LINE = re.compile(r"^//\s*([A-Za-z0-9_-]+)\s*:\s?(.*)$")

needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def read_header(path: Path) -> dict[str, list[str]]:
    """The fixture header: leading `// key: value` comment lines, as key -> list of values."""
    fields: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("//"):
            break
        match = HEADER_LINE.match(stripped)
        if match:
            fields.setdefault(match.group(1).lower(), []).append(match.group(2).strip())
    return fields


def run_harness(fixture: Path, *options: str) -> tuple[dict, str]:
    proc = subprocess.run(
        [NODE, "--allow-natives-syntax", str(HARNESS), str(fixture), *options],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"harness failed ({proc.returncode}):\n{proc.stderr}"
    return json.loads(proc.stdout), proc.stderr


def test_there_are_enough_fixtures():
    assert len(FIXTURES) >= 48


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.name for p in FIXTURES])
def test_fixture_header(fixture: Path):
    fields = read_header(fixture)
    assert fields.get("fixture") == [fixture.stem], "`fixture:` must name the file (without .js)"
    assert fields.get("exercises") and fields["exercises"][0], "missing `exercises:` line"
    assert fields.get("expect", ["ok"]) == ["ok"], "valid fixtures expect ok"
    assert "v8" not in fields and "why" not in fields, "`v8:` and `why:` are for invalid/ fixtures"
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", fixture.stem), "file names are kebab-case"


@needs_node
@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.name for p in FIXTURES])
def test_fixture_is_asm_js_in_v8(fixture: Path):
    result, stderr = run_harness(fixture, "--self")
    # V8 explains a rejection on stderr ("Invalid asm.js: ..." or "Linking failure in asm.js: ...").
    assert result["asm_valid"] is True, f"V8 does not run {fixture.name} as asm.js:\n{stderr}"
    assert "linked" not in result, f"the module threw while linking: {result['linked']}"
    assert result["calls"] > 0
    assert result["mismatches"] == [], "two fresh instances disagree: the fixture is not deterministic"
