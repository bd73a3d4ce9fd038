"""Literals and annotations (spec §5, §6.6.1): what the syntax alone says about types.

Numeric literal typing, parameter and local variable annotations, and the return type a function's last
statement announces: everything a function's signature needs before any body is checked.
"""

from __future__ import annotations

from asm2wasm.check import ir
from asm2wasm.check.env import Binding, FuncSig, GlobalEnv
from asm2wasm.diagnostics import CompileError
from asm2wasm.frontend import nodes as n
from asm2wasm.frontend.positions import SourceLines

VT_OF = {"int": "i32", "double": "f64", "float": "f32"}
NO_BINDING = Binding("none")
TWO_32 = 1 << 32


def to_i32(value: int) -> int:
    """An integer literal's bits as a signed 32-bit value."""
    value &= 0xFFFFFFFF
    return value - TWO_32 if value >= 1 << 31 else value


def literal_value(node: n.Node) -> tuple[str, float | int] | None:
    """A numeric literal or a negated one (§6.6.1): ("i32", int) or ("f64", float); None if not a literal."""
    negate, whole = False, node
    if isinstance(node, n.Unary) and node.op == "-" and isinstance(node.arg, n.Num):
        negate, node = True, node.arg
    if not isinstance(node, n.Num):
        return None
    if node.is_double:
        return "f64", -float(node.value) if negate else float(node.value)
    value = int(node.value)
    if value > (1 << 31) if negate else value >= TWO_32:
        raise CompileError("A005", f"integer literal {'-' if negate else ''}{value} is out of the 32-bit range",
                           whole.loc)
    return "i32", -value if negate else value


def literal_type(node: n.Node) -> tuple[str, ir.Const] | None:
    """The asm.js type and constant of a numeric literal: fixnum, signed, unsigned or double."""
    value = literal_value(node)
    if value is None:
        return None
    vt, number = value
    if vt == "f64":
        return "double", ir.Const("f64", number)
    if number < 0:
        kind = "signed"
    elif number < (1 << 31):
        kind = "fixnum"
    else:
        kind = "unsigned"
    return kind, ir.Const("i32", to_i32(number))


# ---- annotations (§5) ------------------------------------------------------------------------------------------


def _param_annotation(env: GlobalEnv, stmt: n.Node, param: str) -> str | None:
    """The type a parameter annotation statement gives `param` (§5.1), or None."""
    if not (isinstance(stmt, n.ExprStmt) and isinstance(stmt.expr, n.Assign)):
        return None
    target, value = stmt.expr.target, stmt.expr.value
    if not (isinstance(target, n.Name) and target.id == param):
        return None
    if isinstance(value, n.Binary) and value.op == "|" and _is_name(value.left, param):
        return "int" if literal_value(value.right) == ("i32", 0) else None
    if isinstance(value, n.Unary) and value.op == "+" and _is_name(value.arg, param):
        return "double"
    if (isinstance(value, n.Call) and _is_fround(env, value.callee) and len(value.args) == 1
            and _is_name(value.args[0], param)):
        return "float"
    return None


def _is_name(node: n.Node, name: str) -> bool:
    return isinstance(node, n.Name) and node.id == name


def _is_fround(env: GlobalEnv, node: n.Node) -> bool:
    return isinstance(node, n.Name) and env.bindings.get(node.id, NO_BINDING).kind == "fround"


def param_types(env: GlobalEnv, decl: n.FuncDecl) -> list[str]:
    types = []
    for i, param in enumerate(decl.params):
        stmt = decl.body[i] if i < len(decl.body) else None
        kind = _param_annotation(env, stmt, param) if stmt is not None else None
        if kind is None:
            raise CompileError("A001", f"parameter `{param}` of `{decl.name}` needs a type annotation as statement "
                               f"{i + 1} of the body: `{param} = {param}|0;`, `{param} = +{param};` or "
                               f"`{param} = fround({param});`", decl.loc)
        types.append(kind)
    return types


def local_declarations(env: GlobalEnv, decl: n.FuncDecl) -> tuple[list[tuple[str, str, float | int, int]], int]:
    """The `var` statements after the parameter annotations (§5.4): (name, vt, initial value, the name's offset),
    next index."""
    result = []
    i = len(decl.params)
    while i < len(decl.body) and isinstance(decl.body[i], n.VarDecl):
        for name, init, at in decl.body[i].decls:
            result.append((name, *_local_initialiser(env, name, init, decl.lines, at), at))
        i += 1
    return result, i


def _local_initialiser(env: GlobalEnv, name: str, init: n.Node | None, lines: SourceLines, at: int
                       ) -> tuple[str, float | int]:
    if init is not None:
        literal = literal_value(init)
        if literal is not None:
            return literal
        if isinstance(init, n.Call) and _is_fround(env, init.callee) and len(init.args) == 1:
            literal = literal_value(init.args[0])
            if literal is not None:
                return "f32", float(literal[1])
    raise CompileError("A002", f"local `{name}` must be initialised with a numeric literal or fround(literal)",
                       init.loc if init is not None else lines.loc(at))


def _return_form(env: GlobalEnv, node: n.Node | None) -> str | None:
    """The return type a `return` statement's syntax announces (§5.2), or None if it announces none."""
    if node is None:
        return "void"
    literal = literal_value(node)
    if literal is not None:
        return "double" if literal[0] == "f64" else ("signed" if literal[1] < (1 << 31) else None)
    if isinstance(node, n.Binary) and node.op in ("|", "&", "^", "<<", ">>"):
        return "signed"
    if isinstance(node, n.Unary):
        return {"+": "double", "~": "signed"}.get(node.op)
    if isinstance(node, n.Call):
        if _is_fround(env, node.callee):
            return "float"
        binding = env.bindings.get(node.callee.id, NO_BINDING) if isinstance(node.callee, n.Name) else NO_BINDING
        if binding.kind == "math":
            results = {result for _, result, _ in binding.math.overloads}
            return "double" if results == {"double"} else None
    return None


def signature_of(env: GlobalEnv, decl: n.FuncDecl) -> FuncSig:
    """§5.3: parameter types from the annotations; §5.2: the result type from the body's last statement when it is
    a `return` (otherwise the function returns void)."""
    params = param_types(env, decl)
    last = decl.body[-1] if decl.body else None
    if not isinstance(last, n.Return):
        return FuncSig(tuple(params), "void")
    result = _return_form(env, last.arg)
    if result is None:
        raise CompileError("A003", "the function's last statement must be an annotated return: `return e|0;`, "
                           "`return +e;`, `return fround(e);`, a numeric literal, or `return;`", last.loc)
    return FuncSig(tuple(params), result)
