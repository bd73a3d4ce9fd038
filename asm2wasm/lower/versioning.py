"""Versioned heap bounds checks: one test for a run of statements, then the run without checks.

asm.js reads 0 / NaN out of bounds and ignores stores there, so every heap access the checker cannot prove in
bounds carries a check (function.py). One check costs little on its own; what costs is what TurboFan makes of tens
of thousands of them: each is a diamond in the control flow, its out-of-bounds arm is laid out inline (Wasm has no
branch hints that node or most browsers honour), and values used only by checked stores are duplicated into every
store's arm. On ammo.js that made the exact output 1.4 times slower than the asm.js in node's own Wasm pipeline.

A *range* is a run of consecutive statements of one statement list (loop-free: a loop ends a run, and its body is
planned on its own, unless the loop is a counted loop, loops.py, whose one test covers all its iterations). Its
accesses whose addresses are known at the range's start as `G + k` (G an i32 expression of the locals and globals as
they are there, k a constant) are *covered*: grouped by G, each group with the window [lo, hi] of the k it covers
(span = hi - lo <= MAX_SPAN; lo is lowered to 0 when the span allows, see Group.test_lo). The range is emitted
twice:

    (G1 + lo1) <u heap_limit_R  and  (G2 + lo2) <u heap_limit_R  and ...
    if
      the statements, the covered accesses without checks            ;; fast copy
    else
      the statements, every access checked as always                  ;; slow copy: the code of before
    end

Why the fast copy does what the checks would have done: heap_limit_N = L - (N - 1) (L = the heap's byteLength, at
least 4096, MIN_HEAP_BYTES: every link path refuses smaller heaps; growth only makes L bigger, so a test that held at
the range's start still holds after a call that grew the memory), and R = RANGE_LIMIT_SIZE = MAX_SPAN + 8: the limit
of an access of R bytes, below L - (s - 1) - span for every group (s, the widest access of the group, is at most 8
bytes; span <= MAX_SPAN = 2048), and positive. One limit for every test: the tests of a function share the one
value (TurboFan keeps a global's value in a register or reloads it; with `heap_limit_s - span` computed per group,
ammo.js's steps took 0.7% longer, and tests against constants would save 0.4% more, but the limit is known only
at link time). A test fails within 2055 bytes of the heap's end where it need not: the slow copy runs there.
If t = (G + lo) mod 2^32 < L - (R - 1) <= L - (s - 1) - span, then for every k in
[lo, hi] the access's address before its mask, (G + k) mod 2^32 = t + (k - lo), lies in [0, L - s] (no wrap:
t + span < 2^32). The access reads or writes at most s bytes at that address rounded down to its size: inside
[0, L), exactly where the checked access would have gone. Its address expression is evaluated where it always was:
the symbolic form only serves the test.

Addresses `G | k` (k a constant, 0 <= k <= MAX_SPAN: hand-written asm.js indexes aligned blocks so, asmcrypto's
`HEAP[offset|1]`) form groups of their own, tested as `(G | m) <u heap_limit_s` with m = 2^n - 1 the smallest such
mask >= hi: every k of the group has its bits in m, so G | k <=u G | m <= L - s. `G` itself counts as `G | 0`.

`G` is evaluated at the range's start, so an access is covered only if the value of its address there is known.
One walk over the function (`Analysis`, before it is lowered) finds it for every range at once: a clock numbers
the assignments and calls in the order they run, each access records its address in terms of the variables'
*stamps* (the clock of their last assignment) and the range starting at clock C covers it when no variable it
reads changed since C. Pure definitions of locals made inside the range (`q = p + 4`, `p = p + 4`) are followed
when they certainly ran before the access (same statement list, or one around it). Pure means built only from
constants, locals, globals and the operators of PURE_OPS, none of which traps; a global stands for itself until it
is assigned or a call (which may assign it) happens.

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
from typing import ClassVar, NamedTuple

from asm2wasm.check import ir

MAX_SPAN = 2048  # largest window of a group (bytes); keeps heap_limit_R positive (heaps have >= 4096 bytes)
RANGE_LIMIT_SIZE = MAX_SPAN + 8  # range tests compare with heap_limit_<this> (see the module docstring)
MAX_NODES = 24  # largest symbolic address expression (instructions of the test)
MIN_COVERED = 2  # a range pays for its test only with at least this many covered accesses
CUT_GAIN = 2  # start a new range where that covers at least this many more accesses in the next statements
WINDOW = 16  # statements looked at to decide that
MAX_FUNCTION_CHECKS = 2000  # functions with more checked accesses are left alone: in an interpreter loop of that
# size (SQLite's VDBE in sql.js: 5079) the copies cost more than the checks they remove (0.946 of asm.js's time
# with ranges, 0.921 without; ammo.js's biggest function has 1266)
SPARSE_STATEMENTS = 100  # functions of this many statements or more with fewer than 0.6 checked accesses per
SPARSE_DENSITY = 0.6  # statement are left alone too: big control-heavy code (SQLite's B-tree, parser and memory
# code), whose ranges are short. Their copies gain nothing: the sql.js workload runs at 0.906 of asm.js's time
# without ranges in them, 0.921 with, and compiles 14% faster (the analysis walked them for half its time). Bullet's
# code is denser: 15 of ammo.js's 1765 functions are such, and its steps take 0.94-0.95 of asm.js's time either way.
# Lower limits cost ammo.js speed: all sparse functions, small ones too, left alone: 3% slower steps; a density
# of 0.7: 1%; 50 statements: 1%.
PURE_OPS = frozenset(("i32.add", "i32.sub", "i32.mul", "i32.shl", "i32.shr_s", "i32.shr_u", "i32.and", "i32.or",
                      "i32.xor"))
TERMINAL = (ir.ReturnStmt, ir.BreakStmt, ir.ContinueStmt)  # statements after which nothing of their list runs
_LEAVES = frozenset((ir.Const, ir.GetLocal, ir.GetGlobal))  # nothing to walk in them


def s32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


NEVER = 1 << 62  # a clock no range starts at


class Sym:
    """An address `node + k` (i32, wrapping), or `node | k` when `ored` (k >= 0), in terms of the values variables
    had at the start of any range starting at a clock C with since <= C < until (see `Analysis`). node None
    stands for 0; key identifies node structurally (two syms with equal keys have the same value there)."""

    __slots__ = ("k", "key", "node", "ored", "since", "size", "until")

    def __init__(self, key, node, k: int, size: int, since: int = 0, until: int = NEVER, ored: bool = False):
        if not -0x80000000 <= k <= 0x7FFFFFFF:
            k = s32(k)
        self.key, self.node, self.k, self.size, self.ored = key, node, k, size, ored
        self.since, self.until = since, until

    def whole(self):
        """(key, node) of node + k (or node | k) as one expression."""
        if self.node is None:
            return ("c", self.k), ir.Const("i32", self.k)
        if self.k == 0:
            return self.key, self.node
        op = "i32.or" if self.ored else "i32.add"
        return (op, self.key, ("c", self.k)), ir.Binop("i32", op, self.node, ir.Const("i32", self.k))


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


@dataclass(slots=True)
class Access:
    """A heap access that needs a check, as the planning sees it."""

    node: object  # the ir.Load or ir.Store
    size: int  # bytes
    depth: int  # statement nesting depth (and ?: arms): deeper than its statement list's means conditional
    direct: Sym | None  # its address from the variables it reads (None: not a pure expression, or too big)
    expanded: Sym | None  # the same through the definitions of the locals it reads (None: no definition used)


class StmtFacts(NamedTuple):
    clock: int  # the clock when the statement starts: a range starting here has C = clock
    first: int  # its accesses are Facts.accesses[first:end], in evaluation order
    end: int
    loop: bool  # it contains a loop that can run its body more than once: it ends a run
    exits: bool  # it contains a break, continue or return: what follows it may not run
    depth: int


_new_facts = tuple.__new__  # a StmtFacts without NamedTuple's keyword-handling constructor (the walk's hot path)


@dataclass
class Facts:
    """What the planning of a function's statement lists needs, found by one walk (`analyse`)."""

    accesses: list = field(default_factory=list)
    stmts: dict = field(default_factory=dict)  # id(statement) -> StmtFacts


