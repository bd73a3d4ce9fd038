// Asks V8 whether it validates each given file's asm.js module: prints one line per file,
// `PATH<TAB>accepts` or `PATH<TAB>rejects`. Run as `node --allow-natives-syntax v8_verdict.js FILE...`.
//
// The first `function NAME(` in the file is taken as the module. It is evaluated, then called with the real
// global object as stdlib, a foreign object whose every member is a function, and a 64 KiB heap, so that a
// module V8 validated also links. If V8 refused the module (or the file does not even parse), the function is
// not asm.js code: `%IsAsmWasmCode` is false. Throwing while running as plain JavaScript is ignored.
'use strict';
const fs = require('fs');

// Every identifier of the file becomes a data property of the foreign object, holding a function that returns 0
// (V8 links only data properties; a function also serves as a value import: `foreign.x|0` is then 0).
function makeForeign(source) {
  const foreign = {};
  for (const name of source.match(/[A-Za-z_$][\w$]*/g) || []) foreign[name] = function () { return 0; };
  return foreign;
}

function verdict(source, path) {
  const m = /function\s+([A-Za-z_$][\w$]*)\s*\(/.exec(source);
  if (!m) return 'rejects';
  let module;
  try {
    module = new Function(source + '\n;return ' + m[1] + ';\n//# sourceURL=' + path)();
  } catch (e) {
    return 'rejects';  // a syntax error: V8 never gets to validate it
  }
  try {
    module(globalThis, makeForeign(source), new ArrayBuffer(65536));
  } catch (e) {
    // ran as plain JavaScript and threw: V8 rejected it, %IsAsmWasmCode says so below
  }
  return %IsAsmWasmCode(module) ? 'accepts' : 'rejects';
}

for (const path of process.argv.slice(2)) {
  process.stdout.write(path + '\t' + verdict(fs.readFileSync(path, 'utf8'), path) + '\n');
}
