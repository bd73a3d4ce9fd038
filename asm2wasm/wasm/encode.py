"""The Wasm binary writer: `encode(module) -> bytes` [spec §5.5].

`encode` reads like the spec's module layout: one `_write_*` per section, in section-id order, each building its
body in its own bytearray (empty means "leave the section out"); `_section` then writes id, size and body.
Function bodies are encoded by `encode_function`, which a parallel driver may call in worker processes and pass
back through `encode(module, bodies=..., hints=...)`; the result is byte-identical either way.

The functions' branch hints (`Function.branch_hints`: which `if`s most likely go which way) become the custom
section BRANCH_HINT_SECTION, written just before the code section as the proposal asks, so that an engine compiling
while it downloads has them in time. Each hint is the byte offset of its `if` in the function's code entry (from its
locals, after the entry's size), which only the encoding knows: `encode_function` gives it with the bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from asm2wasm.wasm.consts import (
    BRANCH_HINT_SECTION,
    CONST,
    END,
    EXTERN_KIND,
    FUNCREF,
    FUNCTYPE,
    LIMITS_MIN,
    LIMITS_MIN_MAX,
    MAGIC,
    SECTION_CODE,
    SECTION_CUSTOM,
    SECTION_ELEMENT,
    SECTION_EXPORT,
    SECTION_FUNCTION,
    SECTION_GLOBAL,
    SECTION_IMPORT,
    SECTION_START,
    SECTION_TABLE,
    SECTION_TYPE,
    VALTYPE_BYTE,
    VAR,
    VERSION,
)
from asm2wasm.wasm.instrs import InstructionCache, encode_instr, encoded_instrs
from asm2wasm.wasm.leb import uleb
from asm2wasm.wasm.model import Function, Module
from asm2wasm.wasm.names import encode_name_section, write_name


def _section(out: bytearray, section_id: int, body: bytes | bytearray) -> None:
    out.append(section_id)
    uleb(out, len(body))
    out += body


def _write_limits(out: bytearray, min_size: int, max_size: int | None) -> None:
    if max_size is None:
        out.append(LIMITS_MIN)
        uleb(out, min_size)
    else:
        out.append(LIMITS_MIN_MAX)
        uleb(out, min_size)
        uleb(out, max_size)


def _write_valtypes(out: bytearray, valtypes: Sequence[str]) -> None:
    uleb(out, len(valtypes))
    out += bytes(VALTYPE_BYTE[t] for t in valtypes)


def _write_global_type(out: bytearray, valtype: str, mutable: bool) -> None:
    out.append(VALTYPE_BYTE[valtype])
    out.append(VAR if mutable else CONST)


def _write_const_expr(out: bytearray, ins: tuple) -> None:
    out += encode_instr(ins)
    out.append(END)


def _write_types(module: Module) -> bytearray:
    out = bytearray()
    if module.types:
        uleb(out, len(module.types))
        for functype in module.types:
            out.append(FUNCTYPE)
            _write_valtypes(out, functype.params)
            _write_valtypes(out, functype.results)
    return out


def _write_imports(module: Module) -> bytearray:
    out = bytearray()
    count = len(module.func_imports) + len(module.global_imports) + (module.memory_import is not None)
    if not count:
        return out
    uleb(out, count)
    for imp in module.func_imports:
        write_name(out, imp.module)
        write_name(out, imp.name)
        out.append(EXTERN_KIND["func"])
        uleb(out, imp.type_index)
    for gimp in module.global_imports:
        write_name(out, gimp.module)
        write_name(out, gimp.name)
        out.append(EXTERN_KIND["global"])
        _write_global_type(out, gimp.valtype, gimp.mutable)
    mem = module.memory_import
    if mem is not None:
        write_name(out, mem.module)
        write_name(out, mem.name)
        out.append(EXTERN_KIND["memory"])
        _write_limits(out, mem.min_pages, mem.max_pages)
    return out


def _write_functions(module: Module) -> bytearray:
    out = bytearray()
    if module.functions:
        uleb(out, len(module.functions))
        for func in module.functions:
            uleb(out, func.type_index)
    return out


def _write_table(module: Module) -> bytearray:
    out = bytearray()
    if module.table is not None:
        out.append(1)
        out.append(FUNCREF)
        _write_limits(out, module.table.min_size, module.table.max_size)
    return out


def _write_globals(module: Module) -> bytearray:
    out = bytearray()
    if module.globals:
        uleb(out, len(module.globals))
        for glob in module.globals:
            _write_global_type(out, glob.valtype, glob.mutable)
            _write_const_expr(out, glob.init)
    return out


def _write_exports(module: Module) -> bytearray:
    out = bytearray()
    if module.exports:
        uleb(out, len(module.exports))
        for export in module.exports:
            write_name(out, export.name)
            out.append(EXTERN_KIND[export.kind])
            uleb(out, export.index)
    return out


def _write_start(module: Module) -> bytearray:
    out = bytearray()
    if module.start is not None:
        uleb(out, module.start)
    return out


def _write_elements(module: Module) -> bytearray:
    out = bytearray()
    if module.elems:
        uleb(out, len(module.elems))
        for seg in module.elems:
            out.append(0x00)  # active, table 0, funcref [§5.5.12, flag 0]
            _write_const_expr(out, ("i32.const", seg.offset))
            uleb(out, len(seg.func_indices))
            for index in seg.func_indices:
                uleb(out, index)
    return out


def _write_locals(out: bytearray, valtypes: Sequence[str]) -> None:
    """Locals as runs of equal types [§5.5.13]."""
    runs: list[list] = []
    for valtype in valtypes:
        if runs and runs[-1][0] == valtype:
            runs[-1][1] += 1
        else:
            runs.append([valtype, 1])
    uleb(out, len(runs))
    for valtype, count in runs:
        uleb(out, count)
        out.append(VALTYPE_BYTE[valtype])


def encode_function(func: Function, cache: InstructionCache | None = None) -> tuple[bytes, bytes]:
    """A function's code entry without its size prefix (locals, instructions, the final `end`), and its branch hints
    as the branch hint section lists them for a function: their count, then each one's byte offset in the code
    entry, payload size (1) and byte. Empty when it has none.

    `cache` may be shared across calls to go faster; a fresh one is used if omitted. The instructions are joined in
    one piece per hinted `if`: the length of the pieces before it is its offset.
    """
    out = bytearray()
    _write_locals(out, func.locals)
    parts = encoded_instrs(func.body, InstructionCache() if cache is None else cache)
    if not func.branch_hints:
        out += b"".join(parts)
        out.append(END)
        return bytes(out), b""
    hints = bytearray()
    uleb(hints, len(func.branch_hints))
    done = 0
    for index, hint in func.branch_hints:
        out += b"".join(parts[done:index])
        done = index
        uleb(hints, len(out))
        hints.append(1)
        hints.append(hint)
    out += b"".join(parts[done:])
    out.append(END)
    return bytes(out), bytes(hints)


def encode_function_body(func: Function, cache: InstructionCache | None = None) -> bytes:
    """A function's code entry without its size prefix (`encode_function` without the hints)."""
    return encode_function(func, cache)[0]


