"""The reference front end: esprima parses one module function, and this file turns its ESTree into our nodes.

Only the module's own text is parsed. To keep esprima's positions in the coordinates of the whole file, the text
is padded in front: one newline per line before the module and spaces up to its column, with the `(` that makes
the function an expression placed in that padding. Lines, columns and error positions then need no shifting;
offsets (`range`) are shifted by the difference between the padding's length and the module's start. The cost is
esprima skipping the padding: about 1 s per million lines before the module.

Shapes the adapter decides (the checker gives the asm.js reason for every `Unsupported`):

- numeric literals are typed by their source text (§6.6.1, as V8's asm.js scanner does): with a `.` they are
  doubles; otherwise integers, kept exact as a Python int (`1e3` is the integer 1000; `0x10` is 16), except a
  value with a fraction (`1e-3`), which is a double; legacy octal (`010`) is Unsupported;
- `-x` stays Unary("-", x); parentheses vanish; a node's Loc is its first character (for `(a+b)|0` the `(`);
- `new`, strings, function expressions and object or array literals are Unsupported inside function bodies;
  at module level `new` and strings are kept, an array literal only as a variable initialiser (function table),
  an object literal only as the argument of the final `return` (the exports);
- `var` in a for initialiser, patterns, `&&`, `||`, `++`, compound assignments, `this`, `typeof`, `delete`,
  `void`, regex, template, `for in/of`, try/throw, with, classes and nested function declarations are Unsupported;
- `let` and `const` are Unsupported in a function, CompileError E007 at module level (even `const`, which V8
  accepts as an immutable global: the spec's module body has only `var` statements);
- the module's body is every statement but the "use asm" directive: other directives of the prologue stay in place
  as ExprStmt(Str), so that the checker can report "use asm" not coming first (M002);
- the jump-target and label early errors of JavaScript are left to the checker (see esprima_lenient).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import esprima

from asm2wasm.diagnostics import CompileError, Loc
from asm2wasm.frontend import nodes as N
from asm2wasm.frontend.common import literal_number, nesting_error
from asm2wasm.frontend.esprima_lenient import parse_script
from asm2wasm.frontend.extract import DIRECTIVES, ModuleSpan
from asm2wasm.frontend.jsscan import offset_loc
from asm2wasm.frontend.positions import SourceLines
from asm2wasm.util import gc_paused

UNARY_OPS = frozenset(["+", "-", "~", "!"])
BINARY_OPS = frozenset(["+", "-", "*", "/", "%", "|", "&", "^", "<<", ">>", ">>>", "<", "<=", ">", ">=", "==", "!="])
_ESPRIMA_OPTIONS = {"loc": True, "range": True}
_LINE_PREFIX = re.compile(r"^Line \d+: ")

# ESTree types with no asm.js meaning, named for the message.
_WHAT = {
    "ThisExpression": "`this`",
    "FunctionExpression": "function expression",
    "ArrowFunctionExpression": "arrow function",
    "ObjectExpression": "object literal",
    "ArrayExpression": "array literal",
    "TemplateLiteral": "template literal",
    "TaggedTemplateExpression": "tagged template",
    "ClassExpression": "class expression",
    "ClassDeclaration": "class declaration",
    "YieldExpression": "`yield`",
    "AwaitExpression": "`await`",
    "SpreadElement": "spread `...`",
    "ForInStatement": "`for in` loop",
    "ForOfStatement": "`for of` loop",
    "TryStatement": "`try` statement",
    "ThrowStatement": "`throw` statement",
    "WithStatement": "`with` statement",
    "DebuggerStatement": "`debugger` statement",
}


def adapt_module(source: str, span: ModuleSpan) -> N.Module:
    """Parse the module at `span` with esprima and convert it. Raises CompileError (E002, E006)."""
    if span.error is not None:
        raise CompileError("E002", f"{span.error} (module {span.describe()})", offset_loc(source, span.error_pos))
    text, shift = _padded_text(source, span)
    with gc_paused():
        tree = _esprima_parse(text, source, span)
        func = tree.body[0]
        func = func.expression if func.type == "ExpressionStatement" else func
        try:
            return _Adapter(shift, SourceLines(source)).module(func, span)
        except RecursionError:
            raise nesting_error(source, span) from None


def _padded_text(source: str, span: ModuleSpan) -> tuple[str, int]:
    """The module's text padded so esprima reports whole-file lines and columns; and the offset shift."""
    body = source[span.start : span.end]
    if span.col > 0:
        prefix = "\n" * (span.line - 1) + " " * (span.col - 1) + "("
    elif span.line > 1:
        prefix = "\n" * (span.line - 2) + "(\n"
    else:
        return body, span.start  # a declaration at the very start of the file: parse it as it is
    return prefix + body + ")", span.start - len(prefix)


