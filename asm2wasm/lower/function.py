"""Typed IR of one function -> Wasm instructions (flat tuples, see wasm/model.py).

Expressions are emitted in JavaScript's evaluation order. `break`/`continue` become branch depths from a stack
of the enclosing Wasm blocks, each tagged with what it is a target for. Scratch locals come from a per-type pool
(acquired and released around their use, so nested stores never share one).

Heap accesses not proven in bounds are checked one by one, except inside the fast copy of a range (versioning.py):
runs of statements behind one test that proves their accesses in bounds, or of a counted loop (loops.py): a loop
behind one test for all its iterations. Each check's `if` and each such test carry a branch hint (LIKELY: in
bounds), so that an engine that takes hints lays the out-of-bounds arms and the slow copies out of the way of the
code that runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

from asm2wasm.check import ir
from asm2wasm.lower import idioms, loops, versioning
from asm2wasm.lower.semantics import (
    ACCESS_HELPER_INDEX,
    ALIGN,
    FAST_REPLACEMENTS,
    HELPER_INDEX,
    OOB_LOAD_VALUE,
    PLAIN_WITH_CONSTANT,
    PSEUDO_CALLS,
    PSEUDO_INLINE,
)
from asm2wasm.wasm import model as wasm
from asm2wasm.wasm.consts import LIKELY

ZERO = {"i32": ("i32.const", 0), "f32": ("f32.const", 0.0), "f64": ("f64.const", 0.0)}
CHECK_IF = 3  # the position of the `if` in the instructions of `_checked_load` and `_checked_store`
CONST_OP = {vt: vt + ".const" for vt in ("i32", "f32", "f64")}


@dataclass
class Layout:
    """Module-wide index facts every function's lowering needs."""

    func_base: int  # Wasm index of the first asm.js function
    helper_base: int  # Wasm index of the first semantics helper
    global_base: int  # Wasm index of the first module global (imports come first)
    heap_limit_globals: dict[int, int]  # access size -> index of the global holding `byteLength - size + 1` (and
    # versioning.RANGE_LIMIT_SIZE -> that of the range tests' limit)
    foreign_index: dict[tuple, int]  # (name, params, result) -> Wasm function index
    math_index: dict[str, int]
    table_offsets: list[int]
    table_types: list[int]  # type index per asm.js table
    fast: bool = False
    debug_lines: bool = False  # record statement lines for a source map
    versioning: bool = True  # one test for runs of checked accesses (versioning.py, `versioning_on`); off: every
    # access checked on its own
    access_helper_base: int = -1  # Wasm index of the first checked-access helper (semantics.ACCESS_HELPER_OPS)
    twin_base: int = -1  # Wasm index of the first checked twin (versioning.plan_function), after every helper


@dataclass
class _Target:
    kind: str  # "break" (loop or switch exit), "continue", "block" (labelled block), "other"
    labels: tuple[str, ...] = ()
    unlabelled: bool = False  # a target of bare `break` / `continue`


class _Copy(NamedTuple):
    """One copy of a range's statements (`FunctionLowering._copies`), positions relative to its code."""

    code: list
    offsets: list | None  # its statements' source offsets (-g)
    likely: list[int]  # its `if`s hinted LIKELY


