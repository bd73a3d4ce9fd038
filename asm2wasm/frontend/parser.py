"""The fast front end: a recursive-descent parser for the JavaScript that asm.js modules are written in.

It builds exactly the tree the esprima path builds (`esprima_adapter`), positions included, for the subset it knows,
and gives up on everything else: any construct outside the subset and any syntax error raise FastPathUnavailable,
and `frontend.parse` hands the module to esprima, so that odd inputs and error messages stay the reference's.

The subset (each rule's method is named after it; ES5 §12 statements, §11 expressions):

- statements: `var` (identifiers with optional initialisers), function declarations (directly in the module, not
  nested), block, expression, empty, if/else, while, do-while, for (expressions only: no `var`, no `in`/`of`),
  break/continue with an optional label, labelled statements, switch (one `default` at most), return;
  semicolons may be left out where JavaScript inserts them (a line break, `}`; `return`, `break` and `continue`
  end at a line break);
- expressions: numbers, identifiers that are not reserved words, `a.b` (any identifier name), `a[b]`, calls, `new`
  (with member callees), unary `+ - ~ !`, the binary operators by precedence climbing over one table (`PREC`),
  `?:`, `=` and the compound assignments, the comma, parentheses, array and object literals (identifier or string
  keys), strings at module level (the directive, export keys, globals);
- what the adapter turns into Unsupported, this parser does too where it recognises the form: `===`, `!==`,
  compound assignment, `true`/`false`/`null`, array and object literals outside their module-level places
  (`&&` and `||` are Binary nodes and `new` is New everywhere, as in the adapter: the checker rejects them).

Gives up on (the esprima path decides): a string in a function (a directive could make it strict), `++`/`--`,
`typeof`/`void`/`delete`/`in`/`instanceof`, `this`, regular expressions, templates, function expressions and
arrows, nested function declarations, `var`/`let`/`const` in a `for` head, `let`/`const`/`class`,
try/throw/with/debugger, spread, trailing commas in calls or parameters, computed, numeric, shorthand or method
properties, a parenthesised assignment target (`(a) = 1`; `(a).b = 1` is fine), a module prologue other than one
`"use asm";`, reserved words used as names, and characters the scanner does not know (non-ASCII outside comments,
escapes). asm.js from compilers (Emscripten, hand-written modules) never needs the esprima path.

Positions: a node's offset (`at`) is its first token's, as esprima's; for `(a+b)|0` the `(`'s. Lines and columns
are worked out only when asked for (`positions.SourceLines`), so the parse itself never counts lines.

Recursion: one frame per nesting level of blocks, unary operators, assignments and conditionals, four per level of
parentheses: never more than the esprima path uses, so when the recursion limit is reached here it would be there
too, and the error is the same E006 (`common.nesting_error`).
"""

from __future__ import annotations

from collections.abc import Callable

from asm2wasm.frontend import nodes as N
from asm2wasm.frontend.common import literal_number, nesting_error
from asm2wasm.frontend.extract import DIRECTIVES, ModuleSpan
from asm2wasm.frontend.positions import SourceLines
from asm2wasm.frontend.scanner import DIGITS, END, IDENTIFIER_START, LINE_TERMINATOR, QUOTES, scan
from asm2wasm.util import gc_paused

# Binary operators by precedence (ES5 §11.5-§11.11); all associate to the left.
PREC = {
    "||": 1,
    "&&": 2,
    "|": 3,
    "^": 4,
    "&": 5,
    "==": 6,
    "!=": 6,
    "===": 6,
    "!==": 6,
    "<": 7,
    ">": 7,
    "<=": 7,
    ">=": 7,
    "<<": 8,
    ">>": 8,
    ">>>": 8,
    "+": 9,
    "-": 9,
    "*": 11,
    "/": 11,
    "%": 11,
}
UNSUPPORTED_BINARY = frozenset(["===", "!=="])  # parsed, then Unsupported as in the adapter
LITERAL_WORDS = frozenset(["true", "false", "null"])  # Unsupported literals (`return false` in growth modules)
UNARY = frozenset("+-~!")
COMPOUND_ASSIGNMENT = frozenset(["+=", "-=", "*=", "/=", "%=", "<<=", ">>=", ">>>=", "&=", "|=", "^="])
POSTFIX = frozenset(".[(")
ASSIGNABLE = (N.Name, N.Dot, N.Index)

