// What the growth runners (growth_run.js, versioning_growth_run.js) share: the stdlib of an "almost asm" module,
// the operation log, the heap digest, and growth on the JavaScript side as Emscripten's enlargeMemory did it (a new
// bigger ArrayBuffer, the old bytes copied in, then the module's replacement function).
'use strict';
const fs = require('fs');
const crypto = require('crypto');

const MiB = 1 << 20;
const byteLength = Function.prototype.call.bind(
  Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get);
const stdlib = { Int8Array, Int32Array, Float64Array, byteLength };

// The module function NAME defined in FILE.
function loadModule(file, name) {
  return new Function(`${fs.readFileSync(file, 'utf8')}\nreturn ${name};`)();
}

// op(name, ...args) calls the export and logs [name, args, result]; summary() adds the heap's length and digest.
function recorder(exports, heapNow) {
  const log = [];
  return {
    log,
    op: (name, ...args) => log.push([name, args, exports[name](...args)]),
    summary() {
      const bytes = new Uint8Array(heapNow());
      return { log, length: bytes.length, sha: crypto.createHash('sha256').update(bytes).digest('hex') };
    },
  };
}

// The JavaScript module's heap: grow(size) replaces it by a copy of `size` bytes (refused, with `refuseSmaller`,
// when it would not be bigger) and returns what the module's replacement function says.
function jsHeap(initialBytes, { refuseSmaller = false } = {}) {
  const heap = { buffer: new ArrayBuffer(initialBytes), module: null };
  heap.grow = (size) => {
    if (refuseSmaller && size <= heap.buffer.byteLength) return false;
    const bigger = new ArrayBuffer(size);
    new Uint8Array(bigger).set(new Uint8Array(heap.buffer).subarray(0, Math.min(size, heap.buffer.byteLength)));
    const ok = heap.module._emscripten_replace_memory(bigger);
    if (ok) heap.buffer = bigger;
    return ok;
  };
  return heap;
}

module.exports = { MiB, stdlib, loadModule, recorder, jsHeap };