def _write_code(bodies: Sequence[bytes]) -> bytearray:
    out = bytearray()
    if not bodies:
        return out
    uleb(out, len(bodies))
    for body in bodies:
        uleb(out, len(body))
        out += body
    return out


def _write_branch_hints(first_function: int, hints: Sequence[bytes]) -> bytearray:
    """The branch hint section [branch hinting proposal]: each function with hints, in order, by its index and the
    hints `encode_function` wrote for it."""
    hinted = [(first_function + i, function_hints) for i, function_hints in enumerate(hints) if function_hints]
    if not hinted:
        return bytearray()
    out = bytearray()
    write_name(out, BRANCH_HINT_SECTION)
    uleb(out, len(hinted))
    for index, function_hints in hinted:
        uleb(out, index)
        out += function_hints
    return out


SECTIONS: tuple[tuple[int, Callable[[Module], bytearray]], ...] = (
    (SECTION_TYPE, _write_types),
    (SECTION_IMPORT, _write_imports),
    (SECTION_FUNCTION, _write_functions),
    (SECTION_TABLE, _write_table),
    # no memory section: the memory is imported
    (SECTION_GLOBAL, _write_globals),
    (SECTION_EXPORT, _write_exports),
    (SECTION_START, _write_start),
    (SECTION_ELEMENT, _write_elements),
)


def encode(module: Module, bodies: Sequence[bytes] | None = None, hints: Sequence[bytes] | None = None) -> bytes:
    """The binary module. `bodies` and `hints`, if given, are what `encode_function` gives for each of
    `module.functions`; `hints=None` with `bodies` leaves the branch hints out."""
    if bodies is None:
        cache = InstructionCache()
        encoded = [encode_function(func, cache) for func in module.functions]
        bodies = [body for body, _ in encoded]
        hints = [function_hints for _, function_hints in encoded]
    if len(bodies) != len(module.functions) or (hints is not None and len(hints) != len(bodies)):
        raise ValueError(f"{len(bodies)} function bodies for {len(module.functions)} functions")
    out = bytearray(MAGIC + VERSION)
    for section_id, write in SECTIONS:
        body = write(module)
        if body:
            _section(out, section_id, body)
    if hints is not None:
        branch_hints = _write_branch_hints(len(module.func_imports), hints)
        if branch_hints:
            _section(out, SECTION_CUSTOM, branch_hints)
    code = _write_code(bodies)
    if code:
        _section(out, SECTION_CODE, code)
    names = encode_name_section(module)
    if names:
        _section(out, SECTION_CUSTOM, names)
    for name, payload in module.custom_sections:
        custom = bytearray()
        write_name(custom, name)
        _section(out, SECTION_CUSTOM, custom + payload)
    return bytes(out)
