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

Only positions are found here (file offsets); `migrate.py` decides the replacements and renders them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from asm2wasm.frontend.extract import ModuleSpan
from asm2wasm.glue.skeleton import Scopes, Skeleton, walk

_PARAMS = re.compile(r"\(([^()]*)\)\s*(?:/\*[\s\S]*?\*/\s*)*\{$")


@dataclass
class HeapAllocation:
    """A `new ArrayBuffer(length)` that makes the module's heap: its file span and its argument's."""

    start: int
    end: int
    length_start: int
    length_end: int


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
