#!/usr/bin/env node
// Checks many generated asm.js fixtures in one node process: for each file, does V8 validate the module as asm.js
// (%IsAsmWasmCode), does it link, do calls of every export with a few edge-value arguments (and the `// call:`
// lines) return without throwing and within a time limit, and do two fresh instances give the same results, FFI
// log and heap bytes (the differential comparison needs deterministic programs)?
//
// Usage: node --allow-natives-syntax tests/fuzz/v8_batch.js [--timeout-ms N] FILE_OR_DIR...
// Output: one JSON line per file: {"file", "asm_valid", "calls", "ms", "errors": [...]}.
'use strict';

const fs = require('fs');
const path = require('path');
const vm = require('vm');

const ARGS = [0, 1, -1, 3, 2147483647, -2147483648, 4294967295, 0.5, -0.5, -0, NaN, Infinity, -Infinity, 1e20,
  5e-324];

function parseHeader(source) {
  const header = { heap: 65536, foreign: {}, call: [] };
  for (const line of source.split('\n')) {
    const m = /^\/\/\s*([a-z]+)\s*:\s?(.*)$/.exec(line.trim());
    if (!m) break;
    if (m[1] === 'heap') header.heap = Number(m[2]);
    if (m[1] === 'foreign') header.foreign = JSON.parse(m[2]);
    if (m[1] === 'call') header.call.push(m[2].trim());
  }
  return header;
}

function makeWorld(source, header) {
  const log = [];
  let counter = 0;
  const foreign = { ...header.foreign };
  for (const m of source.matchAll(/\bforeign\.([A-Za-z_$][\w$]*)/g)) {
    if (m[1] in foreign) continue;
    const name = m[1];
    foreign[name] = (...args) => {
      counter++;
      let result = counter * 0.75 + 0.125;
      args.forEach((a, i) => { result += (Number.isFinite(a) ? a : 1) * (i + 1) * 1.5; });
      log.push([name, args.map(String), String(result)]);
      return counter % 7 === 3 ? 2147483648.5 : result;
    };
  }
  const heap = new ArrayBuffer(header.heap);
  const bytes = new Uint8Array(heap);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) & 255;
  return { stdlib: globalThis, foreign, heap, log };
}

// Same value, NaN equal to NaN, 0 distinct from -0.
function sameValue(a, b) {
  return Object.is(a, b);
}

function withTimeout(fn, timeoutMs) {
  globalThis.__fuzzThunk = fn;
  try {
    return vm.runInThisContext('__fuzzThunk()', { timeout: timeoutMs });
  } finally {
    delete globalThis.__fuzzThunk;
  }
}

function runInstance(source, header, name, timeoutMs) {
  const M = new Function(`${source}\n;return ${name};`)();
  const world = makeWorld(source, header);
  const exportsObject = M(world.stdlib, world.foreign, world.heap);
  const results = [];
  const errors = [];
  let timedOut = false;
  const call = (label, thunk) => {
    if (timedOut) return; // one call that does not terminate is enough: skip the rest of this file
    try {
      results.push(withTimeout(thunk, timeoutMs));
    } catch (e) {
      errors.push(`${label}: ${String(e && e.message || e)}`);
      results.push('threw');
      timedOut = /timed out/.test(String(e && e.message));
    }
  };
  for (const [exportName, fn] of Object.entries(exportsObject)) {
    for (let k = 0; k < ARGS.length; k++) {
      const args = Array.from({ length: fn.length }, (_, i) => ARGS[(k + 3 * i) % ARGS.length]);
      call(`${exportName}(${args.map(String).join(', ')})`, () => fn(...args));
    }
  }
  for (const line of header.call) {
    call(`call: ${line}`, () => new Function('e', `with (e) { return (${line}); }`)(exportsObject));
  }
  return { M, results, errors, log: world.log, heap: new Uint8Array(world.heap) };
}

function compareInstances(a, b) {
  const diffs = [];
  if (a.results.length !== b.results.length) diffs.push('result counts differ');
  a.results.forEach((r, i) => { if (!sameValue(r, b.results[i])) diffs.push(`result #${i}: ${r} vs ${b.results[i]}`); });
  if (JSON.stringify(a.log) !== JSON.stringify(b.log)) diffs.push('FFI logs differ');
  if (!a.heap.every((x, i) => x === b.heap[i])) diffs.push('heaps differ');
  return diffs.slice(0, 5).map((d) => `nondeterministic: ${d}`);
}

// V8 reports why it rejected a module as a process warning ("Invalid asm.js: ..."); keep them for the report.
let warnings = [];
process.removeAllListeners('warning');
process.on('warning', (w) => warnings.push(String(w.message)));

function check(file, timeoutMs) {
  const started = Date.now();
  const out = { file, asm_valid: false, calls: 0, errors: [] };
  try {
    const source = fs.readFileSync(file, 'utf8');
    const header = parseHeader(source);
    const name = /^function\s+([A-Za-z_$][\w$]*)/m.exec(source)[1];
    const first = runInstance(source, header, name, timeoutMs);
    out.asm_valid = %IsAsmWasmCode(first.M);
    out.calls = first.results.length;
    out.errors.push(...first.errors.slice(0, 5));
    if (first.errors.length === 0) out.errors.push(...compareInstances(first, runInstance(source, header, name, timeoutMs)));
  } catch (e) {
    out.errors.push(`module: ${String(e && e.message || e)}`);
  }
  out.ms = Date.now() - started;
  return out;
}

async function main() {
  const argv = process.argv.slice(2);
  let timeoutMs = 5000;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--timeout-ms') {
      timeoutMs = Number(argv[++i]);
    } else if (fs.statSync(argv[i]).isDirectory()) {
      for (const f of fs.readdirSync(argv[i]).sort()) if (f.endsWith('.js')) files.push(path.join(argv[i], f));
    } else {
      files.push(argv[i]);
    }
  }
  for (const file of files) {
    warnings = [];
    const out = check(file, timeoutMs);
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    if (warnings.length > 0) out.v8_warnings = [...new Set(warnings)];
    process.stdout.write(JSON.stringify(out) + '\n');
  }
}

main();
