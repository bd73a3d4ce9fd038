"""Outside tools the tests check our bytes against: node (V8), wabt's wat2wasm / wasm2wat."""

from __future__ import annotations

import base64
import json
import subprocess
import tempfile
from pathlib import Path

NODE_VALIDATE = """
const input = require("fs").readFileSync(0, "utf8");
const blobs = JSON.parse(input).map((b) => Buffer.from(b, "base64"));
console.log(JSON.stringify(blobs.map((b) => WebAssembly.validate(b))));
"""


def node(script: str, stdin: bytes = b"") -> str:
    """Run a JavaScript program in node; its stdout."""
    done = subprocess.run(["node", "-e", script], check=False, input=stdin, capture_output=True, timeout=120)
    if done.returncode:
        raise AssertionError(f"node failed:\n{done.stderr.decode(errors='replace')}")
    return done.stdout.decode()


def node_validate(blobs: list[bytes]) -> list[bool]:
    """`WebAssembly.validate` of each blob, all in one node process."""
    payload = json.dumps([base64.b64encode(b).decode("ascii") for b in blobs])
    return json.loads(node(NODE_VALIDATE, payload.encode()))


def _run(args: list[str]) -> subprocess.CompletedProcess:
    done = subprocess.run(args, check=False, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise AssertionError(f"{args[0]} failed:\n{done.stderr}")
    return done


def wat2wasm(text: str) -> bytes:
    """wabt's assembly of a .wat text."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp, "m.wat"), Path(tmp, "m.wasm")
        src.write_text(text, encoding="utf-8")
        _run(["wat2wasm", "--debug-names", str(src), "-o", str(dst)])
        return dst.read_bytes()


def wasm2wat(data: bytes) -> str:
    """wabt's disassembly (which reads the name section: names become $ids)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "m.wasm")
        src.write_bytes(data)
        return _run(["wasm2wat", str(src)]).stdout
