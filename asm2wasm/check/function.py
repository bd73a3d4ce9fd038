"""Function validation (spec §6.4 ValidateFunction, §6.5 statements, §6.6-6.10 expressions and calls).

One `FunctionChecker` per function body: it resolves names, infers each expression's type from the tables in
`check/types.py` and builds the typed IR (`check/ir.py`). It stops at the first error (CompileError).
Expression methods return `(asm.js type, IR node)`.
"""

from __future__ import annotations

from itertools import product
from typing import ClassVar

from asm2wasm.check import ir
from asm2wasm.check.annotations import VT_OF, literal_type, literal_value, local_declarations, to_i32
from asm2wasm.check.calls import DECLARED, RESULT_VT, CallChecks
from asm2wasm.check.env import GlobalEnv
from asm2wasm.check.types import (
    ADDITIVE_CHAIN_LIMIT,
    BINARY,
    DOUBLE_NOT,
    INT_ADDITIVE,
    MIN_HEAP_BYTES,
    MUL_LITERAL_LIMIT,
    SHIFT_OF_SIZE,
    STORE_CONVERSIONS,
    SUPERTYPES,
    UNARY,
    WASM_TYPE,
    HeapView,
    is_a,
)
from asm2wasm.diagnostics import CompileError, Loc
from asm2wasm.frontend import nodes as n
from asm2wasm.frontend.positions import SourceLines

# Types whose values must be coerced before most uses (§2.1): using one uncoerced is error T021.
NEEDS_COERCION = frozenset(("intish", "floatish", "double?", "float?"))
FIXNUM_END = 1 << 31  # literals below it are fixnums (§2.1)
# Bitwise operators for which `x OP 0` is x itself (they only coerce the type).
_IDENTITY_WITH_ZERO = frozenset(("|", "^", "<<", ">>", ">>>"))


# ---- the checker -----------------------------------------------------------------------------------------------


class _ByNodeType(dict):
    """node type -> checker method; `otherwise` for any other type."""

    def __init__(self, otherwise, methods: dict) -> None:
        super().__init__(methods)
        self.otherwise = otherwise

    def __missing__(self, node_type: type):
        return self.otherwise


