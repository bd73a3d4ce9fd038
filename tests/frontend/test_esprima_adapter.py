"""ESTree -> nodes: every node type from a representative module, Unsupported forms, literals, positions."""

from __future__ import annotations

import pytest

from asm2wasm.diagnostics import CompileError, Loc
from asm2wasm.frontend import nodes as N
from asm2wasm.frontend import parse
from asm2wasm.frontend.esprima_adapter import literal_number

REPRESENTATIVE = """\
function Rep(stdlib, foreign, heap) {
  "use asm";
  var H32 = new stdlib.Int32Array(heap);
  var sin = stdlib.Math.sin;
  var g = foreign.g;
  var k = foreign.k | 0, d = +foreign.d, e = 1e3, z = 0x10, w = 1.5;
  function f(x, y) {
    x = x | 0;
    y = +y;
    var i = 0;
    i = (x + 1 - 2) | 0;
    H32[i >> 2] = -x;
    if (!x) { return 1; } else return 2;
    while (1) break;
    do { continue; } while (0);
    for (i = 0; (i | 0) < 10; i = (i + 1) | 0) ;
    L: switch (~x) { case 1: break L; default: }
    g(x ? 1 : 2, (x, y), sin(y));
    t[x & 1](x | 0);
    return +y;
  }
  var t = [f, f];
  return { f: f, "g2": f };
}
"""

EXPECTED = [
    "VarDecl(decls=[('H32', New(callee=Dot(obj=Name(id='stdlib', @3:16), prop='Int32Array', @3:16), "
    "args=[Name(id='heap', @3:34)], @3:12), @3:6)], @3:2, kind='var')",
    "VarDecl(decls=[('sin', Dot(obj=Dot(obj=Name(id='stdlib', @4:12), prop='Math', @4:12), prop='sin', @4:12), "
    "@4:6)], @4:2, kind='var')",
    "VarDecl(decls=[('g', Dot(obj=Name(id='foreign', @5:10), prop='g', @5:10), @5:6)], @5:2, kind='var')",
    "VarDecl(decls=[('k', Binary(op='|', left=Dot(obj=Name(id='foreign', @6:10), prop='k', @6:10), "
    "right=Num(value=0, is_double=False, @6:22), @6:10), @6:6), "
    "('d', Unary(op='+', arg=Dot(obj=Name(id='foreign', @6:30), prop='d', @6:30), @6:29), @6:25), "
    "('e', Num(value=1000, is_double=False, @6:45), @6:41), ('z', Num(value=16, is_double=False, @6:54), @6:50), "
    "('w', Num(value=1.5, is_double=True, @6:64), @6:60)], @6:2, kind='var')",
]

