"""The invalid asm.js fixtures (`fixtures/invalid/*.js`) and their headers, shared by the rejection tests.

Each fixture opens with `// key: value` lines (see fixtures/README.md); the ones that matter here:

    // expect: error T002 at 9:12     (code, 1-based line and column in the whole file, header included)
    // v8: rejects | accepts          (what V8's asm.js validator does with the module)
    // why: ...                       (only with `v8: accepts`: why the spec rejects what V8 takes)

One case is generated instead of stored: an additive chain longer than 2^20 operands (T014) is a 2 MB file.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the tests import asm2wasm from the checkout, installed or not
    sys.path.insert(0, str(ROOT))
INVALID_DIR = ROOT / "fixtures" / "invalid"
FIXTURES = sorted(INVALID_DIR.glob("*.js"))

HEADER_LINE = re.compile(r"^// ([a-z0-9]+): (.*)$")
EXPECT = re.compile(r"^error ([A-Z]\d{3}) at (\d+):(\d+)$")

# Codes reported before or around validation, by other tests: unreadable input, module selection, nesting depth.
NOT_FIXTURE_CODES = {"E001", "E004", "E005", "E006", "W001"}

CHAIN_LIMIT = 1 << 20  # §6.8.9: an additive chain has at most 2^20 operands


@dataclass(frozen=True)
class Fixture:
    path: Path
    header: dict[str, str]
    code: str
    line: int
    col: int  # 1-based

    @property
    def name(self) -> str:
        return self.path.stem


def read_header(path: Path) -> dict[str, str]:
    """The leading `// key: value` lines; a repeated key keeps its first value."""
    header: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = HEADER_LINE.match(line)
        if not m:
            break
        header.setdefault(m.group(1), m.group(2).strip())
    return header


def load(path: Path) -> Fixture:
    header = read_header(path)
    m = EXPECT.match(header.get("expect", ""))
    if not m:
        raise ValueError(f"{path.name}: no `expect: error CODE at LINE:COL` header")
    return Fixture(path, header, m.group(1), int(m.group(2)), int(m.group(3)))


def chain_source(operands: int) -> tuple[str, int, int]:
    """A module returning `(x+x+...+x)|0` with `operands` terms, 1024 to a line; also the chain's line and column."""
    terms = ["+".join(["x"] * min(1024, operands - i)) for i in range(0, operands, 1024)]
    chain = "\n      + ".join(terms)
    source = (
        "// fixture: additive-chain\n"
        f"// exercises: §6.8.9 an additive chain of {operands} operands (at most 2^20 are allowed)\n"
        "function Chain(stdlib) {\n"
        '  "use asm";\n'
        "  function f(x) {\n"
        "    x = x|0;\n"
        f"    return ({chain})|0;\n"
        "  }\n"
        "  return f;\n"
        "}\n"
    )
    return source, 7, len("    return (") + 1