class _Unplannable(Exception):
    """Too many checked accesses (MAX_FUNCTION_CHECKS), or an IR shape the planning does not expect."""


@dataclass
class FunctionPlan:
    """The versioning of one function, made before any function is lowered (an outlined slow copy needs an index)."""

    facts: Facts
    body: list  # plan(func.body, facts)
    outlined: bool  # the body is one range: its slow copy is a function of its own, the *checked twin*


def plan_function(func: ir.Function, needs_check) -> FunctionPlan | None:
    """The plan of `func`'s body (its nested statement lists are planned as they are lowered), or None when ranges
    are not worth planning in it.

    A body that is one range from its first statement gets its slow copy outlined: the else branch calls the twin
    with the parameters and returns what it returns. Nothing has run when the range starts (the locals hold their
    initial values, which the twin sets too), so the twin, the slow copy as a function, does exactly what the
    slow copy would have done. A copy with tens of access helper calls in the function costs TurboFan's code for
    the fast one (asmcrypto's `_core_heap`, 64 byte loads: 3% of SHA-256's time); the twin is compiled apart, and
    never at all by a lazy tier unless it runs.
    """
    facts = analyse(func, needs_check)
    if facts is None:
        return None
    body = plan(func.body, facts)
    return FunctionPlan(facts, body, len(body) == 1 and type(body[0]) is Range)


