"""The typed IR: what the checker produces and the lowering consumes.

Every name is resolved (locals to indices, calls to symbolic targets), every operator carries the opcode of the
table row the checker chose, and every value carries its Wasm type (`vt`: "i32", "f32", "f64" or None for void).
Statements keep the asm.js shape; labels stay names, which the lowering turns into branch depths.
Import and function indices are not known yet: calls name their target symbolically (see `Call*`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asm2wasm.check.types import HeapView

# ---- expressions -----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Const:
    vt: str
    value: float | int


@dataclass(slots=True)
class GetLocal:
    vt: str
    index: int


@dataclass(slots=True)
class SetLocal:
    vt: str
    index: int
    value: object


@dataclass(slots=True)
class GetGlobal:
    vt: str
    index: int  # index among the module's own globals (see TypedModule.globals)


@dataclass(slots=True)
class SetGlobal:
    vt: str
    index: int
    value: object


@dataclass(slots=True)
class HeapAddress:
    """A heap byte address: `base`, then `& mask` when `mask` is set; `in_bounds` when no check is needed."""

    base: object
    mask: int | None
    in_bounds: bool


@dataclass(slots=True)
class Load:
    vt: str
    view: HeapView
    addr: HeapAddress


@dataclass(slots=True)
class Store:
    vt: str  # type of the expression's value (the value assigned, before conversion)
    view: HeapView
    addr: HeapAddress
    value: object
    convert: str | None  # "f32.demote_f64" / "f64.promote_f32" when the value's type differs from the view's


@dataclass(slots=True)
class Unop:
    vt: str
    op: str  # a Wasm opcode or a '$' pseudo-op (lower/semantics.py)
    arg: object


@dataclass(slots=True)
class Binop:
    vt: str
    op: str
    left: object
    right: object


@dataclass(slots=True)
class Select:
    """The conditional expression `test ? then : orelse` (only one branch is evaluated)."""

    vt: str
    test: object
    then: object
    orelse: object


@dataclass(slots=True)
class Comma:
    vt: str | None
    effects: list  # evaluated and dropped
    last: object


@dataclass(slots=True)
class CallFunc:
    vt: str | None
    func: int  # index of the asm.js function in TypedModule.functions
    args: list


@dataclass(slots=True)
class CallForeign:
    vt: str | None
    name: str  # foreign property
    params: tuple[str, ...]  # Wasm param types of this signature
    args: list


@dataclass(slots=True)
class CallMath:
    vt: str
    name: str  # Math function name, imported from the stdlib (sin, pow, ...)
    args: list


@dataclass(slots=True)
class CallTable:
    vt: str | None
    table: int  # index in TypedModule.tables
    index: object  # the i32 index expression, mask already applied
    args: list


@dataclass(slots=True)
class MinMax:
    vt: str
    op: str  # f64.min / f64.max / f32.min / f32.max / $i32.min_s / $i32.max_s
    args: list


# ---- statements ------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class ExprStmt:
    expr: object
    at: int = -1  # the statement's source offset (for source maps)


@dataclass(slots=True)
class BlockStmt:
    body: list
    labels: tuple[str, ...] = ()


@dataclass(slots=True)
class IfStmt:
    test: object
    then: object
    orelse: object | None
    at: int = -1  # the statement's source offset (for source maps)


@dataclass(slots=True)
class ReturnStmt:
    value: object | None
    at: int = -1  # the statement's source offset (for source maps)


@dataclass(slots=True)
class LoopStmt:
    """while / do-while / for. `test` None means always true. `test_first` is false for do-while."""

    init: object | None
    test: object | None
    update: object | None
    body: object
    test_first: bool
    labels: tuple[str, ...] = ()
    at: int = -1  # the statement's source offset (for source maps)


@dataclass(slots=True)
class BreakStmt:
    label: str | None


@dataclass(slots=True)
class ContinueStmt:
    label: str | None


@dataclass(slots=True)
class GrowMemoryStmt:
    """Grow the memory to `length` bytes (an i32 expression); the function returns 0 if that fails."""

    length: object


@dataclass(slots=True)
class SwitchStmt:
    disc: object
    cases: list  # of (int value or None for default, list of statements)
    labels: tuple[str, ...] = ()
    at: int = -1  # the statement's source offset (for source maps)


# ---- module ----------------------------------------------------------------------------------------------------


@dataclass
class GlobalVar:
    name: str
    vt: str
    init: float | int  # initial value, or the foreign value when `foreign` is set
    foreign: str | None = None  # imported from foreign.NAME (coerced by `coercion`)
    coercion: str = ""  # "int" (x|0) or "double" (+x) for foreign imports


@dataclass
class Function:
    name: str
    params: list[tuple[str, str]]  # (name, vt)
    locals: list[tuple[str, str, float | int]]  # (name, vt, initial value)
    result: str | None  # vt or None
    result_type: str  # asm.js return type: signed, double, float or void
    body: list
    at: int  # the declaration's source offset
    checked_accesses: int = 0  # its loads and stores whose address is not proven in bounds (each built once)
    statements: int = 0  # its statements, nested ones included, blocks not (versioning.SPARSE_STATEMENTS)


@dataclass
class Table:
    name: str
    params: tuple[str, ...]
    result: str | None
    funcs: list[int]  # indices in TypedModule.functions


@dataclass
class TypedModule:
    name: str | None
    params: list[str]
    heap_views: dict[str, HeapView] = field(default_factory=dict)
    globals: list[GlobalVar] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    exports: list[tuple[str, int]] = field(default_factory=list)  # (export name, function index)
    single_export: bool = False
    # every foreign call signature used: (foreign name, Wasm param types, Wasm result or None) -> first-use order
    foreign_calls: dict[tuple[str, tuple[str, ...], str | None], int] = field(default_factory=dict)
    math_imports: list[str] = field(default_factory=list)  # stdlib Math functions imported by the module
    warnings: list = field(default_factory=list)  # lenient-mode diagnostics
    almost_asm: bool = False
    grow_function: int | None = None  # the "almost asm" heap-replacing function, lowered to memory.grow
