#!/usr/bin/env node
// V8's own asm.js validation and compilation of a module, timed. Run with --allow-natives-syntax.
//
//   node --allow-natives-syntax v8_compile.js [--heap BYTES] MODULE.js...
//
// Each MODULE.js holds just one module function's source (`function NAME?(stdlib, foreign, heap) {"use asm"; ...}`,
// the span found by asm2wasm's extractor). For each one it evaluates the function and calls it once,
// `M(stdlib, foreign, heap)`, and reports both times; their sum (`ms`) is V8's cost of the module: parsing,
// validating, translating to Wasm, compiling (node 20's V8 compiles the whole module with TurboFan, on its worker
// threads too, as soon as it compiles the function: the parenthesized function is compiled eagerly, so most of the
// work is in `evalMs`; `--no-asm-wasm-lazy-compilation` changes nothing measurable) and linking.
// `%IsAsmWasmCode(M)` says whether V8 accepted the module; when it did not (an "almost asm" build, or a module V8
// rejects) the call ran the module as plain JavaScript and its time is not comparable.
//
// The foreign object holds every `FOREIGN.NAME` the module reads, as a plain data property (V8's asm.js linker
// rejects accessors and proxies): a no-op function when the import is taken as is (`var f = env.f;`), the number 0
// when it is coerced (`env.STACKTOP|0`, `+env.x`, `fround(env.y)`). The stdlib holds the typed array constructors,
// Math, NaN, Infinity and (for growth builds) `byteLength`.
//
// Prints one JSON line: [{file, name, directive, bytes, imports, evalMs, callMs, ms, asm, error, warnings}, ...].
'use strict';

const fs = require('fs');
const path = require('path');
const vm = require('vm');

const HEAD = /^function\s*([A-Za-z_$][\w$]*)?\s*\(\s*([A-Za-z_$][\w$]*)?\s*(?:,\s*([A-Za-z_$][\w$]*)\s*)?(?:,\s*([A-Za-z_$][\w$]*)\s*)?\)\s*\{\s*(["'])(use asm|almost asm)\5/;

function parseArgs(argv) {
  const args = { heap: 16 * 1024 * 1024, files: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--heap') args.heap = Number(argv[++i]);
    else if (argv[i].startsWith('--')) throw new Error(`unknown argument ${argv[i]}`);
    else args.files.push(argv[i]);
  }
  if (!args.files.length) throw new Error('usage: v8_compile.js [--heap BYTES] MODULE.js...');
  return args;
}

function escapeRegExp(s) {
  return s.replace(/[$]/g, '\\$&');
}

// {NAME: 'function' | 'number'} for every `FOREIGN.NAME` in the module text.
function foreignImports(text, foreignName) {
  const imports = {};
  if (!foreignName) return imports;
  const re = new RegExp(`(?<![\\w$.])${escapeRegExp(foreignName)}\\.([A-Za-z_$][\\w$]*)`, 'g');
  for (const m of text.matchAll(re)) {
    const name = m[1];
    // the initializer around the import: from the `=` before it to the `,` or `;` after it
    const before = text.slice(Math.max(0, m.index - 64), m.index);
    const after = text.slice(m.index + m[0].length, m.index + m[0].length + 64);
    const plainBefore = /=\s*$/.test(before);
    const plainAfter = /^\s*[,;\n]/.test(after);
    const kind = plainBefore && plainAfter ? 'function' : 'number';
    if (!(name in imports) || kind === 'number') imports[name] = kind;
  }
  return imports;
}

function makeStdlib() {
  const stdlib = {
    Math, NaN, Infinity, Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array,
    Float64Array,
  };
  stdlib.byteLength = Function.prototype.call.bind(
    Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get);
  return stdlib;
}

function measure(file, heapBytes) {
  const text = fs.readFileSync(file, 'utf8');
  const head = HEAD.exec(text);
  if (!head) throw new Error(`${file}: does not start with an asm.js module function`);
  const [, name, , foreignName, , , directive] = head;
  const imports = foreignImports(text, foreignName);
  const foreign = {};
  for (const [k, kind] of Object.entries(imports)) foreign[k] = kind === 'function' ? function () {} : 0;

  const t0 = process.hrtime.bigint();
  const M = vm.runInThisContext(`(${text}\n)`, { filename: path.basename(file) });
  const t1 = process.hrtime.bigint();
  let error = null;
  const heap = new ArrayBuffer(heapBytes);
  const t2 = process.hrtime.bigint();
  try {
    M(makeStdlib(), foreign, heap);
  } catch (e) {
    error = String(e && e.message ? e.message : e);
  }
  const t3 = process.hrtime.bigint();
  return {
    file,
    name: name || null,
    directive,
    bytes: Buffer.byteLength(text),
    imports: Object.keys(imports).length,
    evalMs: Number(t1 - t0) / 1e6,
    callMs: Number(t3 - t2) / 1e6,
    ms: Number(t1 - t0 + t3 - t2) / 1e6,
    asm: %IsAsmWasmCode(M),
    error,
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const warnings = [];
  // V8's asm.js messages ("Invalid asm.js: ...", "Linking failure in asm.js: ...") arrive as process warnings, on a
  // later tick: wait for them after each module
  process.removeAllListeners('warning');
  process.on('warning', (w) => warnings.push(String(w.message)));
  vm.runInThisContext('(function () {})'); // the first script compiled pays for setting up vm: not the module
  const results = [];
  for (const file of args.files) {
    const result = measure(file, args.heap);
    await new Promise((resolve) => setImmediate(resolve));
    result.warnings = warnings.splice(0);
    results.push(result);
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : String(e)}\n`);
  process.exit(1);
});
