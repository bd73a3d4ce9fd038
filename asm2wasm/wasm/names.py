"""The `name` custom section: module, function, local and global names [spec appendix 7.4; global names are
subsection 7 of the extended-name-section proposal, which node, wasmtime and wabt all read].

Names come from the model's `debug_name` / `local_names` fields; an empty string means "no name" and is left out.
Index spaces include the imports, which come first.
"""

from __future__ import annotations

from asm2wasm.wasm.consts import NAME_FUNCTION, NAME_GLOBAL, NAME_LOCAL, NAME_MODULE, NAME_SECTION
from asm2wasm.wasm.leb import uleb
from asm2wasm.wasm.model import Module


def write_name(out: bytearray, text: str) -> None:
    """A length-prefixed UTF-8 string [§5.2.4]."""
    raw = text.encode("utf-8")
    uleb(out, len(raw))
    out += raw


def write_name_map(out: bytearray, names: list[str]) -> None:
    """A name map [appendix 7.4.2.3]: (index, name) pairs for the non-empty names, in increasing index order."""
    named = [(i, name) for i, name in enumerate(names) if name]
    uleb(out, len(named))
    for index, name in named:
        uleb(out, index)
        write_name(out, name)


def function_names(module: Module) -> list[str]:
    return [imp.debug_name for imp in module.func_imports] + [f.debug_name for f in module.functions]


def global_names(module: Module) -> list[str]:
    return [imp.debug_name for imp in module.global_imports] + [g.debug_name for g in module.globals]


def _module_subsection(module: Module) -> bytearray:
    out = bytearray()
    if module.name:
        write_name(out, module.name)
    return out


def _function_subsection(module: Module) -> bytearray:
    names = function_names(module)
    out = bytearray()
    if any(names):
        write_name_map(out, names)
    return out


def _local_subsection(module: Module) -> bytearray:
    first = len(module.func_imports)
    named = [(first + i, f.local_names) for i, f in enumerate(module.functions) if any(f.local_names)]
    out = bytearray()
    if named:
        uleb(out, len(named))
        for index, local_names in named:
            uleb(out, index)
            write_name_map(out, local_names)
    return out


def _global_subsection(module: Module) -> bytearray:
    names = global_names(module)
    out = bytearray()
    if any(names):
        write_name_map(out, names)
    return out


SUBSECTIONS = (
    (NAME_MODULE, _module_subsection),
    (NAME_FUNCTION, _function_subsection),
    (NAME_LOCAL, _local_subsection),
    (NAME_GLOBAL, _global_subsection),
)


def encode_name_section(module: Module) -> bytes:
    """The body of the `name` custom section (starting with the string "name"), or b"" when nothing is named."""
    out = bytearray()
    for subsection_id, build in SUBSECTIONS:
        body = build(module)
        if body:
            out.append(subsection_id)
            uleb(out, len(body))
            out += body
    if not out:
        return b""
    head = bytearray()
    write_name(head, NAME_SECTION)
    return bytes(head + out)
