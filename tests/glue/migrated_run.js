#!/usr/bin/env node
// Runs a driver of tests/realworld/ (sqljs_run.js's SQL workload by default, or ammo_run.js's simulation) on a library
// loaded with plain require() — the migrated file as a user would load it — and prints the same JSON (results,
// checks, and `webassembly`: how many WebAssembly modules and instances this process made).
//
//   node migrated_run.js [--driver sqljs_run.js] --file OUT/sql.js [--dump DIR] [--grow-mb N]
//   node migrated_run.js --driver ammo_run.js --file OUT/ammo.js [--steps N]
//
// The drivers load their build through emscripten_substitute.js's loadBuild (which checks for the asm.js module the
// migrated file no longer has); here the driver is evaluated with a require() that hands it the same helpers, except
// that loadBuild is require(file) with the WebAssembly counters installed. `--driver NAME` is taken out of argv
// before the driver parses it.
'use strict';

const fs = require('fs');
const path = require('path');
const vm = require('vm');
const { createRequire } = require('module');

const DRIVERS = ['sqljs_run.js', 'ammo_run.js'];
let driverName = 'sqljs_run.js';
const at = process.argv.indexOf('--driver');
if (at >= 0) {
  driverName = process.argv[at + 1];
  process.argv.splice(at, 2);
  if (!DRIVERS.includes(driverName)) throw new Error(`--driver: one of ${DRIVERS.join(', ')}`);
}
const driver = path.join(__dirname, '..', 'realworld', driverName);
const E = require(path.join(__dirname, '..', 'realworld', 'emscripten_substitute.js'));

const helpers = {
  ...E,
  loadBuild(file) {
    const wasmCounts = E.instrumentWebAssembly();
    const t0 = process.hrtime.bigint();
    const exports = require(path.resolve(file));
    const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
    return { exports, runtime: null, patches: null, wasmCounts, loadMs };
  },
};

const text = fs.readFileSync(driver, 'utf8').replace(/^#!.*/, '');
const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${text}\n})`,
  { filename: driver });
const driverRequire = createRequire(driver);
const fakeRequire = (id) => (id === './emscripten_substitute.js' ? helpers : driverRequire(id));
const module_ = { exports: {} };
wrapper.call(module_.exports, module_.exports, fakeRequire, module_, driver, path.dirname(driver));
