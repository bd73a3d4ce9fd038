"""The Wasm module model: what `lower` produces and `encode` / `to_wat` consume.

Instructions are plain tuples ``(name, *immediates)`` so that building them on the hot path is cheap:

    ("i32.const", -5)            signed Python int
    ("i64.const", 1 << 40)
    ("f32.const", 1.5)           a Python float exactly representable as float32
    ("f64.const", 0.1)           a Python float (NaN is written as the canonical quiet NaN)
    ("local.get", 3)             ("local.set", i), ("local.tee", i), ("global.get", i), ("global.set", i)
    ("call", func_index)         ("call_indirect", type_index)   (table 0)
    ("block", bt) ("loop", bt) ("if", bt)   bt is None (no result) or a value type "i32"/"i64"/"f32"/"f64"
    ("else",) ("end",)
    ("br", depth) ("br_if", depth) ("br_table", (depth, ...), default_depth)
    ("i32.load", align_log2, offset)  and every other load/store: (name, align_log2, offset)
    ("memory.size",) ("memory.grow",)
    anything else: a bare opcode name such as ("i32.add",) or ("f64.convert_i32_u",)

A function body does not include its final ``end``: the encoder appends it.
Index spaces follow the spec: imported functions (and globals) come first, then the module's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Instr = tuple


@dataclass(frozen=True)
class FuncType:
    params: tuple[str, ...]
    results: tuple[str, ...]


@dataclass
class FuncImport:
    module: str
    name: str
    type_index: int
    debug_name: str = ""


@dataclass
class GlobalImport:
    module: str
    name: str
    valtype: str
    mutable: bool = False
    debug_name: str = ""


@dataclass
class MemoryImport:
    module: str
    name: str
    min_pages: int
    max_pages: int | None = None


@dataclass
class Global:
    valtype: str
    mutable: bool
    init: Instr  # one constant instruction: ("i32.const", 0) or ("global.get", imported_index)
    debug_name: str = ""


@dataclass
class Function:
    type_index: int
    body: list[Instr]
    locals: list[str] = field(default_factory=list)  # value types of the non-parameter locals, in order
    debug_name: str = ""
    local_names: list[str] = field(default_factory=list)  # names of params then locals ("" = unnamed)
    source_offsets: list[tuple[int, int]] = field(default_factory=list)  # (instruction index, asm.js offset), -g
    # (index of an `if` instruction, LIKELY or UNLIKELY), in index order: the branch hints section (encode.py)
    branch_hints: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Export:
    name: str
    kind: str  # "func" | "global" | "memory" | "table"
    index: int


@dataclass
class Table:
    min_size: int
    max_size: int | None = None


@dataclass
class ElemSegment:
    offset: int
    func_indices: list[int]


@dataclass
class Module:
    types: list[FuncType] = field(default_factory=list)
    func_imports: list[FuncImport] = field(default_factory=list)
    global_imports: list[GlobalImport] = field(default_factory=list)
    memory_import: MemoryImport | None = None
    functions: list[Function] = field(default_factory=list)
    table: Table | None = None
    globals: list[Global] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    elems: list[ElemSegment] = field(default_factory=list)
    start: int | None = None
    name: str = ""
    custom_sections: list[tuple[str, bytes]] = field(default_factory=list)  # written last, after `name`

    def type_index(self, functype: FuncType) -> int:
        """Index of `functype`, added on first use (types are deduplicated)."""
        try:
            return self.types.index(functype)
        except ValueError:
            self.types.append(functype)
            return len(self.types) - 1