def analyse(func: ir.Function, needs_check) -> Facts | None:
    """The facts of `func`'s statements and accesses, or None when ranges are not worth planning in it."""
    if func.checked_accesses > MAX_FUNCTION_CHECKS:  # the walk would give up on it: do not start it
        return None
    if func.statements >= SPARSE_STATEMENTS and func.checked_accesses < SPARSE_DENSITY * func.statements:
        return None
    walk = Analysis(needs_check)
    try:
        for stmt in func.body:
            walk.stmt(stmt)
    except _Unplannable:
        return None
    return walk.facts


class Analysis:
    """One walk over a function in evaluation order, numbering the changes of variables with a clock.

    Every assignment of an i32 local or of a global, and every call (which may assign any global), advances the
    clock; a variable's *stamp* is the clock of its last assignment seen (a global's counts calls too). A range that
    starts at a statement starts at that statement's clock C. Ranges are loop-free runs of statements, walked in
    the order they run, so an assignment that runs between a range's start and an access was seen between them:
    the variable's stamp at the access is then > C. So a pure address whose variables all have stamps <= C has,
    at the access, the value the same expression has at the range's start: that is `direct` (valid for C >= its
    `since`, the largest stamp). Equal stamps mean equal values within a range, so the keys carry them.

    `expanded` follows pure definitions of i32 locals (`q = p + 4`, `p = p + 4`) made in the range, so that
    accesses through q count against p: a definition with clock d replaces the local by the definition's own
    symbolic value, valid for since <= C < d (the definition is then inside the range, before the access: it ran;
    the variables it read kept their values from the range's start up to it). A definition is used only where it
    certainly ran before the access whenever the access runs: in the same statement list or one around the access
    (a *scope* still open; arms, case bodies, loop bodies, blocks and the loop test / update each open one).
    """

    def __init__(self, needs_check) -> None:
        self.needs_check = needs_check
        self.facts = Facts()
        self.clock = 0
        self.stamp: dict[int, int] = {}  # local index -> clock of its last assignment
        self.leaves: dict[int, Sym] = {}  # local index -> its Sym as a variable, while its stamp holds (shared)
        self.consts: dict[int, Sym] = {}  # value -> its Sym (shared: Syms are never changed)
        self.global_stamp: dict[int, int] = {}
        self.call_clock = 0  # clock of the last call
        self.defs: dict[int, tuple[Sym, int]] = {}  # local -> (its value at its definition, scope)
        self.open_scopes = {0}
        self.scope = 0
        self.next_scope = 1
        self.depth = 0
        self.loops = 0
        self.exits = 0

    # ---- symbolic addresses

    def sym(self, node, expand: bool) -> Sym | None:
        """The pure i32 expression `node` as a Sym (see the class docstring), or None."""
        kind = type(node)
        if kind is ir.Const:
            if node.vt != "i32":
                return None
            const = self.consts.get(node.value)
            if const is None:
                const = self.consts[node.value] = Sym(None, None, node.value, 0)
            return const
        if kind is ir.GetLocal:
            if node.vt != "i32":
                return None
            index = node.index
            if expand:
                known = self.defs.get(index)
                if known is not None and known[1] in self.open_scopes:
                    return known[0]
            leaf = self.leaves.get(index)
            if leaf is None:
                stamp = self.stamp.get(index, 0)
                leaf = self.leaves[index] = Sym(("l", index, stamp), node, 0, 1, stamp)
            return leaf
        if kind is ir.GetGlobal:
            if node.vt != "i32":
                return None
            stamp = max(self.global_stamp.get(node.index, 0), self.call_clock)
            return Sym(("g", node.index, stamp), node, 0, 1, stamp)
        if kind is not ir.Binop or node.op not in PURE_OPS:
            return None
        a = self.sym(node.left, expand)
        if a is None:
            return None
        op, right = node.op, node.right
        if type(right) is ir.Const and (op == "i32.add" or op == "i32.sub") and right.vt == "i32" and not a.ored:
            # `x + c`, `x - c`: most addresses, without a call or a Sym for c (as below with b = c)
            k = a.k + right.value if op == "i32.add" else a.k - right.value
            return Sym(a.key, a.node, k, a.size, a.since, a.until)
        b = self.sym(right, expand)
        if b is None:
            return None
        since = a.since if a.since > b.since else b.since
        until = a.until if a.until < b.until else b.until
        if a.ored or b.ored:  # (x | c) + d is not x | (c + d): use the value as a whole
            a, b = _as_whole(a), _as_whole(b)
        if op == "i32.or" and b.node is None and 0 <= b.k <= MAX_SPAN and a.node is not None:
            key, a_node = a.whole()  # `p | 3`: asmcrypto's addresses into 64-byte aligned blocks
            return Sym(key, a_node, b.k, a.size, since, until, True)
        if op == "i32.add":
            if b.node is None:
                return Sym(a.key, a.node, a.k + b.k, a.size, since, until)
            if a.node is None:
                return Sym(b.key, b.node, a.k + b.k, b.size, since, until)
            size = a.size + b.size + 1
            if size > MAX_NODES:
                return None
            return Sym(("i32.add", a.key, b.key), ir.Binop("i32", "i32.add", a.node, b.node), a.k + b.k, size,
                       since, until)
        if op == "i32.sub" and b.node is None:
            return Sym(a.key, a.node, a.k - b.k, a.size, since, until)
        size = a.size + b.size + 3
        if size > MAX_NODES:
            return None
        (a_key, a_node), (b_key, b_node) = a.whole(), b.whole()
        return Sym((op, a_key, b_key), ir.Binop("i32", op, a_node, b_node), 0, size, since, until)

    # ---- expressions, in evaluation order

    def expr(self, node) -> None:
        kind = type(node)
        while kind is ir.Binop or kind is ir.Unop:  # the common case, without a call per node
            if kind is ir.Unop:
                node = node.arg
            else:
                left = node.left
                if type(left) not in _LEAVES:
                    self.expr(left)
                node = node.right
            kind = type(node)
        handler = self._EXPR.get(kind)
        if handler is not None:  # None: a constant or a read of a variable
            handler(self, node)

    def _set_local(self, node) -> None:
        if node.vt != "i32":  # addresses are i32 expressions: other locals never matter
            self.expr(node.value)
            return
        value = self.sym(node.value, True)
        if value is None:  # a pure value (not None) has nothing to walk: no effects, no accesses
            self.expr(node.value)
        self.clock += 1
        self.stamp[node.index] = self.clock
        self.leaves.pop(node.index, None)
        if value is None:
            self.defs.pop(node.index, None)
        else:
            until = value.until if value.until < self.clock else self.clock
            value = Sym(value.key, value.node, value.k, value.size, value.since, until, value.ored)
            self.defs[node.index] = (value, self.scope)

    def _access(self, node) -> None:
        base = node.addr.base
        if not self.needs_check(node):
            self.expr(base)
        else:
            accesses = self.facts.accesses
            if len(accesses) >= MAX_FUNCTION_CHECKS:
                raise _Unplannable
            expanded = self.sym(base, True)
            if expanded is None:  # as in _set_local: a pure address has nothing to walk
                self.expr(base)
            if expanded is None or expanded.until == NEVER:  # no definition in it: the same as direct
                accesses.append(Access(node, node.view.size, self.depth, expanded, None))
            else:
                accesses.append(Access(node, node.view.size, self.depth, self.sym(base, False), expanded))
        if type(node) is ir.Store:
            self.expr(node.value)  # the address is computed before the value

    def _set_global(self, node) -> None:
        self.expr(node.value)
        self.clock += 1
        self.global_stamp[node.index] = self.clock

    def _select(self, node) -> None:
        self.expr(node.test)
        self.depth += 1
        self.nested(self.expr, node.then)
        self.nested(self.expr, node.orelse)
        self.depth -= 1

    def _children(self, node) -> None:
        for child in children(node):
            self.expr(child)

    def _call(self, node) -> None:
        self._children(node)
        self.clock += 1
        self.call_clock = self.clock

    _EXPR: ClassVar[dict] = {
        ir.SetLocal: _set_local, ir.Load: _access, ir.Store: _access, ir.SetGlobal: _set_global,
        ir.Select: _select, ir.Unop: _children, ir.Binop: _children, ir.Comma: _children, ir.MinMax: _children,
        ir.CallFunc: _call, ir.CallForeign: _call, ir.CallMath: _call, ir.CallTable: _call,
    }

    def nested(self, walk, node) -> None:
        """Walk `node` in a scope of its own: the definitions made in it are not used after it."""
        outer = self.scope
        self.scope = self.next_scope
        self.next_scope += 1
        self.open_scopes.add(self.scope)
        walk(node)
        self.open_scopes.discard(self.scope)
        self.scope = outer

    def stmts(self, body: list) -> None:
        for stmt in body:
            self.stmt(stmt)

    # ---- statements

    def stmt(self, node) -> None:
        if node is None:
            return
        key = id(node)
        facts = self.facts
        if key in facts.stmts:
            raise _Unplannable  # one statement object in two places: its facts would be ambiguous
        clock, first, loops, exits = self.clock, len(facts.accesses), self.loops, self.exits
        kind = type(node)
        if kind is ir.ExprStmt:  # most statements: without a call of their own, nor one to `expr`
            expr = node.expr
            handler = self._EXPR.get(type(expr))
            if handler is not None:
                handler(self, expr)
        else:
            self._STMT[kind](self, node)
        facts.stmts[key] = _new_facts(StmtFacts, (clock, first, len(facts.accesses), self.loops != loops,
                                                  self.exits != exits, self.depth))

    def _deeper(self, walk, node) -> None:
        """`nested`, one level deeper (and without a call of its own: arms and bodies are many)."""
        self.depth += 1
        outer = self.scope
        self.scope = scope = self.next_scope
        self.next_scope += 1
        self.open_scopes.add(scope)
        walk(node)
        self.open_scopes.discard(scope)
        self.scope = outer
        self.depth -= 1

    def _return(self, node) -> None:
        if node.value is not None:
            self.expr(node.value)
        self.exits += 1

    def _jump(self, node) -> None:
        self.exits += 1

    def _if(self, node) -> None:
        self.expr(node.test)
        self._deeper(*_body(self, node.then))
        if node.orelse is not None:
            self._deeper(*_body(self, node.orelse))

    def _block(self, node) -> None:
        self._deeper(self.stmts, node.body)

    def _loop(self, node) -> None:
        if is_once(node):  # Emscripten's forward goto: a block
            self._deeper(*_body(self, node.body))
            return
        self.loops += 1
        if node.init is not None:
            self.expr(node.init)
        self.depth += 1
        if node.test_first and node.test is not None:
            self.nested(self.expr, node.test)
        self.nested(*_body(self, node.body))
        if node.update is not None:
            self.nested(self.expr, node.update)
        if not node.test_first and node.test is not None:
            self.nested(self.expr, node.test)
        self.depth -= 1

    def _switch(self, node) -> None:
        self.expr(node.disc)
        for _, body in node.cases:
            self._deeper(self.stmts, body)

    def _grow(self, node) -> None:
        self.expr(node.length)  # the memory only grows: accesses in bounds stay in bounds
        self.clock += 1
        self.call_clock = self.clock

    _STMT: ClassVar[dict] = {  # every statement but expression statements, which `stmt` walks itself
        ir.ReturnStmt: _return, ir.BreakStmt: _jump, ir.ContinueStmt: _jump, ir.IfStmt: _if, ir.BlockStmt: _block,
        ir.LoopStmt: _loop, ir.SwitchStmt: _switch, ir.GrowMemoryStmt: _grow,
    }