class FunctionChecker(CallChecks):
    """Checks one function body (§6.4-§6.10) and builds its typed IR."""

    def __init__(self, env: GlobalEnv, typed: ir.TypedModule, lenient: bool = False) -> None:
        self.env = env
        self.typed = typed
        self.lenient = lenient
        self.locals: dict[str, tuple[str, int]] = {}  # name -> (declared type, local index)
        # IR nodes are never changed, so each local's read and each literal's constant is built once per function
        self.reads: dict[str, tuple[str, ir.GetLocal]] = {}  # name -> (declared type, its read)
        self.fixnums: dict[int, tuple[str, ir.Const]] = {}  # value -> ("fixnum", its constant)
        self.labels: list[tuple[tuple[str, ...], str]] = []  # (label names, "loop" | "switch" | "block")
        self.result = "void"
        self.lines: SourceLines | None = None  # the positions of the function's source, for error messages
        self.checked_accesses = 0  # loads and stores built with an address not proven in bounds
        self.statements = 0

    # ---- §6.4 ValidateFunction

    def check_function(self, decl: n.FuncDecl, index: int) -> ir.Function:
        sig = self.env.sigs[index]
        self.result = sig.result
        params = []
        self.lines = decl.lines
        for name, kind in zip(decl.params, sig.params):
            self._add_local(name, kind, decl.at)
            params.append((name, VT_OF[kind]))
        declared, start = local_declarations(self.env, decl)
        locals_ = []
        for name, vt, value, at in declared:
            self._add_local(name, {"i32": "int", "f64": "double", "f32": "float"}[vt], at)
            locals_.append((name, vt, value))
        body = [self.check_stmt(stmt) for stmt in decl.body[start:]]
        return ir.Function(decl.name, params, locals_, RESULT_VT[sig.result], sig.result, body, decl.at,
                           self.checked_accesses, self.statements)

    def _add_local(self, name: str, kind: str, at: int) -> None:
        if name in self.locals:
            raise CompileError("M005", f"`{name}` is declared twice in this function", self.lines.loc(at))
        index = len(self.locals)
        self.locals[name] = (kind, index)
        self.reads[name] = (kind, ir.GetLocal(VT_OF[kind], index))

    # ---- §6.5 statements

    def check_stmt(self, stmt: n.Node):
        self.statements += 1
        method = self._STATEMENTS.get(type(stmt))
        if method is None:
            what = stmt.what if isinstance(stmt, n.Unsupported) else type(stmt).__name__
            if isinstance(stmt, n.VarDecl):
                what = "a `var` declaration after the function's first statements"
            elif isinstance(stmt, n.FuncDecl):
                what = "a nested function declaration"
            raise CompileError("T019", f"{what} is not allowed in an asm.js function", stmt.loc)
        return method(self, stmt)

    def _block(self, stmt: n.Block):
        self.statements -= 1  # a block groups statements: only they count
        return ir.BlockStmt([self.check_stmt(s) for s in stmt.body])

    def _expr_stmt(self, stmt: n.ExprStmt):
        expr = stmt.expr
        if type(expr) is n.Assign:  # most statements
            return ir.ExprStmt(self._assign(expr)[1], stmt.at)
        return ir.ExprStmt(self.check_effect(expr), stmt.at)

    def _empty(self, stmt: n.Empty):
        return ir.BlockStmt([])

    def _if(self, stmt: n.If):
        test = self.check_condition(stmt.test)
        then = self.check_stmt(stmt.then)
        orelse = self.check_stmt(stmt.orelse) if stmt.orelse is not None else None
        return ir.IfStmt(test, then, orelse, stmt.at)

    def _return(self, stmt: n.Return):
        if stmt.arg is None:
            if self.result != "void":
                raise CompileError("A004", f"`return;` in a function that returns {self.result}", stmt.loc)
            return ir.ReturnStmt(None, stmt.at)
        if self.result == "void":
            raise CompileError("A004", "this function returns void (its last statement is not `return value;`)",
                               stmt.loc)
        kind, value = self.check_expr(stmt.arg)
        if not is_a(kind, self.result):
            if kind in NEEDS_COERCION:
                raise CompileError("T021", f"a {kind} value must be coerced before it is returned", stmt.arg.loc)
            raise CompileError("A004", f"returns {kind}, but this function returns {self.result}", stmt.loc)
        return ir.ReturnStmt(value, stmt.at)

    def _while(self, stmt: n.While, labels=()):
        test = self.check_condition(stmt.test)
        return ir.LoopStmt(None, test, None, self._loop_body(stmt.body, labels), True, labels, stmt.at)

    def _do_while(self, stmt: n.DoWhile, labels=()):
        body = self._loop_body(stmt.body, labels)
        return ir.LoopStmt(None, self.check_condition(stmt.test), None, body, False, labels, stmt.at)

    def _for(self, stmt: n.For, labels=()):
        init = self.check_effect(stmt.init) if stmt.init is not None else None
        test = self.check_condition(stmt.test) if stmt.test is not None else None
        update = self.check_effect(stmt.update) if stmt.update is not None else None
        return ir.LoopStmt(init, test, update, self._loop_body(stmt.body, labels), True, labels, stmt.at)

    def _loop_body(self, body: n.Node, labels: tuple[str, ...]):
        self.labels.append((labels, "loop"))
        try:
            return self.check_stmt(body)
        finally:
            self.labels.pop()

    def _break(self, stmt: n.Break):
        if stmt.label is None:
            if not any(kind in ("loop", "switch") for _, kind in self.labels):
                raise CompileError("T017", "`break` outside a loop or switch", stmt.loc)
        elif not any(stmt.label in names for names, _ in self.labels):
            raise CompileError("T017", f"`break {stmt.label}`: no enclosing statement has that label", stmt.loc)
        return ir.BreakStmt(stmt.label)

    def _continue(self, stmt: n.Continue):
        loops = [names for names, kind in self.labels if kind == "loop"]
        if stmt.label is None:
            if not loops:
                raise CompileError("T017", "`continue` outside a loop", stmt.loc)
        elif not any(stmt.label in names for names in loops):
            raise CompileError("T017", f"`continue {stmt.label}`: no enclosing loop has that label", stmt.loc)
        return ir.ContinueStmt(stmt.label)

    def _labeled(self, stmt: n.Labeled):
        labels = []
        body: n.Node = stmt
        while isinstance(body, n.Labeled):
            if any(body.label in names for names, _ in self.labels) or body.label in labels:
                raise CompileError("T023", f"label `{body.label}` is already in use", body.loc)
            labels.append(body.label)
            body = body.body
        labels = tuple(labels)
        if isinstance(body, (n.While, n.DoWhile, n.For, n.Switch)):
            return self._STATEMENTS[type(body)](self, body, labels)
        self.labels.append((labels, "block"))
        try:
            return ir.BlockStmt([self.check_stmt(body)], labels)
        finally:
            self.labels.pop()

    def _switch(self, stmt: n.Switch, labels=()):
        kind, disc = self.check_expr(stmt.disc)
        if not is_a(kind, "signed"):
            raise CompileError("T016", f"the switch discriminant must be signed, not {kind}", stmt.loc)
        seen: set[int] = set()
        cases = []
        self.labels.append((labels, "switch"))
        try:
            for i, case in enumerate(stmt.cases):
                if case.test is None and i != len(stmt.cases) - 1:
                    raise CompileError("T016", "`default:` must be the last clause of a switch", case.loc)
                value = None
                if case.test is not None:
                    literal = literal_value(case.test)
                    if literal is None or literal[0] != "i32" or literal[1] >= (1 << 31):
                        raise CompileError("T016", "case labels must be signed integer literals", case.test.loc)
                    value = literal[1]
                    if value in seen:
                        raise CompileError("T016", f"case {value} appears twice in this switch", case.test.loc)
                    seen.add(value)
                cases.append((value, [self.check_stmt(s) for s in case.body]))
        finally:
            self.labels.pop()
        return ir.SwitchStmt(disc, cases, labels, stmt.at)

    _STATEMENTS: ClassVar[dict] = {
        n.Block: _block, n.ExprStmt: _expr_stmt, n.Empty: _empty, n.If: _if, n.Return: _return,
        n.While: _while, n.DoWhile: _do_while, n.For: _for, n.Break: _break, n.Continue: _continue,
        n.Labeled: _labeled, n.Switch: _switch,
    }

    # ---- expressions in statement position

    def check_effect(self, expr: n.Node):
        """An expression evaluated for its effects (§6.5.2): a bare call here is a call returning void."""
        node_type = type(expr)
        if node_type is n.Call and self._binding_kind(expr.callee) not in ("math", "fround"):
            return self.check_call(expr, "void")[1]
        if node_type is n.Seq:
            return ir.Comma(None, [self.check_effect(e) for e in expr.exprs], None)
        return self._EXPRESSIONS[node_type](self, expr)[1]

    def check_condition(self, expr: n.Node):
        kind, value = self.check_expr(expr)
        if not is_a(kind, "int"):
            raise CompileError("T005", f"a condition must be of type int, not {kind}", expr.loc)
        return value

    # ---- §6.8 expressions

    def check_expr(self, expr: n.Node) -> tuple[str, object]:
        """(type, IR) of an expression. The hot paths call `self._EXPRESSIONS[type(expr)](self, expr)` themselves:
        the same, one Python call less."""
        return self._EXPRESSIONS[type(expr)](self, expr)

    def _unsupported(self, expr: n.Node):
        what = expr.what if isinstance(expr, n.Unsupported) else _describe(expr)
        raise CompileError("T018", f"{what} is not allowed in asm.js", expr.loc)

    def _num(self, expr: n.Num):
        """A literal (§6.6.1): the common cases without `literal_type`'s general path (the hot path of checking)."""
        if expr.is_double:
            return "double", ir.Const("f64", float(expr.value))
        typed = self.fixnums.get(expr.value)
        if typed is None:
            if expr.value >= FIXNUM_END:
                return literal_type(expr)
            typed = self.fixnums[expr.value] = ("fixnum", ir.Const("i32", expr.value))
        return typed

    def _name(self, expr: n.Name):
        read = self.reads.get(expr.id)
        if read is not None:
            return read
        binding = self.env.bindings.get(expr.id)
        if binding is None:
            raise CompileError("T001", f"`{expr.id}` is not defined", expr.loc)
        if binding.kind == "global":
            return binding.type, ir.GetGlobal(VT_OF[binding.type], binding.index)
        if binding.kind == "const":
            return "double", ir.Const("f64", binding.value)
        if binding.kind == "table":
            raise CompileError("T024", f"function table `{expr.id}` can only be used in a call", expr.loc)
        if binding.kind == "param":
            raise CompileError("T001", f"module parameter `{expr.id}` is not visible inside functions (it is only "
                               "for module-level imports)", expr.loc)
        raise CompileError("T018", f"`{expr.id}` ({_KIND_WORDS[binding.kind]}) cannot be used as a value", expr.loc)

    def _unary(self, expr: n.Unary):
        literal = literal_type(expr) if expr.op == "-" else None
        if literal is not None:
            return literal
        if expr.op == "+" and self._is_coercible_call(expr.arg):
            return self.check_call(expr.arg, "double")
        if expr.op == "~" and isinstance(expr.arg, n.Unary) and expr.arg.op == "~":
            kind, value = self.check_expr(expr.arg.arg)
            for operand, result, op in DOUBLE_NOT:
                if is_a(kind, operand):
                    return result, ir.Unop("i32", op, value)
            # On an int, `~~x` is `~(~x)` (V8 refuses the unparenthesised form; the tree cannot tell them apart).
            inner_kind, inner = self._apply_unary("~", expr.arg, kind, value)
            return self._apply_unary("~", expr, inner_kind, inner)
        kind, value = self.check_expr(expr.arg)
        return self._apply_unary(expr.op, expr, kind, value)

    def _apply_unary(self, op: str, expr: n.Node, kind: str, value) -> tuple[str, object]:
        for operand, result, opcode in UNARY[op]:
            if is_a(kind, operand):
                return result, value if opcode is None else ir.Unop(WASM_TYPE[result], opcode, value)
        if kind in NEEDS_COERCION:
            raise CompileError("T021", f"a {kind} value must be coerced before unary `{op}`", expr.loc)
        raise CompileError("T002", f"unary `{op}` cannot be applied to {kind}", expr.loc)

    def _binary(self, expr: n.Binary):
        op = expr.op
        left_node, right_node = expr.left, expr.right
        if op == "|" and type(left_node) is n.Call and self._is_coercible_call(left_node) \
                and literal_value(right_node) == ("i32", 0):
            return self.check_call(left_node, "signed")
        if op in INT_ADDITIVE:
            kind, value, _ = self._additive(expr)
            return kind, value
        expressions = self._EXPRESSIONS
        left_kind, left = expressions[type(left_node)](self, left_node)
        right_kind, right = expressions[type(right_node)](self, right_node)
        if op == "*" and is_a(left_kind, "int") and is_a(right_kind, "int"):
            return "intish", self._int_product(expr, left, right)
        row = BINARY_ROWS.get((op, left_kind, right_kind))
        if row is not None:
            result, opcode = row
            if op in _IDENTITY_WITH_ZERO and isinstance(right, ir.Const) and right.value == 0:
                return result, left  # `x|0`, `x>>>0`: a type coercion, no instruction
            return result, ir.Binop(WASM_TYPE[result], opcode, left, right)
        if op not in BINARY:
            raise CompileError("T018", f"operator `{op}` is not allowed in asm.js", expr.loc)
        raise _operand_error(op, left_kind, right_kind, expr.loc)

    def _additive(self, expr: n.Binary) -> tuple[str, object, int]:
        """§6.8.9: `+`/`-` on doubles or floats, or a chain of up to 2^20 int operands (intish).
        Returns (type, IR, number of int operands in the chain so far, 0 when not an int chain)."""
        left_node, right_node = expr.left, expr.right
        if type(left_node) is n.Binary and left_node.op in INT_ADDITIVE:
            left_kind, left, left_count = self._additive(left_node)
        else:
            left_kind, left = self._EXPRESSIONS[type(left_node)](self, left_node)
            left_count = 1 if left_kind in INTS else 0
        if type(right_node) is n.Binary and right_node.op in INT_ADDITIVE:
            right_kind, right, right_count = self._additive(right_node)
        else:
            right_kind, right = self._EXPRESSIONS[type(right_node)](self, right_node)
            right_count = 1 if right_kind in INTS else 0
        if left_count and right_count:
            count = left_count + right_count
            if count > ADDITIVE_CHAIN_LIMIT:
                raise CompileError("T014", "more than 2^20 integer operands in one additive chain", expr.loc)
            return "intish", ir.Binop("i32", INT_ADDITIVE[expr.op], left, right), count
        for lt, rt, result, opcode in BINARY[expr.op]:
            if is_a(left_kind, lt) and is_a(right_kind, rt):
                return result, ir.Binop(WASM_TYPE[result], opcode, left, right), 0
        raise _operand_error(expr.op, left_kind, right_kind, expr.loc)

    @staticmethod
    def _int_product(expr: n.Binary, left, right) -> ir.Binop:
        """§6.8.8: int * literal (or literal * int) with |literal| < 2^20 is intish."""
        literals = [lit for lit in (literal_value(expr.right), literal_value(expr.left)) if lit is not None]
        literal = min(literals, key=lambda lit: abs(lit[1]), default=None)
        if literal is None:
            raise CompileError("T015", "integers can only be multiplied by a literal below 2^20 (or with Math.imul)",
                               expr.loc)
        if abs(literal[1]) >= MUL_LITERAL_LIMIT:
            raise CompileError("T015", "an integer multiplication's literal operand must be below 2^20", expr.loc)
        return ir.Binop("i32", "i32.mul", left, right)

    def _cond(self, expr: n.Cond):
        test = self.check_condition(expr.test)
        then_kind, then = self.check_expr(expr.then)
        else_kind, orelse = self.check_expr(expr.orelse)
        for kind in ("int", "double", "float"):
            if is_a(then_kind, kind) and is_a(else_kind, kind):
                return kind, ir.Select(VT_OF[kind], test, then, orelse)
        raise CompileError("T013", f"the branches of a conditional must both be int, double or float, not "
                           f"{then_kind} and {else_kind}", expr.loc)

    def _seq(self, expr: n.Seq):
        effects = [self.check_effect(e) for e in expr.exprs[:-1]]
        kind, last = self.check_expr(expr.exprs[-1])
        return kind, ir.Comma(WASM_TYPE[kind], effects, last)

    def _assign(self, expr: n.Assign):
        target = expr.target
        if isinstance(target, n.Index):
            return self._store(expr)
        if not isinstance(target, n.Name):
            raise CompileError("T004", "only variables and heap elements can be assigned", expr.loc)
        kind, value = self._EXPRESSIONS[type(expr.value)](self, expr.value)
        local = self.locals.get(target.id)
        if local is not None:
            declared, index = local
            if kind not in ASSIGNABLE[declared]:
                self._check_assignable(expr, kind, declared)  # raises
            return kind, ir.SetLocal(VT_OF[declared], index, value)
        binding = self.env.bindings.get(target.id)
        if binding is None:
            raise CompileError("T001", f"`{target.id}` is not defined", target.loc)
        if binding.kind != "global":
            raise CompileError("T004", f"`{target.id}` ({_KIND_WORDS[binding.kind]}) cannot be assigned", expr.loc)
        self._check_assignable(expr, kind, binding.type)
        return kind, ir.SetGlobal(VT_OF[binding.type], binding.index, value)

    @staticmethod
    def _check_assignable(expr: n.Assign, kind: str, declared: str) -> None:
        if not is_a(kind, DECLARED[declared]):
            raise CompileError("T003", f"cannot assign a value of type {kind} to a variable of type {declared}",
                               expr.loc)

    # ---- §6.10 heap access

    def _heap_access(self, expr: n.Index) -> tuple[HeapView, ir.HeapAddress]:
        view = self._view_of(expr.obj, expr.index)
        index = expr.index
        if type(index) is n.Binary and index.op == ">>":  # the usual `view[e >> k]`, without the general path
            amount = index.right
            if type(amount) is n.Num and not amount.is_double and amount.value == SHIFT_OF_SIZE[view.size]:
                return view, self._shifted_address(index.left, view)
        literal = literal_value(index)
        if literal is not None:
            # A negative index is simply out of bounds (V8 accepts `H8[-7]`; it reads undefined).
            if literal[0] != "i32" or not -(1 << 31) <= literal[1] * view.size < (1 << 31):
                raise CompileError("T011", "a constant heap index must be an integer below 2^31 / element size",
                                   index.loc)
            return view, _constant_address(literal[1] * view.size, view)
        shift = SHIFT_OF_SIZE[view.size]
        if isinstance(index, n.Binary) and index.op == ">>" and literal_value(index.right) == ("i32", shift):
            return view, self._shifted_address(index.left, view)
        if view.size == 1:
            kind, base = self.check_expr(index)
            if is_a(kind, "int"):
                return view, ir.HeapAddress(base, None, False)
            raise CompileError("T011", f"a byte-view index must be of type int, not {kind}", index.loc)
        raise CompileError("T011", f"a {view.ctor} index must be `e >> {shift}` or an integer literal", index.loc)

    def _shifted_address(self, base_node: n.Node, view: HeapView) -> ir.HeapAddress:
        """`view[e >> k]` reads byte address `e & -size` (asm.js never reads unaligned)."""
        kind, base = self._EXPRESSIONS[type(base_node)](self, base_node)
        if not is_a(kind, "intish"):
            raise CompileError("T011", f"a heap index must be intish, not {kind}", base_node.loc)
        if isinstance(base, ir.Const):
            return _constant_address(base.value & -view.size, view)
        if view.size == 1 or (type(base_node) is n.Binary and _is_aligned(base_node, SHIFT_OF_SIZE[view.size])):
            return ir.HeapAddress(base, None, False)
        return ir.HeapAddress(base, -view.size, False)

    def _view_of(self, node: n.Node, index: n.Node) -> HeapView:
        binding = self.env.bindings.get(node.id) if type(node) is n.Name and node.id not in self.locals else None
        if binding is not None and binding.kind == "view":
            return binding.view
        if binding is not None and binding.kind == "table":
            raise CompileError("T024", f"function table `{node.id}` can only be used in a call", node.loc)
        raise CompileError("T011", "only heap views can be indexed (function tables only in calls)", index.loc)

    def _index(self, expr: n.Index):
        view, addr = self._heap_access(expr)
        if not addr.in_bounds:
            self.checked_accesses += 1
        return view.load_type, ir.Load(view.valtype, view, addr)

    def _store(self, expr: n.Assign):
        view, addr = self._heap_access(expr.target)
        kind, value = self._EXPRESSIONS[type(expr.value)](self, expr.value)
        if kind not in view.storable:
            raise CompileError("T012", f"cannot store a value of type {kind} into a {view.ctor}", expr.loc)
        vt = WASM_TYPE[kind]
        if not addr.in_bounds:
            self.checked_accesses += 1
        return kind, ir.Store(vt, view, addr, value, STORE_CONVERSIONS.get((vt, view.valtype)))

    _EXPRESSIONS: ClassVar[dict] = _ByNodeType(_unsupported, {
        n.Num: _num, n.Name: _name, n.Unary: _unary, n.Binary: _binary, n.Cond: _cond, n.Seq: _seq,
        n.Assign: _assign, n.Index: _index, n.Call: CallChecks._call,
    })


