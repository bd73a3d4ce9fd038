"""Parsing the glue around asm.js modules: the whole file with its big parts left out, positions mapped back.

An Emscripten build is a few hundred KB of JavaScript glue around a module of 1-15 MB. The glue is what migration
rewrites, so it is parsed with esprima (the reference parser: it reads any JavaScript); the modules are not: each
module's body is replaced by `{}` before parsing, and so are big numeric array literals (inline memory
initializers, `allocate([...])` of megabytes), which would cost millions of nodes. `Skeleton.original(offset)` maps
an offset of the parsed text back to the file.

`walk` visits every node with its ancestors; `Scopes` answers "which function declares this name" well enough to
tell the glue's `buffer` from a local of the same name (function scopes only: var, let, const, parameters and
function declarations all count as declarations of the enclosing function).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import esprima

from asm2wasm.diagnostics import CompileError, Loc

_BIG_NUMBER_ARRAY = re.compile(r"\[[-0-9.e,\s]{4096,}\]")
_FUNCTIONS = ("FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression")


@dataclass(frozen=True, slots=True)
class Elision:
    start: int  # offset in the file
    end: int
    placeholder: str


@dataclass
class Skeleton:
    """The parsed glue: `program` (esprima, with ranges in `text`) and the way back to the file's offsets."""

    text: str
    program: Any
    elisions: list[Elision]
    _starts: list[int]  # offset in `text` of each elision's placeholder

    def original(self, offset: int) -> int:
        """The file offset of `offset` in the parsed text (offsets inside a placeholder map to its start)."""
        i = bisect.bisect_right(self._starts, offset) - 1
        if i < 0:
            return offset
        elision = self.elisions[i]
        inside = offset - self._starts[i]
        if inside < len(elision.placeholder):
            return elision.start
        return elision.end + inside - len(elision.placeholder)

    def node_span(self, node: Any) -> tuple[int, int]:
        """The file offsets (start, end) of a node that holds no elided part."""
        return self.original(node.range[0]), self.original(node.range[1])


def parse_skeleton(source: str, module_bodies: list[tuple[int, int]]) -> Skeleton:
    """Parse `source` with each (start, end) of `module_bodies` (a body's `{` ... `}`) replaced by `{}`.

    Raises CompileError E002 (located in the file) when the glue is not valid JavaScript.
    """
    cuts = [Elision(start, end, "{}") for start, end in module_bodies]
    for match in _BIG_NUMBER_ARRAY.finditer(source):
        if not any(c.start <= match.start() < c.end for c in cuts):
            cuts.append(Elision(match.start(), match.end(), "[]"))
    cuts.sort(key=lambda e: e.start)
    pieces, starts, at, length = [], [], 0, 0
    for cut in cuts:
        pieces.append(source[at : cut.start])
        length += cut.start - at
        starts.append(length)
        pieces.append(cut.placeholder)
        length += len(cut.placeholder)
        at = cut.end
    pieces.append(source[at:])
    text = "".join(pieces)
    skeleton = Skeleton(text, None, cuts, starts)
    try:
        skeleton.program = esprima.parseScript(text, {"range": True, "tolerant": False})
    except esprima.Error as exc:
        index = getattr(exc, "index", None)
        offset = skeleton.original(index) if isinstance(index, int) else 0
        raise CompileError("E002", f"the JavaScript around the module does not parse: {exc.description}",
                           loc_of(source, offset)) from None
    return skeleton


def loc_of(source: str, offset: int) -> Loc:
    """The line (1-based) and column (0-based) of a file offset."""
    line_start = source.rfind("\n", 0, offset) + 1
    return Loc(source.count("\n", 0, offset) + 1, offset - line_start)


def children(node: Any) -> Iterator[Any]:
    for key, value in vars(node).items():
        if key in ("range", "loc", "type"):
            continue
        if isinstance(value, list):
            for item in value:
                if hasattr(item, "type"):
                    yield item
        elif hasattr(value, "type"):
            yield value


def walk(root: Any) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """Every node under `root` (root included), with the tuple of its ancestors (outermost first)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(root, ())]
    while stack:
        node, ancestors = stack.pop()
        yield node, ancestors
        inner = (*ancestors, node)
        stack.extend((child, inner) for child in reversed(list(children(node))))


class Scopes:
    """Which function (or the program) declares a name seen at some node: enough to match the glue's bindings."""

    def __init__(self, program: Any) -> None:
        self.program = program
        self._declared: dict[int, set[str]] = {}

    def binding(self, name: str, ancestors: tuple[Any, ...]) -> Any:
        """The innermost function among `ancestors` that declares `name`, else the program."""
        for node in reversed(ancestors):
            if node.type in _FUNCTIONS and name in self._names(node):
                return node
        return self.program

    def _names(self, function: Any) -> set[str]:
        key = id(function)
        if key not in self._declared:
            names = {p.name for p in function.params if p.type == "Identifier"}
            if function.type == "FunctionExpression" and function.id is not None:
                names.add(function.id.name)
            names |= _declared_in(function.body)
            self._declared[key] = names
        return self._declared[key]


def _declared_in(body: Any) -> set[str]:
    names: set[str] = set()
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "VariableDeclarator" and node.id.type == "Identifier":
            names.add(node.id.name)
        if node.type == "FunctionDeclaration":
            if node.id is not None:
                names.add(node.id.name)
            continue
        if node.type in _FUNCTIONS:
            continue
        stack.extend(children(node))
    return names