EXPECTED_F = [
    "ExprStmt(expr=Assign(target=Name(id='x', @8:4), value=Binary(op='|', left=Name(id='x', @8:8), "
    "right=Num(value=0, is_double=False, @8:12), @8:8), @8:4), @8:4)",
    "ExprStmt(expr=Assign(target=Name(id='y', @9:4), value=Unary(op='+', arg=Name(id='y', @9:9), @9:8), @9:4), @9:4)",
    "VarDecl(decls=[('i', Num(value=0, is_double=False, @10:12), @10:8)], @10:4, kind='var')",
    "ExprStmt(expr=Assign(target=Name(id='i', @11:4), value=Binary(op='|', left=Binary(op='-', "
    "left=Binary(op='+', left=Name(id='x', @11:9), right=Num(value=1, is_double=False, @11:13), @11:9), "
    "right=Num(value=2, is_double=False, @11:17), @11:9), right=Num(value=0, is_double=False, @11:22), @11:8), "
    "@11:4), @11:4)",
    "ExprStmt(expr=Assign(target=Index(obj=Name(id='H32', @12:4), index=Binary(op='>>', left=Name(id='i', @12:8), "
    "right=Num(value=2, is_double=False, @12:13), @12:8), @12:4), value=Unary(op='-', arg=Name(id='x', @12:19), "
    "@12:18), @12:4), @12:4)",
    "If(test=Unary(op='!', arg=Name(id='x', @13:9), @13:8), then=Block(body=[Return(arg=Num(value=1, "
    "is_double=False, @13:21), @13:14)], @13:12), orelse=Return(arg=Num(value=2, is_double=False, @13:38), "
    "@13:31), @13:4)",
    "While(test=Num(value=1, is_double=False, @14:11), body=Break(label=None, @14:14), @14:4)",
    "DoWhile(body=Block(body=[Continue(label=None, @15:9)], @15:7), test=Num(value=0, is_double=False, @15:28), @15:4)",
    "For(init=Assign(target=Name(id='i', @16:9), value=Num(value=0, is_double=False, @16:13), @16:9), "
    "test=Binary(op='<', left=Binary(op='|', left=Name(id='i', @16:17), right=Num(value=0, is_double=False, "
    "@16:21), @16:17), right=Num(value=10, is_double=False, @16:26), @16:16), update=Assign(target=Name(id='i', "
    "@16:30), value=Binary(op='|', left=Binary(op='+', left=Name(id='i', @16:35), right=Num(value=1, "
    "is_double=False, @16:39), @16:35), right=Num(value=0, is_double=False, @16:44), @16:34), @16:30), "
    "body=Empty(@16:47), @16:4)",
    "Labeled(label='L', body=Switch(disc=Unary(op='~', arg=Name(id='x', @17:16), @17:15), "
    "cases=[Case(test=Num(value=1, is_double=False, @17:26), body=[Break(label='L', @17:29)], @17:21), "
    "Case(test=None, body=[], @17:38)], @17:7), @17:4)",
    "ExprStmt(expr=Call(callee=Name(id='g', @18:4), args=[Cond(test=Name(id='x', @18:6), then=Num(value=1, "
    "is_double=False, @18:10), orelse=Num(value=2, is_double=False, @18:14), @18:6), Seq(exprs=[Name(id='x', "
    "@18:18), Name(id='y', @18:21)], @18:18), Call(callee=Name(id='sin', @18:25), args=[Name(id='y', @18:29)], "
    "@18:25)], @18:4), @18:4)",
    "ExprStmt(expr=Call(callee=Index(obj=Name(id='t', @19:4), index=Binary(op='&', left=Name(id='x', @19:6), "
    "right=Num(value=1, is_double=False, @19:10), @19:6), @19:4), args=[Binary(op='|', left=Name(id='x', "
    "@19:13), right=Num(value=0, is_double=False, @19:17), @19:13)], @19:4), @19:4)",
    "Return(arg=Unary(op='+', arg=Name(id='y', @20:12), @20:11), @20:4)",
]


def _dump(node: object) -> str:
    return N.dump(node).replace("[", "(").replace("]", ")")


def _same(got: object, expected: str) -> None:
    # dump() prints tuples like lists; compare with brackets normalised
    assert _dump(got) == expected.replace("[", "(").replace("]", ")")


@pytest.fixture(scope="module")
def rep() -> N.Module:
    return parse(REPRESENTATIVE)


def test_module(rep: N.Module) -> None:
    assert (rep.name, rep.params, rep.directive, rep.loc) == (
        "Rep",
        ["stdlib", "foreign", "heap"],
        "use asm",
        Loc(1, 0),
    )
    assert (rep.start, rep.end) == (0, len(REPRESENTATIVE) - 1)
    assert [type(s).__name__ for s in rep.body] == ["VarDecl"] * 4 + ["FuncDecl", "VarDecl", "Return"]


def test_module_variables(rep: N.Module) -> None:
    for got, expected in zip(rep.body[:4], EXPECTED, strict=True):
        _same(got, expected)


def test_function(rep: N.Module) -> None:
    f = rep.body[4]
    assert isinstance(f, N.FuncDecl)
    assert (f.name, f.params, f.loc) == ("f", ["x", "y"], Loc(7, 2))
    assert REPRESENTATIVE[: f.end].endswith("return +y;\n  }")
    for got, expected in zip(f.body, EXPECTED_F, strict=True):
        _same(got, expected)


def test_function_table_and_exports(rep: N.Module) -> None:
    _same(
        rep.body[5],
        "VarDecl(decls=[('t', ArrayLit(elements=[Name(id='f', @22:11), Name(id='f', @22:14)], @22:10), @22:6)], "
        "@22:2, kind='var')",
    )
    _same(
        rep.body[6],
        "Return(arg=ObjectLit(props=[('f', Name(id='f', @23:14)), ('g2', Name(id='f', @23:23))], @23:9), @23:2)",
    )


