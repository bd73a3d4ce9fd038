#!/usr/bin/env node
// Differential harness: runs an asm.js fixture as JavaScript (V8's asm.js path) and, with --shim, as our
// WebAssembly through the generated companion module, then compares call results bit for bit, the FFI call
// log and the heap bytes.
//
// Usage:
//   node --allow-natives-syntax tests/harness/diff.js FIXTURE.js [--shim SHIM.js] [--module NAME]
//        [--calls-only] [--dump] [--self] [--plan]
//
//   --shim SHIM.js  the generated CommonJS companion (createHeap, link, signatures, singleExport)
//   --module NAME   the module function's name (default: the first top-level function / var X = function)
//   --calls-only    print only the JS side's results (for debugging)
//   --dump          also print both sides' full results
//   --self          compare the JS side against a second, fresh JS instance (checks determinism)
//   --plan          run only the JS side and print its exact call plan for another host (see below)
//
// Each side gets a fresh stdlib, a heap of the header's size (default 65536) filled with byte i = (i*7+3) & 255,
// and a fresh foreign object: the header's `foreign:` numbers, its `ffi:` functions (their bodies can see
// `heap`, that side's ArrayBuffer) and, for every other `foreign.NAME` the module reads, a logging function
// returning a deterministic, often non-integral value. The foreign object has plain data properties rather
// than a Proxy because V8 refuses to link asm.js against proxy or accessor properties. Every foreign call is
// logged as [name, [args], result]. Each export is called with edge values chosen by its parameter types
// (the shim's `signatures`, else the annotations in the source), then the header's `call:` lines run.
//
// Output: one JSON object on stdout, {"asm_valid": bool, "calls": N, "mismatches": [string, ...]}, plus
// "linked" (the exception) when the JS side threw while linking, "warnings" (e.g. the shim's signature
// disagrees with the source), and with --dump "js" / "wasm" ({results, ffi_log}). Numbers are encoded as
// {"n": 16 hex digits of the float64 bits} (every NaN as "nan"), exceptions as {"throw": constructor name}.
// The exit status is 0 even when there are mismatches; it is 2 for usage errors and unreadable fixtures.
//
// --plan output (for hosts without JS, e.g. wasmtime; tests/test_wasmtime.py): {"asm_valid", "linked" (true or
// the exception), "heap_length" (null without a heap), "heap" (base64 of the JS heap after all calls, null
// without a heap), "calls": [{"call": description, "export": name, "args": [arg, ...], "result": value}, ...],
// "skipped": [call line, ...]}. Arguments are encoded exactly: numbers as {"n": 16 hex digits} (a NaN keeps its
// bits), "undefined", "null", {"s": string}, {"b": boolean}, and an object as {"object": its ToPrimitive (hint
// number) value, encoded the same way}; an argument list shorter than the parameter list means the missing ones
// are undefined. Results use the encoding above. A `call:` line is in the plan when it is a plain call of an
// export with arguments that evaluate, without the exports, to primitives or plain objects; other lines are
// listed in "skipped" and not run on the JS side either, so that both hosts make the same sequence of calls.
'use strict';

const fs = require('fs');
const path = require('path');
const vm = require('vm');

const DEFAULT_HEAP = 65536;
const MAX_CALLS_PER_EXPORT = 150;
const RANDOM_COMBINATIONS = 6;

const INT_EDGES = [0, 1, -1, 2147483647, -2147483648, 2147483648, 4294967295, 4294967296, 0.5, -0.5, -0, NaN,
  Infinity, 1e20];
const DOUBLE_EDGES = [0, -0, 1, -1, 0.5, 1e20, -1e20, NaN, Infinity, -Infinity, 5e-324, 2.2250738585072014e-308,
  2147483648, -2147483649, 4294967295.5];
const FLOAT_EDGES = DOUBLE_EDGES.concat([3.4028234663852886e38, 1e39, 1.401298464324817e-45]);
const EDGES = { int: INT_EDGES, double: DOUBLE_EDGES, float: FLOAT_EDGES };
const TYPICAL = { int: 3, double: 1.5, float: 2.25 };

