#!/usr/bin/env node
// The Wasm compute of the ammo.js workload alone, several builds in one node process: how fast each runs
// `world.stepSimulation`, the original asm.js and any number of asm2wasm outputs, interleaved round by round.
//
//   node [--no-liftoff --no-wasm-lazy-compilation] ammo_steps.js --file PKG/ammo.js [--rounds 9] [--steps 600]
//        NAME=SHIM.js ...          (NAME=asm for the original asm.js)
//
// tests/realworld/ammo_run.js times the whole step loop of its scene, including the calls that read every body's
// transform back after each step; here only the stepSimulation calls are timed, each round on a fresh copy of the
// same scene (tests/realworld/ammo_scene.js, without ammo_run.js's impulse), so the differences between builds are
// the differences of their code. One process holds all builds, so a busy moment of the machine hits all of them; the
// order alternates between rounds. Prints one line per build (median, min, max of the rounds, median over the first
// build's median) and, last, the JSON of all round times. Each build must give the same final positions as the first
// (bit for bit), or its line says DIFFERENT.
//
// Ammo's default heap (64 MiB) holds about 20 scenes: keep rounds x builds below that.
'use strict';

const E = require('../tests/realworld/emscripten_substitute.js');
const { buildScene } = require('../tests/realworld/ammo_scene.js');

const DT = 1 / 60;

function run(Ammo, steps) {
  const { world, bodies } = buildScene(Ammo);
  const t0 = process.hrtime.bigint();
  for (let s = 0; s < steps; s++) world.stepSimulation(DT, 10);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const transform = new Ammo.btTransform();
  let positions = '';
  for (const { body } of bodies) {
    body.getMotionState().getWorldTransform(transform);
    const o = transform.getOrigin();
    positions += E.f64Bits(o.x()) + E.f64Bits(o.y()) + E.f64Bits(o.z());
  }
  return { ms, positions };
}

function main() {
  const argv = process.argv.slice(2);
  let file = null;
  let rounds = 9;
  let steps = 600;
  const builds = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--file') file = argv[++i];
    else if (argv[i] === '--rounds') rounds = Number(argv[++i]);
    else if (argv[i] === '--steps') steps = Number(argv[++i]);
    else if (/^[^-][^=]*=/.test(argv[i])) {
      const at = argv[i].indexOf('=');
      builds.push({ name: argv[i].slice(0, at), shim: argv[i].slice(at + 1) });
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!file || !builds.length) throw new Error('usage: ammo_steps.js --file PKG/ammo.js NAME=SHIM.js|asm ...');
  E.quietConsole();
  E.installDeterminism();
  for (const build of builds) build.Ammo = E.loadBuild(file, build.shim === 'asm' ? null : build.shim).exports;
  const times = Object.fromEntries(builds.map((b) => [b.name, []]));
  let reference = null;
  const different = new Set();
  for (let round = 0; round < rounds; round++) {
    for (const build of round % 2 ? builds.slice().reverse() : builds) {
      const { ms, positions } = run(build.Ammo, steps);
      times[build.name].push(ms);
      if (reference === null) reference = positions;
      else if (positions !== reference) different.add(build.name);
    }
  }
  const median = (values) => values.slice().sort((a, b) => a - b)[values.length >> 1];
  const base = median(times[builds[0].name]);
  for (const { name } of builds) {
    const t = times[name];
    process.stdout.write(`${name.padEnd(16)} median ${median(t).toFixed(2)} ms  min ${Math.min(...t).toFixed(2)}  `
      + `max ${Math.max(...t).toFixed(2)}  /${builds[0].name} ${(median(t) / base).toFixed(3)}`
      + `${different.has(name) ? '  DIFFERENT' : ''}\n`);
  }
  process.stdout.write(`${JSON.stringify(times)}\n`);
}

E.runMain(main);
