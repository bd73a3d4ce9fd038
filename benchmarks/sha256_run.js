#!/usr/bin/env node
// SHA-256 over a large buffer with asmcrypto.js@0.22.0 (from the npm cache), timed; prints one JSON line.
//
//   node sha256_run.js --package DIR [--shim SHA256_SHIM.js] [--mb 64] [--iterations 3]
//
// The library's own `asmCrypto.SHA256` class does the work (its JS feeds the data through its 64 KiB heap, calling
// the module's `process` per chunk, then `finish`). Without --shim it uses its own asm.js `sha256_asm` (run by V8);
// with --shim it is handed, through the constructor's own `heap` and `asm` options, a heap from the generated shim's
// `createHeap` and the exports of `shim.link(stdlib, null, heap)`, with the stdlib the library itself passes
// (`{Uint8Array}`); see tests/realworld/asmcrypto_run.js for the module extraction. The digest is checked against
// node's crypto. Each iteration hashes the whole buffer with a fresh hasher.
'use strict';

const crypto = require('crypto');
const path = require('path');

const HEAP_BYTES = 65536; // the library's default (_heap_init)

function parseArgs(argv) {
  const args = { package: null, shim: null, mb: 64, iterations: 3 };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !(key in args)) throw new Error(`unknown argument ${argv[i]}`);
    args[key] = argv[++i];
  }
  if (!args.package) throw new Error('--package DIR is required');
  args.mb = Number(args.mb);
  args.iterations = Number(args.iterations);
  return args;
}

function testData(bytes) {
  const data = new Uint8Array(bytes);
  const words = new Uint32Array(data.buffer);
  let s = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    words[i] = s;
  }
  return data;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const asmCrypto = require(path.resolve(args.package, 'asmcrypto.all.js'));
  const shim = args.shim ? require(path.resolve(args.shim)) : null;
  const data = testData(args.mb * 1024 * 1024);
  const reference = crypto.createHash('sha256').update(data).digest('hex');

  const makeHasher = () => {
    if (!shim) return new asmCrypto.SHA256();
    const buffer = shim.createHeap(HEAP_BYTES);
    const asm = shim.link({ Uint8Array }, null, buffer);
    return new asmCrypto.SHA256({ heap: new Uint8Array(buffer), asm });
  };
  const ms = [];
  let digest = null;
  for (let i = 0; i < args.iterations; i++) {
    const t0 = process.hrtime.bigint();
    const result = makeHasher().process(data).finish().result;
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    digest = Buffer.from(result).toString('hex');
    if (digest !== reference) break;
  }
  const result = { mode: shim ? 'shim' : 'original', mb: args.mb, ms, digest, reference, ok: digest === reference };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`${e && e.stack ? e.stack : String(e)}\n`);
  process.exit(1);
}
