"""Optional optimisation with Binaryen's `wasm-opt` (an external tool; asm2wasm does not need it otherwise)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from asm2wasm.wasm.consts import BRANCH_HINT_SECTION, SECTION_CUSTOM
from asm2wasm.wasm.names import write_name
from asm2wasm.wasm.sections import sections

# The features our output uses, which wasm-opt must be allowed to keep.
FEATURES = ("--enable-mutable-globals", "--enable-sign-ext", "--enable-nontrapping-float-to-int")
INSTALL_HINT = "install Binaryen's wasm-opt (Debian package `binaryen`, or `npm install -g binaryen`)"


class OptimizerMissing(Exception):
    """wasm-opt is not installed."""


def find_wasm_opt() -> str | None:
    return shutil.which("wasm-opt")


def optimize(wasm: bytes, level: str = "-O2") -> bytes:
    """`wasm` run through `wasm-opt LEVEL` (names kept). Raises OptimizerMissing or CalledProcessError."""
    tool = find_wasm_opt()
    if tool is None:
        raise OptimizerMissing(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="asm2wasm-opt-") as scratch:
        source, target = Path(scratch) / "in.wasm", Path(scratch) / "out.wasm"
        source.write_bytes(without_branch_hints(wasm))
        subprocess.run([tool, level, "--debuginfo", *FEATURES, str(source), "-o", str(target)], check=True,
                       capture_output=True)
        return target.read_bytes()


def without_branch_hints(wasm: bytes) -> bytes:
    """`wasm` without its branch hints section. wasm-opt (Binaryen 108) keeps a custom section it does not know as it
    is, after the code it rewrote: the hints' offsets would point at other instructions."""
    name = bytearray()
    write_name(name, BRANCH_HINT_SECTION)
    out = bytearray(wasm[:8])
    for section in sections(wasm):
        if not (section.id == SECTION_CUSTOM and wasm.startswith(name, section.payload)):
            out += wasm[section.at:section.end]
    return bytes(out)