// An argument that is not a number: ToNumber calls valueOf. Stateless, so both sides may share it.
const VALUE_OF_SEVEN = Object.freeze({ valueOf() { return 7; } });

// ---------------------------------------------------------------------------------------------------------
// Command line

function usage(message) {
  process.stderr.write(`diff.js: ${message}\n` +
    'usage: node --allow-natives-syntax diff.js FIXTURE.js [--shim SHIM.js] [--module NAME] ' +
    '[--calls-only] [--dump] [--self] [--plan]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { fixture: null, shim: null, module: null, callsOnly: false, dump: false, self: false, plan: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--shim' || a === '--module') {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      opts[a.slice(2)] = argv[++i];
    } else if (a === '--calls-only') {
      opts.callsOnly = true;
    } else if (a === '--dump') {
      opts.dump = true;
    } else if (a === '--self') {
      opts.self = true;
    } else if (a === '--plan') {
      opts.plan = true;
    } else if (a.startsWith('--')) {
      usage(`unknown option ${a}`);
    } else if (opts.fixture === null) {
      opts.fixture = a;
    } else {
      usage(`unexpected argument ${a}`);
    }
  }
  if (opts.fixture === null) usage('no fixture given');
  if (opts.shim && opts.self) usage('--shim and --self exclude each other');
  if (opts.plan && (opts.self || opts.callsOnly || opts.dump)) {
    usage('--plan excludes --self, --calls-only and --dump');
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------------------
// Fixture header (fixtures/README.md): leading `// key: value` lines.

function parseHeader(source) {
  const header = { heap: DEFAULT_HEAP, foreign: {}, ffi: [], call: [], fields: {} };
  for (const line of source.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (!trimmed.startsWith('//')) break;
    const m = /^\/\/\s*([a-z0-9_-]+)\s*:\s?(.*)$/i.exec(trimmed);
    if (!m) continue;
    const key = m[1].toLowerCase();
    const value = m[2].trim();
    header.fields[key] = value;
    if (key === 'heap') {
      if (value === 'none') {
        header.heap = null;
      } else {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) throw new Error(`bad heap size: ${value}`);
        header.heap = n;
      }
    } else if (key === 'foreign') {
      const parsed = JSON.parse(value);
      for (const [name, v] of Object.entries(parsed)) {
        if (typeof v !== 'number') throw new Error(`foreign.${name} is not a number`);
      }
      header.foreign = parsed;
    } else if (key === 'ffi') {
      const eq = value.indexOf('=');
      if (eq < 0) throw new Error(`bad ffi line: ${value}`);
      header.ffi.push({ name: value.slice(0, eq).trim(), body: value.slice(eq + 1).trim() });
    } else if (key === 'call') {
      header.call.push(value);
    }
  }
  return header;
}

// ---------------------------------------------------------------------------------------------------------
// Light source inspection: module name, parameter names, exports and parameter annotations.

const IDENT = '[A-Za-z_$][\\w$]*';

function findModuleName(source) {
  const candidates = [];
  const fn = new RegExp(`^function\\s+(${IDENT})\\s*\\(`, 'm').exec(source);
  if (fn) candidates.push({ index: fn.index, name: fn[1] });
  const v = new RegExp(`^(?:var|let|const)\\s+(${IDENT})\\s*=\\s*(?:\\(\\s*)?function\\b`, 'm').exec(source);
  if (v) candidates.push({ index: v.index, name: v[1] });
  if (candidates.length === 0) throw new Error('no top-level module function found (use --module)');
  candidates.sort((a, b) => a.index - b.index);
  return candidates[0].name;
}

