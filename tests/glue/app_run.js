#!/usr/bin/env node
// Loads an app's script with plain require() (as `node app.js` would run it), captures what it prints, and, when the
// process exits (after any asynchronous run dependency), prints one JSON line: {output: [lines], webassembly:
// {Module, Instance, compile, instantiate}} — how many WebAssembly modules and instances this process made.
//
//   node app_run.js FILE
'use strict';

const path = require('path');

const counts = { Module: 0, Instance: 0, compile: 0, instantiate: 0 };
for (const ctor of ['Module', 'Instance']) {
  const original = WebAssembly[ctor];
  WebAssembly[ctor] = new Proxy(original, {
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

const output = [];
console.log = (...args) => { output.push(args.join(' ')); };
const write = process.stdout.write.bind(process.stdout);
process.on('exit', (code) => {
  if (code === 0) write(`${JSON.stringify({ output, webassembly: counts })}\n`);
});
require(path.resolve(process.argv[2]));