def _body(walk: Analysis, node) -> tuple:
    """How to walk an arm or a loop body in its own scope: a block as its statements (its scope and depth would be
    the arm's over again, and the lowering plans its list from its statements' facts alone), else as a statement."""
    if type(node) is ir.BlockStmt:
        return walk.stmts, node.body
    return walk.stmt, node


def _as_whole(sym: Sym) -> Sym:
    if not sym.ored:
        return sym
    key, node = sym.whole()
    return Sym(key, node, 0, sym.size + 2, sym.since, sym.until)


def is_once(loop: ir.LoopStmt) -> bool:
    """`do { ... } while (0)`, Emscripten's forward goto: its body runs once."""
    test = loop.test
    return (not loop.test_first and type(test) is ir.Const and test.value == 0 and loop.init is None
            and loop.update is None)


def children(node):
    """The operands of an expression node, in evaluation order (a comma's last one may be None)."""
    kind = type(node)
    if kind is ir.SetLocal or kind is ir.SetGlobal:
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
    raise AssertionError(f"unexpected node {kind.__name__}")


# ---- planning ------------------------------------------------------------------------------------------------


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
    k, lo, hi = sym.k, group.lo, group.hi  # (comparisons rather than min and max: the planning's hot path)
    if k < lo:
        if hi - k > MAX_SPAN or (cond and k < 0):
            return False
        group.lo = k
    elif k > hi:
        if k - lo > MAX_SPAN:
            return False
        group.hi = k
    if size > group.size:
        group.size = size
    return True