// The text of the module function `name`: its parameter names and its body.
function moduleText(source, name) {
  const re = new RegExp(`(?:function\\s+${name}\\s*|${name}\\s*=\\s*(?:\\(\\s*)?function\\s*(?:${IDENT})?\\s*)` +
    '\\(([^)]*)\\)\\s*\\{');
  const m = re.exec(source);
  if (!m) return { params: [], body: source };
  const params = m[1].split(',').map((s) => s.trim()).filter((s) => s !== '');
  return { params, body: source.slice(m.index + m[0].length) };
}

// Names the module reads from its foreign parameter: `foreign.NAME`.
function foreignNames(source, moduleName) {
  const { params, body } = moduleText(source, moduleName);
  const names = new Set();
  if (params.length < 2) return names;
  const re = new RegExp(`\\b${params[1].replace(/\$/g, '\\$')}\\s*\\.\\s*(${IDENT})`, 'g');
  let m;
  while ((m = re.exec(body)) !== null) names.add(m[1]);
  return names;
}

// exportName -> internal function name, from the module's final return statement.
function exportMap(source, moduleName) {
  const { body } = moduleText(source, moduleName);
  const map = {};
  const objects = [...body.matchAll(/\breturn\s*\{([^}]*)\}/g)];
  if (objects.length > 0) {
    const inner = objects[objects.length - 1][1];
    for (const part of inner.split(',')) {
      const kv = new RegExp(`^\\s*(?:(${IDENT})|"([^"]*)"|'([^']*)')\\s*:\\s*(${IDENT})\\s*$`).exec(part);
      if (kv) map[kv[1] || kv[2] || kv[3]] = kv[4];
    }
    return { single: null, map };
  }
  const single = [...body.matchAll(new RegExp(`\\breturn\\s+(${IDENT})\\s*;?\\s*\\}`, 'g'))];
  if (single.length > 0) {
    const name = single[single.length - 1][1];
    map[name] = name;
    return { single: name, map };
  }
  return { single: null, map };
}

// Parameter types of internal function `fname` from the annotation statements that open its body:
// `x = x|0;` int, `x = +x;` double, `x = fround(x);` float (any name for the fround import).
function inferParams(source, fname) {
  const m = new RegExp(`\\bfunction\\s+${fname.replace(/\$/g, '\\$')}\\s*\\(([^)]*)\\)\\s*\\{`).exec(source);
  if (!m) return null;
  const params = m[1].split(',').map((s) => s.trim()).filter((s) => s !== '');
  const body = source.slice(m.index + m[0].length).replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  const types = {};
  const statements = body.split(';');
  for (let k = 0; k < params.length && k < statements.length; k++) {
    const st = new RegExp(`^\\s*(${IDENT})\\s*=\\s*([\\s\\S]*?)\\s*$`).exec(statements[k]);
    if (!st) break;
    const [, name, rhs] = st;
    const q = name.replace(/\$/g, '\\$');
    if (new RegExp(`^${q}\\s*\\|\\s*0$`).test(rhs)) types[name] = 'int';
    else if (new RegExp(`^\\+\\s*${q}$`).test(rhs)) types[name] = 'double';
    else if (new RegExp(`^${IDENT}\\s*\\(\\s*${q}\\s*\\)$`).test(rhs)) types[name] = 'float';
  }
  return params.map((p) => types[p] || 'int');
}

