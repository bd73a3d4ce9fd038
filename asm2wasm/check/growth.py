"""Memory growth in "almost asm" modules (Emscripten ALLOW_MEMORY_GROWTH builds).

Such a module imports `global.byteLength` and has one function that swaps the heap for a bigger one:

    function _emscripten_replace_memory(newBuffer) {
      if (byteLength(newBuffer) & 16777215 || byteLength(newBuffer) <= 16777215 || ...) return false;
      HEAP8 = new Int8View(newBuffer); ...; buffer = newBuffer;
      return true;
    }

A Wasm memory cannot adopt another buffer, so this function becomes "grow the memory to `newByteLength` bytes":
its guard conditions are kept (as unsigned comparisons on the new length, exact for lengths below 2^32), the view
reassignments become one `memory.grow`, and it returns 1 (true) or 0 (false). The JS companion passes it the new
buffer's byte length.
"""

from __future__ import annotations

from asm2wasm.check import ir
from asm2wasm.check.env import GlobalEnv
from asm2wasm.check.types import HEAP_VIEWS
from asm2wasm.diagnostics import CompileError
from asm2wasm.frontend import nodes as n

UNSIGNED_COMPARISONS = {"<": "i32.lt_u", "<=": "i32.le_u", ">": "i32.gt_u", ">=": "i32.ge_u", "==": "i32.eq",
                        "!=": "i32.ne", "===": "i32.eq", "!==": "i32.ne"}
BITWISE = {"&": "i32.and", "|": "i32.or", "^": "i32.xor"}
TRUE_LITERAL, FALSE_LITERAL = "`true` literal", "`false` literal"


def is_replace_memory(env: GlobalEnv, decl: n.FuncDecl) -> bool:
    """Whether `decl` is the heap-replacing function of an "almost asm" module (by its shape)."""
    if len(decl.params) != 1 or not decl.body:
        return False
    param = decl.params[0]
    return any(_is_view_swap(env, stmt, param) for stmt in decl.body)


def _is_view_swap(env: GlobalEnv, stmt: n.Node, param: str) -> bool:
    if not (isinstance(stmt, n.ExprStmt) and isinstance(stmt.expr, n.Assign)):
        return False
    value = stmt.expr.value
    return (isinstance(value, n.New) and len(value.args) == 1 and isinstance(value.args[0], n.Name)
            and value.args[0].id == param)


def check_replace_memory(env: GlobalEnv, decl: n.FuncDecl) -> ir.Function:
    """The growth function's IR: its guards, then GrowMemory, then `return 1`."""
    param = decl.params[0]
    body: list = []
    swapped = set()
    for stmt in decl.body:
        if isinstance(stmt, n.If) and stmt.orelse is None and _returns(stmt.then, FALSE_LITERAL):
            body.append(ir.IfStmt(_guard(env, stmt.test, param), ir.ReturnStmt(ir.Const("i32", 0)), None))
        elif _is_view_swap(env, stmt, param):
            swapped.add(_swapped_view(env, stmt.expr))
        elif _is_buffer_swap(env, stmt, param) or _returns(stmt, TRUE_LITERAL):
            continue
        else:
            raise _unexpected(stmt)
    if not _returns(decl.body[-1], TRUE_LITERAL):
        raise _unexpected(decl.body[-1])
    body.append(ir.GrowMemoryStmt(ir.GetLocal("i32", 0)))
    body.append(ir.ReturnStmt(ir.Const("i32", 1)))
    return ir.Function(decl.name, [(param, "i32")], [], "i32", "signed", body, decl.at)


def _swapped_view(env: GlobalEnv, assign: n.Assign) -> str:
    target, ctor = assign.target, assign.value.callee
    binding = env.bindings.get(target.id) if isinstance(target, n.Name) else None
    ctor_binding = env.bindings.get(ctor.id) if isinstance(ctor, n.Name) else None
    new_view = ctor_binding.view if ctor_binding is not None and ctor_binding.kind == "ctor" else None
    if isinstance(ctor, n.Dot) and isinstance(ctor.obj, n.Name) and ctor.obj.id == env.stdlib:
        new_view = HEAP_VIEWS.get(ctor.prop)
    if binding is None or binding.kind != "view" or new_view is None or new_view.ctor != binding.view.ctor:
        raise CompileError("M015", "a heap view may only be replaced by a view of the same type on the new buffer",
                           assign.loc)
    return target.id


def _is_buffer_swap(env: GlobalEnv, stmt: n.Node, param: str) -> bool:
    if not (isinstance(stmt, n.ExprStmt) and isinstance(stmt.expr, n.Assign)):
        return False
    target, value = stmt.expr.target, stmt.expr.value
    return (isinstance(target, n.Name) and target.id == env.heap and isinstance(value, n.Name)
            and value.id == param)


def _returns(stmt: n.Node, literal: str) -> bool:
    if isinstance(stmt, n.Block) and len(stmt.body) == 1:
        stmt = stmt.body[0]
    return isinstance(stmt, n.Return) and isinstance(stmt.arg, n.Unsupported) and stmt.arg.what == literal


def _guard(env: GlobalEnv, node: n.Node, param: str):
    """A guard condition over `byteLength(param)` and integer literals, as i32 IR (nonzero = true)."""
    if isinstance(node, n.Call) and _is_byte_length(env, node.callee) and len(node.args) == 1 \
            and isinstance(node.args[0], n.Name) and node.args[0].id == param:
        return ir.GetLocal("i32", 0)
    if isinstance(node, n.Num) and not node.is_double and 0 <= node.value < (1 << 32):
        value = int(node.value)
        return ir.Const("i32", value - (1 << 32) if value >= (1 << 31) else value)
    if isinstance(node, n.Unary) and node.op == "!":
        return ir.Unop("i32", "i32.eqz", _guard(env, node.arg, param))
    if isinstance(node, n.Binary):
        left, right = _guard(env, node.left, param), _guard(env, node.right, param)
        if node.op == "||":  # in a condition, a || b is true iff (a | b) != 0
            return ir.Binop("i32", "i32.or", left, right)
        if node.op == "&&":
            return ir.Binop("i32", "i32.and", ir.Binop("i32", "i32.ne", left, ir.Const("i32", 0)),
                            ir.Binop("i32", "i32.ne", right, ir.Const("i32", 0)))
        opcode = UNSIGNED_COMPARISONS.get(node.op) or BITWISE.get(node.op)
        if opcode is not None:
            return ir.Binop("i32", opcode, left, right)
    raise _unexpected(node)


def _is_byte_length(env: GlobalEnv, node: n.Node) -> bool:
    return isinstance(node, n.Name) and env.bindings.get(node.id) is not None \
        and env.bindings[node.id].kind == "byteLength"


def _unexpected(node: n.Node) -> CompileError:
    return CompileError("M015", "unexpected form in the \"almost asm\" memory replacement function: expected "
                        "`if (byteLength(b) ...) return false;`, `VIEW = new Ctor(b);`, `buffer = b;`, "
                        "`return true;`", node.loc)
