"""Versioned counted loops: one test before a loop proves the heap accesses of all its iterations in bounds.

Ranges (versioning.py) are loop-free: a loop's body is planned on its own, once per iteration. A loop that walks
through memory one access at a time gains nothing from that, and such loops are in every Emscripten build: its
`memcpy` and `memset` (`while ((e|0) >= 4) { HEAP32[b>>2] = HEAP32[d>>2]; b = b+4|0; d = d+4|0; e = e-4|0 }`)
run 30% of the checks that ammo.js executes. A *counted loop* is emitted twice, behind one test made before it:

    if (test) the loop, its proven accesses unchecked      ;; fast copy (the others checked, in ranges if that pays)
    else      the loop as always                           ;; slow copy (with its ranges, checks and all)

What the loop must look like (`plan_loop`), with n the number of the iteration (0, 1, ...):
- No loop, `switch`, `continue` or memory growth inside it. Every local it assigns is either
  - an *induction variable* v: assigned exactly once, by a statement `v = v + c` (or `v - c`, c a constant) of the
    body's top level. Each iteration that gets past that statement adds c, so at a top-level position of the body
    v holds v0 + c*n, or v0 + c*(n + 1) after its update (v0: its value before the loop); or
  - a *derived* local: assigned exactly once, by a top-level statement `q = L` with L linear (below). After that
    statement, in the same iteration, q holds L.
  A local the loop does not assign is *invariant*: its value at the test is its value in every iteration.
- The test proves the checked accesses whose address is *linear*: built with +, -, `* constant`, `<< constant`
  from constants, induction variables, derived locals after their definition, and pure invariant expressions
  (PURE_OPS of invariant locals and constants). So, mod 2^32, it is `b + k + d*n` with b an i32 expression of the
  values at the test (the *base*), k and d constants (d = the sum over induction variables of coefficient * step).
  The others (through a pointer loaded in the loop, say) stay checked.
- The loop ends on a comparison: its test (`while`, `for`, `do ... while`) or, in `while (1)`, a last statement
  `if (...) break` (the condition turned around). Loops without one are left alone: few, and rarely hot.
- If some address moves (d != 0), that comparison bounds n through a *counter* x (an induction variable, step c):
  `x op B`, B a pure invariant expression, op a comparison in the direction of x's steps (`<`, `<=` for c > 0;
  `>`, `>=` for c < 0; `!=` for c = +-1). Made before each iteration (`while`, `for`), or after x's update (a
  `do ... while`, the last `if`): each iteration but the first of the latter kind runs only if the condition
  held. The comparison holds no access, and d must be a multiple of c (else the access stays checked).

The test, in i64 (exact integers: nothing wraps), with X the values the condition lets x take, an interval from
x0 to `last` (B - 1, B or B + 1 by op), interpreted as signed or unsigned as op compares:
    span = (last - x0) * sign(c) >= 0             ;; x0 itself is allowed (and a do-while's first iteration is
                                                  ;; then inside the interval too)
    last + c representable                       ;; x cannot wrap around and come back into the interval
and per group of addresses with the same base and d (lo, hi: the smallest and largest k, s: widest access):
    b + lo + min(0, q*span) >= 0  and  b + hi + max(0, q*span) <= L - s,   q = d / |c|,  b read as unsigned.
Why that suffices: x moves by c each iteration without wrapping and every iteration that runs has X_n in the
interval, so c*n = X_n - x0 lies between 0 and sign(c)*span, and d*n = q*|c|*n between 0 and q*span. The exact
integer b + k + d*n is congruent to the address mod 2^32 and lies in [0, L - s]: it is the address, in bounds,
and so is the address rounded down by the view's mask. The memory only grows, so a call in the loop cannot
break that. When the test fails (zero iterations, or accesses out of bounds) the slow copy runs: what would have
run anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from asm2wasm.check import ir
from asm2wasm.lower.versioning import PURE_OPS, Facts, children, s32

MAX_STATEMENTS = 16  # a longer body is not worth its second copy
MAX_ACCESSES = 8  # checked accesses in the loop (from the versioning facts: known before walking it); ammo.js's
# steps ran as fast with 16 and 32 (and 40 and 64), with more code
MAX_STRIDE = 1 << 16  # largest |d|: keeps q * span well inside i64
MAX_TERMS = 4  # terms of a base
PURE_UNARY = frozenset(("$i32.not", "i32.eqz"))  # `~x` (`f & ~3`: memset's end of words), `!x`: no trap, no effect

# `x op B` with x a counter: op -> (the bound the condition puts on x relative to B, the sign of the step it needs,
# signed). The last value x can take is B + edge.
COUNTER_OPS = {
    "i32.lt_s": (-1, 1, True), "i32.le_s": (0, 1, True), "i32.gt_s": (1, -1, True), "i32.ge_s": (0, -1, True),
    "i32.lt_u": (-1, 1, False), "i32.le_u": (0, 1, False), "i32.gt_u": (1, -1, False), "i32.ge_u": (0, -1, False),
}
MIRRORED = {"i32.lt_s": "i32.gt_s", "i32.le_s": "i32.ge_s", "i32.gt_s": "i32.lt_s", "i32.ge_s": "i32.le_s",
            "i32.lt_u": "i32.gt_u", "i32.le_u": "i32.ge_u", "i32.gt_u": "i32.lt_u", "i32.ge_u": "i32.le_u",
            "i32.ne": "i32.ne", "i32.eq": "i32.eq"}  # `B op x` is `x MIRRORED[op] B`
NEGATED = {"i32.lt_s": "i32.ge_s", "i32.le_s": "i32.gt_s", "i32.gt_s": "i32.le_s", "i32.ge_s": "i32.lt_s",
           "i32.lt_u": "i32.ge_u", "i32.le_u": "i32.gt_u", "i32.gt_u": "i32.le_u", "i32.ge_u": "i32.lt_u",
           "i32.eq": "i32.ne", "i32.ne": "i32.eq"}  # `if (x op B) break` continues while `x NEGATED[op] B`


class _NotCounted(Exception):
    """The loop is not of the shape above."""


@dataclass(frozen=True, slots=True)
class Counter:
    local: int
    step: int
    bound: object  # B, a pure invariant i32 expression
    edge: int  # the last value x may take is B + edge
    signed: bool


@dataclass(slots=True)
class Group:
    """Accesses whose addresses are `base + k + d*n` for one base and d: base = sum of coefficient * term."""

    terms: tuple  # ((term node, coefficient), ...)
    d: int
    lo: int
    hi: int
    size: int  # bytes of the widest access


@dataclass
class LoopPlan:
    counter: Counter | None  # None when no address moves
    groups: list[Group]
    proven: frozenset  # id() of the HeapAddress of every access the test proves in bounds
    partial: bool  # some checked accesses are not proven: the fast copy checks them (in ranges where that pays)


def plan_loop(loop: ir.LoopStmt, facts: Facts) -> LoopPlan | None:
    """The plan of a counted loop (see the module docstring), or None when `loop` is not one."""
    known = facts.stmts
    record = known.get(id(loop))
    if record is None or not 0 < record.end - record.first <= MAX_ACCESSES:
        return None
    if type(loop.body) is ir.BlockStmt:
        if loop.body.labels:  # a `break` to its label would skip the updates after it
            return None
        body = loop.body.body
    else:
        body = [loop.body]
    exit_test = _exit_test(loop, body)
    if exit_test is None or len(body) > MAX_STATEMENTS or any(known[id(stmt)].loop for stmt in body):
        return None
    try:
        return _Shape(loop, body).plan(facts.accesses[record.first:record.end], exit_test)
    except _NotCounted:
        return None


def _exit_test(loop: ir.LoopStmt, body: list) -> tuple | None:
    """(the comparison that may bound the iterations, how to turn it into the condition to go on), or None when
    the loop has none: its test (`while`, `for`, `do ... while`) or, in `while (1)`, a last `if (...) break`.
    (Loops without one are left alone, even those whose addresses do not move: few, and rarely hot.)"""
    test = loop.test
    if test is not None and not (loop.test_first and type(test) is ir.Const and test.value):  # not `while (1)`
        return (test, None) if _is_comparison(test) and (loop.test_first or loop.update is None) else None
    if not loop.test_first or loop.update is not None or not body:
        return None
    last = body[-1]
    if type(last) is not ir.IfStmt or last.orelse is not None or not _is_break(last.then):
        return None
    return (last.test, NEGATED) if _is_comparison(last.test) else None


def _is_comparison(node) -> bool:
    return type(node) is ir.Binop and node.op in MIRRORED


class _Shape:
    """One loop's assignments, accesses and exit condition, found by walking it once."""

    def __init__(self, loop: ir.LoopStmt, body: list) -> None:
        self.loop, self.body = loop, body
        self.assigned: dict[int, int] = {}  # local -> number of assignments in the loop
        self.top: dict[int, tuple[int, object]] = {}  # local -> (position, value) of a top-level assignment
        self.positions: dict[int, int] = {}  # id(access node) -> top-level position of its statement
        for position, stmt in enumerate(body):
            if type(stmt) is ir.ExprStmt:
                self._top(stmt.expr, position)
            self._stmt(stmt, position)
        if loop.update is not None:  # `for (...; ...; i = i + 1|0)`: after the body
            self._top(loop.update, len(body))
            self._expr(loop.update, len(body))
        if loop.test is not None:
            self._expr(loop.test, -1)
        self.steps: dict[int, tuple[int, int]] = {}  # induction variable -> (step, position of its update)
        for local, count in self.assigned.items():
            if count == 1 and local in self.top:
                position, value = self.top[local]
                step = _step(local, value)
                if step is not None:
                    self.steps[local] = (step, position)
        self.derived: dict[int, tuple[int, _Lin | None]] = {}  # local -> (position, its value there)
        for local, (position, value) in sorted(self.top.items(), key=lambda item: item[1][0]):
            if self.assigned[local] == 1 and local not in self.steps:
                self.derived[local] = (position, self.linear(value, position))

    # ---- the walk

    def _top(self, expr, position: int) -> None:
        """Record an assignment that is a whole top-level statement (or a `for` update). Not one in a comma: the
        rest of its statement would see the new value at the same position."""
        if type(expr) is ir.SetLocal and expr.vt == "i32":
            self.top[expr.index] = (position, expr.value)

    def _stmt(self, node, position: int) -> None:
        kind = type(node)
        if kind is ir.ExprStmt:
            self._expr(node.expr, position)
        elif kind is ir.BlockStmt:
            for stmt in node.body:
                self._stmt(stmt, position)
        elif kind is ir.IfStmt:
            self._expr(node.test, position)
            self._stmt(node.then, position)
            if node.orelse is not None:
                self._stmt(node.orelse, position)
        elif kind is ir.ReturnStmt:
            if node.value is not None:
                self._expr(node.value, position)
        elif kind is not ir.BreakStmt:  # loops, switches, continue, memory growth
            raise _NotCounted

    def _expr(self, node, position: int) -> None:
        kind = type(node)
        while kind is ir.Binop or kind is ir.Unop:  # most nodes, without a call of their own
            if kind is ir.Unop:
                node = node.arg
            else:
                if type(node.left) not in _LEAVES:
                    self._expr(node.left, position)
                node = node.right
            kind = type(node)
        if kind is ir.SetLocal:
            self.assigned[node.index] = self.assigned.get(node.index, 0) + 1
            self._expr(node.value, position)
        elif kind is ir.Load or kind is ir.Store:
            base = node.addr.base
            self.positions[id(node)] = position
            if not _pure(base):  # (a pure one has nothing in it to record)
                self._expr(base, position)
            if kind is ir.Store:
                self._expr(node.value, position)
        elif kind not in _LEAVES and node is not None:
            for child in children(node):
                self._expr(child, position)

    # ---- linear forms

    def linear(self, node, position: int) -> _Lin | None:
        """`node` at top-level `position` of an iteration as base + k + d*n, or None when it is not linear."""
        kind = type(node)
        if kind is ir.Const:
            return _Lin({}, s32(node.value), 0) if node.vt == "i32" else None
        if kind is ir.GetLocal:
            local = node.index
            if node.vt != "i32":
                return None
            if local not in self.assigned:
                return _Lin({("l", local): (node, 1)}, 0, 0)
            if local in self.steps:
                step, updated = self.steps[local]
                return _Lin({("l", local): (node, 1)}, step if updated < position else 0, step)
            known = self.derived.get(local)
            if known is not None and known[0] < position:
                return known[1]
            return None
        if kind is ir.Unop and node.op in PURE_UNARY and self.invariant(node):
            return _Lin({_key(node): (node, 1)}, 0, 0)
        if kind is not ir.Binop or node.vt != "i32":
            return None
        op, left, right = node.op, node.left, node.right
        if op == "i32.add" or op == "i32.sub":
            a, b = self.linear(left, position), self.linear(right, position)
            if a is None or b is None:
                return None
            return a.plus(b, 1 if op == "i32.add" else -1)
        if op == "i32.mul" or op == "i32.shl":
            if op == "i32.mul" and type(left) is ir.Const:
                left, right = right, left
            if type(right) is not ir.Const:
                return None
            factor = right.value if op == "i32.mul" else 1 << (right.value & 31)
            a = self.linear(left, position)
            return None if a is None else a.times(factor)
        if op in PURE_OPS and self.invariant(node):  # `f & -4`: a term of its own
            return _Lin({_key(node): (node, 1)}, 0, 0)
        return None

    def invariant(self, node) -> bool:
        """A pure i32 expression of constants and of locals the loop does not assign."""
        kind = type(node)
        if kind is ir.Const:
            return node.vt == "i32"
        if kind is ir.GetLocal:
            return node.vt == "i32" and node.index not in self.assigned
        if kind is ir.Unop:
            return node.op in PURE_UNARY and self.invariant(node.arg)
        return (kind is ir.Binop and node.op in PURE_OPS and self.invariant(node.left)
                and self.invariant(node.right))

    # ---- the plan

    def plan(self, accesses: list, exit_test: tuple) -> LoopPlan:
        accesses = [access for access in accesses if id(access.node) in self.positions]  # not the `for` init's
        linear_accesses = []
        for access in accesses:
            lin = self.linear(access.node.addr.base, self.positions[id(access.node)])
            if lin is not None and len(lin.terms) <= MAX_TERMS and abs(lin.d) <= MAX_STRIDE:
                linear_accesses.append((access, lin))
        counter = self._compare(*exit_test) if any(lin.d for _, lin in linear_accesses) else None
        step = counter.step if counter is not None else 0
        covered = [(access, lin) for access, lin in linear_accesses if (lin.d % step == 0 if step else lin.d == 0)]
        if 2 * len(covered) < len(accesses):  # mostly checked anyway: not worth a second copy
            raise _NotCounted
        groups: dict[tuple, Group] = {}
        for access, lin in covered:
            terms = tuple(sorted(lin.terms.items()))
            key = (tuple((term_key, coef) for term_key, (_, coef) in terms), lin.d)
            group = groups.get(key)
            if group is None:
                groups[key] = Group(tuple(value for _, value in terms), lin.d, lin.k, lin.k, access.size)
            else:
                group.lo, group.hi = min(group.lo, lin.k), max(group.hi, lin.k)
                group.size = max(group.size, access.size)
        proven = frozenset(id(access.node.addr) for access, _ in covered)
        return LoopPlan(counter if any(group.d for group in groups.values()) else None, list(groups.values()),
                        proven, len(covered) < len(accesses))

    def _compare(self, test, turn: dict | None) -> Counter | None:
        """`x op B` (or `B op x`) with x an induction variable. Made before each iteration (a `while` test) it sees
        the x of the iteration it lets run; made at the end (`do ... while`, a last `if (...) break`) it comes
        after every update of the body, so it sees the x of the next iteration: either way x before its update."""
        op, left, right = test.op, test.left, test.right
        if turn is not None:
            op = turn[op]
        if not (type(left) is ir.GetLocal and left.index in self.steps):
            left, right, op = right, left, MIRRORED[op]
        if type(left) is not ir.GetLocal or left.index not in self.steps or not self.invariant(right):
            return None
        step = self.steps[left.index][0]
        if op == "i32.ne" and step in (1, -1):
            return Counter(left.index, step, right, -step, True)
        if op not in COUNTER_OPS:
            return None
        edge, direction, signed = COUNTER_OPS[op]
        if (step > 0) != (direction > 0):
            return None
        return Counter(left.index, step, right, edge, signed)


