"""Calls (spec §6.9 ValidateCall, §8.3 the standard library): internal functions, function tables, foreign
functions, Math functions and fround. A mixin of `FunctionChecker`: it uses the checker's expression typing."""

from __future__ import annotations

import math
import struct

from asm2wasm.check import ir
from asm2wasm.check.annotations import NO_BINDING, VT_OF, literal_value
from asm2wasm.check.env import Binding, FuncSig
from asm2wasm.check.types import FROUND_ARGS, WASM_TYPE, is_a
from asm2wasm.diagnostics import CompileError, Diagnostic, Loc
from asm2wasm.frontend import nodes as n

RESULT_VT = {"signed": "i32", "double": "f64", "float": "f32", "void": None}
# A value passed where a variable of the declared type is expected must be a subtype of it (§6.8.4).
DECLARED = {"int": "int", "double": "double", "float": "float"}
# FFI arguments (§6.9): the Wasm type each extern type is passed as.
FFI_ARG = (("signed", "i32"), ("double", "f64"))


class CallChecks:
    """§6.9: calls, typed by the context's coercion (`f()|0`, `+f()`, `fround(f())`, or a statement)."""

    # Provided by FunctionChecker.
    env: object
    typed: ir.TypedModule
    lenient: bool
    locals: dict

    def _binding_kind(self, callee: n.Node) -> str:
        if isinstance(callee, n.Name):
            if callee.id in self.locals:
                return "local"
            return self.env.bindings.get(callee.id, NO_BINDING).kind
        if isinstance(callee, n.Index) and isinstance(callee.obj, n.Name):
            return self.env.bindings.get(callee.obj.id, NO_BINDING).kind
        return "none"

    def _is_coercible_call(self, expr: n.Node) -> bool:
        return isinstance(expr, n.Call) and self._binding_kind(expr.callee) in ("func", "ffi", "table")

    def _call(self, expr: n.Call):
        """A call in a position that gives no coercion: only stdlib Math functions and fround are typed here."""
        kind = self._binding_kind(expr.callee)
        if kind == "math":
            return self._math_call(expr, self.env.bindings[expr.callee.id])
        if kind == "fround":
            return self._fround(expr)
        if kind == "none" and isinstance(expr.callee, n.Name):
            raise CompileError("T001", f"`{expr.callee.id}` is not defined", expr.callee.loc)
        if kind in ("func", "ffi", "table"):
            raise CompileError("T008", "a call's result must be coerced: `f()|0`, `+f()`, `fround(f())`, or the "
                               "call must be a statement", expr.loc)
        raise CompileError("T018", "only functions of the module, foreign functions, stdlib functions and "
                           "function tables can be called", expr.loc)

    def check_call(self, expr: n.Call, want: str) -> tuple[str, object]:
        """§6.9 ValidateCall: a call whose result is coerced to `want` (signed, double, float, or void)."""
        kind = self._binding_kind(expr.callee)
        if kind == "func":
            return self._internal_call(expr, want)
        if kind == "ffi":
            return self._foreign_call(expr, want)
        if kind == "table":
            return self._table_call(expr, want)
        return self._call(expr)

    def _internal_call(self, expr: n.Call, want: str):
        index = self.env.bindings[expr.callee.id].index
        sig = self.env.sigs[index]
        args = self._matching_args(expr, sig)
        self._check_result(expr, sig.result, want)
        return want, ir.CallFunc(RESULT_VT[want], index, args)

    def _table_call(self, expr: n.Call, want: str):
        callee = expr.callee
        table = self.env.bindings[callee.obj.id].index
        size = len(self.typed.tables[table].funcs)
        index = callee.index
        mask = literal_value(index.right) if isinstance(index, n.Binary) and index.op == "&" else None
        if mask != ("i32", size - 1):
            raise CompileError("T010", f"function table `{callee.obj.id}` has {size} entries: call it as "
                               f"`{callee.obj.id}[e & {size - 1}](...)`", expr.loc)
        kind, base = self.check_expr(index.left)
        if not is_a(kind, "intish"):
            raise CompileError("T010", f"a function table index must be intish, not {kind}", index.left.loc)
        sig = self.env.table_sigs[table]
        args = self._matching_args(expr, sig)
        self._check_result(expr, sig.result, want)
        masked = ir.Binop("i32", "i32.and", base, ir.Const("i32", size - 1))
        return want, ir.CallTable(RESULT_VT[want], table, masked, args)

    def _matching_args(self, expr: n.Call, sig: FuncSig) -> list:
        if len(expr.args) != len(sig.params):
            raise CompileError("T022", f"called with {len(expr.args)} arguments, but it takes {len(sig.params)}",
                               expr.loc)
        args = []
        for arg, param in zip(expr.args, sig.params):
            kind, value = self.check_expr(arg)
            if not is_a(kind, DECLARED[param]):
                value = self._lenient_argument(arg, kind, param, value)
            args.append(value)
        return args

    def _lenient_argument(self, arg: n.Node, kind: str, param: str, value):
        """Outside lenient mode an argument must match its parameter (§6.9). In lenient mode, apply the
        conversion the callee's own annotation would have applied in JavaScript, and warn."""
        conversion = _LENIENT_CONVERSIONS.get((WASM_TYPE[kind], VT_OF[param])) if self.lenient else None
        if conversion is None or not (is_a(kind, "extern") or kind in ("float", "int")):
            raise CompileError("T006", f"argument of type {kind} where the function takes {param}", arg.loc)
        article = "an" if param == "int" else "a"
        self.typed.warnings.append(Diagnostic("W001", f"argument of type {kind} passed for {article} {param} "
                                              "parameter: converted as JavaScript would", arg.loc, "warning"))
        if kind == "unsigned" and conversion == "f64.convert_i32_s":
            conversion = "f64.convert_i32_u"
        return ir.Unop(VT_OF[param], conversion, value) if conversion != "none" else value

    @staticmethod
    def _check_result(expr: n.Call, result: str, want: str) -> None:
        if result != want:
            raise CompileError("T007", f"the function returns {result}, but the call is used as {want}", expr.loc)

    def _foreign_call(self, expr: n.Call, want: str):
        if want == "float":
            raise CompileError("T009", "a foreign function's result cannot be coerced with fround", expr.loc)
        params, args = [], []
        for arg in expr.args:
            kind, value = self.check_expr(arg)
            for extern, vt in FFI_ARG:
                if is_a(kind, extern):
                    params.append(vt)
                    args.append(value)
                    break
            else:
                if kind == "float":
                    raise CompileError("T009", "a float cannot be passed to a foreign function: convert it with `+`",
                                       expr.loc)
                raise CompileError("T006", f"a foreign function argument must be signed or double, not {kind}",
                                   arg.loc)
        name = self.env.bindings[expr.callee.id].name
        signature = (name, tuple(params), RESULT_VT[want])
        self.typed.foreign_calls.setdefault(signature, len(self.typed.foreign_calls))
        return want, ir.CallForeign(RESULT_VT[want], name, tuple(params), args)

    def _math_call(self, expr: n.Call, binding: Binding):
        func = binding.math
        checked = [self.check_expr(arg) for arg in expr.args]
        kinds = [k for k, _ in checked]
        values = [v for _, v in checked]
        for params, result, opcode in func.overloads:
            if func.variadic:
                ok = len(kinds) >= 2 and all(is_a(k, params[0]) for k in kinds)
            else:
                ok = len(kinds) == len(params) and all(is_a(k, p) for k, p in zip(kinds, params))
            if ok:
                return result, self._math_ir(func.name, opcode, WASM_TYPE[result], values)
        arities = {len(params) for params, _, _ in func.overloads}
        if (func.variadic and len(kinds) < 2) or (not func.variadic and len(kinds) not in arities):
            raise CompileError("T022", f"Math.{func.name} called with {len(kinds)} arguments", expr.loc)
        raise CompileError("T006", f"Math.{func.name} cannot be applied to ({', '.join(kinds)})",
                           _first_unmatched(expr.args, kinds, func))

    def _math_ir(self, name: str, opcode: str, vt: str, values: list):
        if opcode == "$import":
            if name not in self.typed.math_imports:
                self.typed.math_imports.append(name)
            return ir.CallMath(vt, name, values)
        if len(values) == 1:
            return ir.Unop(vt, opcode, values[0])
        if name in ("min", "max"):
            return ir.MinMax(vt, opcode, values)
        return ir.Binop(vt, opcode, values[0], values[1])

    def _fround(self, expr: n.Call):
        """Float coercion (§8.3 fround): of a floatish, double?, signed or unsigned value, or of a call."""
        if len(expr.args) != 1:
            raise CompileError("T022", "fround takes exactly one argument", expr.loc)
        arg = expr.args[0]
        literal = literal_value(arg)
        if literal is not None:
            return "float", ir.Const("f32", _round_f32(float(literal[1])))
        if self._is_coercible_call(arg):
            return self.check_call(arg, "float")
        kind, value = self.check_expr(arg)
        for accepted, conversion in FROUND_ARGS:
            if is_a(kind, accepted):
                return "float", value if conversion is None else ir.Unop("f32", conversion, value)
        raise CompileError("T002", f"fround cannot be applied to {kind}", expr.loc)



# Lenient argument conversions (value Wasm type, parameter Wasm type) -> opcode ("none": same representation).
_LENIENT_CONVERSIONS = {
    ("i32", "f64"): "f64.convert_i32_s", ("f64", "i32"): "$f64.to_int32", ("f32", "f64"): "f64.promote_f32",
    ("f64", "f32"): "f32.demote_f64", ("i32", "f32"): "f32.convert_i32_s", ("f32", "i32"): "$f32.to_int32",
}


def _first_unmatched(args: list[n.Node], kinds: list[str], func) -> Loc:
    """The first argument no overload of `func` accepts at its position (for the error's position)."""
    for i, (arg, kind) in enumerate(zip(args, kinds)):
        accepted = [params[0] if func.variadic else params[i] for params, _, _ in func.overloads
                    if func.variadic or i < len(params)]
        if not any(is_a(kind, t) for t in accepted):
            return arg.loc
    return args[0].loc


def _round_f32(value: float) -> float:
    """Math.fround of a literal, at compile time."""
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)
