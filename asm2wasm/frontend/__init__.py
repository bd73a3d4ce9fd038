"""The front end: JavaScript text in, the syntax tree of one asm.js module out (`nodes.Module`).

`parse` is the one boundary the rest of the compiler calls. It finds the module without parsing the file
(`extract`), then parses only the module: with the fast asm.js parser (`parser`, the default), which hands the module
to the reference path when it meets anything outside its subset or a syntax error; or with the reference path itself
(esprima, then `esprima_adapter`). Both give identical trees (`nodes.dump`), positions and errors included.

For the parallel compile of big modules, `skim_module` parses a module without its function bodies and
`parse_functions` parses some of its function declarations (in another process): together, the fast parser's tree.
They raise FastPathUnavailable where `parse` would not use the fast parser alone: then use `parse`.
"""

from __future__ import annotations

from typing import Literal

from asm2wasm.frontend import nodes
from asm2wasm.frontend.extract import ModuleSpan, find_modules, select_module
from asm2wasm.frontend.parser import FastPathUnavailable, parse_module
from asm2wasm.frontend.skim import Skimmed, parse_functions, skim_module
from asm2wasm.frontend.source import decode_source, read_source

__all__ = [
    "FastPathUnavailable",
    "ModuleSpan",
    "Skimmed",
    "decode_source",
    "find_modules",
    "parse",
    "parse_functions",
    "read_source",
    "select_module",
    "skim_module",
]

Frontend = Literal["fast", "esprima", "fast-only"]
FRONTENDS: tuple[Frontend, ...] = ("fast", "esprima", "fast-only")


def parse(
    source: str, filename: str = "<input>", module: str | None = None, frontend: Frontend = "fast"
) -> nodes.Module:
    """The asm.js module in `source` (the one named `module` if several) as a syntax tree.

    `filename` is only for messages. `frontend`: "fast" (the asm.js parser, the esprima path for what it does not
    handle), "esprima" (the reference path only), "fast-only" (no fallback: raises FastPathUnavailable; for tests).
    Raises CompileError: E002 syntax error, E003 no module, E004 several and no `module` given, E005 no such module,
    E006 nesting too deep, E007 a form that cannot be represented.
    Run it under `asm2wasm.util.run_with_big_stack` to allow deep nesting.
    """
    del filename  # positions are returned; the caller formats them with the file name
    if frontend not in FRONTENDS:
        raise ValueError(f"unknown front end {frontend!r}: expected one of {', '.join(FRONTENDS)}")
    span = select_module(find_modules(source), module)
    if frontend != "esprima" and span.error is None:
        try:
            return parse_module(source, span)
        except FastPathUnavailable:
            if frontend == "fast-only":
                raise
    from asm2wasm.frontend.esprima_adapter import adapt_module  # esprima loads only when it is needed

    return adapt_module(source, span)
