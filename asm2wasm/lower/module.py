"""Typed module -> Wasm module: index spaces, imports, globals, the function table, exports, helpers.

Index spaces (fixed before any body is lowered, so functions can be lowered independently):
    functions  Math imports, foreign-call imports (one per signature), asm.js functions, semantics helpers, the
               checked-access helpers (modules with a heap, not --fast), then the checked twins of the functions
               whose body is one versioned range (versioning.plan_function), in function order
    globals    heap-limit imports (one per access size), foreign number imports, then the module's own globals
Import names are the shim's contract (templates/shim.js.j2): `env.memory`, `env.heap_limit_N`, `env.<foreign
number>`, `Math.<name>`, `foreign.<name>`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from asm2wasm.check import ir
from asm2wasm.lower.function import Layout, lower_with_twin, plan_versions, versioning_on
from asm2wasm.lower.semantics import ACCESS_HELPER_OPS, HELPERS, access_helpers
from asm2wasm.lower.versioning import RANGE_LIMIT_SIZE
from asm2wasm.wasm import model as wasm

HEAP_ACCESS_SIZES = (1, 2, 4, 8)
MATH_SIGNATURES = {"atan2": ("f64", "f64"), "pow": ("f64", "f64")}


@dataclass
class LinkInfo:
    """What the JS shim must provide and knows about the module (rendered by glue/)."""

    heap: bool
    heap_limit_sizes: tuple[int, ...]
    foreign_numbers: list[tuple[str, str]] = field(default_factory=list)  # (foreign name, "int" | "double")
    foreign_functions: list[str] = field(default_factory=list)
    math_functions: list[str] = field(default_factory=list)


@dataclass
class Lowered:
    module: wasm.Module
    link: LinkInfo


@dataclass
class Plan:
    """Everything fixed before any function body is lowered: the module's index spaces and imports."""

    module: wasm.Module
    link: LinkInfo
    layout: Layout
    func_types: list[int]  # type index of each asm.js function


def lower(typed: ir.TypedModule, fast: bool = False, progress: Callable[[str, int, int], None] | None = None,
          debug_lines: bool = False, versioning: bool = True) -> Lowered:
    """The whole module. `fast` drops the bounds checks and division/ToInt32 guards (see README, --fast);
    `versioning` False checks every heap access on its own (versioning.py). `progress(phase, done, total)` is
    called as functions are lowered."""
    plan = plan_module(typed, fast, debug_lines, versioning)
    layout = plan.layout
    versions = [plan_versions(func, layout.versioning) for func in typed.functions]
    twins = twin_indices(layout, [i for i, v in enumerate(versions) if v is not None and v.outlined])
    twin_functions = []
    for index, (func, type_index) in enumerate(zip(typed.functions, plan.func_types)):
        if progress is not None and index % 64 == 0:
            progress("lower", index, len(typed.functions))
        version, versions[index] = versions[index], None  # its facts are not needed any more
        lowered, twin = lower_with_twin(func, type_index, layout, version, twins.get(index))
        plan.module.functions.append(lowered)
        if twin is not None:
            twin_functions.append(twin)
    return finish_module(plan, typed, twin_functions)


def twin_indices(layout: Layout, outlined: list[int]) -> dict[int, int]:
    """asm.js function index -> Wasm index of its checked twin, for the functions `outlined` (in function order)."""
    return {func: layout.twin_base + rank for rank, func in enumerate(outlined)}


def plan_module(typed: ir.TypedModule, fast: bool = False, debug_lines: bool = False, versioning: bool = True
                ) -> Plan:
    """Imports, globals, the table and every index, from the module-level facts and the signatures alone."""
    module = wasm.Module(name=typed.name or "")
    has_heap = bool(typed.heap_views)
    versioned = versioning_on(versioning, fast, has_heap)
    limit_sizes: tuple[int, ...] = ()
    if has_heap and not fast:  # the checks' limits, and the range tests' one when ranges are made (versioning.py)
        limit_sizes = HEAP_ACCESS_SIZES + ((RANGE_LIMIT_SIZE,) if versioned else ())
    link = LinkInfo(heap=has_heap, heap_limit_sizes=limit_sizes)

    if has_heap:
        module.memory_import = wasm.MemoryImport("env", "memory", 1)
    math_index = _import_math(module, typed, link)
    foreign_index = _import_foreign_calls(module, typed, link)
    n_imports = len(module.func_imports)

    heap_limits = {}
    for size in limit_sizes:
        heap_limits[size] = len(module.global_imports)
        module.global_imports.append(wasm.GlobalImport("env", f"heap_limit_{size}", "i32", False,
                                                       f"heap_limit_{size}"))
    foreign_numbers = _import_foreign_numbers(module, typed, link)
    if typed.grow_function is not None:
        # The limits move when the memory grows: keep them in mutable globals, initialised from the imports.
        for size, imported in list(heap_limits.items()):
            heap_limits[size] = len(module.global_imports) + len(module.globals)
            module.globals.append(wasm.Global("i32", True, ("global.get", imported), f"heap_limit_{size}.current"))
    _define_globals(module, typed, foreign_numbers)

    func_types = [module.type_index(_func_type(f.params, f.result)) for f in typed.functions]
    table_offsets, table_types = _build_table(module, typed, n_imports)
    helper_base = n_imports + len(typed.functions)
    access_helper_base = helper_base + len(HELPERS) if heap_limits else -1
    layout = Layout(
        func_base=n_imports, helper_base=helper_base,
        global_base=len(module.global_imports) + len(heap_limits) * (typed.grow_function is not None),
        heap_limit_globals=heap_limits, foreign_index=foreign_index,
        math_index=math_index, table_offsets=table_offsets, table_types=table_types, fast=fast,
        debug_lines=debug_lines, versioning=versioned,
        access_helper_base=access_helper_base,
        twin_base=helper_base + len(HELPERS) + (len(ACCESS_HELPER_OPS) if heap_limits else 0),
    )
    return Plan(module, link, layout, func_types)