@dataclass
class FunctionLowering:
    layout: Layout
    n_params: int
    code: list = field(default_factory=list)
    extra_locals: list[str] = field(default_factory=list)  # Wasm types of scratch locals, after the declared ones
    first_scratch: int = 0
    free: dict[str, list[int]] = field(default_factory=lambda: {"i32": [], "i64": [], "f32": [], "f64": []})
    targets: list[_Target] = field(default_factory=list)
    source_offsets: list[tuple[int, int]] | None = None  # (instruction index, statement's offset) for source maps
    unchecked: dict = field(default_factory=dict)  # in a range: its covered accesses, id(access) -> (lo, k)
    proven: frozenset = frozenset()  # in a counted loop's fast copy (loops.py): id() of the addresses its test proved
    ranges: bool = False  # plan ranges in statement lists (not inside a range's copies: code at most twice its size)
    edits: list | None = None  # in a range: what turns the code (its slow copy) into its fast copy, see `_copies`
    likely: list[int] = field(default_factory=list)  # indices of the `if`s hinted LIKELY (checks, range tests)
    facts: versioning.Facts | None = None  # the function's, when ranges are planned in it
    twin: int | None = None  # Wasm index of the function's checked twin: its whole-body range's slow copy
    twin_code: tuple[list, list | None] | None = None  # that slow copy (code, source offsets), once lowered

    # ---- scratch locals

    def acquire(self, vt: str) -> int:
        pool = self.free[vt]
        if pool:
            return pool.pop()
        self.extra_locals.append(vt)
        return self.first_scratch + len(self.extra_locals) - 1

    def release(self, vt: str, index: int) -> None:
        self.free[vt].append(index)

    # ---- expressions

    def emit(self, node) -> None:
        """Emit `node`, leaving its value on the stack."""
        kind = type(node)
        if kind is ir.GetLocal:  # the leaves are most nodes: without a call of their own
            self.code.append(("local.get", node.index))
        elif kind is ir.Const:
            self.code.append((CONST_OP[node.vt], node.value))
        else:
            self._EMIT[kind](self, node)

    def emit_effect(self, node) -> None:
        """Emit `node` for its side effects only, leaving nothing on the stack."""
        kind = type(node)
        if kind is ir.SetLocal:
            self.emit(node.value)
            self.code.append(("local.set", node.index))
        elif kind is ir.SetGlobal:
            self.emit(node.value)
            self.code.append(("global.set", self.layout.global_base + node.index))
        elif kind is ir.Store:
            self._store(node, keep=False)
        elif kind is ir.Comma:
            for effect in node.effects:
                self.emit_effect(effect)
            if node.last is not None:
                self.emit_effect(node.last)
        elif kind in (ir.Const, ir.GetLocal, ir.GetGlobal):
            pass
        else:
            self.emit(node)
            if getattr(node, "vt", None) is not None:
                self.code.append(("drop",))

    def _set_local(self, node: ir.SetLocal) -> None:
        self.emit(node.value)
        self.code.append(("local.tee", node.index))

    def _get_global(self, node: ir.GetGlobal) -> None:
        self.code.append(("global.get", self.layout.global_base + node.index))

    def _set_global(self, node: ir.SetGlobal) -> None:
        self.emit(node.value)
        index = self.layout.global_base + node.index
        self.code.append(("global.set", index))
        self.code.append(("global.get", index))

    def _address(self, addr: ir.HeapAddress) -> None:
        self.emit(addr.base)
        if addr.mask is not None:
            self.code.append(("i32.const", addr.mask))
            self.code.append(("i32.and",))

    def _checked(self, addr: ir.HeapAddress) -> bool:
        return not (addr.in_bounds or self.layout.fast) and id(addr) not in self.proven

    def _load(self, node: ir.Load) -> None:
        view, code = node.view, self.code
        access = (view.load_op, ALIGN[view.size], 0)
        if not self._checked(node.addr):
            self._address(node.addr)
            code.append(access)
        elif self.edits is not None:
            self._range_load(node)
        else:
            self._address(node.addr)
            self.likely.append(len(code) + CHECK_IF)
            code += self._checked_load(node, access)

    def _checked_load(self, node: ir.Load, access: tuple) -> list:
        """A load with its check, after its address."""
        temp = self.acquire("i32")
        self.release("i32", temp)  # free again once the address is in it: nothing else is acquired meanwhile
        return [("local.tee", temp), ("global.get", self.layout.heap_limit_globals[node.view.size]), ("i32.lt_u",),
                ("if", node.vt), ("local.get", temp), access, ("else",), OOB_LOAD_VALUE[node.vt], ("end",)]

    def _access_helper(self, op: str) -> tuple:
        return ("call", self.layout.access_helper_base + ACCESS_HELPER_INDEX[op])

    def _store(self, node: ir.Store, keep: bool = True) -> None:
        view, code = node.view, self.code
        checked = self._checked(node.addr)
        if checked and self.edits is not None:
            self._range_store(node, keep)
            return
        access = (view.store_op, ALIGN[view.size], 0)
        convert = [(node.convert,)] if node.convert else []
        if not keep and not checked:  # the store alone
            self._address(node.addr)
            self.emit(node.value)
            code += convert
            code.append(access)
            return
        addr, value = self._store_operands(node)
        store = [("local.get", addr), ("local.get", value), *convert, access]
        if checked:
            self.likely.append(len(code) + CHECK_IF)
            code += self._checked_store(node, addr, store)
        else:
            code += store
        if keep:
            code.append(("local.get", value))
        self.release(node.vt, value)
        self.release("i32", addr)

    def _store_operands(self, node: ir.Store) -> tuple[int, int]:
        """The address and the value of a store computed into two scratch locals (the caller releases them)."""
        addr = self.acquire("i32")
        value = self.acquire(node.vt)
        self._address(node.addr)
        self.code.append(("local.set", addr))
        self.emit(node.value)
        self.code.append(("local.set", value))
        return addr, value

    def _checked_store(self, node: ir.Store, addr: int, store: list) -> list:
        return [("local.get", addr), ("global.get", self.layout.heap_limit_globals[node.view.size]), ("i32.lt_u",),
                ("if", None), *store, ("end",)]

    # ---- heap accesses in a range (versioning.py), lowered once for both copies

    def _range_address(self, addr: ir.HeapAddress, size: int, info: tuple[int, int] | None) -> int:
        """The address of a checked access in a range, as the slow copy computes it. For a covered access whose
        address is `(X + c) & mask` (`versioning.fast_offset`), the fast copy leaves `+ c` to the memarg: returns
        that offset (else 0)."""
        split = versioning.fast_offset(addr, size, info) if info is not None else None
        self.emit(addr.base)
        if split is not None:  # the base ends with `i32.const c; i32.add`
            self.edits.append((len(self.code) - 2, 2, (), -1))
        if addr.mask is not None:
            self.code.append(("i32.const", addr.mask))
            self.code.append(("i32.and",))
        return 0 if split is None else split[1]

    def _range_load(self, node: ir.Load) -> None:
        """The slow copy calls the access helper; the fast copy reads directly where the range's test covers the
        load, and checks it as anywhere else where it does not."""
        view, code = node.view, self.code
        info = self.unchecked.get(id(node))
        offset = self._range_address(node.addr, view.size, info)
        if info is not None:
            self.edits.append((len(code), 1, ((view.load_op, ALIGN[view.size], offset),), -1))
        else:
            self.edits.append((len(code), 1, self._checked_load(node, (view.load_op, ALIGN[view.size], 0)), CHECK_IF))
        code.append(self._access_helper(view.load_op))

    def _range_store(self, node: ir.Store, keep: bool) -> None:
        """As `_range_load`, for a store; its value is computed after its address in both copies."""
        view, code = node.view, self.code
        info = self.unchecked.get(id(node))
        convert = [(node.convert,)] if node.convert else []
        helper = self._access_helper(view.store_op)
        if not keep and info is not None:  # the slow copy's helper call, the fast copy's direct store
            offset = self._range_address(node.addr, view.size, info)
            self.emit(node.value)
            code += convert
            self.edits.append((len(code), 1, ((view.store_op, ALIGN[view.size], offset),), -1))
            code.append(helper)
            return
        access = (view.store_op, ALIGN[view.size], 0)
        if not keep:  # uncovered: the fast copy checks it with the address and value in scratch locals
            addr, value = self.acquire("i32"), self.acquire(node.vt)
            self._address(node.addr)
            self.edits.append((len(code), 0, (("local.set", addr),), -1))
            self.emit(node.value)
            store = [("local.get", addr), ("local.get", value), *convert, access]
            self.edits.append((len(code), len(convert) + 1,
                               (("local.set", value), *self._checked_store(node, addr, store)), 1 + CHECK_IF))
            code += convert
            code.append(helper)
        else:  # both copies keep the value in a scratch local
            addr, value = self._store_operands(node)
            store = [("local.get", addr), ("local.get", value), *convert, access]
            if info is not None:
                self.edits.append((len(code), len(store), store, -1))
            else:
                self.edits.append((len(code), len(store), self._checked_store(node, addr, store), CHECK_IF))
            code += store[:-1]
            code.append(helper)
            code.append(("local.get", value))
        self.release(node.vt, value)
        self.release("i32", addr)

    def _unop(self, node: ir.Unop) -> None:
        self.emit(node.arg)
        self._op(node.op)

    def _binop(self, node: ir.Binop) -> None:
        op = node.op
        if op in idioms.ROTATION_CHAINS:
            self._chain(node)
            return
        code, left, right = self.code, node.left, node.right
        if type(left) is ir.GetLocal:  # the operands are mostly leaves: as in `emit`, without a call
            code.append(("local.get", left.index))
        else:
            self.emit(left)
        if type(right) is ir.Const:
            code.append((CONST_OP[right.vt], right.value))
            if op in PLAIN_WITH_CONSTANT:
                plain, unsafe = PLAIN_WITH_CONSTANT[op]
                if right.value not in unsafe:
                    code.append((plain,))
                    return
        else:
            self.emit(right)
        if op[0] != "$":
            code.append((op,))
        else:
            self._op(op)

    def _chain(self, node: ir.Binop) -> None:
        """`a ^ b ^ c ...` (or `|`), its rotations as `i32.rotl` (idioms.py); emitted along the left spine of
        the chain rather than recursively, so that a long chain costs linear time."""
        operands = idioms.chain_operands(node)
        code, op = self.code, node.op
        for i, operand in enumerate(idioms.rotations(operands) or operands):
            if type(operand) is idioms.Rotation:
                code += [("local.get", operand.local), ("i32.const", operand.bits), ("i32.rotl",)]
            else:
                self.emit(operand)
            if i:
                code.append((op,))

    def _op(self, op: str) -> None:
        if op[0] != "$":
            self.code.append((op,))
        elif self.layout.fast and op in FAST_REPLACEMENTS:
            self.code += FAST_REPLACEMENTS[op]
        elif op in PSEUDO_INLINE:
            self.code += PSEUDO_INLINE[op]
        else:
            helper, before = PSEUDO_CALLS[op]
            self.code += before
            self.code.append(("call", self.layout.helper_base + HELPER_INDEX[helper]))

    def _select(self, node: ir.Select) -> None:
        self.emit(node.test)
        self.code.append(("if", node.vt))
        self.emit(node.then)
        self.code.append(("else",))
        self.emit(node.orelse)
        self.code.append(("end",))

    def _comma(self, node: ir.Comma) -> None:
        for effect in node.effects:
            self.emit_effect(effect)
        self.emit(node.last)

    def _call_func(self, node: ir.CallFunc) -> None:
        for arg in node.args:
            self.emit(arg)
        self.code.append(("call", self.layout.func_base + node.func))

    def _call_foreign(self, node: ir.CallForeign) -> None:
        for arg in node.args:
            self.emit(arg)
        self.code.append(("call", self.layout.foreign_index[(node.name, node.params, node.vt)]))

    def _call_math(self, node: ir.CallMath) -> None:
        for arg in node.args:
            self.emit(arg)
        self.code.append(("call", self.layout.math_index[node.name]))

    def _call_table(self, node: ir.CallTable) -> None:
        # JavaScript evaluates the callee `t[i & m]` before the arguments.
        temp = self.acquire("i32")
        self.emit(node.index)
        offset = self.layout.table_offsets[node.table]
        if offset:
            self.code += [("i32.const", offset), ("i32.add",)]
        self.code.append(("local.set", temp))
        for arg in node.args:
            self.emit(arg)
        self.code += [("local.get", temp), ("call_indirect", self.layout.table_types[node.table])]
        self.release("i32", temp)

    def _min_max(self, node: ir.MinMax) -> None:
        self.emit(node.args[0])
        for arg in node.args[1:]:
            self.emit(arg)
            self._op(node.op)

    _EMIT: ClassVar[dict] = {  # every expression but constants and local reads, which `emit` writes itself
        ir.SetLocal: _set_local, ir.GetGlobal: _get_global, ir.SetGlobal: _set_global, ir.Load: _load,
        ir.Store: _store, ir.Unop: _unop, ir.Binop: _binop, ir.Select: _select, ir.Comma: _comma,
        ir.CallFunc: _call_func, ir.CallForeign: _call_foreign, ir.CallMath: _call_math, ir.CallTable: _call_table,
        ir.MinMax: _min_max,
    }

    # ---- statements

    def stmt(self, node) -> None:
        if self.source_offsets is not None:
            at = getattr(node, "at", -1)
            if at >= 0:
                self.source_offsets.append((len(self.code), at))
        kind = type(node)
        if kind is ir.ExprStmt:  # most statements: without a call of their own
            self.emit_effect(node.expr)
        else:
            self._STMT[kind](self, node)

    def stmts(self, body: list, items: list | None = None) -> None:
        """A statement list: its runs of checked accesses become ranges (versioning.py) where that pays. `items`:
        the list's plan, when it was made beforehand (a function body's)."""
        if not self.ranges:
            for s in body:
                self.stmt(s)
            return
        for item in versioning.plan(body, self.facts) if items is None else items:
            if type(item) is versioning.Range:
                self._range(item)
            else:
                self.stmt(item)

    def _range(self, r: versioning.Range) -> None:
        """`if (test) { fast copy } else { slow copy }` (versioning.py)."""
        code = self.code
        for i, group in enumerate(r.groups.values()):
            self._group_test(group)
            if i:
                code.append(("i32.and",))
        self.likely.append(len(code))  # the test holds but where an access is out of bounds
        self._open("if", _Target("other"))
        slow, fast = self._copies(r)
        self._place(fast)
        code.append(("else",))
        if self.twin is not None:  # the slow copy is the twin (versioning.plan_function): the body's only range
            code += [("local.get", i) for i in range(self.n_params)]
            code += [("call", self.twin), ("return",)]
            self.twin, self.twin_code = None, (slow.code, slow.offsets)
        else:
            self._place(slow)
        self._close()
        if type(r.stmts[-1]) in versioning.TERMINAL:
            code.append(("unreachable",))  # both copies end in a branch; this keeps the validator's types simple

    def _copies(self, r: versioning.Range) -> tuple[_Copy, _Copy]:
        """The range's statements lowered once: its slow copy, where every checked access calls an access helper
        (so it has no checks of its own to hint), and its fast copy, where the covered ones access the memory
        directly and the others are checked as anywhere else.

        The statements are lowered as the slow copy, recording `edits`, (position, count, instructions, hinted):
        replace that many instructions there to get the fast copy; `hinted` is the position of a check's `if` in
        the instructions, or -1. Only heap accesses differ (`_range_load`, `_range_store`), and each records its
        edits as it emits the instructions they replace, so they come in order and never overlap. The scratch
        locals are those of one lowering: both copies may use them."""
        code, offsets = self.code, self.source_offsets
        self.code, self.edits, self.unchecked = [], [], r.fast_accesses()
        self.source_offsets = [] if offsets is not None else None
        self.ranges = False
        for s in r.stmts:
            self.stmt(s)
        slow, edits, slow_offsets = self.code, self.edits, self.source_offsets
        self.code, self.edits, self.unchecked, self.source_offsets, self.ranges = code, None, {}, offsets, True
        fast, likely, done = [], [], 0
        for position, count, instructions, hinted in edits:
            fast += slow[done:position]
            if hinted >= 0:
                likely.append(len(fast) + hinted)
            fast += instructions
            done = position + count
        fast += slow[done:]
        return _Copy(slow, slow_offsets, []), _Copy(fast, _moved(slow_offsets, edits), likely)

    def _place(self, copy: _Copy) -> None:
        """Append a copy (and its statements' source offsets and its hinted `if`s, relative to it)."""
        base = len(self.code)
        if copy.offsets is not None:
            self.source_offsets += [(base + index, at) for index, at in copy.offsets]
        self.likely += [base + index for index in copy.likely]
        self.code += copy.code

    def _group_test(self, group: versioning.Group) -> None:
        """True when every access of the group is in bounds: `(G + lo) <u heap_limit_R`, R = RANGE_LIMIT_SIZE,
        or for `G | k` addresses `(G | mask) <u heap_limit_s`, s the group's widest access (versioning.py)."""
        code, limits = self.code, self.layout.heap_limit_globals
        if group.ored:
            self.emit(group.node)
            code += [("i32.const", group.or_mask()), ("i32.or",), ("global.get", limits[group.size]), ("i32.lt_u",)]
            return
        lo = group.test_lo()
        if group.node is None:
            code.append(("i32.const", lo))
        else:
            self.emit(group.node)
            if lo:
                code += [("i32.const", lo), ("i32.add",)]
        code += [("global.get", limits[versioning.RANGE_LIMIT_SIZE]), ("i32.lt_u",)]

    def _block(self, node: ir.BlockStmt) -> None:
        if not node.labels:
            self.stmts(node.body)
            return
        self._open("block", _Target("block", node.labels))
        self.stmts(node.body)
        self._close()

    def _if(self, node: ir.IfStmt) -> None:
        self.emit(node.test)
        self._open("if", _Target("other"))
        self.stmt(node.then)
        if node.orelse is not None:
            self.code.append(("else",))
            self.stmt(node.orelse)
            if self.code[-1] == ("else",):  # an empty else branch: leave it out
                self.code.pop()
        self._close()

    def _return(self, node: ir.ReturnStmt) -> None:
        if node.value is not None:
            self.emit(node.value)
        self.code.append(("return",))

    def _loop(self, node: ir.LoopStmt) -> None:
        if node.init is not None:
            self.emit_effect(node.init)
        plan = loops.plan_loop(node, self.facts) if self.ranges else None
        if plan is None:
            self._loop_proper(node)
            return
        self._counted_test(plan)  # `if (test) { fast copy } else { slow copy }` (loops.py)
        self.likely.append(len(self.code))
        self._open("if", _Target("other"))
        self.ranges, self.proven = plan.partial, plan.proven  # ranges for the accesses still checked, if any
        self._loop_proper(node)
        self.ranges, self.proven = True, frozenset()
        self.code.append(("else",))
        self._loop_proper(node)
        self._close()

    def _counted_test(self, plan: loops.LoopPlan) -> None:
        """True when every access `plan` proves is in bounds in every iteration (the test of loops.py, in i64:
        nothing wraps)."""
        counter, span = plan.counter, -1
        if counter is not None:
            span = self.acquire("i64")
            self._counter_test(counter, span)
        for i, group in enumerate(plan.groups):
            q = group.d // abs(counter.step) if counter is not None else 0
            self._loop_group_test(group, q, span)
            if i or counter is not None:
                self.code.append(("i32.and",))
        if counter is not None:
            self.release("i64", span)

    def _counter_test(self, counter: loops.Counter, span: int) -> None:
        """span = (last - x0) * sign(step) >= 0, and last + step does not wrap; leaves span in its local."""
        code, last = self.code, self.acquire("i64")
        extend = "i64.extend_i32_s" if counter.signed else "i64.extend_i32_u"
        self.emit(counter.bound)
        code.append((extend,))
        code += _plus_i64(counter.edge)
        code.append(("local.set", last))
        x0 = [("local.get", counter.local), (extend,)]
        code += [("local.get", last), *x0] if counter.step > 0 else [*x0, ("local.get", last)]
        code += [("i64.sub",), ("local.tee", span), ("i64.const", 0), ("i64.ge_s",)]
        low, high = (-1 << 31, (1 << 31) - 1) if counter.signed else (0, (1 << 32) - 1)
        code += [("local.get", last), *_plus_i64(counter.step)]
        code += [("i64.const", high), ("i64.le_s",)] if counter.step > 0 else [("i64.const", low), ("i64.ge_s",)]
        code.append(("i32.and",))
        self.release("i64", last)

    def _loop_group_test(self, group: loops.Group, q: int, span: int) -> None:
        """base + lo + min(0, q*span) >= 0 (when it can fail) and base + hi + max(0, q*span) < heap_limit
        (= L - size + 1), base read as unsigned."""
        code = self.code
        for i, (node, coef) in enumerate(group.terms):
            self.emit(node)
            if coef != 1:
                code += [("i32.const", coef), ("i32.mul",)]
            if i:
                code.append(("i32.add",))
        if not group.terms:
            code.append(("i32.const", 0))
        code.append(("i64.extend_i32_u",))
        moved = [] if q == 0 else [("local.get", span), ("i64.add",)] if q == 1 else [
            ("local.get", span), ("i64.const", q), ("i64.mul",), ("i64.add",)]
        if group.lo < 0 or q < 0:
            base = self.acquire("i64")
            code += [("local.tee", base), *_plus_i64(group.lo), *(moved if q < 0 else ())]
            code += [("i64.const", 0), ("i64.ge_s",), ("local.get", base)]
            self.release("i64", base)
        code += [*_plus_i64(group.hi), *(moved if q > 0 else ())]
        code += [("global.get", self.layout.heap_limit_globals[group.size]), ("i64.extend_i32_u",), ("i64.lt_s",)]
        if group.lo < 0 or q < 0:
            code.append(("i32.and",))

    def _loop_proper(self, node: ir.LoopStmt) -> None:
        """The loop without its `for` initialisation."""
        self._open("block", _Target("break", node.labels, True))
        self._open("loop", _Target("other"))
        if node.test is not None and node.test_first:
            self._branch_unless(node.test, 1)
        self._open("block", _Target("continue", node.labels, True))
        self.stmt(node.body)
        self._close()
        if node.update is not None:
            self.emit_effect(node.update)
        if node.test_first or node.test is None:
            self.code.append(("br", 0))
        else:
            self.emit(node.test)
            self.code.append(("br_if", 0))
        self._close()
        self._close()

    def _branch_unless(self, test, depth: int) -> None:
        """Branch out `depth` levels when `test` is false (folds a leading `!` away)."""
        if isinstance(test, ir.Unop) and test.op == "i32.eqz":
            self.emit(test.arg)
        else:
            self.emit(test)
            self.code.append(("i32.eqz",))
        self.code.append(("br_if", depth))

    def _grow(self, node: ir.GrowMemoryStmt) -> None:
        """Grow the memory to `length` bytes (rounded up to pages); return 0 on failure; move the heap limits."""
        length = self.acquire("i32")
        self.emit(node.length)
        self.code += [
            ("local.tee", length), ("i32.const", 16), ("i32.shr_u",),
            ("local.get", length), ("i32.const", 0xFFFF), ("i32.and",), ("i32.const", 0), ("i32.ne",), ("i32.add",),
            ("memory.size",), ("i32.sub",), ("memory.grow",), ("i32.const", -1), ("i32.eq",),
            ("if", None), ("i32.const", 0), ("return",), ("end",),
        ]
        for size, index in self.layout.heap_limit_globals.items():
            self.code += [("local.get", length), ("i32.const", size - 1), ("i32.sub",), ("global.set", index)]
        self.release("i32", length)

    def _break(self, node: ir.BreakStmt) -> None:
        self.code.append(("br", self._depth(node.label, ("break", "block"), "break")))

    def _continue(self, node: ir.ContinueStmt) -> None:
        self.code.append(("br", self._depth(node.label, ("continue",), "continue")))

    def _depth(self, label: str | None, kinds: tuple[str, ...], bare: str) -> int:
        for depth, target in enumerate(reversed(self.targets)):
            if label is None:
                if target.kind == bare and target.unlabelled:
                    return depth
            elif target.kind in kinds and label in target.labels:
                return depth
        raise AssertionError(f"no branch target for {label!r}: the checker should have rejected this")

    def _switch(self, node: ir.SwitchStmt) -> None:
        cases = node.cases
        self._open("block", _Target("break", node.labels, True))
        for _ in cases:
            self._open("block", _Target("other"))
        default = next((i for i, (value, _) in enumerate(cases) if value is None), len(cases))
        self._dispatch(node.disc, cases, default)
        for _, body in cases:
            self._close()
            self.stmts(body)
        self._close()

    def _dispatch(self, disc, cases: list, default: int) -> None:
        """Branch to case i's block (depth i from here); `default` is the default case or the switch exit."""
        values = {value: i for i, (value, _) in enumerate(cases) if value is not None}
        if not values:
            self.emit_effect(disc)
            self.code.append(("br", default))
            return
        low, high = min(values), max(values)
        if high - low < max(16, 4 * len(values)):
            self.emit(disc)
            if low:
                self.code += [("i32.const", low), ("i32.sub",)]
            table = tuple(values.get(v, default) for v in range(low, high + 1))
            self.code.append(("br_table", table, default))
            return
        temp = self.acquire("i32")
        self.emit(disc)
        self.code.append(("local.set", temp))
        for value, i in values.items():
            self.code += [("local.get", temp), ("i32.const", value), ("i32.eq",), ("br_if", i)]
        self.code.append(("br", default))
        self.release("i32", temp)

    def _open(self, opcode: str, target: _Target) -> None:
        self.code.append((opcode, None))
        self.targets.append(target)

    def _close(self) -> None:
        self.code.append(("end",))
        self.targets.pop()

    _STMT: ClassVar[dict] = {  # every statement but expression statements, which `stmt` lowers itself
        ir.BlockStmt: _block, ir.IfStmt: _if, ir.ReturnStmt: _return, ir.LoopStmt: _loop, ir.BreakStmt: _break,
        ir.ContinueStmt: _continue, ir.SwitchStmt: _switch, ir.GrowMemoryStmt: _grow,
    }