@dataclass(slots=True)
class _Lin:
    """sum of coefficient * term + k + d*n, mod 2^32 (terms: key -> (node, coefficient))."""

    terms: dict
    k: int
    d: int

    def plus(self, other: _Lin, sign: int) -> _Lin:
        terms = dict(self.terms)
        for key, (node, coef) in other.terms.items():
            total = s32(terms[key][1] + sign * coef) if key in terms else s32(sign * coef)
            if total:
                terms[key] = (node, total)
            else:
                terms.pop(key, None)
        return _Lin(terms, s32(self.k + sign * other.k), s32(self.d + sign * other.d))

    def times(self, factor: int) -> _Lin:
        terms = {key: (node, s32(coef * factor)) for key, (node, coef) in self.terms.items()}
        return _Lin({key: value for key, value in terms.items() if value[1]}, s32(self.k * factor),
                    s32(self.d * factor))


def _step(local: int, value) -> int | None:
    """c when `value` is `local + c` or `local - c`."""
    if (type(value) is ir.Binop and value.op in ("i32.add", "i32.sub") and type(value.left) is ir.GetLocal
            and value.left.index == local and type(value.right) is ir.Const):
        step = s32(value.right.value if value.op == "i32.add" else -value.right.value)
        return step if step and abs(step) <= MAX_STRIDE else None
    return None


def _is_break(node) -> bool:
    if type(node) is ir.BlockStmt and not node.labels and len(node.body) == 1:
        node = node.body[0]
    return type(node) is ir.BreakStmt


def _key(node):
    """A structural key of a pure expression (equal keys: equal values at the test)."""
    kind = type(node)
    if kind is ir.Const:
        return ("c", node.value)
    if kind is ir.GetLocal:
        return ("l", node.index)
    if kind is ir.Unop:
        return (node.op, _key(node.arg))
    return (node.op, _key(node.left), _key(node.right))


_LEAVES = (ir.Const, ir.GetLocal, ir.GetGlobal)


def _pure(node) -> bool:
    """Built with PURE_OPS and PURE_UNARY from constants and variables only (no access, call or assignment)."""
    kind = type(node)
    while kind is ir.Binop or kind is ir.Unop:
        if kind is ir.Unop:
            if node.op not in PURE_UNARY:
                return False
            node = node.arg
        else:
            if node.op not in PURE_OPS or not _pure(node.left):
                return False
            node = node.right
        kind = type(node)
    return kind in _LEAVES

