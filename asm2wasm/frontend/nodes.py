"""The syntax tree of one asm.js module: the only thing the front ends produce and the checker reads.

A reduced ESTree: just the forms asm.js can contain. Every node carries `at`, the source offset of its first
character; `loc` gives its line (1-based) and column (0-based) from that (`positions`). Both front ends (the
esprima adapter and the fast asm.js parser) must build identical trees for the same source; `dump()` gives a
stable text form to compare them.

Anything JavaScript has and asm.js does not (objects in bodies, `this`, strings, `new` in a function, ...) is
represented by `Unsupported`, so that the checker, not the parser, reports it with the asm.js reason.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from asm2wasm.diagnostics import Loc
from asm2wasm.frontend.positions import SourceLines


class Node:
    __slots__ = ()
    at: int  # the source offset of the node's first character
    lines: SourceLines  # the positions in that source: `loc` works the line and column out only when asked

    @property
    def loc(self) -> Loc:
        return self.lines.loc(self.at)


# ---- expressions ---------------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Num(Node):
    """A numeric literal (§6.6.1). `is_double` is true when the source text has a '.'; without one the value is an
    exact int (`1e3` is the integer 1000, `0x10` is 16), except a fractional value such as `1e-3`, which is a double
    (as in V8's asm.js scanner)."""

    value: float | int
    is_double: bool
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Name(Node):
    id: str
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Dot(Node):
    """`obj.prop` (stdlib.Math.sin, foreign.f)."""

    obj: Node
    prop: str
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Index(Node):
    """`obj[index]` (heap access, function table lookup)."""

    obj: Node
    index: Node
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Call(Node):
    callee: Node
    args: list[Node]
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class New(Node):
    """`new stdlib.Int32Array(heap)`: only in module-level variable declarations."""

    callee: Node
    args: list[Node]
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Unary(Node):
    op: str  # "+", "-", "~", "!"
    arg: Node
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Binary(Node):
    op: str  # arithmetic, bitwise, shift and comparison operators ("&&" and "||" are Unsupported)
    left: Node
    right: Node
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Cond(Node):
    test: Node
    then: Node
    orelse: Node
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Assign(Node):
    """`target = value` (only plain `=`; compound assignment is Unsupported)."""

    target: Node
    value: Node
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Seq(Node):
    """The comma operator."""

    exprs: list[Node]
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Str(Node):
    value: str
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class ObjectLit(Node):
    """`{name: f, ...}`: only as the export object. Keys are identifiers or strings."""

    props: list[tuple[str, Node]]
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class ArrayLit(Node):
    """`[f, g, ...]`: only as a function table."""

    elements: list[Node]
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Unsupported(Node):
    """Valid JavaScript that asm.js does not allow; `what` names it for the error message."""

    what: str
    at: int
    lines: SourceLines


# ---- statements ----------------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class VarDecl(Node):
    """`var a = init, b = init;` (asm.js requires every initialiser). `kind` is always "var" from the esprima front end:
    module-level `let`/`const` are E007 there, and in a function they are Unsupported."""

    decls: list[tuple[str, Node | None, int]]  # (name, initialiser, the name's offset)
    at: int
    lines: SourceLines
    kind: str = "var"


@dataclass(slots=True, eq=False)
class ExprStmt(Node):
    expr: Node
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Block(Node):
    body: list[Node]
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Empty(Node):
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class If(Node):
    test: Node
    then: Node
    orelse: Node | None
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Return(Node):
    arg: Node | None
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class While(Node):
    test: Node
    body: Node
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class DoWhile(Node):
    body: Node
    test: Node
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class For(Node):
    init: Node | None  # an expression (a `var` here is Unsupported)
    test: Node | None
    update: Node | None
    body: Node
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Break(Node):
    label: str | None
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Continue(Node):
    label: str | None
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Labeled(Node):
    label: str
    body: Node
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Case(Node):
    test: Node | None  # None for `default:`
    body: list[Node]
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class Switch(Node):
    disc: Node
    cases: list[Case]
    at: int
    lines: SourceLines


@dataclass(slots=True, eq=False)
class FuncDecl(Node):
    name: str
    params: list[str]
    body: list[Node]
    at: int
    lines: SourceLines
    end: int = 0  # source offset just past the closing brace (for source ranges)


@dataclass(slots=True, eq=False)
class Module(Node):
    """The asm.js module function. `body` holds every statement after the directive, in order."""

    name: str | None
    params: list[str]
    directive: str  # "use asm" or "almost asm"
    body: list[Node]
    at: int
    lines: SourceLines
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
        names = tuple(f.name for f in fields(cls) if f.name not in ("start", "end", "lines"))
        _DUMPED_FIELDS[cls] = names
    return names


def _dump_into(node: object, out: list[str]) -> None:
    if isinstance(node, Node):
        out.append(f"{type(node).__name__}(")
        for i, name in enumerate(_dumped_fields(type(node))):
            value = getattr(node, name)
            out.append(", " if i else "")
            if name == "at":
                loc = node.loc
                out.append(f"@{loc.line}:{loc.col}")
            elif name == "decls":  # (name, initialiser, offset): the offset shown as a position, like `at`
                out.append("decls=")
                _dump_into([(d, init, node.lines.loc(at)) for d, init, at in value], out)
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
