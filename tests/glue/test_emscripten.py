"""The glue analysis behind `migrate`, on small texts: the skeleton parse, the module's call, heap and growth path."""

from __future__ import annotations

import pytest

from asm2wasm.frontend import find_modules
from asm2wasm.glue.edits import Edit, OverlappingEdits, apply_edits
from asm2wasm.glue.emscripten import analyse, module_params
from asm2wasm.glue.skeleton import parse_skeleton

EMSCRIPTEN_LIKE = """var Module = {};
var buffer, HEAP8;
function helper() { var buffer = new ArrayBuffer(8); return buffer; }
var cttz = allocate([ZEROS], "i8");
if (Module["buffer"]) { buffer = Module["buffer"]; } else { buffer = new ArrayBuffer(TOTAL_MEMORY); }
function reallocBuffer(size) {
  var ret = new ArrayBuffer(size);
  var success = _emscripten_replace_memory(ret);
  if (!success) return false;
  return ret;
}
// EMSCRIPTEN_START_ASM
var asm = (/** @suppress {uselessCode} */ function(global, env, buffer) {
"almost asm";
var H8 = new global.Int8Array(buffer);
function _emscripten_replace_memory(newBuffer) {
  H8 = new global.Int8Array(newBuffer); buffer = newBuffer; return true;
}
function f() { return 1; }
return { _emscripten_replace_memory: _emscripten_replace_memory, f: f };
})
// EMSCRIPTEN_END_ASM
(Module.asmGlobalArg, Module.asmLibraryArg, buffer);
var _emscripten_replace_memory = Module["_emscripten_replace_memory"] = asm["_emscripten_replace_memory"];
""".replace("ZEROS", ",".join(["0"] * 3000))


def skeleton_of(source: str):
    spans = find_modules(source)
    return spans, parse_skeleton(source, [(s.body_start, s.end) for s in spans])


def test_skeleton_maps_offsets_back_across_elided_parts() -> None:
    _, skeleton = skeleton_of(EMSCRIPTEN_LIKE)
    assert len(skeleton.text) < len(EMSCRIPTEN_LIKE) - 6000  # the module body and the big array are left out
    call = EMSCRIPTEN_LIKE.index("(Module.asmGlobalArg")
    assert skeleton.original(skeleton.text.index("(Module.asmGlobalArg")) == call
    assert skeleton.original(skeleton.text.index("var cttz")) == EMSCRIPTEN_LIKE.index("var cttz")


def test_finds_the_heap_the_call_and_the_growth_path() -> None:
    spans, skeleton = skeleton_of(EMSCRIPTEN_LIKE)
    [span] = spans
    assert module_params(EMSCRIPTEN_LIKE, span) == ["global", "env", "buffer"]
    glue = analyse(EMSCRIPTEN_LIKE, skeleton, span, ["_emscripten_replace_memory"])
    assert glue.problem is None
    assert glue.heap_name == "buffer"
    # only the glue's own `buffer`: not helper()'s local, not reallocBuffer's `ret`
    [heap] = glue.heap_allocations
    assert EMSCRIPTEN_LIKE[heap.start : heap.end] == "new ArrayBuffer(TOTAL_MEMORY)"
    assert EMSCRIPTEN_LIKE[heap.length_start : heap.length_end] == "TOTAL_MEMORY"
    [growth] = glue.growth_calls  # the call inside the module itself is not glue
    assert EMSCRIPTEN_LIKE[growth.start : growth.end] == "_emscripten_replace_memory(ret)"
    assert growth.buffer_name == "ret"
    assert any("Module[\"buffer\"]" in message for _, message in glue.warnings)


def test_a_module_never_called_is_not_migrated() -> None:
    source = 'function M(stdlib, foreign, heap) { "use asm"; function f() {} return f; }\n'
    spans, skeleton = skeleton_of(source)
    glue = analyse(source, skeleton, spans[0], [])
    assert glue.problem and "never called" in glue.problem


def test_a_heap_from_elsewhere_is_not_migrated() -> None:
    source = ('function M(stdlib, foreign, heap) { "use asm"; function f() {} return f; }\n'
              'var f = M(this, {}, getHeap());\n')
    spans, skeleton = skeleton_of(source)
    glue = analyse(source, skeleton, spans[0], [])
    assert glue.problem and "neither a variable" in glue.problem


def test_edits_keep_everything_else_and_refuse_overlaps() -> None:
    assert apply_edits("abcdef", [Edit(4, 5, "E", "e"), Edit(1, 2, "B", "b"), Edit(6, 6, "!", "end")]) == "aBcdEf!"
    with pytest.raises(OverlappingEdits):
        apply_edits("abcdef", [Edit(1, 3, "x", "one"), Edit(2, 4, "y", "two")])
