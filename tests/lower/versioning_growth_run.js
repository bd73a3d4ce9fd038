// Runs fixtures/growth/grow-ranges.js, an "almost asm" module whose functions are runs of heap accesses (ranges for
// lower/versioning.py), as JavaScript and as Wasm through the shim, around memory growth, and prints both logs and
// heap digests as JSON. One function grows the memory in the middle of a run, through a foreign call: accesses after
// the call that were out of bounds before it are in bounds after it.
// Usage: node versioning_growth_run.js FIXTURE SHIM
'use strict';
const { MiB, stdlib, loadModule, recorder, jsHeap } = require('./growth_harness.js');
const [fixture, shimPath] = process.argv.slice(2);
const shim = require(shimPath);
const GrowRanges = loadModule(fixture, 'GrowRanges');

function scenario(m, grow, heapNow) {
  const { log, op, summary } = recorder(m, heapNow);
  op('set2', 100, 42); op('get2', 100);
  op('set2', 16 * MiB - 8, 5); op('set2', 16 * MiB - 4, 6); op('set2', 20 * MiB, 7); op('get2', 16 * MiB - 4);
  op('get2', 20 * MiB); op('mixed', 16 * MiB - 16, 1.25); op('mixed', 16 * MiB, 2.5);
  op('growInside', 16 * MiB - 4, 11);  // grows to 32 MiB after the first store
  op('get2', 16 * MiB - 4); op('get2', 20 * MiB);
  log.push(['grow', [48 * MiB], grow(48 * MiB)]);
  op('set2', 20 * MiB, 9); op('get2', 20 * MiB); op('set2', 48 * MiB - 4, 10); op('get2', 48 * MiB - 8);
  op('mixed', 48 * MiB - 16, 3.75); op('mixed', 48 * MiB - 8, 4.5); op('growInside', 48 * MiB - 4, 12);
  return summary();
}

const jsSide = jsHeap(16 * MiB, { refuseSmaller: true });
jsSide.module = GrowRanges(stdlib, { grow: () => (jsSide.grow(32 * MiB) ? 1 : 0) }, jsSide.buffer);
const jsRun = scenario(jsSide.module, jsSide.grow, () => jsSide.buffer);

const heap = shim.createHeap(16 * MiB);
let wasm = null;
const wasmGrow = (size) => size > shim.currentHeap(heap).byteLength && wasm._emscripten_replace_memory(size);
wasm = shim.link(stdlib, { grow: () => (wasmGrow(32 * MiB) ? 1 : 0) }, heap);
const wasmRun = scenario(wasm, wasmGrow, () => shim.currentHeap(heap));
console.log(JSON.stringify({ js: jsRun, wasm: wasmRun, isWasm: !(wasm.get2.toString().includes('HEAP32')) }));