def test_single_function_export() -> None:
    module = parse('function M(s) {"use asm"; function f() { return 0; } return f;}')
    _same(module.body[-1], "Return(arg=Name(id='f', @1:60), @1:53)")


# ---- Unsupported forms


def _in_function(stmt: str) -> N.Node:
    module = parse('function M(s) {\n"use asm";\nfunction f(x) {\n' + stmt + "\n}\nreturn f;\n}")
    return module.body[0].body[0]


@pytest.mark.parametrize(
    ("stmt", "what"),
    [
        ("x += 1;", "compound assignment `+=`"),
        ("x++;", "`++` operator"),
        ("--x;", "`--` operator"),
        ("this;", "`this`"),
        ("'str';", "string literal"),
        ("typeof x;", "`typeof` operator"),
        ("delete x.y;", "`delete` operator"),
        ("void 0;", "`void` operator"),
        ("x = function () {};", "function expression"),
        ("x = () => 1;", "arrow function"),
        ("({a: 1});", "object literal"),
        ("[1, 2];", "array literal"),
        ("x = /re/;", "regular expression literal"),
        ("x = `t`;", "template literal"),
        ("x = true;", "`true` literal"),
        ("x = null;", "`null` literal"),
        ("x = 010;", "legacy octal literal 010"),
        ("x === 1;", "`===` operator"),
        ("x in y;", "`in` operator"),
        ("x instanceof y;", "`instanceof` operator"),
        ("f(...x);", "spread `...`"),
    ],
)
def test_unsupported_expressions(stmt: str, what: str) -> None:
    """JavaScript the checker must reject, represented so that it can say what it is."""
    node = _in_function(stmt)
    found = [n for n in _walk(node) if isinstance(n, N.Unsupported)]
    assert [n.what for n in found] == [what]
    assert found[0].loc.line == 4


@pytest.mark.parametrize(
    ("stmt", "what"),
    [
        ("for (var i = 0; i; i = 0) {}", "`var` in a for initialiser"),
        ("for (k in x) {}", "`for in` loop"),
        ("for (k of x) {}", "`for of` loop"),
        ("try { x = 1; } catch (e) {}", "`try` statement"),
        ("throw x;", "`throw` statement"),
        ("with (x) {}", "`with` statement"),
        ("debugger;", "`debugger` statement"),
        ("let i = 0;", "`let` declaration"),
        ("const i = 0;", "`const` declaration"),
        ("var {a} = x;", "destructuring declaration"),
        ("function g() {}", "nested function declaration"),
        ("class C {}", "class declaration"),
    ],
)
def test_unsupported_statements(stmt: str, what: str) -> None:
    node = _in_function(stmt)
    found = [n for n in _walk(node) if isinstance(n, N.Unsupported)]
    assert found[0].what == what
    assert found[0].loc == Loc(4, 0) or found[0].loc.line == 4


def test_strings_and_new_are_kept_at_module_level() -> None:
    module = parse('function M(s, f, h) {"use asm"; var H = new s.Int8Array(h); "x"; return {};}')
    assert isinstance(module.body[0].decls[0][1], N.New)
    assert isinstance(module.body[1].expr, N.Str)


def test_other_prologue_directives_stay_in_the_body() -> None:
    module = parse('function M(s) {\n  "use strict";\n  "use asm";\n  return {};\n}')
    _same(module.body[0], "ExprStmt(expr=Str(value='use strict', @2:2), @2:2)")
    assert module.directive == "use asm"


def test_almost_asm() -> None:
    assert parse("var asm = function(g, e, b) {'almost asm'; return {};};").directive == "almost asm"


def test_javascript_early_errors_are_left_to_the_checker() -> None:
    module = parse(
        'function M(s) {"use asm"; function f(x) { x = x|0; if (x) break; continue;'
        " L: while (x) { L: while (x) { break Q; } } return 0; } return f;}"
    )
    kinds = [type(n).__name__ for n in module.body[0].body]
    assert kinds == ["ExprStmt", "If", "Continue", "Labeled", "Return"]


