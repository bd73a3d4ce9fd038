"""Validation and type inference: an asm.js syntax tree in, the typed IR out (spec §5-§8)."""

from asm2wasm.check.module import check_module as check

__all__ = ["check"]
