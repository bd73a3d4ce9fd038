"""Module-level validation (spec §6.1 ValidateModule, §6.2 ValidateExport, §6.3 ValidateFunctionTable).

Order of work: module parameters and directive; the module's statements in their required order (globals and
imports, function declarations, function tables, the export); every function's signature from its annotations;
then the function bodies (`check/function.py`), which see every signature and table.

A module whose function bodies are parsed in other processes (`asm2wasm/parallel.py`) is declared in two steps:
`declare_without_bodies` (everything but the signatures, tables and export), then `declare_signatures` with what
each body says (`body_facts`); the result and the first error are those of `check_declarations`, provided the first
step found no error (otherwise check the whole module the ordinary way: which error comes first depends on the bodies).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from asm2wasm.check import ir
from asm2wasm.check.annotations import literal_value, signature_of
from asm2wasm.check.calls import RESULT_VT
from asm2wasm.check.env import Binding, FuncSig, GlobalEnv
from asm2wasm.check.function import FunctionChecker
from asm2wasm.check.growth import check_replace_memory, is_replace_memory
from asm2wasm.check.types import FROUND, HEAP_VIEWS, MATH_CONSTANTS, MATH_FUNCS, STDLIB_CONSTANTS
from asm2wasm.diagnostics import CompileError, Diagnostic
from asm2wasm.frontend import nodes as n
from asm2wasm.frontend.positions import SourceLines

_PHASES = ("globals", "functions", "tables", "export")
PROGRESS_STEP = 64  # report progress every this many functions
VT_OF = {"int": "i32", "double": "f64", "float": "f32"}


Progress = Callable[[str, int, int], None]


@dataclass
class Declarations:
    """The module once its module-level statements are validated: every function body can now be checked on its
    own (`check_body`), in any order or process."""

    env: GlobalEnv
    typed: ir.TypedModule
    funcs: list[n.FuncDecl]
    # Of a module whose bodies are parsed elsewhere (`declare_without_bodies`): its function tables and export,
    # checked once the signatures are known (`declare_signatures`).
    pending: list[n.Node] = field(default_factory=list)


# What the body of a function says about its declaration (`body_facts`): its signature, or why it has none; and
# whether it has the shape of an "almost asm" module's heap replacement function.
BodyFacts = tuple[FuncSig | Diagnostic, bool]


def check_module(module: n.Module, lenient: bool = False, progress: Progress | None = None) -> ir.TypedModule:
    """§6.1 ValidateModule: the whole module, returning the typed IR. `progress(phase, done, total)` is called
    as function bodies are checked."""
    return check_bodies(check_declarations(module), lenient, progress)


def check_bodies(declarations: Declarations, lenient: bool = False, progress: Progress | None = None
                 ) -> ir.TypedModule:
    """Every function body, in order (the first error stops it)."""
    count = len(declarations.funcs)
    for index in range(count):
        if progress is not None and index % PROGRESS_STEP == 0:
            progress("check", index, count)
        declarations.typed.functions[index] = check_body(declarations, index, lenient)
    return declarations.typed


def check_body(declarations: Declarations, index: int, lenient: bool = False) -> ir.Function:
    """§6.4 ValidateFunction for function `index`; records its foreign calls and Math imports on the module."""
    decl = declarations.funcs[index]
    if index == declarations.typed.grow_function:
        return check_replace_memory(declarations.env, decl)
    return FunctionChecker(declarations.env, declarations.typed, lenient).check_function(decl, index)


def check_declarations(module: n.Module) -> Declarations:
    """§6.1-6.3: parameters, globals and imports, function signatures, function tables and the export."""
    return _check_statements(module, _declare_function, defer=False)


def declare_without_bodies(module: n.Module) -> Declarations:
    """§6.1-6.3 for a module whose function bodies are not parsed (empty): parameters, globals and imports, the
    functions' names; the signatures (None until then), function tables and export wait for `declare_signatures`.

    The first error here is not necessarily the one `check_declarations` reports first (a signature error can come
    before it): on an error, check the whole module instead.
    """
    return _check_statements(module, _declare_name, defer=True)


def body_facts(declarations: Declarations, decl: n.FuncDecl) -> BodyFacts:
    """What `decl`'s parsed body tells its declaration: (signature or its error, replaces the heap)."""
    env, typed = declarations.env, declarations.typed
    replaces = typed.almost_asm and is_replace_memory(env, decl)
    try:
        return signature_of(env, decl), replaces
    except CompileError as error:
        return error.diagnostic, replaces