def finish_module(plan: Plan, typed: ir.TypedModule, twins: list[wasm.Function]) -> Lowered:
    """After the asm.js functions: the semantics helpers (and the checked-access helpers), the checked twins and
    the exports."""
    module = plan.module
    helpers = list(HELPERS)
    if plan.layout.access_helper_base >= 0:
        helpers += access_helpers(plan.layout.heap_limit_globals)
    for helper in helpers:
        type_index = module.type_index(wasm.FuncType(helper.params, (helper.result,) if helper.result else ()))
        module.functions.append(wasm.Function(type_index, list(helper.body), list(helper.locals),
                                              f"$asm2wasm.{helper.name}", branch_hints=list(helper.hints)))
    module.functions += twins
    for name, index in typed.exports:
        module.exports.append(wasm.Export(name, "func", plan.layout.func_base + index))
    return Lowered(module, plan.link)


def _func_type(params: list[tuple[str, str]], result: str | None) -> wasm.FuncType:
    return wasm.FuncType(tuple(vt for _, vt in params), (result,) if result else ())


def _import_math(module: wasm.Module, typed: ir.TypedModule, link: LinkInfo) -> dict[str, int]:
    index = {}
    for name in typed.math_imports:
        params = MATH_SIGNATURES.get(name, ("f64",))
        type_index = module.type_index(wasm.FuncType(params, ("f64",)))
        index[name] = len(module.func_imports)
        module.func_imports.append(wasm.FuncImport("Math", name, type_index, f"Math.{name}"))
        link.math_functions.append(name)
    return index


def _import_foreign_calls(module: wasm.Module, typed: ir.TypedModule, link: LinkInfo) -> dict[tuple, int]:
    index = {}
    for signature in sorted(typed.foreign_calls, key=typed.foreign_calls.__getitem__):
        name, params, result = signature
        type_index = module.type_index(wasm.FuncType(params, (result,) if result else ()))
        index[signature] = len(module.func_imports)
        module.func_imports.append(wasm.FuncImport("foreign", name, type_index, f"foreign.{name}"))
        if name not in link.foreign_functions:
            link.foreign_functions.append(name)
    return index


def _import_foreign_numbers(module: wasm.Module, typed: ir.TypedModule, link: LinkInfo) -> dict[tuple, int]:
    """Foreign numbers are imported immutable (once per name and type); returns their global indices."""
    imported: dict[tuple, int] = {}
    for var in typed.globals:
        if var.foreign is not None and (var.foreign, var.vt) not in imported:
            imported[(var.foreign, var.vt)] = len(module.global_imports)
            field_name = var.foreign if var.vt == "f64" else f"{var.foreign}|0"
            module.global_imports.append(wasm.GlobalImport("env", field_name, var.vt, False, f"foreign.{field_name}"))
            link.foreign_numbers.append((var.foreign, "double" if var.vt == "f64" else "int"))
    return imported


def _define_globals(module: wasm.Module, typed: ir.TypedModule, imported: dict[tuple, int]) -> None:
    """The module's own mutable globals; foreign numbers are copied in (asm.js lets a module assign them)."""
    for var in typed.globals:
        if var.foreign is not None:
            init = ("global.get", imported[(var.foreign, var.vt)])
        else:
            init = (var.vt + ".const", var.init)
        module.globals.append(wasm.Global(var.vt, True, init, var.name))


def _build_table(module: wasm.Module, typed: ir.TypedModule, n_imports: int) -> tuple[list[int], list[int]]:
    """All asm.js function tables, one after another in one Wasm table."""
    offsets, types, entries = [], [], []
    for table in typed.tables:
        offsets.append(len(entries))
        types.append(module.type_index(wasm.FuncType(table.params, (table.result,) if table.result else ())))
        entries += [n_imports + f for f in table.funcs]
    if entries:
        module.table = wasm.Table(len(entries), len(entries))
        module.elems.append(wasm.ElemSegment(0, entries))
    return offsets, types