def _esprima_parse(text: str, source: str, span: ModuleSpan) -> Any:
    try:
        return parse_script(text, _ESPRIMA_OPTIONS)
    except esprima.Error as exc:
        message = _LINE_PREFIX.sub("", str(exc.message))
        raise CompileError("E002", message, Loc(exc.lineNumber or span.line, max(0, (exc.column or 1) - 1))) from None
    except RecursionError:
        raise nesting_error(source, span) from None


def _words(estree_type: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", estree_type).lower()


def _directive_index(body: list[Any]) -> int:
    """Index of the "use asm" (or "almost asm") directive in the directive prologue, or -1."""
    for i, stmt in enumerate(body):
        directive = stmt.directive if stmt.type == "ExpressionStatement" else None
        if directive is None:
            return -1
        if directive in DIRECTIVES:
            return i
    return -1


# ---- the tree walk ---------------------------------------------------------------------------------------------


class _Adapter:
    """ESTree -> nodes. `in_function` tells module-level statements from function bodies."""

    def __init__(self, shift: int, lines: SourceLines) -> None:
        self.shift = shift  # esprima's offsets (in the padded text) + shift = offsets in the source
        self.lines = lines
        self.in_function = False
        self.expressions: dict[str, Callable[[Any], N.Node]] = {
            "Literal": self.literal,
            "Identifier": lambda n: N.Name(n.name, *self.pos(n)),
            "MemberExpression": self.member,
            "CallExpression": lambda n: N.Call(self.expr(n.callee), self.exprs(n.arguments), *self.pos(n)),
            "NewExpression": self.new,
            "UnaryExpression": self.unary,
            "BinaryExpression": self.binary,
            # Kept as trees (the checker rejects them, T018): "almost asm" growth functions use them.
            "LogicalExpression": lambda n: N.Binary(n.operator, self.expr(n.left), self.expr(n.right), *self.pos(n)),
            "UpdateExpression": lambda n: self.unsupported(n, f"`{n.operator}` operator"),
            "ConditionalExpression": lambda n: N.Cond(
                self.expr(n.test), self.expr(n.consequent), self.expr(n.alternate), *self.pos(n)
            ),
            "AssignmentExpression": self.assign,
            "SequenceExpression": lambda n: N.Seq(self.exprs(n.expressions), *self.pos(n)),
        }
        self.statements: dict[str, Callable[[Any], N.Node]] = {
            "VariableDeclaration": self.var_decl,
            "ExpressionStatement": lambda n: N.ExprStmt(self.expr(n.expression), *self.pos(n)),
            "BlockStatement": lambda n: N.Block(self.stmts(n.body), *self.pos(n)),
            "EmptyStatement": lambda n: N.Empty(*self.pos(n)),
            "IfStatement": lambda n: N.If(
                self.expr(n.test), self.stmt(n.consequent), self.opt_stmt(n.alternate), *self.pos(n)
            ),
            "ReturnStatement": self.return_stmt,
            "WhileStatement": lambda n: N.While(self.expr(n.test), self.stmt(n.body), *self.pos(n)),
            "DoWhileStatement": lambda n: N.DoWhile(self.stmt(n.body), self.expr(n.test), *self.pos(n)),
            "ForStatement": self.for_stmt,
            "BreakStatement": lambda n: N.Break(n.label.name if n.label else None, *self.pos(n)),
            "ContinueStatement": lambda n: N.Continue(n.label.name if n.label else None, *self.pos(n)),
            "LabeledStatement": lambda n: N.Labeled(n.label.name, self.stmt(n.body), *self.pos(n)),
            "SwitchStatement": self.switch,
            "FunctionDeclaration": self.func_decl,
        }

    # -- positions

    def offset(self, node: Any) -> int:
        """Where an ESTree node starts in the source."""
        return node.range[0] + self.shift

    def pos(self, node: Any) -> tuple[int, SourceLines]:
        """A node's position arguments (`at`, `lines`)."""
        return self.offset(node), self.lines

    def loc(self, node: Any) -> Loc:
        return self.lines.loc(self.offset(node))

    def unsupported(self, node: Any, what: str | None = None) -> N.Unsupported:
        return N.Unsupported(what or _WHAT.get(node.type) or _words(node.type), *self.pos(node))

    # -- module

    def module(self, func: Any, span: ModuleSpan) -> N.Module:
        """The module; `body` is every statement but the directive (other prologue strings stay, as ExprStmt(Str))."""
        body = list(func.body.body)
        at = _directive_index(body)
        if at < 0:
            raise CompileError("E003", 'the function\'s directive prologue has no "use asm"', self.loc(func))
        directive = body.pop(at).directive
        own = func.id.name if func.id else None
        name = own or (span.name if span.named_by != "line" else None)
        if any(p.type != "Identifier" for p in func.params):
            raise CompileError("E007", "module parameters must be plain names", self.loc(func))
        params = [p.name for p in func.params]
        return N.Module(name, params, directive, self.stmts(body), *self.pos(func), span.start, span.end)

    # -- statements

    def stmt(self, node: Any) -> N.Node:
        convert = self.statements.get(node.type)
        return convert(node) if convert else self.unsupported(node)

    def opt_stmt(self, node: Any) -> N.Node | None:
        return None if node is None else self.stmt(node)

    def stmts(self, nodes: list[Any]) -> list[N.Node]:
        return [self.stmt(n) for n in nodes]

    def var_decl(self, node: Any) -> N.Node:
        if node.kind != "var" and self.in_function:
            return self.unsupported(node, f"`{node.kind}` declaration")
        if node.kind != "var":
            raise CompileError("E007", f"`{node.kind}` declarations are not asm.js (ES5): use `var`", self.loc(node))
        if any(d.id.type != "Identifier" for d in node.declarations):
            return self.unsupported(node, "destructuring declaration")
        decls = [(d.id.name, self.var_init(d.init), self.offset(d.id)) for d in node.declarations]
        return N.VarDecl(decls, *self.pos(node))

    def var_init(self, init: Any) -> N.Node | None:
        if init is None:
            return None
        if init.type == "ArrayExpression" and not self.in_function:
            elements = [
                self.expr(e) if e is not None else N.Unsupported("array hole", *self.pos(init)) for e in init.elements
            ]
            return N.ArrayLit(elements, *self.pos(init))
        return self.expr(init)

    def return_stmt(self, node: Any) -> N.Node:
        arg = node.argument
        if arg is not None and arg.type == "ObjectExpression" and not self.in_function:
            return N.Return(self.object_lit(arg), *self.pos(node))
        return N.Return(None if arg is None else self.expr(arg), *self.pos(node))

    def object_lit(self, node: Any) -> N.ObjectLit:
        return N.ObjectLit([self.prop(p) for p in node.properties], *self.pos(node))

    def prop(self, p: Any) -> tuple[str, N.Node]:
        key = p.key
        name = key.name if key is not None and key.type == "Identifier" and not p.computed else None
        if key is not None and key.type == "Literal" and isinstance(key.value, str):
            name = key.value
        if p.type != "Property" or name is None:
            return ("", self.unsupported(p, "computed or spread property"))
        if p.shorthand or p.method or p.kind != "init":
            return (name, self.unsupported(p, "shorthand, method or accessor property"))
        return (name, self.expr(p.value))

    def for_stmt(self, node: Any) -> N.Node:
        init = node.init
        if init is not None and init.type == "VariableDeclaration":
            init_node: N.Node | None = self.unsupported(init, f"`{init.kind}` in a for initialiser")
        else:
            init_node = None if init is None else self.expr(init)
        test = None if node.test is None else self.expr(node.test)
        update = None if node.update is None else self.expr(node.update)
        return N.For(init_node, test, update, self.stmt(node.body), *self.pos(node))

    def switch(self, node: Any) -> N.Node:
        cases = [
            N.Case(None if c.test is None else self.expr(c.test), self.stmts(c.consequent), *self.pos(c))
            for c in node.cases
        ]
        return N.Switch(self.expr(node.discriminant), cases, *self.pos(node))

    def func_decl(self, node: Any) -> N.Node:
        if self.in_function:
            return self.unsupported(node, "nested function declaration")
        if node.generator or node.isAsync:
            return self.unsupported(node, "generator or async function")
        if any(p.type != "Identifier" for p in node.params):
            return self.unsupported(node, "function with default, rest or pattern parameters")
        self.in_function = True
        try:
            body = self.stmts(node.body.body)
        finally:
            self.in_function = False
        params = [p.name for p in node.params]
        return N.FuncDecl(node.id.name, params, body, *self.pos(node), node.range[1] + self.shift)

    # -- expressions

    def expr(self, node: Any) -> N.Node:
        convert = self.expressions.get(node.type)
        return convert(node) if convert else self.unsupported(node)

    def exprs(self, nodes: list[Any]) -> list[N.Node]:
        return [self.expr(n) for n in nodes]

    def literal(self, node: Any) -> N.Node:
        value = node.value
        if node.regex is not None:
            return self.unsupported(node, "regular expression literal")
        if isinstance(value, bool) or value is None:
            return self.unsupported(node, f"`{node.raw}` literal")
        if isinstance(value, str):
            return self.unsupported(node, "string literal") if self.in_function else N.Str(value, *self.pos(node))
        number = literal_number(node.raw)
        if number is None:
            return self.unsupported(node, f"legacy octal literal {node.raw}")
        return N.Num(number[0], number[1], *self.pos(node))

    def member(self, node: Any) -> N.Node:
        obj = self.expr(node.object)
        if node.computed:
            return N.Index(obj, self.expr(node.property), *self.pos(node))
        return N.Dot(obj, node.property.name, *self.pos(node))

    def new(self, node: Any) -> N.Node:
        return N.New(self.expr(node.callee), self.exprs(node.arguments), *self.pos(node))

    def unary(self, node: Any) -> N.Node:
        if node.operator not in UNARY_OPS:
            return self.unsupported(node, f"`{node.operator}` operator")
        return N.Unary(node.operator, self.expr(node.argument), *self.pos(node))

    def binary(self, node: Any) -> N.Node:
        """Left-nested chains (`a + b + c + ...`, up to 2^20 operands in valid asm.js) without recursion."""
        spine = []
        while node.type == "BinaryExpression" and node.operator in BINARY_OPS:
            spine.append(node)
            node = node.left
        result = self.expr(node) if spine else self.unsupported(node, f"`{node.operator}` operator")
        for b in reversed(spine):
            result = N.Binary(b.operator, result, self.expr(b.right), *self.pos(b))
        return result

    def assign(self, node: Any) -> N.Node:
        if node.operator != "=":
            return self.unsupported(node, f"compound assignment `{node.operator}`")
        return N.Assign(self.expr(node.left), self.expr(node.right), *self.pos(node))