# Words that may not be a name here: ES5 keywords, literals and future reserved words, and the words that esprima
# treats specially in some context (`let`, `yield`, `await`, strict-mode reserved words). Not `of`, `get`, `set`,
# `async`: ordinary names wherever this parser accepts a name (minifiers do use them).
RESERVED = frozenset(
    """break case catch class const continue debugger default delete do else enum export extends false finally for
    function if import in instanceof new null return super switch this throw true try typeof var void while with
    yield let static implements interface package private protected public await""".split()
)
CASE_END = frozenset(["case", "default", "}"])


class FastPathUnavailable(Exception):
    """The module uses something this parser does not handle (or is not valid JavaScript): use the esprima path."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(f"{reason} (at offset {offset})")
        self.reason = reason
        self.offset = offset


def parse_module(source: str, span: ModuleSpan) -> N.Module:
    """The module at `span`, as the esprima path would build it.

    Raises FastPathUnavailable when the esprima path must decide, CompileError E006 when nesting is too deep.
    """
    with gc_paused():
        tokens, starts = scan(source, span.start, span.end)
        parser = _Parser(source, span, tokens, starts)
        try:
            return parser.module()
        except RecursionError:
            raise nesting_error(source, span) from None


def _is_name(token: str) -> bool:
    return token[0] in IDENTIFIER_START and token not in RESERVED


def _is_string(token: str) -> bool:
    return token[0] in QUOTES and len(token) >= 2


class _Parser:
    """One parse of one module. `i` is the index of the current token; `in_function` tells module level apart."""

    __slots__ = (
        "array",
        "i",
        "in_function",
        "lines",
        "numbers",
        "object",
        "span",
        "src",
        "starts",
        "statements",
        "toks",
    )

    def __init__(self, source: str, span: ModuleSpan, tokens: list[str], starts: list[int]) -> None:
        self.src = source
        self.span = span
        self.toks = tokens
        self.starts = starts
        self.i = 0
        self.in_function = False
        self.numbers: dict[str, tuple[int | float, bool]] = {}
        # the last array / object literal at module level: (its Unsupported stand-in, the literal itself)
        self.array: tuple[N.Node, N.ArrayLit] | None = None
        self.object: tuple[N.Node, N.ObjectLit] | None = None
        self.lines = SourceLines(source)  # the nodes' positions, worked out when asked
        self.statements: dict[str, Callable[[], N.Node]] = {
            "var": self.var_statement,
            "function": self.function_declaration,
            "{": self.block,
            ";": self.empty_statement,
            "if": self.if_statement,
            "while": self.while_statement,
            "do": self.do_while_statement,
            "for": self.for_statement,
            "break": self.break_statement,
            "continue": self.continue_statement,
            "return": self.return_statement,
            "switch": self.switch_statement,
        }

    # -- tokens and positions

    def fail(self, reason: str) -> FastPathUnavailable:
        return FastPathUnavailable(reason, self.starts[min(self.i, len(self.starts) - 1)])

    def expect(self, token: str) -> None:
        if self.toks[self.i] != token:
            raise self.fail(f"expected {token!r}")
        self.i += 1

    def newline_before(self, i: int) -> bool:
        prev_end = self.starts[i - 1] + len(self.toks[i - 1])
        return LINE_TERMINATOR.search(self.src, prev_end, self.starts[i]) is not None

    def semicolon(self) -> None:
        """`;`, or where JavaScript inserts one: before `}` or a token on a later line."""
        token = self.toks[self.i]
        if token == ";":
            self.i += 1
        elif token != "}" and not self.newline_before(self.i):
            raise self.fail("expected ';'")

    def name(self) -> str:
        token = self.toks[self.i]
        if not _is_name(token):
            raise self.fail("expected a name")
        self.i += 1
        return token

    # -- the module (§6.1)

    def module(self) -> N.Module:
        """`function NAME?(params) { "use asm"; statements }`, ending exactly where the extraction found its end."""
        span, toks = self.span, self.toks
        self.expect("function")
        own = None
        if toks[self.i] != "(":
            own = self.name()
        elif span.line == 1 and span.col == 0:
            raise self.fail("anonymous function declaration")  # esprima's syntax error
        params = self.parameters()
        self.expect("{")
        directive = toks[self.i]
        if not _is_string(directive) or directive[1:-1] not in DIRECTIVES or toks[self.i + 1] != ";":
            raise self.fail('the body does not start with "use asm";')
        self.i += 2
        if _is_string(toks[self.i]):
            raise self.fail("a second directive")
        body = self.statements_until_brace()
        if toks[self.i] != END or self.starts[self.i - 1] + 1 != span.end:
            raise self.fail("the module ends elsewhere than the extraction says")
        name = own or (span.name if span.named_by != "line" else None)
        return N.Module(name, params, directive[1:-1], body, span.start, self.lines, span.start, span.end)

    def parameters(self) -> list[str]:
        """`( a, b, c )`"""
        self.expect("(")
        params = []
        if self.toks[self.i] != ")":
            params.append(self.name())
            while self.toks[self.i] == ",":
                self.i += 1
                params.append(self.name())
        self.expect(")")
        return params

    # -- statements (ES5 §12)

    def statement(self) -> N.Node:
        token = self.toks[self.i]
        rule = self.statements.get(token)
        if rule is not None:
            return rule()
        if self.toks[self.i + 1] == ":" and _is_name(token):
            return self.labelled_statement()
        return self.expression_statement()

    def statements_until_brace(self) -> list[N.Node]:
        """Statements up to the closing `}`, which is consumed."""
        toks, statement = self.toks, self.statement
        body = []
        while toks[self.i] != "}":
            body.append(statement())
        self.i += 1
        return body

    def var_statement(self) -> N.Node:
        """`var a = e, b;` (an array literal initialiser at module level is a function table)."""
        at = self.starts[self.i]
        self.i += 1
        decls: list[tuple[str, N.Node | None, int]] = []
        while True:
            name_at = self.starts[self.i]
            name = self.name()
            init = None
            if self.toks[self.i] == "=":
                self.i += 1
                init = self.assign()
                if self.array is not None and init is self.array[0]:
                    init = self.array[1]
            decls.append((name, init, name_at))
            if self.toks[self.i] != ",":
                break
            self.i += 1
        self.semicolon()
        return N.VarDecl(decls, at, self.lines)

    def function_declaration(self) -> N.Node:
        """`function f(a, b) { ... }`, directly in the module."""
        if self.in_function:
            raise self.fail("nested function declaration")
        at = self.starts[self.i]
        self.i += 1
        name = self.name()
        params = self.parameters()
        body = self.function_body()
        return N.FuncDecl(name, params, body, at, self.lines, self.starts[self.i - 1] + 1)

    def function_body(self) -> list[N.Node]:
        """`{ statements }` of a function declaration."""
        self.expect("{")
        self.in_function = True
        try:
            return self.statements_until_brace()
        finally:
            self.in_function = False

    def block(self) -> N.Node:
        at = self.starts[self.i]
        self.i += 1
        return N.Block(self.statements_until_brace(), at, self.lines)

    def empty_statement(self) -> N.Node:
        at = self.starts[self.i]
        self.i += 1
        return N.Empty(at, self.lines)

    def expression_statement(self) -> N.Node:
        start = self.i
        expr = self.assign()
        token = self.toks[self.i]
        if token == ";":
            self.i += 1
        else:
            if token == ",":
                expr = self.sequence(expr, start)
            self.semicolon()
        return N.ExprStmt(expr, self.starts[start], self.lines)

    def parenthesised(self) -> N.Node:
        """`( e )` after if, while, switch (in expressions, `unary` reads parentheses itself)."""
        self.expect("(")
        expr = self.expression()
        self.expect(")")
        return expr

    def if_statement(self) -> N.Node:
        at = self.starts[self.i]
        self.i += 1
        test = self.parenthesised()
        then = self.statement()
        orelse = None
        if self.toks[self.i] == "else":
            self.i += 1
            orelse = self.statement()
        return N.If(test, then, orelse, at, self.lines)

    def while_statement(self) -> N.Node:
        at = self.starts[self.i]
        self.i += 1
        test = self.parenthesised()
        return N.While(test, self.statement(), at, self.lines)

    def do_while_statement(self) -> N.Node:
        """`do S while (e)`, the `;` after it optional."""
        at = self.starts[self.i]
        self.i += 1
        body = self.statement()
        self.expect("while")
        test = self.parenthesised()
        if self.toks[self.i] == ";":
            self.i += 1
        return N.DoWhile(body, test, at, self.lines)

    def for_statement(self) -> N.Node:
        """`for (e?; e?; e?) S`"""
        at = self.starts[self.i]
        self.i += 1
        self.expect("(")
        init = self.optional_expression(";")
        self.expect(";")
        test = self.optional_expression(";")
        self.expect(";")
        update = self.optional_expression(")")
        self.expect(")")
        return N.For(init, test, update, self.statement(), at, self.lines)

    def optional_expression(self, end: str) -> N.Node | None:
        return None if self.toks[self.i] == end else self.expression()

    def break_statement(self) -> N.Node:
        at = self.starts[self.i]
        self.i += 1
        return N.Break(self.jump_label(), at, self.lines)

    def continue_statement(self) -> N.Node:
        at = self.starts[self.i]
        self.i += 1
        return N.Continue(self.jump_label(), at, self.lines)

    def jump_label(self) -> str | None:
        """The label of `break L;` / `continue L;` (none across a line break), and the semicolon."""
        token = self.toks[self.i]
        label = None
        if token[0] in IDENTIFIER_START and not self.newline_before(self.i):
            label = self.name()
        self.semicolon()
        return label

    def return_statement(self) -> N.Node:
        """`return e?;` (at module level an object literal argument is the export object)."""
        at = self.starts[self.i]
        self.i += 1
        token = self.toks[self.i]
        if token == ";" or token == "}" or self.newline_before(self.i):
            if _is_string(token):
                raise self.fail("a string after return and a line break")  # esprima takes it as the argument
            self.semicolon()
            return N.Return(None, at, self.lines)
        arg = self.expression()
        if self.object is not None and arg is self.object[0]:
            arg = self.object[1]
        self.semicolon()
        return N.Return(arg, at, self.lines)

    def labelled_statement(self) -> N.Node:
        at = self.starts[self.i]
        label = self.toks[self.i]
        self.i += 2
        return N.Labeled(label, self.statement(), at, self.lines)

    def switch_statement(self) -> N.Node:
        """`switch (e) { case e: S* ... default: S* }` (one default at most)."""
        at = self.starts[self.i]
        self.i += 1
        disc = self.parenthesised()
        self.expect("{")
        toks, cases, default_seen = self.toks, [], False
        while toks[self.i] != "}":
            case_at = self.starts[self.i]
            if toks[self.i] == "case":
                self.i += 1
                test = self.expression()
            elif toks[self.i] == "default" and not default_seen:
                self.i += 1
                test, default_seen = None, True
            else:
                raise self.fail("expected case or default")
            self.expect(":")
            body = []
            while toks[self.i] not in CASE_END:
                body.append(self.statement())
            cases.append(N.Case(test, body, case_at, self.lines))
        self.i += 1
        return N.Switch(disc, cases, at, self.lines)

    # -- expressions (ES5 §11)

    def expression(self) -> N.Node:
        """Expression: assignments separated by commas."""
        start = self.i
        expr = self.assign()
        if self.toks[self.i] != ",":
            return expr
        return self.sequence(expr, start)

    def sequence(self, expr: N.Node, start: int) -> N.Node:
        """The rest of an expression whose first assignment, from token `start`, is `expr` and ends at a comma
        (`expression` without its first step: the hot paths take that step themselves)."""
        exprs = [expr]
        while self.toks[self.i] == ",":
            self.i += 1
            exprs.append(self.assign())
        return N.Seq(exprs, self.starts[start], self.lines)

    def assign(self) -> N.Node:
        """AssignmentExpression: a conditional, or a target followed by `=` (or a compound operator) and a value."""
        start = self.i
        left = self.unary()
        toks = self.toks
        token = toks[self.i]
        if token in PREC:
            left = self.climb(left, start, 1)
            token = toks[self.i]
        if token == "=" or token in COMPOUND_ASSIGNMENT:
            if not isinstance(left, ASSIGNABLE) or (toks[start] == "(" and left.at != self.starts[start]):
                raise self.fail("assignment to something that is not a name or member, or is parenthesised")
            self.i += 1
            value = self.assign()
            if token == "=":
                return N.Assign(left, value, left.at, self.lines)
            return N.Unsupported(f"compound assignment `{token}`", left.at, self.lines)
        if token != "?":
            return left
        self.i += 1
        then = self.assign()
        self.expect(":")
        orelse = self.assign()
        return N.Cond(left, then, orelse, self.starts[start], self.lines)

    def climb(self, left: N.Node, start: int, min_prec: int) -> N.Node:
        """The binary operators of precedence `min_prec` and above after `left` (which began at token `start`).

        Precedence climbing over PREC: a right operand recurses only when a tighter operator follows it.
        """
        toks = self.toks
        at = self.starts[start]
        prec = PREC.get(toks[self.i], 0)
        while prec >= min_prec:
            op = toks[self.i]
            self.i += 1
            right_start = self.i
            right = self.unary()
            next_prec = PREC.get(toks[self.i], 0)
            if next_prec > prec:
                right = self.climb(right, right_start, prec + 1)
                next_prec = PREC.get(toks[self.i], 0)
            if op in UNSUPPORTED_BINARY:
                left = N.Unsupported(f"`{op}` operator", at, self.lines)
            else:
                left = N.Binary(op, left, right, at, self.lines)
            prec = next_prec
        return left

    def unary(self) -> N.Node:
        """UnaryExpression and LeftHandSideExpression: prefix operators, then a primary and its postfixes.

        The hot path of the parser: names and numbers are built here.
        """
        i = self.i
        toks = self.toks
        token = toks[i]
        first = token[0]
        if first in IDENTIFIER_START and token not in RESERVED:
            node: N.Node = N.Name(token, self.starts[i], self.lines)
            self.i = i + 1
        elif first in DIGITS:
            typed = self.numbers.get(token) or self.number_type(token)
            node = N.Num(typed[0], typed[1], self.starts[i], self.lines)
            self.i = i + 1
        elif token in UNARY:
            self.i = i + 1
            at = self.starts[i]
            return N.Unary(token, self.unary(), at, self.lines)
        elif token == "(":
            self.i = i + 1
            node = self.assign()
            if toks[self.i] == ",":
                node = self.sequence(node, i + 1)
            if toks[self.i] != ")":
                raise self.fail("expected ')'")
            self.i += 1
        else:
            node = self.other_primary(token, i)
        if toks[self.i] not in POSTFIX:
            return node
        return self.postfixes(node, self.starts[i])

    def other_primary(self, token: str, i: int) -> N.Node:
        """The rarer primaries: `new`, literal words, `.5`, array and object literals, strings at module level."""
        if token == "new":
            return self.new_expression()
        if token in LITERAL_WORDS:
            self.i = i + 1
            return N.Unsupported(f"`{token}` literal", self.starts[i], self.lines)
        if token[0] == "." and token[1:2] in DIGITS:  # `.5` (not `...`)
            typed = self.numbers.get(token) or self.number_type(token)
            self.i = i + 1
            return N.Num(typed[0], typed[1], self.starts[i], self.lines)
        if token == "[":
            return self.array_literal()
        if token == "{":
            return self.object_literal()
        if _is_string(token) and not self.in_function:
            self.i = i + 1
            return N.Str(token[1:-1], self.starts[i], self.lines)
        raise self.fail(f"unexpected {token!r}")

    def number_type(self, token: str) -> tuple[int | float, bool]:
        typed = literal_number(token)
        if typed is None:
            raise self.fail("legacy octal literal")
        self.numbers[token] = typed
        return typed

    def postfixes(self, node: N.Node, at: int, calls: bool = True) -> N.Node:
        """`.name`, `[e]` and (when `calls`) `(args)` after a primary, all located at the primary's first token."""
        toks = self.toks
        while True:
            token = toks[self.i]
            if token == "[":
                start = self.i = self.i + 1
                index = self.assign()
                if toks[self.i] == ",":
                    index = self.sequence(index, start)
                if toks[self.i] != "]":
                    raise self.fail("expected ']'")
                self.i += 1
                node = N.Index(node, index, at, self.lines)
            elif token == ".":
                prop = toks[self.i + 1]
                if prop[0] not in IDENTIFIER_START:
                    raise self.fail("expected a property name")
                self.i += 2
                node = N.Dot(node, prop, at, self.lines)
            elif token == "(" and calls:
                node = N.Call(node, self.arguments(), at, self.lines)
            else:
                return node

    def arguments(self) -> list[N.Node]:
        """`( e, e, ... )`"""
        self.i += 1
        args = []
        if self.toks[self.i] != ")":
            args.append(self.assign())
            while self.toks[self.i] == ",":
                self.i += 1
                args.append(self.assign())
        self.expect(")")
        return args

    def new_expression(self) -> N.Node:
        """`new callee(args)` or `new callee`; the callee a name (or another `new`) with member accesses."""
        at = self.starts[self.i]
        self.i += 1
        start = self.i
        token = self.toks[start]
        if token == "new":
            callee = self.new_expression()
        elif _is_name(token):
            callee = N.Name(token, self.starts[start], self.lines)
            self.i += 1
        else:
            raise self.fail("unsupported `new` callee")
        callee = self.postfixes(callee, callee.at, calls=False)
        args = self.arguments() if self.toks[self.i] == "(" else []
        return N.New(callee, args, at, self.lines)

    def array_literal(self) -> N.Node:
        """`[e, e, ...]`: a function table as a module-level initialiser (see var_statement), else Unsupported."""
        at = self.starts[self.i]
        self.i += 1
        toks = self.toks
        elements: list[N.Node | None] = []
        while toks[self.i] != "]":
            if toks[self.i] == ",":
                self.i += 1
                elements.append(None)
                continue
            elements.append(self.assign())
            if toks[self.i] != "]":
                self.expect(",")
        self.i += 1
        node = N.Unsupported("array literal", at, self.lines)
        if not self.in_function:
            items = [N.Unsupported("array hole", at, self.lines) if e is None else e for e in elements]
            self.array = (node, N.ArrayLit(items, at, self.lines))
        return node

    def object_literal(self) -> N.Node:
        """`{name: e, "name": e, ...}`: the export object as a module-level return argument, else Unsupported."""
        at = self.starts[self.i]
        self.i += 1
        toks = self.toks
        props: list[tuple[str, N.Node]] = []
        while toks[self.i] != "}":
            key = toks[self.i]
            if key[0] in IDENTIFIER_START:
                name = key
            elif _is_string(key):
                name = key[1:-1]
            else:
                raise self.fail("unsupported property key")
            if name == "__proto__":
                raise self.fail("__proto__ key")
            self.i += 1
            self.expect(":")
            props.append((name, self.assign()))
            if toks[self.i] != "}":
                self.expect(",")
        self.i += 1
        node = N.Unsupported("object literal", at, self.lines)
        if not self.in_function:
            self.object = (node, N.ObjectLit(props, at, self.lines))
        return node