@dataclass
class Range:
    """Consecutive statements emitted as a fast and a slow copy behind one test."""

    clock: int  # the clock at its first statement (see Analysis)
    depth: int  # of its statement list
    stmts: list = field(default_factory=list)
    groups: dict = field(default_factory=dict)  # sym key -> Group
    covered: dict = field(default_factory=dict)  # id(access node) -> (sym key, k)
    exited: bool = False  # a statement that may jump out is in it: what follows is conditional

    def fast_accesses(self) -> dict:
        """id(access node) -> (lo of its group's window, its k): what the fast copy needs (see `fast_offset`)."""
        return {node_id: (self.groups[key].test_lo(), k) for node_id, (key, k) in self.covered.items()}


def _groups_copy(groups: dict) -> dict:
    return {key: Group(g.node, g.lo, g.hi, g.ored, g.size) for key, g in groups.items()}


def _admitted(accesses: list, clock: int, depth: int, exited: bool, groups: dict, undo: list | None = None) -> list:
    """Per access: its Sym if `groups` (updated) covers it in a range starting at `clock`, else None. With `undo`,
    what each change replaced is appended to it (see `_revert`)."""
    out = []
    for access in accesses:
        # the access's address for a range starting at `clock`, if it is known there
        sym = access.expanded
        if sym is None or not sym.since <= clock < sym.until:
            sym = access.direct
            if sym is not None and sym.since > clock:
                sym = None
        if sym is not None:
            if undo is not None:
                group = groups.get(sym.key)
                undo.append((sym.key, None if group is None else (group.lo, group.hi, group.ored, group.size)))
            if not _admit(groups, sym, exited or access.depth > depth, access.size):
                sym = None
        out.append(sym)
    return out