// ---------------------------------------------------------------------------------------------------------
// Exact encoding of values

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bits(x) {
  if (Number.isNaN(x)) return 'nan';
  f64[0] = x;
  const hi = u32[LITTLE ? 1 : 0];
  const lo = u32[LITTLE ? 0 : 1];
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

function encode(v) {
  if (typeof v === 'number') return { n: bits(v) };
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return { s: v };
  if (typeof v === 'boolean') return { b: v };
  return { other: typeof v };
}

function encodeThrow(e) {
  const name = e !== null && typeof e === 'object' && e.constructor ? e.constructor.name : typeof e;
  return { throw: name };
}

function showNumber(x) {
  return Object.is(x, -0) ? '-0' : String(x);
}

// Human-readable form of an encoded value: the number and its bits.
function show(enc) {
  if (enc === null || typeof enc !== 'object') return String(enc);
  if ('n' in enc) {
    if (enc.n === 'nan') return 'NaN';
    const hi = parseInt(enc.n.slice(0, 8), 16);
    const lo = parseInt(enc.n.slice(8), 16);
    u32[LITTLE ? 1 : 0] = hi;
    u32[LITTLE ? 0 : 1] = lo;
    return `${showNumber(f64[0])} (0x${enc.n})`;
  }
  if ('throw' in enc) return `throws ${enc.throw}`;
  return JSON.stringify(enc);
}

function showArg(a) {
  if (typeof a === 'number') return showNumber(a);
  if (typeof a === 'string') return JSON.stringify(a);
  if (a === VALUE_OF_SEVEN) return '{valueOf: () => 7}';
  return String(a);
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// The float64 bits of x, NaN payloads included.
function rawBits(x) {
  f64[0] = x;
  const hi = u32[LITTLE ? 1 : 0];
  const lo = u32[LITTLE ? 0 : 1];
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

// ToPrimitive(v, hint number) of an object, as ToNumber would compute it.
function toPrimitiveNumber(v) {
  const exotic = v[Symbol.toPrimitive];
  if (typeof exotic === 'function') return exotic.call(v, 'number');
  for (const method of ['valueOf', 'toString']) {
    if (typeof v[method] === 'function') {
      const r = v[method]();
      if (r === null || (typeof r !== 'object' && typeof r !== 'function')) return r;
    }
  }
  throw new TypeError('cannot convert object to primitive value');
}

// An argument, exactly: what another host needs to apply the JS API's ToInt32 / ToNumber itself.
function encodeArg(v) {
  if (typeof v === 'number') return { n: rawBits(v) };
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return { s: v };
  if (typeof v === 'boolean') return { b: v };
  if (typeof v === 'object' || typeof v === 'function') return { object: encodeArg(toPrimitiveNumber(v)) };
  return { other: typeof v };
}

// ---------------------------------------------------------------------------------------------------------
// Argument plans

// mulberry32: a tiny deterministic PRNG.
function prng(seed) {
  let s = seed >>> 0;
  return function next() {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function randomValue(type, rnd) {
  const edges = EDGES[type];
  const pick = rnd();
  if (pick < 0.25) return edges[Math.floor(rnd() * edges.length)];
  if (type === 'int') {
    if (pick < 0.6) return Math.floor(rnd() * 41) - 20;
    return (Math.floor(rnd() * 4294967296) | 0);
  }
  if (pick < 0.5) return Math.floor(rnd() * 41) - 20;
  const magnitude = Math.pow(10, Math.floor(rnd() * 14) - 4);
  return (rnd() - 0.5) * 2 * magnitude;
}

function planFor(exportName, types) {
  const n = types.length;
  const calls = [[]];
  const typical = types.map((t) => TYPICAL[t]);
  if (n === 0) {
    calls.push([1, 2]);
    return calls;
  }
  const positional = [];
  for (let p = 0; p < n; p++) {
    for (const e of EDGES[types[p]]) {
      const args = typical.slice();
      args[p] = e;
      positional.push(args);
    }
  }
  const longest = Math.max(...types.map((t) => EDGES[t].length));
  const uniform = [];
  for (let k = 0; k < longest; k++) uniform.push(types.map((t) => EDGES[t][k % EDGES[t].length]));
  const rnd = prng(hashString(exportName));
  const random = [];
  for (let k = 0; k < RANDOM_COMBINATIONS; k++) random.push(types.map((t) => randomValue(t, rnd)));
  const odd = [typical.slice(), typical.slice()];
  odd[0][0] = '12';
  odd[1][0] = VALUE_OF_SEVEN;

  const room = MAX_CALLS_PER_EXPORT - 1 - uniform.length - random.length - odd.length;
  let chosen = positional;
  if (positional.length > room) {
    chosen = [];
    for (let k = 0; k < room; k++) chosen.push(positional[Math.floor(k * positional.length / room)]);
  }
  return calls.concat(chosen, uniform, random, odd);
}

// ---------------------------------------------------------------------------------------------------------
// One side's world: stdlib, foreign (with logging functions), heap

function makeStdlib() {
  return {
    Math, Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array,
    Infinity, NaN,
  };
}

function fillPattern(buffer) {
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) & 255;
}

// The value a default foreign function returns: derived from its arguments and a call counter, and
// often not an integer (so `|0` and `+` coercions of the result matter).
const SPECIAL_RESULTS = [2147483648.5, -2147483649.25, 4294967296.75, 1e20, -0.5];

function defaultResult(args, counter) {
  if (counter % 11 === 7) return SPECIAL_RESULTS[(counter / 11 | 0) % SPECIAL_RESULTS.length];
  let acc = counter * 0.75 + 0.125;
  for (let i = 0; i < args.length; i++) {
    const a = Number(args[i]);
    acc += (Number.isFinite(a) ? a : 1) * (i + 1) * 1.5;
  }
  return acc;
}

// The foreign object is a plain object with data properties: V8 refuses to link asm.js against accessor or
// proxy properties ("not a data property"), so every name the module reads from it is defined up front.
function makeWorld(header, names, heapBuffer) {
  const log = [];
  let counter = 0;
  const foreign = {};
  const wrap = (name, fn) => function (...args) {
    counter++;
    let result;
    try {
      result = fn.apply(this, args);
    } catch (e) {
      log.push([name, args.map(encode), encodeThrow(e)]);
      throw e;
    }
    log.push([name, args.map(encode), encode(result)]);
    return result;
  };
  for (const [name, value] of Object.entries(header.foreign)) foreign[name] = value;
  for (const { name, body } of header.ffi) {
    // ffi bodies see `heap` (this side's ArrayBuffer, or undefined).
    const fn = new Function('heap', `"use strict"; return (${body});`)(heapBuffer);
    foreign[name] = wrap(name, fn);
  }
  for (const name of names) {
    if (!(name in foreign)) foreign[name] = wrap(name, (...args) => defaultResult(args, counter));
  }
  return { stdlib: makeStdlib(), foreign, log };
}

// ---------------------------------------------------------------------------------------------------------
// Running one side

function isAsmWasmCode(fn) {
  try {
    return Boolean(new Function('f', 'return %IsAsmWasmCode(f);')(fn));
  } catch (e) {
    return null; // node was started without --allow-natives-syntax
  }
}

function evalCall(exportsObject, expr) {
  // Sloppy mode so that `with` can resolve export names.
  return new Function('exports', `with (exports) { return (${expr}); }`)(exportsObject);
}

// A `call:` line as a plain call {name, args} of an export, or null. The arguments are evaluated in an empty
// context (no exports, no console, no require): `Array.of(ARGS)` accepts exactly the argument lists that
// `NAME(ARGS)` does, so a line like `f(1) + g(2)` does not parse and is not mapped.
function plainCall(line, exportNames) {
  const m = new RegExp(`^\\s*(${IDENT})\\s*\\(([\\s\\S]*)\\)\\s*;?\\s*$`).exec(line);
  if (!m || !exportNames.includes(m[1])) return null;
  let args;
  try {
    args = vm.runInNewContext(`Array.of(${m[2]})`, Object.create(null), { timeout: 1000 });
  } catch (e) {
    return null;
  }
  if (!Array.isArray(args)) return null;
  for (const a of args) {
    if (a !== null && typeof a === 'object') {
      // a plain object (e.g. {valueOf() {...}}) converts through ToPrimitive; anything that fails is not mapped
      try {
        const p = toPrimitiveNumber(a);
        if (p !== null && typeof p === 'object') return null;
      } catch (e) {
        return null;
      }
    } else if (!['number', 'string', 'boolean', 'undefined'].includes(typeof a) && a !== null) {
      return null;
    }
  }
  return { name: m[1], args };
}

// --plan: run the plan on the JS side only and describe it exactly (see the header comment).
function planReport(jsObject, plans, callLines, describePlan) {
  const exportNames = Object.keys(jsObject || {});
  const entries = plans.map((p) => ({ name: p.name, args: p.args, call: describePlan(p) }));
  const skipped = [];
  for (const line of callLines) {
    const c = plainCall(line, exportNames);
    if (c === null) skipped.push(line);
    else entries.push({ name: c.name, args: c.args, call: `call: ${line}` });
  }
  const calls = [];
  for (const { name, args, call } of entries) {
    const fn = jsObject == null ? undefined : jsObject[name];
    let result;
    if (typeof fn !== 'function') {
      result = { missing: true };
    } else {
      try {
        result = encode(fn(...args));
      } catch (e) {
        result = encodeThrow(e);
      }
    }
    calls.push({ call, export: name, args: args.map(encodeArg), result });
  }
  return { calls, skipped };
}

function exportObjectOf(exportsValue, singleName) {
  if (typeof exportsValue === 'function') return { [singleName]: exportsValue };
  return exportsValue;
}

function runCalls(exportsObject, plans, callLines) {
  const results = [];
  for (const { name, args } of plans) {
    const fn = exportsObject == null ? undefined : exportsObject[name];
    if (typeof fn !== 'function') {
      results.push({ missing: true });
      continue;
    }
    try {
      results.push(encode(fn(...args)));
    } catch (e) {
      results.push(encodeThrow(e));
    }
  }
  for (const line of callLines) {
    try {
      results.push(encode(evalCall(exportsObject, line)));
    } catch (e) {
      results.push(encodeThrow(e));
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------------
// Comparison

function compareHeaps(jsBuf, otherBuf, mismatches) {
  if (jsBuf === undefined && otherBuf === undefined) return;
  if (!jsBuf || !otherBuf) {
    mismatches.push(`heap: JS ${jsBuf ? 'has' : 'has no'} heap, Wasm ${otherBuf ? 'has' : 'has no'} heap`);
    return;
  }
  const a = new Uint8Array(jsBuf);
  const b = new Uint8Array(otherBuf);
  if (b.length < a.length) {
    mismatches.push(`heap: Wasm buffer is ${b.length} bytes, JS had ${a.length}`);
  }
  const diffs = [];
  let count = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      count++;
      if (diffs.length < 10) diffs.push(`${i}: JS ${a[i]} vs Wasm ${b[i]}`);
    }
  }
  if (count > 0) mismatches.push(`heap: ${count} bytes differ; first offsets: ${diffs.join(', ')}`);
  // Bytes past the JS heap's end must be untouched (an out-of-bounds store in JS is ignored).
  const beyond = [];
  let beyondCount = 0;
  for (let i = a.length; i < b.length; i++) {
    if (b[i] !== ((i * 7 + 3) & 255)) {
      beyondCount++;
      if (beyond.length < 10) beyond.push(`${i}: ${b[i]} (was ${(i * 7 + 3) & 255})`);
    }
  }
  if (beyondCount > 0) {
    mismatches.push(`heap: Wasm wrote ${beyondCount} bytes past the JS heap's end (${a.length}); ` +
      `first: ${beyond.join(', ')}`);
  }
}

function compareLogs(jsLog, otherLog, mismatches) {
  const n = Math.max(jsLog.length, otherLog.length);
  for (let i = 0; i < n; i++) {
    if (!same(jsLog[i], otherLog[i])) {
      const fmt = (e) => (e === undefined ? 'no call' :
        `${e[0]}(${e[1].map(show).join(', ')}) -> ${show(e[2])}`);
      mismatches.push(`ffi log entry #${i}: JS ${fmt(jsLog[i])} vs Wasm ${fmt(otherLog[i])}` +
        ` (JS made ${jsLog.length} calls, Wasm ${otherLog.length})`);
      return;
    }
  }
}

// JSON with one line per array element (readable, and still greppable line by line).
function formatJson(value, indent = '') {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = indent + '  ';
    return '[\n' + value.map((v) => inner + JSON.stringify(v)).join(',\n') + '\n' + indent + ']';
  }
  if (value !== null && typeof value === 'object') {
    const inner = indent + '  ';
    const parts = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`);
    return '{\n' + parts.join(',\n') + '\n' + indent + '}';
  }
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------------------
// Main

function main() {
  const opts = parseArgs(process.argv.slice(2));
  let source;
  try {
    source = fs.readFileSync(opts.fixture, 'utf8');
  } catch (e) {
    usage(`cannot read ${opts.fixture}: ${e.message}`);
  }
  let header;
  try {
    header = parseHeader(source);
  } catch (e) {
    usage(`bad header in ${opts.fixture}: ${e.message}`);
  }
  let moduleName = opts.module;
  try {
    moduleName = moduleName || findModuleName(source);
  } catch (e) {
    usage(`${opts.fixture}: ${e.message}`);
  }
  const names = foreignNames(source, moduleName);
  const { single: singleInternal, map: exportsInSource } = exportMap(source, moduleName);

  // JS side: a fresh module function.
  // (wrapped on the fixture's first line, so V8's asm.js warnings carry the fixture's own line numbers)
  const makeModule = () => vm.runInThisContext(`(function () {${source}\n;return ${moduleName};\n})`,
    { filename: path.resolve(opts.fixture) })();
  let M;
  try {
    M = makeModule();
  } catch (e) {
    usage(`cannot evaluate ${opts.fixture}: ${e && e.message}`);
  }
  const jsHeap = header.heap === null ? undefined : new ArrayBuffer(header.heap);
  if (jsHeap) fillPattern(jsHeap);
  const jsWorld = makeWorld(header, names, jsHeap);
  const mismatches = [];
  const warnings = [];
  let jsExports;
  let jsLinked = true;
  try {
    jsExports = header.heap === null ? M(jsWorld.stdlib, jsWorld.foreign) : M(jsWorld.stdlib, jsWorld.foreign, jsHeap);
  } catch (e) {
    jsLinked = encodeThrow(e);
  }
  const asmValid = isAsmWasmCode(M);

  // The other side: the shim, or (--self) a second JS instance.
  let shim = null;
  if (opts.shim) {
    try {
      shim = require(path.resolve(opts.shim));
    } catch (e) {
      usage(`cannot load shim ${opts.shim}: ${e.message.split('\n')[0]}`);
    }
  }

  // Export names, in the JS side's order.
  let singleName = null;
  if (typeof jsExports === 'function') {
    singleName = (shim && shim.singleExport) || singleInternal || jsExports.name || 'main';
  }
  const jsObject = jsLinked === true ? exportObjectOf(jsExports, singleName) : {};
  const exportNames = Object.keys(jsObject || {});

  // Parameter types per export.
  const plans = [];
  for (const name of exportNames) {
    const internal = exportsInSource[name] || name;
    const inferred = inferParams(source, internal);
    let types = inferred || [];
    if (shim && shim.signatures && shim.signatures[name]) {
      types = shim.signatures[name].params;
      if (inferred && !same(inferred, types)) {
        warnings.push(`signature of ${name}: shim says (${types.join(', ')}), source suggests (${inferred.join(', ')})`);
      }
    }
    for (const args of planFor(name, types)) plans.push({ name, args });
  }
  const describePlan = (p) => `${p.name}(${p.args.map(showArg).join(', ')})`;
  const describe = (i) => (i < plans.length ? describePlan(plans[i]) : `call: ${header.call[i - plans.length]}`);

  if (opts.plan) {
    const { calls, skipped } = jsLinked === true ? planReport(jsObject, plans, header.call, describePlan) :
      { calls: [], skipped: [] };
    const out = {
      asm_valid: asmValid,
      linked: jsLinked,
      heap_length: jsHeap ? jsHeap.byteLength : null,
      heap: jsHeap ? Buffer.from(jsHeap).toString('base64') : null,
      calls,
      skipped,
    };
    if (warnings.length > 0) out.warnings = warnings;
    process.stdout.write(formatJson(out) + '\n');
    return;
  }

  const jsResults = jsLinked === true ? runCalls(jsObject, plans, header.call) : [];
  const total = plans.length + header.call.length;

  if (opts.callsOnly) {
    const results = jsResults.map((r, i) => ({ call: describe(i), result: r, shown: show(r) }));
    const out = { asm_valid: asmValid, calls: total, linked: jsLinked, results, ffi_log: jsWorld.log };
    process.stdout.write(formatJson(out) + '\n');
    return;
  }

  let other = null;
  if (shim || opts.self) {
    other = { linked: true, results: [], log: null, heap: undefined };
    let otherExports;
    try {
      if (shim) {
        other.heap = header.heap === null ? undefined : shim.createHeap(header.heap);
        if (other.heap) fillPattern(other.heap);
        const world = makeWorld(header, names, other.heap);
        other.log = world.log;
        otherExports = header.heap === null ? shim.link(world.stdlib, world.foreign) :
          shim.link(world.stdlib, world.foreign, other.heap);
      } else {
        other.heap = header.heap === null ? undefined : new ArrayBuffer(header.heap);
        if (other.heap) fillPattern(other.heap);
        const world = makeWorld(header, names, other.heap);
        other.log = world.log;
        const M2 = makeModule();
        otherExports = header.heap === null ? M2(world.stdlib, world.foreign) :
          M2(world.stdlib, world.foreign, other.heap);
      }
    } catch (e) {
      other.linked = encodeThrow(e);
    }
    if (!same(jsLinked, other.linked)) {
      mismatches.push(`link: JS ${jsLinked === true ? 'linked' : show(jsLinked)} vs Wasm ` +
        `${other.linked === true ? 'linked' : show(other.linked)}`);
    }
    if (other.linked === true && jsLinked === true) {
      if ((typeof jsExports === 'function') !== (typeof otherExports === 'function')) {
        mismatches.push(`exports: JS returned ${typeof jsExports}, Wasm ${typeof otherExports}`);
      }
      const otherObject = exportObjectOf(otherExports, singleName);
      const otherNames = Object.keys(otherObject || {});
      if (!same([...otherNames].sort(), [...exportNames].sort())) {
        mismatches.push(`exports: JS {${exportNames.join(', ')}} vs Wasm {${otherNames.join(', ')}}`);
      }
      other.results = runCalls(otherObject, plans, header.call);
      for (let i = 0; i < total; i++) {
        if (!same(jsResults[i], other.results[i])) {
          mismatches.push(`call #${i} ${describe(i)}: JS ${show(jsResults[i])} vs Wasm ${show(other.results[i])}`);
        }
      }
      compareLogs(jsWorld.log, other.log, mismatches);
      compareHeaps(jsHeap, other.heap, mismatches);
    }
  }

  const out = { asm_valid: asmValid, calls: total, mismatches };
  if (jsLinked !== true) out.linked = jsLinked;
  if (warnings.length > 0) out.warnings = warnings;
  if (opts.dump) {
    const listing = (rs) => rs.map((r, i) => ({ call: describe(i), result: r, shown: show(r) }));
    out.js = { results: listing(jsResults), ffi_log: jsWorld.log };
    if (other) out.wasm = { results: listing(other.results), ffi_log: other.log };
  }
  process.stdout.write((opts.dump ? formatJson(out) : JSON.stringify(out)) + '\n');
}

// Exported first, so that a shim (or a test) requiring this file while it runs sees the helpers.
module.exports = {
  parseHeader, findModuleName, foreignNames, exportMap, inferParams, planFor, encode, bits, encodeArg, plainCall,
};

if (require.main === module) main();
