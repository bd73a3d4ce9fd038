"""Versioned heap bounds checks: one test for a run of statements, then the run without checks.

asm.js reads 0 / NaN out of bounds and ignores stores there, so every heap access the checker cannot prove in
bounds carries a check (function.py). One check costs little on its own; what costs is what TurboFan makes of tens
of thousands of them: each is a diamond in the control flow, its out-of-bounds arm is laid out inline (Wasm has no
branch hints that node or most browsers honour), and values used only by checked stores are duplicated into every
store's arm. On ammo.js that made the exact output 1.4 times slower than the asm.js in node's own Wasm pipeline.

A *range* is a run of consecutive statements of one statement list (loop-free: a loop ends a run, and its body is
planned on its own). Its accesses whose addresses are known at the range's start as `G + k` (G an i32 expression of
the locals and globals as they are there, k a constant) are *covered*: grouped by G, each group with the window
[lo, hi] of the k it covers (span = hi - lo <= MAX_SPAN; lo is lowered to 0 when the span allows, see
Group.test_lo). The range is emitted twice:

    (G1 + lo1) <u (heap_limit_s1 - span1)  and  (G2 + lo2) <u (heap_limit_s2 - span2)  and ...
    if
      the statements, the covered accesses without checks            ;; fast copy
    else
      the statements, every access checked as always                  ;; slow copy: the code of before
    end

Why the fast copy does what the checks would have done: heap_limit_s = L - (s - 1) (L = the heap's byteLength, at
least 4096, MIN_HEAP_BYTES: every link path refuses smaller heaps; growth only makes L bigger, so a test that held at
the range's start still holds after a call that grew the memory), s the widest access of the group (1 to 8 bytes).
span <= MAX_SPAN = 2048, so the bound is positive. If t = (G + lo) mod 2^32 < L - (s - 1) - span, then for every k in
[lo, hi] the access's address before its mask, (G + k) mod 2^32 = t + (k - lo), lies in [0, L - s] (no wrap:
t + span < 2^32). The access reads or writes at most s bytes at that address rounded down to its size: inside
[0, L), exactly where the checked access would have gone. Its address expression is evaluated where it always was:
the symbolic form only serves the test.

Addresses `G | k` (k a constant, 0 <= k <= MAX_SPAN: hand-written asm.js indexes aligned blocks so, asmcrypto's
`HEAP[offset|1]`) form groups of their own, tested as `(G | m) <u heap_limit_s` with m = 2^n - 1 the smallest such
mask >= hi: every k of the group has its bits in m, so G | k <=u G | m <= L - s. `G` itself counts as `G | 0`.

`G` is evaluated at the range's start, so an access is covered only if the value of its address there is known:
the symbolic evaluation below follows assignments of pure i32 expressions to locals (`p = p + 4`, `h = f + (i << 2)`)
through the range, merges the two arms of a conditional (a local assigned differently in them becomes unknown), and
lets a global stand for itself until it is assigned or a call (which may assign it) happens. Pure means built only
from constants, locals, globals and the operators of PURE_OPS, none of which traps.

A test that fails costs speed, not correctness: the slow copy runs. So accesses that may run only under a condition
(in an `if` arm, a `?:` arm, after a conditional `break`/`return`) create or extend a group only with a k >= 0 (a
null pointer plus a field offset is still in bounds; `p + -4` with p = 0 would send every run to the slow copy).

Fast-copy addresses: `(X + c) & mask` with c a constant >= 0 and a multiple of the access size is emitted as
`X & mask` with the memarg offset c when X's symbolic offset k - c lies in the group's window too: then the test
puts X's value in [0, L - s] and X + c = G + k in it as well, so the Wasm effective address `(X & mask) + c`
(computed without wrapping) is the asm.js address. This keeps the fast copy's address arithmetic out of the slow
copy's, so that TurboFan folds it into the accesses instead of computing it once for both copies and keeping it in
registers or spill slots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from asm2wasm.check import ir

MAX_SPAN = 2048  # largest window of a group (bytes); keeps heap_limit_8 - span positive (heaps have >= 4096 bytes)
MAX_NODES = 24  # largest symbolic address expression (instructions of the test)
MIN_COVERED = 2  # a range pays for its test only with at least this many covered accesses
CUT_GAIN = 2  # start a new range where that covers at least this many more accesses in the next statements
WINDOW = 16  # statements looked at to decide that
MAX_FUNCTION_CHECKS = 2000  # functions with more checked accesses are left alone: in an interpreter loop of that
# size (SQLite's VDBE in sql.js: 5079) the copies cost more than the checks they remove (0.946 of asm.js's time
# with ranges, 0.921 without; ammo.js's biggest function has 1266)
PURE_OPS = frozenset(("i32.add", "i32.sub", "i32.mul", "i32.shl", "i32.shr_s", "i32.shr_u", "i32.and", "i32.or",
                      "i32.xor"))
_TERMINAL = (ir.ReturnStmt, ir.BreakStmt, ir.ContinueStmt)


def s32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


class Sym:
    """A value known at the range's start: `node + k` (i32, wrapping), or `node | k` when `ored` (k >= 0). node
    None stands for 0; key identifies node structurally (two syms with equal keys evaluate to the same value at the
    range's start)."""

    __slots__ = ("k", "key", "node", "ored", "size")

    def __init__(self, key, node, k: int, size: int, ored: bool = False):
        if not -0x80000000 <= k <= 0x7FFFFFFF:
            k = s32(k)
        self.key, self.node, self.k, self.size, self.ored = key, node, k, size, ored

    def whole(self):
        """(key, node) of node + k (or node | k) as one expression."""
        if self.node is None:
            return ("c", self.k), ir.Const("i32", self.k)
        if self.k == 0:
            return self.key, self.node
        op = "i32.or" if self.ored else "i32.add"
        return (op, self.key, ("c", self.k)), ir.Binop("i32", op, self.node, ir.Const("i32", self.k))

    def __eq__(self, other) -> bool:
        return isinstance(other, Sym) and self.key == other.key and self.k == other.k and self.ored == other.ored

    def __hash__(self) -> int:
        return hash((self.key, self.k, self.ored))


@dataclass
class Group:
    node: object  # G, an IR expression evaluated at the range's start (None: the constant addresses, G = 0)
    lo: int  # smallest k covered
    hi: int  # largest k covered (hi - lo <= MAX_SPAN)
    ored: bool = False  # the accesses are at `G | k` (0 <= k <= hi): the test is on G | or_mask()
    size: int = 1  # the widest access covered (bytes): the test is against heap_limit_<size> = L - (size - 1)

    def test_lo(self) -> int:
        """The low end of the window the test checks: 0 when that fits, so that the test also proves G itself in
        bounds and `G + c` accesses can use memarg offsets (a valid struct pointer is in bounds), else lo."""
        return min(self.lo, 0) if self.hi - min(self.lo, 0) <= MAX_SPAN else self.lo

    def or_mask(self) -> int:
        """The smallest 2^n - 1 >= hi: for every k in [0, hi], k's bits are in it, so G | k <=u G | mask."""
        return (1 << self.hi.bit_length()) - 1


@dataclass
class State:
    """What is known at a point of a range about the values at its start."""

    env: dict = field(default_factory=dict)  # local index -> Sym, or None when unknown (absent: not assigned)
    calls: bool = False  # a call happened since the range's start (it may have assigned any global)
    dirty: set = field(default_factory=set)  # globals assigned since the range's start
    cond: int = 0  # > 0: what follows may not run every time the range does

    def copy(self) -> State:
        return State(dict(self.env), self.calls, set(self.dirty), self.cond)


def sym_of(node, state: State) -> Sym | None:
    """The value of a pure i32 expression in terms of the range's start, or None."""
    kind = type(node)
    if kind is ir.Const:
        return Sym(None, None, node.value, 0) if node.vt == "i32" else None
    if kind is ir.GetLocal:
        if node.index in state.env:
            return state.env[node.index]
        return Sym(("l", node.index), node, 0, 1) if node.vt == "i32" else None
    if kind is ir.GetGlobal:
        if node.vt != "i32" or state.calls or node.index in state.dirty:
            return None
        return Sym(("g", node.index), node, 0, 1)
    if kind is not ir.Binop or node.op not in PURE_OPS:
        return None
    a = sym_of(node.left, state)
    if a is None:
        return None
    b = sym_of(node.right, state)
    if b is None:
        return None
    if a.ored or b.ored:  # (x | c) + d is not x | (c + d): use the value as a whole
        a, b = _as_whole(a), _as_whole(b)
    if node.op == "i32.or" and b.node is None and 0 <= b.k <= MAX_SPAN and a.node is not None:
        key, a_node = a.whole()  # `p | 3`: asmcrypto's addresses into 64-byte aligned blocks
        return Sym(key, a_node, b.k, a.size, ored=True)
    if node.op == "i32.add":
        if b.node is None:
            return Sym(a.key, a.node, a.k + b.k, a.size)
        if a.node is None:
            return Sym(b.key, b.node, a.k + b.k, b.size)
        size = a.size + b.size + 1
        if size > MAX_NODES:
            return None
        return Sym(("i32.add", a.key, b.key), ir.Binop("i32", "i32.add", a.node, b.node), a.k + b.k, size)
    if node.op == "i32.sub" and b.node is None:
        return Sym(a.key, a.node, a.k - b.k, a.size)
    size = a.size + b.size + 3
    if size > MAX_NODES:
        return None
    (a_key, a_node), (b_key, b_node) = a.whole(), b.whole()
    return Sym((node.op, a_key, b_key), ir.Binop("i32", node.op, a_node, b_node), 0, size)


def _as_whole(sym: Sym) -> Sym:
    if not sym.ored:
        return sym
    key, node = sym.whole()
    return Sym(key, node, 0, sym.size + 2)


def _pure(node) -> bool:
    """An i32 expression `sym_of` may know: constants, variables and PURE_OPS only."""
    kind = type(node)
    if kind is ir.Binop:
        return node.op in PURE_OPS and _pure(node.left) and _pure(node.right)
    return (kind is ir.GetLocal or kind is ir.Const or kind is ir.GetGlobal) and node.vt == "i32"


def _merge(a: dict, b: dict) -> dict:
    """The environment after two arms: what both agree on."""
    out = {}
    for index in a.keys() | b.keys():
        va, vb = a.get(index, _START), b.get(index, _START)
        out[index] = va if va is not _START and va is not None and va == vb else None
    return out


_START = object()  # a local not assigned since the range's start


# What a scan of a statement does, compiled once into a tuple of events (Info.events; nested statements' events are
# referred to, not copied):
_ACCESS = 0  # (_ACCESS, access, pure address): an access that needs a check, its address just computed
_SET = 1  # (_SET, local index, value or None when not pure): an i32 local assigned
_SET_GLOBAL = 2  # (_SET_GLOBAL, global index)
_CALL = 3  # a call (or a memory growth): any global may have changed
_FORK = 4  # the first of two arms starts (a conditional's `then`, a `?:`'s first value)
_ELSE = 5  # the second arm starts
_JOIN = 6  # after both arms
_KILL = 7  # (_KILL, local indexes): these may now hold any of several values
_SKIP = 8  # what follows may not run every time the range does (after a break, continue or return)
_MARK = 9  # remember how conditional what follows is ...
_RESTORE = 10  # (_RESTORE, 0 or 1): ... and go back to that, plus one if the statement may have been left early
_SUB = 11  # (_SUB, events): a nested statement's events (shared, not copied)


@dataclass(frozen=True)
class Info:
    """What the planning needs to know about one statement, found in one pass (Facts.info)."""

    events: tuple  # what a scan does (see _ACCESS ... _SUB)
    checked: int  # how many accesses that need a check it has
    assigned: frozenset  # the i32 locals it assigns
    loop: bool  # whether it contains a loop that can run its body more than once
    exits: frozenset  # where it may jump out to: "return", ("break" | "continue", label or None)


_EMPTY = Info((), 0, frozenset(), False, frozenset())


class Facts:
    """Per-function memo of statement Infos (keyed by node identity: the IR lives as long as the function's
    lowering). `needs_check(access)` says which heap accesses carry a check."""

    def __init__(self, needs_check):
        self.needs_check = needs_check
        self._info: dict[int, Info] = {}

    def info(self, stmt) -> Info:
        if stmt is None:
            return _EMPTY
        key = id(stmt)
        known = self._info.get(key)
        if known is None:
            known = self._info[key] = _Compile(self).statement(stmt)
        return known


class _Compile:
    """A statement's events, in JavaScript's evaluation order, and the rest of its Info."""

    def __init__(self, facts: Facts):
        self.facts = facts
        self.out: list = []
        self.checked = 0
        self.assigned: set = set()
        self.loop = False
        self.exits: set = set()

    def statement(self, node) -> Info:
        self.stmt(node)
        return Info(tuple(self.out), self.checked, frozenset(self.assigned), self.loop, frozenset(self.exits))

    def sub(self, stmt) -> tuple:
        """The event of a nested statement."""
        info = self.facts.info(stmt)
        self.checked += info.checked
        self.assigned |= info.assigned
        self.loop = self.loop or info.loop
        self.exits |= info.exits
        return (_SUB, info.events)

    def capture(self, kinds: tuple, labels: tuple) -> int:
        """Drop the jumps whose target is this statement; 1 if it may still be left early, else 0 (what
        follows it may then not run)."""
        for kind in kinds:
            self.exits.discard((kind, None))
            for label in labels:
                self.exits.discard((kind, label))
        return 1 if self.exits else 0

    def kill(self) -> tuple:
        return (_KILL, frozenset(self.assigned))

    def expr(self, node) -> None:
        kind = type(node)
        while kind is ir.Binop or kind is ir.Unop:  # the common case, without a call per node
            if kind is ir.Unop:
                node = node.arg
            else:
                self.expr(node.left)
                node = node.right
            kind = type(node)
        handler = self._EXPR.get(kind)
        if handler is not None:  # None: a constant or a read of a variable
            handler(self, node)

    def _set_local(self, node) -> None:
        self.expr(node.value)
        if node.vt == "i32":  # addresses are i32 expressions: other locals never matter
            self.out.append((_SET, node.index, node.value if _pure(node.value) else None))
            self.assigned.add(node.index)

    def _access(self, node) -> None:
        self.expr(node.addr.base)
        if self.facts.needs_check(node):
            self.out.append((_ACCESS, node, _pure(node.addr.base)))
            self.checked += 1
        if type(node) is ir.Store:
            self.expr(node.value)  # the address is computed before the value

    def _set_global(self, node) -> None:
        self.expr(node.value)
        self.out.append((_SET_GLOBAL, node.index))

    def _select(self, node) -> None:
        self.expr(node.test)
        self.out.append((_FORK,))
        self.expr(node.then)
        self.out.append((_ELSE,))
        self.expr(node.orelse)
        self.out.append((_JOIN,))

    def _children(self, node) -> None:
        for child in _children(node):
            self.expr(child)

    def _call(self, node) -> None:
        self._children(node)
        self.out.append((_CALL,))

    _EXPR: ClassVar[dict] = {
        ir.SetLocal: _set_local, ir.Load: _access, ir.Store: _access, ir.SetGlobal: _set_global,
        ir.Select: _select, ir.Unop: _children, ir.Binop: _children, ir.Comma: _children, ir.MinMax: _children,
        ir.CallFunc: _call, ir.CallForeign: _call, ir.CallMath: _call, ir.CallTable: _call,
    }

    def stmt(self, node) -> None:
        kind, out = type(node), self.out
        if kind is ir.ExprStmt:
            self.expr(node.expr)
        elif kind is ir.ReturnStmt:
            self.expr(node.value)
            out.append((_SKIP,))
            self.exits.add("return")
        elif kind is ir.BreakStmt or kind is ir.ContinueStmt:
            out.append((_SKIP,))
            self.exits.add(("break" if kind is ir.BreakStmt else "continue", node.label))
        elif kind is ir.IfStmt:
            self.expr(node.test)
            then = self.sub(node.then)
            orelse = [self.sub(node.orelse)] if node.orelse is not None else []
            out += [(_MARK,), (_FORK,), then, (_ELSE,), *orelse, (_JOIN,), (_RESTORE, self.capture((), ()))]
        elif kind is ir.BlockStmt:
            body = [self.sub(s) for s in node.body]
            if node.labels:  # `break label` reaches the end with any of the states inside
                out += [(_MARK,), *body, self.kill(), (_RESTORE, self.capture(("break",), node.labels))]
            else:
                out += body
        elif kind is ir.LoopStmt and is_once(node):  # a `break` leaves it with any of the states inside
            body = self.sub(node.body)
            out += [(_MARK,), body, self.kill(), (_RESTORE, self.capture(("break", "continue"), node.labels))]
        elif kind is ir.SwitchStmt:
            self.expr(node.disc)
            cases = [[self.sub(s) for s in body] for _, body in node.cases]
            kill = self.kill()  # a case is entered from the dispatch or from the case before
            out += [(_MARK,), kill, (_SKIP,)]
            for case in cases:
                out += [*case, kill]
            out.append((_RESTORE, self.capture(("break",), node.labels)))
        elif kind is ir.LoopStmt:  # never in a range (see `plan`); handled conservatively all the same
            self.loop = True
            self.expr(node.init)
            head, self.out = self.out, []
            self.expr(node.test)
            self.expr(node.update)
            parts, self.out = self.out, head
            body = self.sub(node.body)
            self.capture(("break", "continue"), node.labels)
            kill = self.kill()
            self.out += [kill, (_MARK,), (_SKIP,), *parts, body, kill, (_RESTORE, 1)]
        elif kind is ir.GrowMemoryStmt:
            self.expr(node.length)  # the memory only grows: accesses in bounds stay in bounds
            out.append((_CALL,))
        else:
            raise AssertionError(f"unexpected statement {kind.__name__}")


def scan(events: tuple, state: State, accesses: list) -> None:
    """Run a statement's events from `state` (updated), appending (access, Sym or None, conditional) for each
    access that needs a check."""
    _run(events, state, accesses, [], [])


def _run(events: tuple, state: State, accesses: list, forks: list, marks: list) -> None:
    for event in events:
        op = event[0]
        if op is _SUB:
            _run(event[1], state, accesses, forks, marks)
        elif op is _ACCESS:
            node = event[1]
            accesses.append((node, sym_of(node.addr.base, state) if event[2] else None, state.cond > 0))
        elif op is _SET:
            state.env[event[1]] = sym_of(event[2], state) if event[2] is not None else None
        elif op is _FORK:
            forks.append(state.env)
            state.env = dict(state.env)
            state.cond += 1
        elif op is _ELSE:
            start = forks.pop()
            forks.append(state.env)
            state.env = dict(start)
        elif op is _JOIN:
            state.env = _merge(forks.pop(), state.env)
            state.cond -= 1
        elif op is _MARK:
            marks.append(state.cond)
        elif op is _RESTORE:
            state.cond = marks.pop() + event[1]
        elif op is _KILL:
            env = state.env
            for index in event[1]:
                env[index] = None
        elif op is _SKIP:
            state.cond += 1
        elif op is _SET_GLOBAL:
            state.dirty.add(event[1])
        else:  # _CALL
            state.calls = True


def is_once(loop: ir.LoopStmt) -> bool:
    """`do { ... } while (0)`, Emscripten's forward goto: its body runs once."""
    test = loop.test
    return (not loop.test_first and type(test) is ir.Const and test.value == 0 and loop.init is None
            and loop.update is None)


def _children(node):
    kind = type(node)
    if kind in (ir.SetLocal, ir.SetGlobal, ir.ReturnStmt):
        return (node.value,)
    if kind is ir.Load:
        return (node.addr.base,)
    if kind is ir.Store:
        return (node.addr.base, node.value)
    if kind is ir.Unop:
        return (node.arg,)
    if kind is ir.Binop:
        return (node.left, node.right)
    if kind is ir.Select:
        return (node.test, node.then, node.orelse)
    if kind is ir.Comma:
        return (*node.effects, node.last)
    if kind is ir.CallTable:
        return (node.index, *node.args)
    if kind in (ir.CallFunc, ir.CallForeign, ir.CallMath, ir.MinMax):
        return node.args
    if kind is ir.ExprStmt:
        return (node.expr,)
    if kind is ir.IfStmt:
        return (node.test, node.then, node.orelse)
    if kind is ir.BlockStmt:
        return node.body
    if kind is ir.SwitchStmt:
        return (node.disc, *(s for _, body in node.cases for s in body))
    if kind is ir.LoopStmt:
        return (node.init, node.test, node.update, node.body)
    if kind is ir.GrowMemoryStmt:
        return (node.length,)
    raise AssertionError(f"unexpected node {kind.__name__}")


def _admit(groups: dict, sym: Sym, cond: bool, size: int) -> bool:
    """Cover an access of `size` bytes at `sym` (creating or widening its group) if the rules allow; groups is
    updated."""
    group = groups.get(sym.key)
    if sym.node is None and sym.k < 0:
        return False  # a negative constant address is out of bounds: the test would always fail
    if group is None:
        if cond and sym.k < 0:
            return False
        groups[sym.key] = Group(sym.node, sym.k, sym.k, sym.ored, size)
        return True
    if group.ored != sym.ored:  # `p` itself is both p + 0 and p | 0; otherwise the first form seen keeps the group
        if not sym.ored and sym.k == 0:
            group.size = max(group.size, size)
            return True
        if not (sym.ored and group.lo == group.hi == 0):
            return False
        group.ored = True
    lo, hi = min(group.lo, sym.k), max(group.hi, sym.k)
    if hi - lo > MAX_SPAN or (cond and sym.k < 0 and sym.k < group.lo):
        return False
    group.lo, group.hi, group.size = lo, hi, max(group.size, size)
    return True


@dataclass
class Range:
    """Consecutive statements emitted as a fast and a slow copy behind one test."""

    stmts: list = field(default_factory=list)
    groups: dict = field(default_factory=dict)  # sym key -> Group
    covered: dict = field(default_factory=dict)  # id(access node) -> (sym key, k)
    state: State = field(default_factory=State)

    def fast_accesses(self) -> dict:
        """id(access node) -> (lo of its group's window, its k): what the fast copy needs (see `fast_offset`)."""
        return {node_id: (self.groups[key].test_lo(), k) for node_id, (key, k) in self.covered.items()}


def _groups_copy(groups: dict) -> dict:
    return {key: Group(g.node, g.lo, g.hi, g.ored, g.size) for key, g in groups.items()}


def _coverage(stmts: list, facts: Facts, start: Range | None) -> int:
    """How many accesses of `stmts` a range would cover: a new one, or `start` continued."""
    state = start.state.copy() if start is not None else State()
    groups = _groups_copy(start.groups) if start is not None else {}
    found: list = []
    for s in stmts:
        scan(facts.info(s).events, state, found)
    return sum(1 for node, sym, cond in found if sym is not None and _admit(groups, sym, cond, node.view.size))


def worth_it(body: list, facts: Facts) -> bool:
    """Whether to plan ranges in a function at all (see MAX_FUNCTION_CHECKS)."""
    return sum(facts.info(s).checked for s in body) <= MAX_FUNCTION_CHECKS


def plan(stmts: list, facts: Facts) -> list:
    """Split a statement list into its statements and Ranges (in order)."""
    infos = [facts.info(s) for s in stmts]
    if sum(info.checked for info in infos) < MIN_COVERED:
        return list(stmts)
    items: list = []
    cur: Range | None = None
    useful: list[bool] = []  # per statement of cur: whether it has a covered access

    def close() -> None:
        nonlocal cur
        if cur is not None:
            keep = len(cur.stmts)
            while keep and not useful[keep - 1]:  # copying statements with nothing covered gains nothing
                keep -= 1
            if len(cur.covered) >= max(MIN_COVERED, len(cur.groups) + 1):
                cur.stmts, rest = cur.stmts[:keep], cur.stmts[keep:]
                items.append(cur)
                items.extend(rest)
            else:
                items.extend(cur.stmts)
        cur = None
        useful.clear()

    for i, (s, info) in enumerate(zip(stmts, infos)):
        if info.loop or (cur is None and not info.checked):  # a loop ends a run; its body is planned on its own
            close()
            items.append(s)
            continue
        if cur is None:
            cur = Range()
        state, found = cur.state.copy(), []
        scan(info.events, state, found)
        groups = _groups_copy(cur.groups)
        admitted = [sym is not None and _admit(groups, sym, cond, node.view.size) for node, sym, cond in found]
        if cur.stmts and not all(admitted) and _coverage([s], facts, None) > sum(admitted):
            ahead = []
            for x, x_info in zip(stmts[i:i + WINDOW], infos[i:i + WINDOW]):
                if x_info.loop:
                    break
                ahead.append(x)
            if _coverage(ahead, facts, None) - _coverage(ahead, facts, cur) >= CUT_GAIN:
                close()
                cur = Range()
                state, found, groups = State(), [], {}
                scan(info.events, state, found)
                admitted = [sym is not None and _admit(groups, sym, cond, node.view.size) for node, sym, cond in found]
        cur.state, cur.groups = state, groups
        for (node, sym, _), ok in zip(found, admitted):
            if ok:
                cur.covered[id(node)] = (sym.key, sym.k)
        cur.stmts.append(s)
        useful.append(any(admitted))
        if type(s) in _TERMINAL:
            close()
    close()
    return items


def fast_offset(addr: ir.HeapAddress, size: int, info: tuple[int, int]) -> tuple[object, int] | None:
    """For a covered access (info = (lo, k) from Range.fast_accesses): (X, c) when its address `(X + c) & mask`
    may be emitted as `X & mask` with memarg offset c (see the module docstring), else None."""
    base = addr.base
    if type(base) is not ir.Binop or base.op != "i32.add" or type(base.right) is not ir.Const:
        return None
    lo, k = info
    c = s32(base.right.value)
    if c < 0 or c % size or k - c < lo:
        return None
    return base.left, c
