"""A test-only decoder: Wasm bytes back to the model, driven by the same `opcodes.py` rows as the encoder.

It reads only what `encode` writes (the sections and instructions asm2wasm uses) and is strict about it: LEB128s
must be minimal and in range, sizes must match, and every error carries the byte offset where decoding stopped.
Branch hints come back as `Function.branch_hints` (instruction indices): each must be at the start of an `if`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from asm2wasm.wasm import consts
from asm2wasm.wasm.model import (
    ElemSegment,
    Export,
    FuncImport,
    Function,
    FuncType,
    Global,
    GlobalImport,
    MemoryImport,
    Module,
    Table,
)
from asm2wasm.wasm.opcodes import BY_CODE, PREFIXES


class DecodeError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"offset {offset}: {message}")
        self.offset = offset


class Reader:
    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data, self.pos, self.end = data, pos, len(data) if end is None else end

    def fail(self, message: str) -> DecodeError:
        return DecodeError(message, self.pos)

    def at_end(self) -> bool:
        return self.pos >= self.end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise self.fail("unexpected end")
        self.pos += 1
        return self.data[self.pos - 1]

    def take(self, n: int) -> bytes:
        if self.pos + n > self.end:
            raise self.fail("unexpected end")
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def _leb(self, bits: int, signed: bool) -> int:
        result = shift = 0
        for _ in range((bits + 6) // 7):
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return self._check_last(result, shift, byte, bits, signed)
        raise self.fail(f"LEB128 longer than {bits} bits allow")

    def _check_last(self, result: int, shift: int, byte: int, bits: int, signed: bool) -> int:
        if signed and byte & 0x40:
            result -= 1 << shift
        if shift > 7 and self._redundant(byte, signed):
            raise self.fail("overlong LEB128")
        lo, hi = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
        if not lo <= result < hi:
            raise self.fail(f"LEB128 out of range for {bits} bits")
        return result

    def _redundant(self, last: int, signed: bool) -> bool:
        """Whether the last byte of a multi-byte LEB128 adds nothing to the one before it."""
        if not signed:
            return last == 0x00
        sign_of_previous = bool(self.data[self.pos - 2] & 0x40)
        return (last == 0x00 and not sign_of_previous) or (last == 0x7F and sign_of_previous)

    def u32(self) -> int:
        return self._leb(32, False)

    def s32(self) -> int:
        return self._leb(32, True)

    def s64(self) -> int:
        return self._leb(64, True)

    def f32(self) -> float:
        return struct.unpack("<f", self.take(4))[0]

    def f64(self) -> float:
        return struct.unpack("<d", self.take(8))[0]

    def name(self) -> str:
        return self.take(self.u32()).decode("utf-8")

    def vec(self, item: Callable[[], object]) -> list:
        return [item() for _ in range(self.u32())]

    def valtype(self) -> str:
        byte = self.byte()
        if byte not in consts.BYTE_VALTYPE:
            raise DecodeError(f"bad value type 0x{byte:02x}", self.pos - 1)
        return consts.BYTE_VALTYPE[byte]

    def zero(self) -> None:
        if self.byte() != 0:
            raise DecodeError("expected a zero byte", self.pos - 1)


# ---- instructions -------------------------------------------------------------------------------------------------


def _blocktype(r: Reader) -> tuple:
    byte = r.byte()
    if byte == consts.BLOCKTYPE_EMPTY:
        return (None,)
    r.pos -= 1
    return (r.valtype(),)


def _br_table(r: Reader) -> tuple:
    depths = tuple(r.vec(r.u32))
    return (depths, r.u32())


def _call_indirect(r: Reader) -> tuple:
    index = r.u32()
    r.zero()
    return (index,)


def _memory(r: Reader) -> tuple:
    r.zero()
    return ()


IMM_DECODERS: dict[str, Callable[[Reader], tuple]] = {
    "none": lambda r: (),
    "blocktype": _blocktype,
    "label": lambda r: (r.u32(),),
    "br_table": _br_table,
    "func": lambda r: (r.u32(),),
    "type": _call_indirect,
    "local": lambda r: (r.u32(),),
    "global": lambda r: (r.u32(),),
    "memarg": lambda r: (r.u32(), r.u32()),
    "memory": _memory,
    "i32": lambda r: (r.s32(),),
    "i64": lambda r: (r.s64(),),
    "f32": lambda r: (r.f32(),),
    "f64": lambda r: (r.f64(),),
}
_DEPTH_CHANGE = {"block": 1, "loop": 1, "if": 1, "end": -1}


def decode_instr(r: Reader) -> tuple:
    start = r.pos
    first = r.byte()
    code = bytes((first,))
    if first in PREFIXES:
        code += bytes((r.u32(),))
    op = BY_CODE.get(code)
    if op is None:
        raise DecodeError(f"unknown opcode {code.hex()}", start)
    return (op.name, *IMM_DECODERS[op.imm](r))


def decode_expr(r: Reader, starts: list[int] | None = None) -> list[tuple]:
    """Instructions up to the `end` that closes the expression (not included); the offset of each is appended to
    `starts` when given."""
    body, depth = [], 0
    while True:
        if starts is not None:
            starts.append(r.pos)
        ins = decode_instr(r)
        depth += _DEPTH_CHANGE.get(ins[0], 0)
        if depth < 0:
            return body
        body.append(ins)


# ---- sections -----------------------------------------------------------------------------------------------------


@dataclass
class _State:
    """What one section tells the decoding of a later one."""

    type_indices: list[int] = field(default_factory=list)  # the function section's
    hints: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # function index -> (offset, hint)


def _limits(r: Reader) -> tuple[int, int | None]:
    flag = r.byte()
    minimum = r.u32()
    return (minimum, r.u32() if flag == consts.LIMITS_MIN_MAX else None)


def _global_type(r: Reader) -> tuple[str, bool]:
    valtype = r.valtype()
    return valtype, r.byte() == consts.VAR


def _const_expr(r: Reader) -> tuple:
    body = decode_expr(r)
    if len(body) != 1:
        raise r.fail("constant expression of more than one instruction")
    return body[0]


def _types(r: Reader, m: Module, _: _State) -> None:
    def functype() -> FuncType:
        if r.byte() != consts.FUNCTYPE:
            raise r.fail("expected 0x60")
        return FuncType(tuple(r.vec(r.valtype)), tuple(r.vec(r.valtype)))

    m.types = r.vec(functype)


def _import(r: Reader, m: Module) -> None:
    module, name, kind = r.name(), r.name(), consts.KIND_EXTERN[r.byte()]
    if kind == "func":
        m.func_imports.append(FuncImport(module, name, r.u32()))
    elif kind == "global":
        m.global_imports.append(GlobalImport(module, name, *_global_type(r)))
    elif kind == "memory":
        m.memory_import = MemoryImport(module, name, *_limits(r))
    else:
        raise r.fail(f"unexpected import kind {kind}")


def _imports(r: Reader, m: Module, _: _State) -> None:
    r.vec(lambda: _import(r, m))


def _functions(r: Reader, m: Module, state: _State) -> None:
    state.type_indices.extend(r.vec(r.u32))


def _table(r: Reader, m: Module, _: _State) -> None:
    if r.u32() != 1 or r.byte() != consts.FUNCREF:
        raise r.fail("expected one funcref table")
    m.table = Table(*_limits(r))


def _globals(r: Reader, m: Module, _: _State) -> None:
    def glob() -> Global:
        valtype, mutable = _global_type(r)
        return Global(valtype, mutable, _const_expr(r))

    m.globals = r.vec(glob)


def _exports(r: Reader, m: Module, _: _State) -> None:
    m.exports = r.vec(lambda: Export(r.name(), consts.KIND_EXTERN[r.byte()], r.u32()))


def _start(r: Reader, m: Module, _: _State) -> None:
    m.start = r.u32()


def _elements(r: Reader, m: Module, _: _State) -> None:
    def segment() -> ElemSegment:
        r.zero()
        offset = _const_expr(r)
        if offset[0] != "i32.const":
            raise r.fail("element offset is not an i32.const")
        return ElemSegment(offset[1], r.vec(r.u32))

    m.elems = r.vec(segment)


def _locals(r: Reader) -> list[str]:
    valtypes: list[str] = []
    for _ in range(r.u32()):
        count = r.u32()
        valtypes += [r.valtype()] * count
    return valtypes


def _code(r: Reader, m: Module, state: _State) -> None:
    count = r.u32()
    if count != len(state.type_indices):
        raise r.fail(f"{count} bodies for {len(state.type_indices)} functions")
    for type_index in state.type_indices:
        size = r.u32()
        entry, body_end = r.pos, r.pos + size
        local_types = _locals(r)
        starts: list[int] = []
        func = Function(type_index, decode_expr(r, starts), local_types)
        if r.pos != body_end:
            raise r.fail("function body size mismatch")
        index = {start - entry: i for i, start in enumerate(starts)}
        for offset, hint in state.hints.pop(len(m.func_imports) + len(m.functions), []):
            if offset not in index or func.body[index[offset]][0] != "if":
                raise DecodeError("a branch hint that is not at an `if`", entry + offset)
            func.branch_hints.append((index[offset], hint))
        m.functions.append(func)
    if state.hints:
        raise r.fail(f"branch hints for functions that are not defined: {sorted(state.hints)}")


def _branch_hints(r: Reader, state: _State) -> None:
    """The branch hint section (branch hinting proposal): functions and offsets increasing, one-byte hints."""
    last_function = -1
    for _ in range(r.u32()):
        function = r.u32()
        if function <= last_function:
            raise r.fail("branch hint functions not strictly increasing")
        last_function, last_offset, hints = function, -1, []
        for _ in range(r.u32()):
            offset = r.u32()
            if offset <= last_offset or r.u32() != 1:
                raise r.fail("branch hint offsets not strictly increasing, or a hint not one byte")
            hint = r.byte()
            if hint not in (consts.LIKELY, consts.UNLIKELY):
                raise r.fail(f"branch hint {hint}")
            last_offset = offset
            hints.append((offset, hint))
        state.hints[function] = hints


SECTION_DECODERS: dict[int, Callable[[Reader, Module, list], None]] = {
    consts.SECTION_TYPE: _types,
    consts.SECTION_IMPORT: _imports,
    consts.SECTION_FUNCTION: _functions,
    consts.SECTION_TABLE: _table,
    consts.SECTION_GLOBAL: _globals,
    consts.SECTION_EXPORT: _exports,
    consts.SECTION_START: _start,
    consts.SECTION_ELEMENT: _elements,
    consts.SECTION_CODE: _code,
}


# ---- the name section ---------------------------------------------------------------------------------------------


def _name_map(r: Reader) -> dict[int, str]:
    pairs = r.vec(lambda: (r.u32(), r.name()))
    indices = [i for i, _ in pairs]
    if indices != sorted(set(indices)):
        raise r.fail("name map indices not strictly increasing")
    return dict(pairs)


def _apply_function_names(m: Module, names: dict[int, str]) -> None:
    funcs = [*m.func_imports, *m.functions]
    for index, name in names.items():
        funcs[index].debug_name = name


def _apply_global_names(m: Module, names: dict[int, str]) -> None:
    globs = [*m.global_imports, *m.globals]
    for index, name in names.items():
        globs[index].debug_name = name


def _apply_local_names(m: Module, r: Reader) -> None:
    for _ in range(r.u32()):
        func = m.functions[r.u32() - len(m.func_imports)]
        names = _name_map(r)
        func.local_names = [names.get(i, "") for i in range(max(names) + 1)] if names else []


def _names(r: Reader, m: Module) -> None:
    last = -1
    while not r.at_end():
        subsection_id, size = r.byte(), r.u32()
        if subsection_id <= last:
            raise r.fail("name subsections out of order")
        last, sub = subsection_id, Reader(r.data, r.pos, r.pos + size)
        if subsection_id == consts.NAME_MODULE:
            m.name = sub.name()
        elif subsection_id == consts.NAME_FUNCTION:
            _apply_function_names(m, _name_map(sub))
        elif subsection_id == consts.NAME_LOCAL:
            _apply_local_names(m, sub)
        elif subsection_id == consts.NAME_GLOBAL:
            _apply_global_names(m, _name_map(sub))
        if sub.pos != sub.end:
            raise sub.fail("name subsection size mismatch")
        r.pos = sub.end


# ---- the module ---------------------------------------------------------------------------------------------------


def decode_module(data: bytes) -> Module:
    """The model of a binary module; raises DecodeError on anything `encode` would not have written."""
    r = Reader(data)
    if r.take(4) != consts.MAGIC or r.take(4) != consts.VERSION:
        raise DecodeError("bad header", 0)
    m, state, last = Module(), _State(), 0
    while not r.at_end():
        section_id, size = r.byte(), r.u32()
        sub = Reader(data, r.pos, r.pos + size)
        if section_id == consts.SECTION_CUSTOM:
            name = sub.name()
            if name == consts.NAME_SECTION:
                _names(sub, m)
            elif name == consts.BRANCH_HINT_SECTION:
                if last >= consts.SECTION_CODE:
                    raise r.fail("the branch hint section after the code section")
                _branch_hints(sub, state)
            else:
                sub.pos = sub.end
        elif section_id <= last or section_id not in SECTION_DECODERS:
            raise r.fail(f"unexpected section {section_id} (after {last})")
        else:
            last = section_id
            SECTION_DECODERS[section_id](sub, m, state)
        if sub.pos != sub.end:
            raise sub.fail(f"section {section_id} size mismatch")
        r.pos = sub.end
    return m


def section_ids(data: bytes) -> list[int]:
    """The ids of the sections of `data`, in order."""
    r, ids = Reader(data, 8), []
    while not r.at_end():
        ids.append(r.byte())
        size = r.u32()
        r.pos += size
    return ids


def strip_custom_sections(data: bytes) -> bytes:
    """`data` without its custom sections."""
    r, out = Reader(data, 8), bytearray(data[:8])
    while not r.at_end():
        start = r.pos
        section_id = r.byte()
        size = r.u32()
        r.pos += size
        if section_id != consts.SECTION_CUSTOM:
            out += data[start : r.pos]
    return bytes(out)