def _binary_rows() -> dict[tuple[str, str, str], tuple[str, str]]:
    """(op, left type, right type) -> (result type, opcode) of the first BINARY row of `op` that takes operands of
    these types (§8.2), for every combination that has one."""
    rows = {}
    for op, candidates in BINARY.items():
        for left, right in product(SUPERTYPES, repeat=2):
            for lt, rt, result, opcode in candidates:
                if is_a(left, lt) and is_a(right, rt):
                    rows[(op, left, right)] = (result, opcode)
                    break
    return rows


BINARY_ROWS = _binary_rows()
INTS = frozenset(t for t in SUPERTYPES if is_a(t, "int"))  # the types that are int (`is_a(t, "int")`)
# declared type of a variable -> the types of the values it may be assigned (§6.8.4, `_check_assignable`)
ASSIGNABLE = {declared: frozenset(t for t in SUPERTYPES if is_a(t, DECLARED[declared])) for declared in DECLARED}


_KIND_WORDS = {
    "param": "a module parameter", "math": "a stdlib function", "fround": "Math.fround", "ctor": "a typed array",
    "view": "a heap view", "ffi": "a foreign function", "func": "a function", "table": "a function table",
    "global": "a variable", "const": "a constant",
}


def _operand_error(op: str, left: str, right: str, loc: Loc) -> CompileError:
    if left in NEEDS_COERCION or right in NEEDS_COERCION:
        return CompileError("T021", f"`{op}` needs its {left if left in NEEDS_COERCION else right} operand "
                            "coerced first (`|0`, `+`, `fround`)", loc)
    return CompileError("T002", f"`{op}` cannot be applied to {left} and {right}", loc)


def _describe(expr: n.Node) -> str:
    return {n.Dot: "property access", n.Str: "a string", n.New: "`new`", n.ObjectLit: "an object literal",
            n.ArrayLit: "an array literal"}.get(type(expr), type(expr).__name__)


def _constant_address(address: int, view: HeapView) -> ir.HeapAddress:
    """A known byte address: no check needed when it lies in every heap asm.js links with (4096 bytes)."""
    return ir.HeapAddress(ir.Const("i32", to_i32(address)), None, 0 <= address <= MIN_HEAP_BYTES - view.size)


def _is_aligned(node: n.Node, shift: int) -> bool:
    """`x << k` (k >= shift) is already a multiple of the element size: `H32[(x << 2) >> 2]` needs no mask."""
    if isinstance(node, n.Binary) and node.op == "<<":
        amount = literal_value(node.right)
        return amount is not None and amount[0] == "i32" and shift <= amount[1] < 32
    return False