@pytest.mark.parametrize(
    ("source", "code", "loc"),
    [
        ('function M(s) {"use asm";\n  const K = 1;\n  return {};\n}', "E007", Loc(2, 2)),
        ('function M(s) {"use asm";\n  let K = 1;\n  return {};\n}', "E007", Loc(2, 2)),
        ('function M({Math}) {"use asm"; return {};}', "E007", Loc(1, 0)),
    ],
)
def test_e007(source: str, code: str, loc: Loc) -> None:
    with pytest.raises(CompileError) as err:
        parse(source)
    assert (err.value.diagnostic.code, err.value.diagnostic.loc) == (code, loc)


# ---- numeric literals (§6.6.1)


@pytest.mark.parametrize(
    ("raw", "value", "is_double"),
    [
        ("0", 0, False),
        ("1", 1, False),
        ("4294967295", 4294967295, False),
        ("4294967296", 4294967296, False),
        ("1.0", 1.0, True),
        ("1.", 1.0, True),
        (".5", 0.5, True),
        ("1e3", 1000, False),
        ("1E3", 1000, False),
        ("1.5e3", 1500.0, True),
        ("1e-3", 0.001, True),
        ("0x10", 16, False),
        ("0XFF", 255, False),
        ("0b101", 5, False),
        ("0o17", 15, False),
    ],
)
def test_literal_number(raw: str, value: float, is_double: bool) -> None:
    got = literal_number(raw)
    assert got == (value, is_double)
    assert isinstance(got[0], float) == is_double


def test_huge_literals_stay_cheap() -> None:
    assert literal_number("1" * 5000) == (float("inf"), False)
    assert literal_number("1e999999999") == (float("inf"), False)
    assert literal_number("9" * 30) == (10**30 - 1, False)
    assert literal_number("010") is None


# ---- positions in whole-file coordinates


def test_syntax_error_in_a_module_at_line_50() -> None:
    source = "var app = 1;\n" * 49 + "function M(s) {\n  'use asm';\n  function f() {\n    return 1 +;\n  }\n}\n"
    with pytest.raises(CompileError) as err:
        parse(source)
    assert (err.value.diagnostic.code, err.value.diagnostic.loc) == ("E002", Loc(53, 14))
    assert err.value.diagnostic.message == "Unexpected token ;"


def test_syntax_error_on_the_module_first_line_keeps_the_column() -> None:
    source = "var x = 1;\nvar asm = (function(g, e, b) { 'use asm'; var a = ; return {}; })(1, 2, 3);"
    with pytest.raises(CompileError) as err:
        parse(source)
    assert err.value.diagnostic.loc == Loc(2, 50)


def test_nodes_of_a_module_after_app_code_have_file_positions() -> None:
    source = (
        "var a = '\u00e9\u00e9';\r\nfoo();\r\n    var M = function (s) { 'use asm';\r\n"
        "  function f() {\r\n    return 7;\r\n  }\r\n  return f;\r\n};"
    )
    module = parse(source)
    assert module.loc == Loc(3, 12)
    f = module.body[0]
    assert f.loc == Loc(4, 2)
    assert f.body[0].arg.loc == Loc(5, 11)
    assert source[: f.end].endswith("return 7;\r\n  }")
    assert source[module.start : module.end].startswith("function (s)")


def _walk(node: object):
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, N.Node):
            yield item
            stack.extend(getattr(item, name) for name in item.__dataclass_fields__)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


@pytest.mark.parametrize(("stmt", "op"), [("x && 1;", "&&"), ("x || 1;", "||")])
def test_logical_operators_keep_their_operands(stmt: str, op: str) -> None:
    """Kept as trees: the checker rejects them (T018), but "almost asm" growth functions use them."""
    node = _in_function(stmt)
    binaries = [n for n in _walk(node) if isinstance(n, N.Binary)]
    assert [b.op for b in binaries] == [op]


def test_new_in_a_function_is_kept_for_the_checker() -> None:
    node = _in_function("x = new Foo(1);")
    assert [type(n.callee).__name__ for n in _walk(node) if isinstance(n, N.New)] == ["Name"]
