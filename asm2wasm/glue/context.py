"""The plain data a shim template needs, built from the typed module and the lowering's link facts."""

from __future__ import annotations

from asm2wasm.check import ir
from asm2wasm.lower.module import LinkInfo

# asm.js types as the shim documents them (a function returning `signed` returns an int to JavaScript).
_PUBLIC_TYPE = {"i32": "int", "f64": "double", "f32": "float", None: "void"}


def signatures(typed: ir.TypedModule) -> dict[str, dict]:
    """{export name: {"params": [...], "result": ...}} with int / double / float / void."""
    result = {}
    for name, index in typed.exports:
        func = typed.functions[index]
        result[name] = {"params": [_PUBLIC_TYPE[vt] for _, vt in func.params], "result": _PUBLIC_TYPE[func.result]}
    return result


def shim_context(typed: ir.TypedModule, link: LinkInfo, wasm_file: str, source_name: str, esm: bool) -> dict:
    return {
        "esm": esm,
        "wasm_file": wasm_file,
        "source_name": source_name,
        "module_name": typed.name or "module",
        "heap": link.heap,
        "heap_limit_sizes": list(link.heap_limit_sizes),
        "foreign_numbers": link.foreign_numbers,
        "foreign_functions": link.foreign_functions,
        "math_functions": link.math_functions,
        "exports": [name for name, _ in typed.exports],
        "single_export": typed.exports[0][0] if typed.single_export else None,
        "signatures": signatures(typed),
        "grow_exports": [name for name, index in typed.exports if index == typed.grow_function],
    }
