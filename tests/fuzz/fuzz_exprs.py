"""Type-directed generation of asm.js expressions.

``ExprGen.gen(want, depth)`` returns the source of an expression whose asm.js type is ``want`` or a subtype of it.
It picks, by weight, among the operator rows of ``fuzz_ops.OPERATORS`` whose result fits and among the special
producers below (variables, literals, heap loads, calls, assignments, comma expressions, additive chains, ...), then
generates each operand for the operand type the row asks for. At depth 0 only leaves are used, so the size of an
expression is bounded.

Every compound expression comes back in parentheses, except heap loads and calls (``H32[i>>2]``, ``imul(a, b)``,
``fround(f(x))``), so templates nest without precedence concerns. Calls to the module's own functions, foreign
functions and tables always carry their coercion right at the call (``(f(x)|0)``, ``(+f(x))``, ``fround(f(x))``),
the only forms both the spec and V8 accept. The spec validates the syntax tree, where parentheses are gone, and V8
validates tokens, where they are not; the output must mean the same to both (see ``_separate`` and ``heap_index``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from fuzz_ops import (
    DOUBLE_LITERALS,
    FIXNUM_LITERALS,
    FLOAT_LITERALS,
    HEAP_VIEWS,
    LOAD_TYPE,
    NEGATIVE_LITERALS,
    OPERATORS,
    UNSIGNED_LITERALS,
    Op,
    is_a,
)

# Work an exported call may do, in statement units (see FunctionGen.cost); a foreign call costs FFI_COST.
BUDGET = 1500
FFI_COST = 4

VALUE_TYPES = ("int", "double", "float")


@dataclass
class Callee:
    """A function a body may call: by name, or through a table (``table`` = (name, mask))."""

    name: str
    params: tuple[str, ...]
    ret: str
    cost: int
    table: tuple[str, int] | None = None


@dataclass
class Env:
    """What an expression may refer to: variables by type, heap, callees, foreign functions, imported Math."""

    rng: random.Random
    heap_size: int
    math: frozenset[str]
    readable: dict[str, list[str]] = field(default_factory=dict)  # value type -> names
    assignable: dict[str, list[str]] = field(default_factory=dict)  # value type -> names
    callees: list[Callee] = field(default_factory=list)
    ffis: list[str] = field(default_factory=list)
    features: set[str] = field(default_factory=set)
    loop_counters: list[tuple[str, int]] = field(default_factory=list)  # enclosing loops' (counter, bound)


@dataclass(frozen=True)
class Special:
    """A producer that is not a plain operator row: ``method`` of ExprGen, called as method(result, depth)."""

    result: str
    method: str
    weight: float
    leaf: bool = False


SPECIALS = (
    Special("int", "variable", 5.0, leaf=True),
    Special("double", "variable", 4.0, leaf=True),
    Special("float", "variable", 3.0, leaf=True),
    Special("fixnum", "fixnum_literal", 2.0, leaf=True),
    Special("signed", "negative_literal", 0.7, leaf=True),
    Special("unsigned", "unsigned_literal", 0.5, leaf=True),
    Special("double", "double_literal", 1.5, leaf=True),
    Special("float", "float_literal", 1.2, leaf=True),
    Special("intish", "heap_load", 1.5, leaf=True),
    Special("float?", "heap_load", 0.7, leaf=True),
    Special("double?", "heap_load", 0.7, leaf=True),
    Special("intish", "additive_chain", 1.0),
    Special("intish", "multiply_by_literal", 0.7),
    Special("signed", "call", 1.0),
    Special("double", "call", 0.8),
    Special("float", "call", 0.6),
    Special("signed", "ffi_call", 0.5),
    Special("double", "ffi_call", 0.4),
    Special("int", "assignment", 0.5),
    Special("double", "assignment", 0.4),
    Special("float", "assignment", 0.3),
    Special("signed", "heap_store", 0.3),
    Special("signed", "comma", 0.25),
    Special("int", "comma", 0.15),
    Special("double", "comma", 0.2),
    Special("float", "comma", 0.15),
)

# Concrete types to generate when a place asks for extern (foreign call arguments, §8.4).
EXTERN_CHOICES = ("signed", "signed", "double", "unsigned")


def weighted_choice(rng: random.Random, choices: list[tuple[float, object]]):
    """The item of one (weight, item) pair, picked with probability proportional to its weight."""
    x = rng.uniform(0, sum(weight for weight, _ in choices))
    for weight, item in choices:
        x -= weight
        if x <= 0:
            return item
    return choices[-1][1]


def _is_number_literal(text: str) -> bool:
    return text[0].isdigit() or text.startswith("-")


def _separate(prefix: str, operand: str) -> str:
    """The operand of an int unary ``-`` or ``~``, coerced with |0 where it would merge with the operator in the
    syntax tree: a bare literal after ``-``, a ``~`` expression after ``~``."""
    merges = _is_number_literal(operand) if prefix == "-" else operand.lstrip("(").startswith("~")
    return f"({operand}|0)" if merges else operand


class ExprGen:
    """Generates typed expressions inside one function body; ``charge`` accounts for the work of calls."""

    def __init__(self, env: Env, charge) -> None:
        self.env = env
        self.rng = env.rng
        self.charge = charge  # charge(cost) -> bool: may a call of this cost be added here?

    # ---- entry point -------------------------------------------------------------------------------------------

    def gen(self, want: str, depth: int) -> str:
        if want == "extern":
            want = self.rng.choice(EXTERN_CHOICES)
            if want == "unsigned":  # not extern itself: foreign code gets unsigned values converted to double
                return f"(+{self.gen('unsigned', depth)})"
        choices: list[tuple[float, object]] = []
        for op in OPERATORS:
            if depth > 0 and is_a(op.result, want) and (op.needs is None or op.needs in self.env.math):
                choices.append((op.weight, op))
        for special in SPECIALS:
            if is_a(special.result, want) and (depth > 0 or special.leaf):
                choices.append((special.weight, special))
        while choices:
            pick = weighted_choice(self.rng, choices)
            text = self._produce(pick, want, depth)
            if text is not None:
                return text
            choices = [c for c in choices if c[1] is not pick]
        raise AssertionError(f"no producer for {want} at depth {depth}")

    def _produce(self, pick, want: str, depth: int) -> str | None:
        if isinstance(pick, Op):
            return self._apply(pick, depth)
        return getattr(self, pick.method)(pick.result, depth)

    def _apply(self, op: Op, depth: int) -> str:
        operands = [self.gen(t, depth - 1) for t in op.args]
        if op.int_prefix:
            operands = [_separate(op.int_prefix, x) for x in operands]
        if op.needs:
            self.env.features.add("Math." + op.needs)
        return op.template.format(*operands)

    # ---- leaves ------------------------------------------------------------------------------------------------

    def variable(self, result: str, depth: int) -> str | None:
        names = self.env.readable.get(result, [])
        return self.rng.choice(names) if names else None

    def fixnum_literal(self, result: str, depth: int) -> str:
        if self.rng.random() < 0.3:
            return str(self.rng.randrange(0, 1 << self.rng.choice((4, 8, 16, 31))))
        return self.rng.choice(FIXNUM_LITERALS)

    def negative_literal(self, result: str, depth: int) -> str:
        return f"({self.rng.choice(NEGATIVE_LITERALS)})"

    def unsigned_literal(self, result: str, depth: int) -> str:
        if self.rng.random() < 0.5:
            return self.fixnum_literal(result, depth)
        return self.rng.choice(UNSIGNED_LITERALS)

    def double_literal(self, result: str, depth: int) -> str:
        text = self.rng.choice(DOUBLE_LITERALS)
        return f"({text})" if text.startswith("-") else text

    def float_literal(self, result: str, depth: int) -> str:
        return f"fround({self.rng.choice(FLOAT_LITERALS)})"

    # ---- heap --------------------------------------------------------------------------------------------------

    def heap_index(self, shift: int, depth: int) -> str:
        """An index for a view with elements of 2**shift bytes: a literal, masked in bounds, or arbitrary."""
        rng = self.rng
        if self.env.loop_counters and rng.random() < 0.3:
            return self.stepping_index(shift)
        roll = rng.random()
        if roll < 0.25 or (depth <= 0 and roll < 0.5):
            limit = (self.env.heap_size >> shift) + (self.env.heap_size >> (shift + 2))
            self.env.features.add("heap literal index")
            return str(rng.randrange(0, limit))
        base = self.gen("int" if shift == 0 else "intish", depth - 1) if depth > 0 else self.gen("int", 0)
        if _is_number_literal(base) or base.startswith("(-"):
            # not a constant index (only literals in [0, 2^31 / size) may be; the syntax tree has no parentheses)
            base = f"({base}|0)"
        if roll < 0.7:
            base = f"({base} & {self.env.heap_size - 1})"
        else:
            self.env.features.add("heap out-of-bounds or unaligned index")
        return base if shift == 0 else f"{base}>>{shift}"

    def stepping_index(self, shift: int) -> str:
        """`start + (c << shift) + offset` with c an enclosing loop's counter: the accesses of a counted loop
        (lower/loops.py), in bounds or running off the heap as start and offset fall. A third of them end their
        loop within a few bytes of the heap's end, where an off-by-one in the loop's test shows."""
        rng = self.rng
        self.env.features.add("heap index stepping with a loop counter")
        counter, bound = rng.choice(self.env.loop_counters)
        roll = rng.random()
        if roll < 0.33:
            start = str(self.env.heap_size - (bound << shift) + rng.choice((-8, -4, -2, -1, 0, 1, 4)))
        else:
            start = self.gen("int", 0)
            if _is_number_literal(start) or start.startswith("(-"):
                start = f"({start}|0)"
            if roll < 0.8:
                start = f"({start} & {self.env.heap_size - 1})"
        offset = rng.choice((0, 4, 8, 64, 4000)) if roll >= 0.33 else 0
        base = f"(({start} + ({counter} << {shift})|0) + {offset}|0)"
        return base if shift == 0 else f"{base}>>{shift}"

    def heap_load(self, result: str, depth: int) -> str | None:
        views = [v for v in HEAP_VIEWS if is_a(LOAD_TYPE[v[3]], result)]
        if not views:
            return None
        name, _, shift, _ = self.rng.choice(views)
        self.env.features.add("heap loads")
        return f"{name}[{self.heap_index(shift, depth)}]"

    def heap_store(self, result: str, depth: int) -> str:
        """A store to an int view used as a value: ``(H32[i>>2] = e)`` has the type of e (signed here)."""
        name, _, shift, _ = self.rng.choice([v for v in HEAP_VIEWS if v[3] == "int"])
        self.env.features.add("heap store inside an expression")
        return f"({name}[{self.heap_index(shift, depth)}] = {self.gen('signed', depth - 1)})"

    # ---- int arithmetic ----------------------------------------------------------------------------------------

    def additive_chain(self, result: str, depth: int) -> str:
        """§8.2: a chain of int operands joined by + and -, intish (needs |0 before further use)."""
        count = self.rng.randint(2, 5)
        parts = [self.gen("int", depth - 1)]
        for _ in range(count - 1):
            parts.append(self.rng.choice("+-"))
            parts.append(self.gen("int", depth - 1))
        self.env.features.add("additive chains")
        return "(" + " ".join(parts) + ")"

    def multiply_by_literal(self, result: str, depth: int) -> str:
        """§8.2: int times a literal of magnitude below 2^20."""
        value = self.rng.choice((0, 1, 2, 3, 5, 10, 255, 1000, 65535, 1048575, self.rng.randrange(1, 1 << 20)))
        operand = self.gen("int", depth - 1)
        self.env.features.add("multiplication by literals")
        if self.rng.random() < 0.25:
            return f"({operand} * -{value or 1})"
        return f"({value} * {operand})" if self.rng.random() < 0.5 else f"({operand} * {value})"

    # ---- calls -------------------------------------------------------------------------------------------------

    def call(self, result: str, depth: int) -> str | None:
        """A coerced call of an earlier function or the table returning ``result`` (signed, double or float)."""
        ret = result
        options = [c for c in self.env.callees if c.ret == ret]
        self.rng.shuffle(options)
        options.sort(key=lambda c: c.table is None or self.rng.random() < 0.5)  # tables first, half the time
        for callee in options:
            if self.charge(callee.cost):
                return self.coerce_call(self.call_target(callee, depth) + f"({self.call_args(callee, depth)})",
                                        ret)
        return None

    def call_target(self, callee: Callee, depth: int) -> str:
        if callee.table is None:
            self.env.features.add("calls")
            return callee.name
        name, mask = callee.table
        self.env.features.add("function table calls")
        return f"{name}[{self.gen('intish', depth - 1)}&{mask}]"

    def call_args(self, callee: Callee, depth: int) -> str:
        return ", ".join(self.gen(t, depth - 1) for t in callee.params)

    @staticmethod
    def coerce_call(call: str, ret: str) -> str:
        return {"signed": f"({call}|0)", "double": f"(+{call})", "float": f"fround({call})", "void": call}[ret]

    def ffi_call(self, result: str, depth: int) -> str | None:
        if not self.env.ffis or not self.charge(FFI_COST):
            return None
        ret = "signed" if result == "signed" else "double"
        self.env.features.add("foreign calls")
        return self.coerce_call(self.ffi_call_text(depth), ret)

    def ffi_call_text(self, depth: int) -> str:
        args = [self.gen("extern", depth - 1) for _ in range(self.rng.randint(0, 3))]
        return f"{self.rng.choice(self.env.ffis)}({', '.join(args)})"

    # ---- assignments and sequences -----------------------------------------------------------------------------

    def assignment(self, result: str, depth: int) -> str | None:
        names = self.env.assignable.get(result, [])
        if not names:
            return None
        self.env.features.add("assignments inside expressions")
        return f"({self.rng.choice(names)} = {self.gen(result, depth - 1)})"

    def side_effect(self, depth: int) -> str | None:
        """An expression worth evaluating for its effect: an assignment, a store or a coerced call."""
        value_type = self.rng.choice(VALUE_TYPES)
        kind = self.rng.random()
        if kind < 0.5:
            return self.assignment(value_type, depth)
        if kind < 0.7:
            return self.heap_store("signed", depth)
        return self.call({"int": "signed"}.get(value_type, value_type), depth) or self.ffi_call("signed", depth)

    def comma(self, result: str, depth: int) -> str | None:
        first = self.side_effect(depth - 1)
        if first is None:
            return None
        self.env.features.add("comma expressions")
        return f"({first}, {self.gen(result, depth - 1)})"
