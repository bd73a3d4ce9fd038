// Runs fixtures/growth/grow-heap.js as JavaScript (growing the way Emscripten's enlargeMemory did: a new bigger
// ArrayBuffer, the old bytes copied in, then the module's replacement function) and as Wasm through the shim
// (the memory grows in place), with the same operations, and prints both logs and heap digests as JSON.
// Usage: node growth_run.js FIXTURE SHIM
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const [fixture, shimPath] = process.argv.slice(2);
const shim = require(shimPath);
const GrowHeap = new Function(fs.readFileSync(fixture, 'utf8') + '\nreturn GrowHeap;')();
const MiB = 1 << 20;
const byteLength = Function.prototype.call.bind(
  Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get);
const stdlib = { Int8Array, Int32Array, Float64Array, byteLength };

function scenario(m, grow, heapNow) {
  const log = [];
  const op = (name, ...args) => log.push([name, args, m[name](...args)]);
  op('set', 100, 42); op('setd', 1000, 1.5); op('get', 100); op('getd', 1000);
  op('get', 20 * MiB); op('set', 20 * MiB, 9); op('get', 20 * MiB); op('getb', -1); op('getd', 16 * MiB - 4);
  for (const size of [16 * MiB + 5, 16 * MiB, 24 * MiB, 32 * MiB]) log.push(['grow', [size], grow(size)]);
  op('get', 100); op('getd', 1000); op('get', 20 * MiB); op('set', 20 * MiB, 7); op('get', 20 * MiB);
  op('set', 32 * MiB - 4, -5); op('get', 32 * MiB - 4); op('get', 32 * MiB); op('getd', 40 * MiB);
  const bytes = new Uint8Array(heapNow());
  return { log, length: bytes.length, sha: crypto.createHash('sha256').update(bytes).digest('hex') };
}

let jsBuffer = new ArrayBuffer(16 * MiB);
const js = GrowHeap(stdlib, {}, jsBuffer);
const jsRun = scenario(js, (size) => {
  const bigger = new ArrayBuffer(size);
  new Uint8Array(bigger).set(new Uint8Array(jsBuffer).subarray(0, Math.min(size, jsBuffer.byteLength)));
  const ok = js._emscripten_replace_memory(bigger);
  if (ok) jsBuffer = bigger;
  return ok;
}, () => jsBuffer);

const heap = shim.createHeap(16 * MiB);
const wasm = shim.link(stdlib, {}, heap);
const wasmRun = scenario(wasm, (size) => wasm._emscripten_replace_memory(size), () => shim.currentHeap(heap));
console.log(JSON.stringify({ js: jsRun, wasm: wasmRun, isWasm: !(wasm.get.toString().includes('HEAP32')) }));
