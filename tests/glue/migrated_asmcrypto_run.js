#!/usr/bin/env node
// Runs tests/realworld/asmcrypto_run.js (asmcrypto.js@0.22.0's own QUnit suite and published vectors) on a package
// directory whose asmcrypto.all.js is the migrated one (its .wasm files next to it), in the runner's original mode:
// the library is loaded as it is, nothing patched. The runner evaluates the bundle with vm (a function of
// `exports, module, require`, no `__dirname`), so `__dirname` is made a global naming the package directory: the
// migrated runtime finds its .wasm files there as it would under plain require(). Prints the runner's JSON, plus
// `webassembly`: how many WebAssembly modules and instances this process made.
//
//   node migrated_asmcrypto_run.js --package DIR [--only FILTER]
'use strict';

const path = require('path');
const { instrumentWebAssembly } = require('../realworld/emscripten_substitute.js');

const at = process.argv.indexOf('--package');
if (at < 0) throw new Error('--package DIR is required');
globalThis.__dirname = path.resolve(process.argv[at + 1]);

const counts = instrumentWebAssembly();
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (text) => write(text.endsWith('}\n')
  ? `${JSON.stringify({ ...JSON.parse(text), webassembly: counts })}\n` : text);
require(path.join(__dirname, '..', 'realworld', 'asmcrypto_run.js'));
