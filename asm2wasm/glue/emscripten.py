"""Where the glue of an app meets its asm.js modules: the call of each module, the heap it is given, the growth path.

Emscripten fastcomp glue calls the module once, `var asm = (function(global, env, buffer) {"use asm"; ...})(
Module.asmGlobalArg, Module.asmLibraryArg, buffer)`, after making the heap with `buffer = new ArrayBuffer(
TOTAL_MEMORY)`; "almost asm" growth builds hand a bigger ArrayBuffer to the module's exported
`_emscripten_replace_memory(newBuffer)` and go on using that buffer. A hand-written library calls its module by name,
`M(stdlib, foreign, heap)`, with a heap made the same way. `analyse` finds, for each module:

* its call: the function expression called directly, or calls of the name it is bound to (same scope);
* the heap: the third argument, either `new ArrayBuffer(n)` itself or a variable, and then every `X = new
  ArrayBuffer(n)` / `var X = new ArrayBuffer(n)` of that same variable; a heap taken from elsewhere (a page's
  `Module["buffer"]`) is a warning: a Wasm memory cannot adopt it;
* growth: every call of the module's memory-replacing export (`_emscripten_replace_memory(ret)`), whose argument
  variable must afterwards be the grown Wasm memory's buffer.

Hand-written libraries (asmcrypto.js) pass something else: `heap.buffer` of a typed array made elsewhere, a
parameter of a wrapper function, `this.heap.buffer`. When the heap is not found the Emscripten way, `_HeapTracer`
follows it back through the glue to where it is made (`new ArrayBuffer(n)`, or `new Uint8Array(n)` ... with a
literal length): through `.buffer`, `.subarray(...)`, `a || b`, `c ? a : b`, views over a buffer (`new C(buf)`),
variables (their assignments), parameters (the arguments of the function's calls, also when the function is
returned by an immediately called function bound to a name), calls of named functions (their `return`s) and
properties (every assignment to a property of that name anywhere in the file: an over-approximation). What it cannot
follow (an argument of an exported API, a class constructor's parameter) is reported as a warning: such a heap must
come from the runtime's createHeap, or the module refuses it at link time.

Only positions are found here (file offsets); `migrate.py` decides the replacements and renders them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from asm2wasm.frontend.extract import ModuleSpan
from asm2wasm.glue.skeleton import Scopes, Skeleton, walk

_PARAMS = re.compile(r"\(([^()]*)\)\s*(?:/\*[\s\S]*?\*/\s*)*\{$")


# typed array constructors and their element sizes (a heap made as `new Uint8Array(n)` has n * size bytes)
TYPED_ARRAYS = {"Int8Array": 1, "Uint8Array": 1, "Uint8ClampedArray": 1, "Int16Array": 2, "Uint16Array": 2,
                "Int32Array": 4, "Uint32Array": 4, "Float32Array": 4, "Float64Array": 8}


@dataclass
class HeapAllocation:
    """A `new ArrayBuffer(length)` that makes the module's heap: its file span and its argument's. `typed_array`: the
    allocation is `new <typed_array>(length)` instead (a view of its own new buffer; length counts elements)."""

    start: int
    end: int
    length_start: int
    length_end: int
    typed_array: str | None = None


@dataclass
class Growth:
    """A call of the memory-replacing export: file span of the call, and the variable holding the new buffer."""

    start: int
    end: int
    buffer_name: str


@dataclass
class ModuleGlue:
    """How one module is wired into its file; `problem` says why it cannot be migrated (the module is then kept)."""

    span: ModuleSpan
    params: list[str]
    heap_name: str | None = None  # the variable the heap is passed in (None: a `new ArrayBuffer` argument)
    heap_allocations: list[HeapAllocation] = field(default_factory=list)
    growth_calls: list[Growth] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (file offset, message)
    problem: str | None = None


def module_params(source: str, span: ModuleSpan) -> list[str]:
    """The parameter names of the module function (stdlib, foreign, heap), from its head."""
    match = _PARAMS.search(source, span.start, span.body_start + 1)
    if match is None:
        return []
    return [p.strip() for p in re.sub(r"/\*[\s\S]*?\*/", "", match.group(1)).split(",") if p.strip()]


def analyse(source: str, skeleton: Skeleton, span: ModuleSpan, grow_exports: list[str]) -> ModuleGlue:
    """The wiring of the module at `span` in `source` (parsed as `skeleton`); `grow_exports` from the compile."""
    glue = ModuleGlue(span, module_params(source, span))
    scopes = Scopes(skeleton.program)
    nodes = list(walk(skeleton.program))
    function = _module_function(skeleton, nodes, span)
    if function is None:
        glue.problem = "the module function was not found in the parsed glue"
        return glue
    node, ancestors = function
    calls = _calls_of(node, ancestors, nodes, scopes)
    if not calls:
        glue.problem = "the module is never called in this file (nothing to wire the Wasm module into)"
        return glue
    for call, call_ancestors in calls:
        if len(call.arguments) < 3:
            if len(glue.params) >= 3:
                glue.problem = "the module is called without a heap argument"
                return glue
            continue
        _find_heap(glue, skeleton, call.arguments[2], call_ancestors, nodes, scopes)
        if glue.problem:
            problem, glue.problem = glue.problem, None
            found = _HeapTracer(glue, skeleton, nodes, scopes).trace(call.arguments[2], call_ancestors)
            if not found or glue.problem:
                glue.problem = glue.problem or problem
                return glue
    if grow_exports:
        _find_growth(glue, skeleton, nodes, set(grow_exports))
    return glue


def _module_function(skeleton: Skeleton, nodes: list, span: ModuleSpan) -> tuple[Any, tuple] | None:
    for node, ancestors in nodes:
        is_function = node.type in ("FunctionExpression", "FunctionDeclaration")
        if is_function and skeleton.original(node.range[0]) == span.start:
            return node, ancestors
    return None


def _calls_of(function: Any, ancestors: tuple, nodes: list, scopes: Scopes) -> list[tuple[Any, tuple]]:
    parent = ancestors[-1] if ancestors else None
    if parent is not None and parent.type == "CallExpression" and parent.callee is function:
        return [(parent, ancestors[:-1])]
    name, scope = _bound_name(function, ancestors, scopes)
    if name is None:
        return []
    return [
        (node, node_ancestors)
        for node, node_ancestors in nodes
        if node.type == "CallExpression"
        and node.callee.type == "Identifier"
        and node.callee.name == name
        and scopes.binding(name, node_ancestors) is scope
    ]


def _bound_name(function: Any, ancestors: tuple, scopes: Scopes) -> tuple[str | None, Any]:
    """The variable a module function is known by: its declared name or the variable it initialises."""
    if function.type == "FunctionDeclaration" and function.id is not None:
        return function.id.name, scopes.binding(function.id.name, ancestors)
    parent = ancestors[-1] if ancestors else None
    if parent is not None and parent.type == "VariableDeclarator" and parent.id.type == "Identifier":
        return parent.id.name, scopes.binding(parent.id.name, ancestors)
    if parent is not None and parent.type == "AssignmentExpression" and parent.left.type == "Identifier":
        return parent.left.name, scopes.binding(parent.left.name, ancestors)
    return None, None


def _is_new_array_buffer(node: Any) -> bool:
    return node is not None and node.type == "NewExpression" and node.callee.type == "Identifier" \
        and node.callee.name == "ArrayBuffer"


def _find_heap(glue: ModuleGlue, skeleton: Skeleton, heap: Any, call_ancestors: tuple, nodes: list,
               scopes: Scopes) -> None:
    if _is_new_array_buffer(heap):
        _add_allocation(glue, skeleton, heap)
        return
    if heap.type != "Identifier":
        glue.problem = "the heap given to the module is neither a variable nor `new ArrayBuffer(...)`"
        return
    name = heap.name
    glue.heap_name = name
    scope = scopes.binding(name, call_ancestors)
    found = 0
    for node, ancestors in nodes:
        if node.type == "AssignmentExpression" and node.operator == "=" and node.left.type == "Identifier":
            target, value = node.left, node.right
        elif node.type == "VariableDeclarator" and node.id.type == "Identifier" and node.init is not None:
            target, value = node.id, node.init
        else:
            continue
        if target.name != name or scopes.binding(name, ancestors) is not scope:
            continue
        if _is_new_array_buffer(value):
            found += _add_allocation(glue, skeleton, value)
        elif value.type == "MemberExpression":
            glue.warnings.append((skeleton.original(node.range[0]),
                                  f"the heap `{name}` may be taken from an existing object (a page's "
                                  "Module[\"buffer\"]): a Wasm memory cannot adopt an ArrayBuffer, so the module "
                                  "refuses such a heap at link time"))
    if not found and not glue.heap_allocations:
        glue.problem = f"the heap `{name}` given to the module is never made with `new ArrayBuffer(...)` in this file"


def _add_allocation(glue: ModuleGlue, skeleton: Skeleton, new: Any) -> int:
    if len(new.arguments) != 1:
        glue.problem = "the heap is made by `new ArrayBuffer(...)` without exactly one length argument"
        return 0
    start, end = skeleton.node_span(new)
    if any(a.start == start for a in glue.heap_allocations):
        return 0
    length_start, length_end = skeleton.node_span(new.arguments[0])
    glue.heap_allocations.append(HeapAllocation(start, end, length_start, length_end))
    return 1


def _find_growth(glue: ModuleGlue, skeleton: Skeleton, nodes: list, names: set[str]) -> None:
    for node, _ in nodes:
        if node.type != "CallExpression" or _callee_name(node.callee) not in names:
            continue
        start, end = skeleton.node_span(node)
        if start >= glue.span.start and end <= glue.span.end:
            continue
        if node.arguments and node.arguments[0].type == "Identifier":
            glue.growth_calls.append(Growth(start, end, node.arguments[0].name))
        else:
            glue.warnings.append((start, "a call of the memory-replacing export whose new buffer is not a variable: "
                                         "left as it is; the code after it may use a buffer that is not the heap"))
    if not glue.growth_calls:
        glue.warnings.append((glue.span.start, f"a growth module, but no call of {', '.join(sorted(names))} was "
                                               "found in this file: the heap cannot grow"))


def _callee_name(callee: Any) -> str | None:
    if callee.type == "Identifier":
        return callee.name
    if callee.type == "MemberExpression":
        prop = callee.property
        if not callee.computed and prop.type == "Identifier":
            return prop.name
        if callee.computed and prop.type == "Literal" and isinstance(prop.value, str):
            return prop.value
    return None


class _HeapTracer:
    """Where the heap given to a module is made, followed back through the glue (see the module docstring)."""

    MAX_DEPTH = 60

    def __init__(self, glue: ModuleGlue, skeleton: Skeleton, nodes: list, scopes: Scopes) -> None:
        self.glue, self.skeleton, self.scopes = glue, skeleton, scopes
        self.ancestors = {id(node): ancestors for node, ancestors in nodes}
        self.nodes = nodes
        self.seen: set[int] = set()
        self.found = 0

    def trace(self, node: Any, ancestors: tuple) -> int:
        """Follow `node` (an expression whose value is, or views, the heap); returns the allocations found."""
        self._trace(node, ancestors, 0)
        return self.found

    def _unresolved(self, node: Any, why: str) -> None:
        start = self.skeleton.original(node.range[0])
        text = " ".join(self.skeleton.text[node.range[0] : node.range[1]].split())
        self.glue.warnings.append((start, f"a heap given to an asm.js module may come from `{text[:60]}`, {why}: "
                                          "such a heap must be made by the runtime's createHeap (the module "
                                          "refuses any other at link time)"))

    def _trace(self, node: Any, ancestors: tuple, depth: int) -> None:
        if node is None or id(node) in self.seen:
            return
        self.seen.add(id(node))
        if depth > self.MAX_DEPTH:
            self._unresolved(node, "too far from the module's call to be followed")
            return
        kind, deeper = node.type, depth + 1
        inner = (*ancestors, node)
        if _is_new_array_buffer(node):
            _add_allocation(self.glue, self.skeleton, node)  # (a site already found counts: another call's heap)
            self.found += 1
        elif kind == "NewExpression":
            self._trace_new(node, inner, deeper)
        elif kind == "MemberExpression":
            self._trace_member(node, inner, deeper)
        elif kind == "CallExpression":
            self._trace_call(node, inner, deeper)
        elif kind == "LogicalExpression":
            self._trace(node.left, inner, deeper)
            self._trace(node.right, inner, deeper)
        elif kind == "ConditionalExpression":
            self._trace(node.consequent, inner, deeper)
            self._trace(node.alternate, inner, deeper)
        elif kind == "AssignmentExpression" and node.operator == "=":
            self._trace(node.right, inner, deeper)
        elif kind == "Identifier":
            self._trace_variable(node, ancestors, deeper)
        elif not (kind == "Literal" and node.value is None):
            self._unresolved(node, "which is not followed")

    def _trace_new(self, node: Any, inner: tuple, depth: int) -> None:
        callee, args = node.callee, node.arguments
        if callee.type == "Identifier" and callee.name in TYPED_ARRAYS and len(args) == 1 \
                and args[0].type == "Literal" and isinstance(args[0].value, int | float):
            start, end = self.skeleton.node_span(node)
            if not any(a.start == start for a in self.glue.heap_allocations):
                length_start, length_end = self.skeleton.node_span(args[0])
                self.glue.heap_allocations.append(HeapAllocation(start, end, length_start, length_end, callee.name))
            self.found += 1
        elif args and args[0].type != "Literal":  # a view over a buffer: `new Uint8Array(buffer)`
            self._trace(args[0], inner, depth)
        else:
            self._unresolved(node, "a typed array whose length is not a number literal")

    def _trace_member(self, node: Any, inner: tuple, depth: int) -> None:
        name = _property_name(node)
        if name == "buffer":
            self._trace(node.object, inner, depth)
            return
        values = [(value, ancestors) for target, value, ancestors in self._assignments()
                  if target.type == "MemberExpression" and _property_name(target) == name]
        if name is None or not values:
            self._unresolved(node, "a property never assigned in this file")
        for value, ancestors in values:
            self._trace(value, ancestors, depth)

    def _trace_call(self, node: Any, inner: tuple, depth: int) -> None:
        callee = node.callee
        if callee.type == "MemberExpression" and _property_name(callee) in ("subarray", "slice"):
            if _property_name(callee) == "subarray":  # a view of the same buffer
                self._trace(callee.object, inner, depth)
            return
        function = self._function_named(callee, inner)
        if function is None:
            self._unresolved(node, "the result of a call that is not followed")
            return
        for ret, ancestors in self._returns(function):
            self._trace(ret.argument, ancestors, depth)

    def _trace_variable(self, node: Any, ancestors: tuple, depth: int) -> None:
        name = node.name
        scope = self.scopes.binding(name, ancestors)
        sources = 0
        for target, value, value_ancestors in self._assignments():
            if target.type == "Identifier" and target.name == name \
                    and self.scopes.binding(name, value_ancestors) is scope:
                sources += 1
                self._trace(value, value_ancestors, depth)
        if scope is self.scopes.program or not hasattr(scope, "params"):
            if not sources:
                self._unresolved(node, "a variable never assigned in this file")
            return
        positions = [i for i, p in enumerate(scope.params) if p.type == "Identifier" and p.name == name]
        if not positions:
            return
        calls = self._calls(scope)
        if not calls:
            self._unresolved(node, "a parameter of a function whose calls are not found in this file")
        for call, call_ancestors in calls:
            if positions[0] < len(call.arguments):
                self._trace(call.arguments[positions[0]], (*call_ancestors, call), depth)

    def _assignments(self) -> list[tuple[Any, Any, tuple]]:
        """(target, value, ancestors of the value) of every `=` assignment and initialised declaration."""
        if not hasattr(self, "_assigned"):
            self._assigned = []
            for node, ancestors in self.nodes:
                if node.type == "AssignmentExpression" and node.operator == "=":
                    self._assigned.append((node.left, node.right, (*ancestors, node)))
                elif node.type == "VariableDeclarator" and node.init is not None:
                    self._assigned.append((node.id, node.init, (*ancestors, node)))
        return self._assigned

    def _function_named(self, callee: Any, ancestors: tuple) -> Any:
        """The function a callee identifier names (declared, or a variable initialised with a function)."""
        if callee.type == "FunctionExpression":
            return callee
        if callee.type != "Identifier":
            return None
        scope = self.scopes.binding(callee.name, ancestors)
        for node, node_ancestors in self.nodes:
            if node.type == "FunctionDeclaration" and node.id is not None and node.id.name == callee.name \
                    and self.scopes.binding(callee.name, node_ancestors) is scope:
                return node
        for target, value, value_ancestors in self._assignments():
            if target.type == "Identifier" and target.name == callee.name and value.type == "FunctionExpression" \
                    and self.scopes.binding(callee.name, value_ancestors) is scope:
                return value
        return None

    def _returns(self, function: Any) -> list[tuple[Any, tuple]]:
        found = []
        for node, ancestors in walk(function.body):
            if node.type == "ReturnStatement" and node.argument is not None \
                    and not any(a.type in ("FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression")
                                for a in ancestors):
                found.append((node, (*self.ancestors.get(id(function), ()), function, *ancestors, node)))
        return found

    def _calls(self, function: Any) -> list[tuple[Any, tuple]]:
        """Calls (and `new`) of a function: directly, by the name it is bound to, or by the name of an immediately
        called function that returns it (`var M = function () { var w = function (...) {...}; return w; }();`)."""
        ancestors = self.ancestors.get(id(function), ())
        parent = ancestors[-1] if ancestors else None
        if parent is not None and parent.type in ("CallExpression", "NewExpression") and parent.callee is function:
            return [(parent, ancestors[:-1])]
        name, scope = _bound_name(function, ancestors, self.scopes)
        if name is None:
            return []
        calls = [(node, node_ancestors) for node, node_ancestors in self.nodes
                 if node.type in ("CallExpression", "NewExpression") and node.callee.type == "Identifier"
                 and node.callee.name == name and self.scopes.binding(name, node_ancestors) is scope]
        if scope is not self.scopes.program and any(
                ret.argument.type == "Identifier" and ret.argument.name == name for ret, _ in self._returns(scope)):
            calls += self._calls_of_result(scope)
        return calls

    def _calls_of_result(self, factory: Any) -> list[tuple[Any, tuple]]:
        """Calls of the function an immediately called `factory` returns: calls of the name its result is bound to."""
        ancestors = self.ancestors.get(id(factory), ())
        parent = ancestors[-1] if ancestors else None
        if parent is None or parent.type != "CallExpression" or parent.callee is not factory:
            return []
        holder = ancestors[-2] if len(ancestors) >= 2 else None
        if holder is not None and holder.type == "VariableDeclarator" and holder.id.type == "Identifier":
            name = holder.id.name
        elif holder is not None and holder.type == "AssignmentExpression" and holder.left.type == "Identifier":
            name = holder.left.name
        else:
            return []
        scope = self.scopes.binding(name, ancestors[:-1])
        return [(node, node_ancestors) for node, node_ancestors in self.nodes
                if node.type in ("CallExpression", "NewExpression") and node.callee.type == "Identifier"
                and node.callee.name == name and self.scopes.binding(name, node_ancestors) is scope]


def _property_name(member: Any) -> str | None:
    prop = member.property
    if not member.computed and prop.type == "Identifier":
        return prop.name
    if member.computed and prop.type == "Literal" and isinstance(prop.value, str):
        return prop.value
    return None