def declare_signatures(declarations: Declarations, facts: list[BodyFacts]) -> None:
    """Completes `declare_without_bodies` with the `body_facts` of every function, in order: the first error is the
    one `check_declarations` reports first. `facts` may stop after the first function with a signature error."""
    env, typed = declarations.env, declarations.typed
    for index, (sig, replaces) in enumerate(facts):
        if typed.almost_asm and typed.grow_function is None and replaces:
            sig = _grow_signature(typed, index)
        elif isinstance(sig, Diagnostic):
            raise CompileError(sig.code, sig.message, sig.loc)
        env.sigs[index] = sig
    for stmt in declarations.pending:
        if isinstance(stmt, n.VarDecl):
            _check_tables(env, typed, stmt)
        else:
            _check_export(env, typed, stmt)
    declarations.pending = []


def _check_statements(module: n.Module, declare: Callable[[GlobalEnv, ir.TypedModule, n.FuncDecl], None],
                      defer: bool) -> Declarations:
    """The module's statements in order; `defer`: keep the function tables and the export for later."""
    if len(module.params) > 3:
        raise CompileError("M001", f"a module takes at most three parameters, this one has {len(module.params)}",
                           module.loc)
    env = GlobalEnv()
    typed = ir.TypedModule(name=module.name, params=list(module.params), almost_asm=module.directive == "almost asm")
    for role, name in zip(("stdlib", "foreign", "heap"), module.params):
        _define(env, name, Binding("param", name=role), module.lines, module.at)
        setattr(env, role, name)

    first = module.body[0] if module.body else None
    if isinstance(first, n.ExprStmt) and isinstance(first.expr, n.Str):
        raise CompileError("M002", f"the module's first statement must be the \"use asm\" directive, not "
                           f"\"{first.expr.value}\"", first.loc)
    funcs: list[n.FuncDecl] = []
    export: n.Return | None = None
    pending: list[n.Node] = []
    phase = 0
    for stmt in module.body:
        kind = _statement_phase(stmt)
        if kind is None:
            raise CompileError("M003", "only variable declarations, function declarations, function tables and "
                               "one final `return` may appear in a module", stmt.loc)
        index = _PHASES.index(kind)
        if index < phase or export is not None:
            raise CompileError("M003", f"a {kind[:-1] if kind != 'export' else kind} declaration cannot come "
                               f"after the module's {_PHASES[phase]}", stmt.loc)
        phase = index
        if kind == "globals":
            for name, init, at in stmt.decls:
                _check_global(env, typed, name, init, stmt.lines, at)
        elif kind == "functions":
            declare(env, typed, stmt)
            funcs.append(stmt)
        elif kind == "tables" and not defer:
            _check_tables(env, typed, stmt)
        elif kind == "tables":
            pending.append(stmt)
        else:
            export = stmt
    if export is None:
        raise CompileError("M013", "the module does not end with an export: `return f;` or `return {name: f};`",
                           module.loc)
    if defer:
        pending.append(export)
    else:
        _check_export(env, typed, export)
    return Declarations(env, typed, funcs, pending)


def _check_tables(env: GlobalEnv, typed: ir.TypedModule, stmt: n.VarDecl) -> None:
    for name, init, at in stmt.decls:
        try:
            _check_table(env, typed, name, init, stmt.lines, at)
        except CompileError as error:
            raise CompileError(error.diagnostic.code, error.diagnostic.message, stmt.lines.loc(at)) from None


def _statement_phase(stmt: n.Node) -> str | None:
    if isinstance(stmt, n.FuncDecl):
        return "functions"
    if isinstance(stmt, n.Return):
        return "export"
    if isinstance(stmt, n.VarDecl):
        if stmt.kind != "var":
            raise CompileError("E007", f"`{stmt.kind}` declarations are not asm.js: module variables are `var`",
                               stmt.loc)
        is_table = [isinstance(init, n.ArrayLit) for _, init, _ in stmt.decls]
        if any(is_table):
            if not all(is_table):
                raise CompileError("M003", "function tables must be declared in their own `var` statement",
                                   stmt.loc)
            return "tables"
        return "globals"
    return None


RESERVED_NAMES = frozenset(("arguments", "eval"))


def _define(env: GlobalEnv, name: str, binding: Binding, lines: SourceLines, at: int) -> None:
    """Bind `name`, declared at offset `at`."""
    if name in RESERVED_NAMES:
        raise CompileError("M014", f"`{name}` cannot be used as a name in asm.js", lines.loc(at))
    if name in env.bindings:
        raise CompileError("M005", f"`{name}` is already defined in this module", lines.loc(at))
    env.bindings[name] = binding


# ---- §6.1 global declarations --------------------------------------------------------------------------------


