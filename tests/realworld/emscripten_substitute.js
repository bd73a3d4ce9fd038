// Shared by sqljs_run.js and ammo_run.js: load an Emscripten fastcomp build in node, either as it is ("original") or
// with its asm.js module replaced by a module compiled by asm2wasm ("shim"), plus a deterministic environment and an
// exact JSON encoding of results. No third-party code lives here: the build is read from the npm cache at run time.
//
// The substitution patches a copy of the file text in memory (each patch must match exactly once, so a changed build
// fails loudly instead of silently running the original):
//  * the asm.js module function `var asm=(function(global,env,buffer) {"use asm"; ...})` between the
//    `// EMSCRIPTEN_START_ASM` and `// EMSCRIPTEN_END_ASM` markers keeps its head and gets the body
//    `{ return __asm2wasm.link(global, env, buffer); }`;
//  * the heap allocation `buffer=new ArrayBuffer(TOTAL_MEMORY)` becomes `buffer=__asm2wasm.createHeap(TOTAL_MEMORY)`;
//  * in "almost asm" (ALLOW_MEMORY_GROWTH) builds, `Module["reallocBuffer"]` makes a bigger ArrayBuffer and hands it
//    to the module's `_emscripten_replace_memory`; a Wasm memory cannot adopt it but grows in place instead, so the
//    buffer reallocBuffer returns (the one the JS views are then made on) becomes `__asm2wasm.currentHeap(buffer)`,
//    the grown memory's buffer.
// `__asm2wasm` forwards to the generated shim (createHeap/link), refuses a heap it did not make, and counts calls.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const { createRequire } = require('module');