def plan_versions(func: ir.Function, versioned: bool) -> versioning.FunctionPlan | None:
    """The versioning plan of `func` in a module whose accesses are `versioned` (`versioning_on`; Layout.versioning),
    or None: every access checked on its own."""
    return versioning.plan_function(func, _needs_check) if versioned else None


def versioning_on(versioning_option: bool, fast: bool, has_heap: bool) -> bool:
    """Whether heap accesses are versioned: asked for, with checks to version (not --fast) and a heap."""
    return versioning_option and not fast and has_heap


def lower_with_twin(func: ir.Function, type_index: int, layout: Layout, plan: versioning.FunctionPlan | None,
                    twin: int | None) -> tuple[wasm.Function, wasm.Function | None]:
    """One asm.js function -> one Wasm function (declared locals initialised, a default return appended), and its
    checked twin when it has one. `plan`: its versioning (`plan_versions`); `twin`: the index of its checked twin
    when plan.outlined, whose code is the slow copy of the range that is the body, as a function of its own (same
    locals, scratch ones included)."""
    lowering = _start(func, layout)
    if plan is not None:
        lowering.facts, lowering.ranges, lowering.twin = plan.facts, True, twin
    prologue = len(lowering.code)
    lowering.stmts(func.body, plan.body if plan is not None else None)
    twin_code = lowering.twin_code
    lowered = _finish(lowering, func, type_index, func.name)
    if twin_code is None:
        return lowered, None
    code, offsets = twin_code
    twin_lowering = FunctionLowering(layout, lowering.n_params, lowering.code[:prologue] + code,
                                     lowering.extra_locals)
    if offsets is not None:
        twin_lowering.source_offsets = [(prologue + index, at) for index, at in offsets]
    return lowered, _finish(twin_lowering, func, type_index, f"{func.name}.checked")  # no asm.js name has a dot