def _check_global(env: GlobalEnv, typed: ir.TypedModule, name: str, init: n.Node | None, lines: SourceLines,
                  at: int) -> None:
    """One declarator of a module `var` (its name at offset `at`); errors point at the declarator."""
    if init is None:
        raise CompileError("M004", f"module variable `{name}` needs an initialiser", lines.loc(at))
    try:
        binding = _global_binding(env, typed, name, init)
    except CompileError as error:
        if not error.diagnostic.code.startswith("M"):
            raise
        raise CompileError(error.diagnostic.code, error.diagnostic.message, lines.loc(at)) from None
    if binding is None:
        loc = lines.loc(at)
        if _mentions(init, env.foreign):
            raise CompileError("M008", "a foreign import must read `foreign.x` (a function), `foreign.x|0` or "
                               "`+foreign.x`", loc)
        raise CompileError("M004", f"invalid initialiser for module variable `{name}`: expected a numeric literal, "
                           "fround(literal), a stdlib import, a foreign import or a heap view", loc)
    _define(env, name, binding, lines, at)
    if binding.kind == "view":
        typed.heap_views[name] = binding.view


def _global_binding(env: GlobalEnv, typed: ir.TypedModule, name: str, init: n.Node) -> Binding | None:
    literal = literal_value(init)
    if literal is not None:
        vt, value = literal
        return _new_global(typed, name, vt, value)
    if isinstance(init, n.Call):
        return _fround_global(env, typed, name, init)
    if isinstance(init, n.Binary) and init.op == "|" and _foreign_member(env, init.left):
        if literal_value(init.right) == ("i32", 0):
            return _new_global(typed, name, "i32", 0, foreign=init.left.prop, coercion="int")
        return None
    if isinstance(init, n.Unary) and init.op == "+" and _foreign_member(env, init.arg):
        return _new_global(typed, name, "f64", 0.0, foreign=init.arg.prop, coercion="double")
    if isinstance(init, n.New):
        return _heap_view(env, init)
    if isinstance(init, n.Dot) and not _mentions(init.obj, env.foreign):
        return _member_import(env, init)
    if isinstance(init, n.Dot) and _foreign_member(env, init):
        return Binding("ffi", name=init.prop)
    return None


def _mentions(node: n.Node, name: str | None) -> bool:
    """Whether the (small, module-level) expression `node` refers to `name`."""
    if name is None:
        return False
    if isinstance(node, n.Name):
        return node.id == name
    children = {n.Dot: lambda x: [x.obj], n.Binary: lambda x: [x.left, x.right], n.Unary: lambda x: [x.arg],
                n.Call: lambda x: [x.callee, *x.args], n.Index: lambda x: [x.obj, x.index],
                n.New: lambda x: [x.callee, *x.args]}.get(type(node))
    return children is not None and any(_mentions(child, name) for child in children(node))


def _new_global(typed: ir.TypedModule, name: str, vt: str, value, foreign: str | None = None,
                coercion: str = "") -> Binding:
    typed.globals.append(ir.GlobalVar(name, vt, value, foreign, coercion))
    return Binding("global", type={"i32": "int", "f64": "double", "f32": "float"}[vt], index=len(typed.globals) - 1,
                   mutable=True)


def _fround_global(env: GlobalEnv, typed: ir.TypedModule, name: str, init: n.Call) -> Binding | None:
    callee = init.callee
    if not (isinstance(callee, n.Name) and env.bindings.get(callee.id, Binding("none")).kind == "fround"):
        return None
    literal = literal_value(init.args[0]) if len(init.args) == 1 else None
    return None if literal is None else _new_global(typed, name, "f32", float(literal[1]))


def _foreign_member(env: GlobalEnv, node: n.Node) -> bool:
    return (isinstance(node, n.Dot) and isinstance(node.obj, n.Name) and env.foreign is not None
            and node.obj.id == env.foreign)


def _stdlib_member(env: GlobalEnv, node: n.Node) -> bool:
    return isinstance(node, n.Name) and env.stdlib is not None and node.id == env.stdlib


def _member_import(env: GlobalEnv, init: n.Dot) -> Binding:
    obj = init.obj
    if isinstance(obj, n.Dot) and obj.prop == "Math" and _stdlib_member(env, obj.obj):
        if init.prop in MATH_FUNCS:
            return Binding("math", math=MATH_FUNCS[init.prop])
        if init.prop == FROUND:
            return Binding("fround")
        if init.prop in MATH_CONSTANTS:
            return Binding("const", type="double", value=MATH_CONSTANTS[init.prop])
        raise CompileError("M006", f"`Math.{init.prop}` is not part of the asm.js standard library", init.loc)
    if _stdlib_member(env, obj):
        if init.prop == "byteLength":  # "almost asm" growth builds: only usable in the growth function
            return Binding("byteLength")
        if init.prop in STDLIB_CONSTANTS:
            return Binding("const", type="double", value=STDLIB_CONSTANTS[init.prop])
        if init.prop in HEAP_VIEWS:
            return Binding("ctor", view=HEAP_VIEWS[init.prop])
        raise CompileError("M006", f"`{init.prop}` is not part of the asm.js standard library", init.loc)
    raise CompileError("M004", "module variables may only import from the stdlib or foreign parameters",
                       init.loc)


