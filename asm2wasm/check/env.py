"""The global environment Δ of a module (spec §3.1): what each module-level name is bound to."""

from __future__ import annotations

from dataclasses import dataclass, field

from asm2wasm.check.types import HeapView, MathFunc


@dataclass(slots=True)
class Binding:
    """What a module-level name means. `kind` selects which other fields are meaningful:

    param    a module parameter (stdlib, foreign or heap): usable only in imports
    global   a module variable: `type` (int/double/float), `index` into TypedModule.globals, `mutable`
    const    a stdlib constant (Infinity, NaN, Math.PI...): `value`
    math     a stdlib Math function: `math`
    fround   Math.fround
    ctor     an imported typed array constructor (for `new X(heap)`): `view`
    view     a heap view: `view`
    ffi      a foreign function: `name` is the foreign property
    func     a function of the module: `index` into TypedModule.functions
    table    a function table: `index` into TypedModule.tables
    """

    kind: str
    type: str = ""
    index: int = -1
    mutable: bool = False
    value: float = 0.0
    math: MathFunc | None = None
    view: HeapView | None = None
    name: str = ""


@dataclass
class FuncSig:
    """A function's signature, known before any body is checked (§5.3)."""

    params: tuple[str, ...]  # asm.js parameter types: int, double, float
    result: str  # signed, double, float or void


@dataclass
class GlobalEnv:
    bindings: dict[str, Binding] = field(default_factory=dict)
    sigs: list[FuncSig] = field(default_factory=list)  # by function index
    table_sigs: list[FuncSig] = field(default_factory=list)  # by table index
    stdlib: str | None = None
    foreign: str | None = None
    heap: str | None = None