def _plus_i64(k: int) -> list:
    return [("i64.const", k), ("i64.add",)] if k else []


def _moved(offsets: list | None, edits: list) -> list | None:
    """Source offsets of the slow copy's statements -> the same in the fast copy (`FunctionLowering._copies`):
    each moves by what the edits before it added or removed (none is at a statement's first instruction)."""
    if offsets is None:
        return None
    moved, shift, pending = [], 0, iter(edits)
    edit = next(pending, None)
    for index, at in offsets:
        while edit is not None and edit[0] < index:
            shift += len(edit[2]) - edit[1]
            edit = next(pending, None)
        moved.append((index + shift, at))
    return moved


def _start(func: ir.Function, layout: Layout) -> FunctionLowering:
    """A lowering of `func` whose code starts with its declared locals' initial values."""
    n_params = len(func.params)
    lowering = FunctionLowering(layout, n_params, first_scratch=n_params + len(func.locals),
                                source_offsets=[] if layout.debug_lines else None)
    for i, (_, vt, value) in enumerate(func.locals):
        if value != 0 or _is_negative_zero(value):
            lowering.code += [(CONST_OP[vt], value), ("local.set", n_params + i)]
    return lowering


def _finish(lowering: FunctionLowering, func: ir.Function, type_index: int, debug_name: str) -> wasm.Function:
    if func.result is not None and not (func.body and isinstance(func.body[-1], ir.ReturnStmt)):
        # Falling off the end: JavaScript returns undefined, which callers coerce to 0 or NaN.
        lowering.code.append(ZERO[func.result] if func.result == "i32" else (func.result + ".const", float("nan")))
    names = [name for name, _ in func.params] + [name for name, _, _ in func.locals]
    names += [f"$scratch{i}" for i in range(len(lowering.extra_locals))]
    return wasm.Function(type_index, lowering.code, [vt for _, vt, _ in func.locals] + lowering.extra_locals,
                         debug_name, names, lowering.source_offsets or [],
                         [(index, LIKELY) for index in lowering.likely])


def _needs_check(access) -> bool:
    return not access.addr.in_bounds


def _is_negative_zero(value: float | int) -> bool:
    return isinstance(value, float) and value == 0 and str(value).startswith("-")