def _heap_view(env: GlobalEnv, init: n.New) -> Binding:
    callee = init.callee
    view = None
    if isinstance(callee, n.Dot) and _stdlib_member(env, callee.obj):
        view = HEAP_VIEWS.get(callee.prop)
    elif isinstance(callee, n.Name):
        binding = env.bindings.get(callee.id)
        view = binding.view if binding is not None and binding.kind == "ctor" else None
    heap_arg = len(init.args) == 1 and isinstance(init.args[0], n.Name) and init.args[0].id == env.heap
    if view is None or not heap_arg or env.heap is None:
        raise CompileError("M007", "a heap view must be `new stdlib.XArray(heap)` with one of the eight typed "
                           "array constructors and the module's heap parameter", init.loc)
    return Binding("view", view=view)


# ---- §6.4 function signatures ----------------------------------------------------------------------------------


def _declare_function(env: GlobalEnv, typed: ir.TypedModule, decl: n.FuncDecl) -> None:
    _check_new_function(env, decl)
    replaces = typed.almost_asm and typed.grow_function is None and is_replace_memory(env, decl)
    sig = _grow_signature(typed, len(env.sigs)) if replaces else signature_of(env, decl)
    _add_function(env, typed, decl, sig)


def _declare_name(env: GlobalEnv, typed: ir.TypedModule, decl: n.FuncDecl) -> None:
    """A function whose body is not parsed yet: its name now, its signature later (`declare_signatures`)."""
    _check_new_function(env, decl)
    _add_function(env, typed, decl, None)


def _check_new_function(env: GlobalEnv, decl: n.FuncDecl) -> None:
    if env.bindings.get(decl.name, Binding("none")).kind == "func":
        raise CompileError("M014", f"function `{decl.name}` is declared twice", decl.loc)


def _grow_signature(typed: ir.TypedModule, index: int) -> FuncSig:
    """Function `index` is the heap replacement function of an "almost asm" module (`check/growth.py`)."""
    typed.grow_function = index
    return FuncSig(("int",), "signed")


def _add_function(env: GlobalEnv, typed: ir.TypedModule, decl: n.FuncDecl, sig: FuncSig | None) -> None:
    _define(env, decl.name, Binding("func", index=len(env.sigs)), decl.lines, decl.at)
    env.sigs.append(sig)
    typed.functions.append(None)  # filled in once the body is checked


# ---- §6.3 function tables --------------------------------------------------------------------------------------


def _check_table(env: GlobalEnv, typed: ir.TypedModule, name: str, init: n.ArrayLit, lines: SourceLines,
                 at: int) -> None:
    size = len(init.elements)
    if size == 0 or size & (size - 1):
        raise CompileError("M011", f"function table `{name}` has {size} entries; the length must be a power of two",
                           init.loc)
    funcs = []
    sig: FuncSig | None = None
    for element in init.elements:
        binding = env.bindings.get(element.id) if isinstance(element, n.Name) else None
        if binding is None or binding.kind != "func":
            raise CompileError("M012", "function table entries must be functions of this module", element.loc)
        element_sig = env.sigs[binding.index]
        if sig is not None and element_sig != sig:
            raise CompileError("M012", f"function table `{name}` mixes signatures", element.loc)
        sig = element_sig
        funcs.append(binding.index)
    assert sig is not None
    _define(env, name, Binding("table", index=len(typed.tables)), lines, at)
    env.table_sigs.append(sig)
    result = RESULT_VT[sig.result]
    typed.tables.append(ir.Table(name, tuple(VT_OF[p] for p in sig.params), result, funcs))


# ---- §6.2 the export -------------------------------------------------------------------------------------------


def _check_export(env: GlobalEnv, typed: ir.TypedModule, stmt: n.Return) -> None:
    value = stmt.arg
    if isinstance(value, n.Name):
        typed.exports.append((value.id, _exported_function(env, value)))
        typed.single_export = True
        return
    if not isinstance(value, n.ObjectLit):
        raise CompileError("M009", "the module must end with `return f;` or `return {name: f, ...};`", stmt.loc)
    seen = set()
    for key, func in value.props:
        if key in seen:
            raise CompileError("M009", f"export `{key}` is listed twice", func.loc)
        seen.add(key)
        typed.exports.append((key, _exported_function(env, func)))


def _exported_function(env: GlobalEnv, node: n.Node) -> int:
    binding = env.bindings.get(node.id) if isinstance(node, n.Name) else None
    if binding is None or binding.kind != "func":
        raise CompileError("M010", "only functions of this module can be exported", node.loc)
    return binding.index
