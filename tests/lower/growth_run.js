// Runs fixtures/growth/grow-heap.js as JavaScript (growing the way Emscripten's enlargeMemory did) and as Wasm
// through the shim (the memory grows in place), with the same operations, and prints both logs and heap digests as
// JSON.
// Usage: node growth_run.js FIXTURE SHIM
'use strict';
const { MiB, stdlib, loadModule, recorder, jsHeap } = require('./growth_harness.js');
const [fixture, shimPath] = process.argv.slice(2);
const shim = require(shimPath);
const GrowHeap = loadModule(fixture, 'GrowHeap');

function scenario(m, grow, heapNow) {
  const { log, op, summary } = recorder(m, heapNow);
  op('set', 100, 42); op('setd', 1000, 1.5); op('get', 100); op('getd', 1000);
  op('get', 20 * MiB); op('set', 20 * MiB, 9); op('get', 20 * MiB); op('getb', -1); op('getd', 16 * MiB - 4);
  for (const size of [16 * MiB + 5, 16 * MiB, 24 * MiB, 32 * MiB]) log.push(['grow', [size], grow(size)]);
  op('get', 100); op('getd', 1000); op('get', 20 * MiB); op('set', 20 * MiB, 7); op('get', 20 * MiB);
  op('set', 32 * MiB - 4, -5); op('get', 32 * MiB - 4); op('get', 32 * MiB); op('getd', 40 * MiB);
  return summary();
}

const jsSide = jsHeap(16 * MiB);
jsSide.module = GrowHeap(stdlib, {}, jsSide.buffer);
const jsRun = scenario(jsSide.module, jsSide.grow, () => jsSide.buffer);

const heap = shim.createHeap(16 * MiB);
const wasm = shim.link(stdlib, {}, heap);
const wasmRun = scenario(wasm, (size) => wasm._emscripten_replace_memory(size), () => shim.currentHeap(heap));
console.log(JSON.stringify({ js: jsRun, wasm: wasmRun, isWasm: !(wasm.get.toString().includes('HEAP32')) }));