const START_ASM = '// EMSCRIPTEN_START_ASM\n';
const END_ASM = '\n// EMSCRIPTEN_END_ASM\n';
const MODULE_HEAD = /function\s*\(\s*global\s*,\s*env\s*,\s*buffer\s*\)\s*\{\s*(["'])(use asm|almost asm)\1/g;
const HEAP_ALLOCATION = 'buffer=new ArrayBuffer(TOTAL_MEMORY)';
const HEAP_REPLACEMENT = 'buffer=__asm2wasm.createHeap(TOTAL_MEMORY)';
const GROWTH_RESULT = 'var success=_emscripten_replace_memory(ret);if(!success)return false;return ret}';
const GROWTH_REPLACEMENT = 'var success=_emscripten_replace_memory(ret);if(!success)return false;'
  + 'return __asm2wasm.currentHeap(buffer)}';

function occurrences(text, needle) {
  const found = [];
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) found.push(i);
  return found;
}

function onlyOne(text, needle, file) {
  const found = occurrences(text, needle);
  if (found.length !== 1) {
    throw new Error(`${file}: ${JSON.stringify(needle)} occurs ${found.length} times, expected exactly once`);
  }
  return found[0];
}

// Where the asm.js module function is: {start, bodyStart, bodyEnd, directive} (offsets in `text`).
function locateAsmModule(text, file) {
  const regionStart = onlyOne(text, START_ASM, file) + START_ASM.length;
  const regionEnd = onlyOne(text, END_ASM, file);
  const region = text.slice(regionStart, regionEnd);
  const heads = [...region.matchAll(MODULE_HEAD)];
  if (heads.length !== 1) {
    throw new Error(`${file}: the module function head ${MODULE_HEAD} matches ${heads.length} times between the `
                    + 'EMSCRIPTEN_START_ASM/END_ASM markers, expected exactly once');
  }
  const head = heads[0];
  if (!/^var asm\s*=\s*\(/.test(region) || head.index > 200) {
    throw new Error(`${file}: the asm region does not start with \`var asm=(function(global,env,buffer) {\`: `
                    + JSON.stringify(region.slice(0, 120)));
  }
  // the region ends with the module function's closing brace and the parenthesis around it: `...}})` + blank lines
  const tail = /\}\)\s*$/.exec(region);
  if (!tail) throw new Error(`${file}: the asm region does not end with \`})\`: ${JSON.stringify(region.slice(-80))}`);
  return {
    start: regionStart + head.index,
    bodyStart: regionStart + head.index + head[0].indexOf('{'),
    bodyEnd: regionStart + tail.index + 1,
    directive: head[2],
  };
}

function patchForShim(text, file) {
  const mod = locateAsmModule(text, file);
  const moduleBytes = mod.bodyEnd - mod.start;
  let out = `${text.slice(0, mod.bodyStart)}{ return __asm2wasm.link(global, env, buffer); }${text.slice(mod.bodyEnd)}`;
  const heapAt = onlyOne(out, HEAP_ALLOCATION, file);
  out = out.slice(0, heapAt) + HEAP_REPLACEMENT + out.slice(heapAt + HEAP_ALLOCATION.length);
  const patches = { moduleBytes, directive: mod.directive, heap: HEAP_REPLACEMENT, growth: null };
  if (mod.directive === 'almost asm') {
    const growAt = onlyOne(out, GROWTH_RESULT, file);
    out = out.slice(0, growAt) + GROWTH_REPLACEMENT + out.slice(growAt + GROWTH_RESULT.length);
    patches.growth = GROWTH_REPLACEMENT;
  }
  return { text: out, patches };
}

// The object the patched build calls. Counts everything so the test can prove the Wasm really ran.
function makeShimRuntime(shimPath) {
  const shim = require(path.resolve(shimPath));
  for (const fn of ['createHeap', 'link']) {
    if (typeof shim[fn] !== 'function') throw new Error(`${shimPath}: no ${fn}() export`);
  }
  const heaps = new WeakSet();
  const stats = { createHeap: [], link: 0, exports: 0, nonWasmExports: [], grownTo: [] };
  return {
    stats,
    createHeap(byteLength) {
      const buffer = shim.createHeap(byteLength);
      if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < byteLength) {
        throw new Error(`createHeap(${byteLength}) returned ${Object.prototype.toString.call(buffer)}`);
      }
      heaps.add(buffer);
      stats.createHeap.push(byteLength);
      return buffer;
    },
    link(global, env, buffer) {
      if (!heaps.has(buffer)) throw new Error('link() got a heap that createHeap() did not make: an unpatched allocation');
      stats.link += 1;
      const exports = shim.link(global, env, buffer);
      for (const [name, value] of Object.entries(exports)) {
        stats.exports += 1;
        // exported Wasm functions are native functions; the asm.js ones would show their source
        const native = typeof value === 'function' && /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(value));
        if (!native) stats.nonWasmExports.push(name);
      }
      return exports;
    },
    currentHeap(buffer) {
      if (typeof shim.currentHeap !== 'function') throw new Error(`${shimPath}: no currentHeap() export (memory growth)`);
      const current = shim.currentHeap(buffer);
      stats.grownTo.push(current.byteLength);
      return current;
    },
  };
}

// Counts `new WebAssembly.Module(...)` / `new WebAssembly.Instance(...)` (and the async forms) in this process.
function instrumentWebAssembly() {
  const counts = { Module: 0, Instance: 0, compile: 0, instantiate: 0 };
  for (const ctor of ['Module', 'Instance']) {
    WebAssembly[ctor] = new Proxy(WebAssembly[ctor], {
      construct(target, args, newTarget) {
        counts[ctor] += 1;
        return Reflect.construct(target, args, newTarget === WebAssembly[ctor] ? target : newTarget);
      },
    });
  }
  for (const fn of ['compile', 'instantiate']) {
    const original = WebAssembly[fn];
    WebAssembly[fn] = function (...args) {
      counts[fn] += 1;
      return original.apply(this, args);
    };
  }
  return counts;
}

// Math.random, Date.now, performance.now and crypto random bytes become deterministic (same in both modes).
function installDeterminism() {
  let s = 0x2545f491;
  const next32 = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  Math.random = () => next32() / 4294967296;
  let now = 1500000000000;
  Date.now = () => (now += 1);
  let perf = 0;
  if (globalThis.performance) globalThis.performance.now = () => (perf += 0.5);
  const fill = (bytes) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = next32() & 255;
  };
  const getRandomValues = (array) => {
    fill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    return array;
  };
  Object.defineProperty(globalThis, 'crypto', {
    value: { getRandomValues }, configurable: true, writable: true, enumerable: false,
  });
  crypto.randomBytes = (n) => {
    const b = Buffer.alloc(n);
    fill(b);
    return b;
  };
}