def _revert(groups: dict, undo: list) -> None:
    for key, before in reversed(undo):
        if before is None:
            groups.pop(key, None)
        else:
            group = groups[key]
            group.lo, group.hi, group.ored, group.size = before


def _coverage(stmts: list, facts: Facts, clock: int, depth: int, exited: bool, groups: dict) -> int:
    """How many accesses of `stmts` a range starting at `clock` (with `groups` so far) would cover."""
    groups, count = _groups_copy(groups), 0
    for stmt in stmts:
        record = facts.stmts[id(stmt)]
        admitted = _admitted(facts.accesses[record.first:record.end], clock, depth, exited, groups)
        count += len(admitted) - admitted.count(None)
        exited = exited or record.exits
    return count


def plan(stmts: list, facts: Facts) -> list:
    """Split a statement list into its statements and Ranges (in order)."""
    if not stmts:
        return []
    known = facts.stmts
    # the list's accesses are consecutive (evaluation order): fewer than MIN_COVERED leave it as it is
    if known[id(stmts[-1])].end - known[id(stmts[0])].first < MIN_COVERED:
        return list(stmts)
    records = [known[id(s)] for s in stmts]
    depth = records[0].depth
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

    for i, (s, record) in enumerate(zip(stmts, records)):
        if record.loop or (cur is None and record.first == record.end):  # a loop ends a run (its body: see stmts)
            close()
            items.append(s)
            continue
        if cur is None:
            cur = Range(record.clock, depth)
        if record.first == record.end:
            admitted = []
        else:
            accesses = facts.accesses[record.first:record.end]
            undo: list = []
            admitted = _admitted(accesses, cur.clock, depth, cur.exited, cur.groups, undo)
        if admitted and cur.stmts and None in admitted:
            fresh = _admitted(accesses, record.clock, depth, False, {})
            fresh = len(fresh) - fresh.count(None)
            if fresh > len(admitted) - admitted.count(None):
                ahead = []
                for x, x_record in zip(stmts[i:i + WINDOW], records[i:i + WINDOW]):
                    if x_record.loop:
                        break
                    ahead.append(x)
                _revert(cur.groups, undo)  # the groups as they were before s
                gain = (_coverage(ahead, facts, record.clock, depth, False, {})
                        - _coverage(ahead, facts, cur.clock, depth, cur.exited, cur.groups))
                if gain >= CUT_GAIN:
                    close()
                    cur = Range(record.clock, depth)
                admitted = _admitted(accesses, cur.clock, depth, cur.exited, cur.groups)
        useful_here = False
        for access, sym in zip(accesses, admitted) if admitted else ():
            if sym is not None:
                cur.covered[id(access.node)] = (sym.key, sym.k)
                useful_here = True
        cur.stmts.append(s)
        useful.append(useful_here)
        cur.exited = cur.exited or record.exits
        if type(s) in TERMINAL:
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
