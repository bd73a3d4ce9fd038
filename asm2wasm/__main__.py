"""`python -m asm2wasm`: the same as the `asm2wasm` command."""

from asm2wasm.cli import entry

entry()
