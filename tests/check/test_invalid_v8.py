"""V8 agrees with each invalid fixture's `v8:` header.

`v8_verdict.js` evaluates every fixture's module in one node process (`--allow-natives-syntax`), links it with a real
stdlib, a foreign object and a 64 KiB heap, and asks `%IsAsmWasmCode`: false means V8 refused the module as asm.js.
Most invalid fixtures say `v8: rejects`; the few V8 accepts carry a `why:` line saying which side the spec takes.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from invalid_fixtures import CHAIN_LIMIT, FIXTURES, ROOT, chain_source, read_header

VERDICT_JS = Path(__file__).with_name("v8_verdict.js")

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def v8_verdicts(paths: list[Path]) -> dict[Path, str]:
    result = subprocess.run(
        ["node", "--allow-natives-syntax", "--no-warnings", str(VERDICT_JS), *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    verdicts = {}
    for line in result.stdout.splitlines():
        path, verdict = line.rsplit("\t", 1)
        verdicts[Path(path)] = verdict
    return verdicts


@pytest.fixture(scope="module")
def verdicts() -> dict[Path, str]:
    return v8_verdicts(FIXTURES)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_v8_verdict_matches_header(path: Path, verdicts: dict[Path, str]) -> None:
    assert verdicts[path] == read_header(path).get("v8")


def test_v8_additive_chain_limit(tmp_path: Path) -> None:
    paths = []
    for operands in (CHAIN_LIMIT, CHAIN_LIMIT + 1):
        path = tmp_path / f"chain-{operands}.js"
        path.write_text(chain_source(operands)[0], encoding="utf-8")
        paths.append(path)
    assert v8_verdicts(paths) == {paths[0]: "accepts", paths[1]: "rejects"}
