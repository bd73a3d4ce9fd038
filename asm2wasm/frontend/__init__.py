"""The front end: JavaScript text in, the syntax tree of one asm.js module out (`nodes.Module`).

`parse` is the one boundary the rest of the compiler calls. Today it is the esprima path (find the module without
parsing the file, parse only the module with esprima, adapt the ESTree); a faster asm.js-only parser will sit behind
the same function and must give identical trees (`nodes.dump`).
"""

from __future__ import annotations

from asm2wasm.frontend import nodes
from asm2wasm.frontend.esprima_adapter import adapt_module
from asm2wasm.frontend.extract import ModuleSpan, find_modules, select_module
from asm2wasm.frontend.source import decode_source, read_source

__all__ = ["ModuleSpan", "decode_source", "find_modules", "parse", "read_source", "select_module"]


def parse(source: str, filename: str = "<input>", module: str | None = None) -> nodes.Module:
    """The asm.js module in `source` (the one named `module` if several) as a syntax tree.

    `filename` is only for messages. Raises CompileError: E002 syntax error, E003 no module, E004 several and no
    `module` given, E005 no such module, E006 nesting too deep, E007 a form that cannot be represented.
    Run it under `asm2wasm.util.run_with_big_stack` to allow deep nesting.
    """
    del filename  # positions are returned; the caller formats them with the file name
    span = select_module(find_modules(source), module)
    return adapt_module(source, span)
