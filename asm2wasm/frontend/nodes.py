"""The syntax tree of one asm.js module: the only thing the front ends produce and the checker reads.

A reduced ESTree: just the forms asm.js can contain. Every node carries `loc` (1-based line, 0-based column of
its first character). Both front ends (the esprima adapter and the fast asm.js parser) must build identical trees
for the same source; `dump()` gives a stable text form to compare them.

Anything JavaScript has and asm.js does not (objects in bodies, `this`, strings, `new` in a function, ...) is
represented by `Unsupported`, so that the checker, not the parser, reports it with the asm.js reason.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from asm2wasm.diagnostics import Loc


class Node:
    __slots__ = ()
    loc: Loc


# ---- expressions ---------------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Num(Node):
    """A numeric literal (§6.6.1). `is_double` is true when the source text has a '.'; without one the value is an
    exact int (`1e3` is the integer 1000, `0x10` is 16), except a fractional value such as `1e-3`, which is a double
    (as in V8's asm.js scanner)."""

    value: float | int
    is_double: bool
    loc: Loc


@dataclass(slots=True, eq=False)
class Name(Node):
    id: str
    loc: Loc


@dataclass(slots=True, eq=False)
class Dot(Node):
    """`obj.prop` (stdlib.Math.sin, foreign.f)."""

    obj: Node
    prop: str
    loc: Loc


@dataclass(slots=True, eq=False)
class Index(Node):
    """`obj[index]` (heap access, function table lookup)."""

    obj: Node
    index: Node
    loc: Loc


@dataclass(slots=True, eq=False)
class Call(Node):
    callee: Node
    args: list[Node]
    loc: Loc


@dataclass(slots=True, eq=False)
class New(Node):
    """`new stdlib.Int32Array(heap)`: only in module-level variable declarations."""

    callee: Node
    args: list[Node]
    loc: Loc


@dataclass(slots=True, eq=False)
class Unary(Node):
    op: str  # "+", "-", "~", "!"
    arg: Node
    loc: Loc


@dataclass(slots=True, eq=False)
class Binary(Node):
    op: str  # arithmetic, bitwise, shift and comparison operators ("&&" and "||" are Unsupported)
    left: Node
    right: Node
    loc: Loc


@dataclass(slots=True, eq=False)
class Cond(Node):
    test: Node
    then: Node
    orelse: Node
    loc: Loc


@dataclass(slots=True, eq=False)
class Assign(Node):
    """`target = value` (only plain `=`; compound assignment is Unsupported)."""

    target: Node
    value: Node
    loc: Loc


@dataclass(slots=True, eq=False)
class Seq(Node):
    """The comma operator."""

    exprs: list[Node]
    loc: Loc


@dataclass(slots=True, eq=False)
class Str(Node):
    value: str
    loc: Loc


@dataclass(slots=True, eq=False)
class ObjectLit(Node):
    """`{name: f, ...}`: only as the export object. Keys are identifiers or strings."""

    props: list[tuple[str, Node]]
    loc: Loc


@dataclass(slots=True, eq=False)
class ArrayLit(Node):
    """`[f, g, ...]`: only as a function table."""

    elements: list[Node]
    loc: Loc


@dataclass(slots=True, eq=False)
class Unsupported(Node):
    """Valid JavaScript that asm.js does not allow; `what` names it for the error message."""

    what: str
    loc: Loc


# ---- statements ----------------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class VarDecl(Node):
    """`var a = init, b = init;` (asm.js requires every initialiser). `kind` is always "var" from the esprima front end:
    module-level `let`/`const` are E007 there, and in a function they are Unsupported."""

    decls: list[tuple[str, Node | None, Loc]]
    loc: Loc
    kind: str = "var"


@dataclass(slots=True, eq=False)
class ExprStmt(Node):
    expr: Node
    loc: Loc


@dataclass(slots=True, eq=False)
class Block(Node):
    body: list[Node]
    loc: Loc


@dataclass(slots=True, eq=False)
class Empty(Node):
    loc: Loc


@dataclass(slots=True, eq=False)
class If(Node):
    test: Node
    then: Node
    orelse: Node | None
    loc: Loc


@dataclass(slots=True, eq=False)
class Return(Node):
    arg: Node | None
    loc: Loc


@dataclass(slots=True, eq=False)
class While(Node):
    test: Node
    body: Node
    loc: Loc


@dataclass(slots=True, eq=False)
class DoWhile(Node):
    body: Node
    test: Node
    loc: Loc


@dataclass(slots=True, eq=False)
class For(Node):
    init: Node | None  # an expression (a `var` here is Unsupported)
    test: Node | None
    update: Node | None
    body: Node
    loc: Loc


@dataclass(slots=True, eq=False)
class Break(Node):
    label: str | None
    loc: Loc


@dataclass(slots=True, eq=False)
class Continue(Node):
    label: str | None
    loc: Loc


@dataclass(slots=True, eq=False)
class Labeled(Node):
    label: str
    body: Node
    loc: Loc


@dataclass(slots=True, eq=False)
class Case(Node):
    test: Node | None  # None for `default:`
    body: list[Node]
    loc: Loc


@dataclass(slots=True, eq=False)
class Switch(Node):
    disc: Node
    cases: list[Case]
    loc: Loc


@dataclass(slots=True, eq=False)
class FuncDecl(Node):
    name: str
    params: list[str]
    body: list[Node]
    loc: Loc
    end: int = 0  # source offset just past the closing brace (for source ranges)


@dataclass(slots=True, eq=False)
class Module(Node):
    """The asm.js module function. `body` holds every statement after the directive, in order."""

    name: str | None
    params: list[str]
    directive: str  # "use asm" or "almost asm"
    body: list[Node]
    loc: Loc
    start: int = 0  # source offsets of the module function (for extraction and rewriting)
    end: int = 0


def dump(node: object, indent: str = "") -> str:
    """A stable, readable text form of a tree; two front ends agree iff their dumps are equal.

    Linear in the size of the tree, however deep (`indent` is accepted for compatibility and unused).
    """
    out: list[str] = []
    _dump_into(node, out)
    return "".join(out)


_DUMPED_FIELDS: dict[type, tuple[str, ...]] = {}


def _dumped_fields(cls: type) -> tuple[str, ...]:
    names = _DUMPED_FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in fields(cls) if f.name not in ("start", "end"))
        _DUMPED_FIELDS[cls] = names
    return names


def _dump_into(node: object, out: list[str]) -> None:
    if isinstance(node, Node):
        out.append(f"{type(node).__name__}(")
        for i, name in enumerate(_dumped_fields(type(node))):
            value = getattr(node, name)
            out.append(", " if i else "")
            if name == "loc":
                out.append(f"@{value.line}:{value.col}")
            else:
                out.append(f"{name}=")
                _dump_into(value, out)
        out.append(")")
    elif isinstance(node, (list, tuple)):
        out.append("[")
        for i, item in enumerate(node):
            out.append(", " if i else "")
            _dump_into(item, out)
        out.append("]")
    elif isinstance(node, Loc):
        out.append(f"@{node.line}:{node.col}")
    else:
        out.append(repr(node))