// Evaluate CommonJS text as the file `filename` would be (its own require, module, __dirname), with `__asm2wasm`.
function loadCommonJs(text, filename, runtime) {
  const wrapper = vm.runInThisContext(
    `(function (exports, require, module, __filename, __dirname, __asm2wasm) {${text}\n})`, { filename });
  const module = { exports: {}, filename, id: filename, loaded: false };
  wrapper.call(module.exports, module.exports, createRequire(filename), module, filename, path.dirname(filename),
    runtime);
  module.loaded = true;
  return module.exports;
}

// Loads an Emscripten build; returns {exports, runtime, patches, wasmCounts, loadMs}.
function loadBuild(file, shimPath) {
  const wasmCounts = instrumentWebAssembly();
  let text = fs.readFileSync(file, 'utf8');
  let runtime = null;
  let patches = null;
  if (shimPath) {
    ({ text, patches } = patchForShim(text, path.basename(file)));
    runtime = makeShimRuntime(shimPath);
  } else {
    locateAsmModule(text, path.basename(file)); // the same structural checks in both modes
  }
  const t0 = process.hrtime.bigint();
  const exports = loadCommonJs(text, path.resolve(file), runtime);
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { exports, runtime, patches, wasmCounts, loadMs };
}

// ---------------------------------------------------------------------------------------------------------------
// exact JSON encoding: doubles that JSON would blur (fractions, -0, NaN, ±Infinity, unsafe integers) become
// {f64: "<16 hex digits of the IEEE-754 bits>", text}; byte arrays become {bytes, hex} or {bytes, sha256}.

const f64 = new Float64Array(1);
const u8 = new Uint8Array(f64.buffer);

function f64Bits(x) {
  f64[0] = x;
  let h = '';
  for (let i = 7; i >= 0; i--) h += u8[i].toString(16).padStart(2, '0');
  return h;
}

function exact(v) {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) return v;
    return { f64: f64Bits(v), text: Object.is(v, -0) ? '-0' : String(v) };
  }
  if (v instanceof Uint8Array || v instanceof Int8Array) {
    const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    return b.length <= 4096 ? { bytes: b.length, hex: b.toString('hex') }
      : { bytes: b.length, sha256: crypto.createHash('sha256').update(b).digest('hex') };
  }
  if (Array.isArray(v)) return v.map(exact);
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = exact(x);
    return o;
  }
  return v;
}

function sha256(bytes) {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

// Keep stdout for the JSON result: library chatter goes to stderr.
function quietConsole() {
  for (const k of ['log', 'info', 'warn', 'error', 'debug']) {
    console[k] = (...a) => process.stderr.write(`${a.join(' ')}\n`);
  }
}

function parseArgs(argv, extra = []) {
  const args = { file: null, shim: null, dump: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const key = a.replace(/^--/, '');
    if (a.startsWith('--') && (key in args || extra.includes(key))) args[key] = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.file) throw new Error('--file BUILD.js is required');
  return args;
}

function report(build, extra) {
  return {
    mode: build.runtime ? 'shim' : 'original',
    loadMs: build.loadMs,
    patches: build.patches,
    shim: build.runtime ? build.runtime.stats : null,
    webassembly: build.wasmCounts,
    ...extra,
  };
}

// Run `main`; on failure print only the error's stack (node would echo the offending source line, which in a
// minified build is megabytes long) and exit with status 1.
function runMain(main) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`${e && e.stack ? e.stack : String(e)}\n`);
    process.exit(1);
  }
}

module.exports = {
  exact, f64Bits, installDeterminism, instrumentWebAssembly, loadBuild, locateAsmModule, parseArgs, patchForShim,
  quietConsole, report, runMain, sha256,
};
