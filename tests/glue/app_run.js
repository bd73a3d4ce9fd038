#!/usr/bin/env node
// Loads an app's script with plain require() (as `node app.js` would run it), captures what it prints, and, when the
// process exits (after any asynchronous run dependency), prints one JSON line: {output: [lines], webassembly:
// {Module, Instance, compile, instantiate}} — how many WebAssembly modules and instances this process made.
//
//   node app_run.js FILE
'use strict';

const path = require('path');
const { instrumentWebAssembly } = require('../realworld/emscripten_substitute.js');

const counts = instrumentWebAssembly();

const output = [];
console.log = (...args) => { output.push(args.join(' ')); };
const write = process.stdout.write.bind(process.stdout);
process.on('exit', (code) => {
  if (code === 0) write(`${JSON.stringify({ output, webassembly: counts })}\n`);
});
require(path.resolve(process.argv[2]));
