#!/usr/bin/env node
// The Wasm compute of the ammo.js workload alone, several builds in one node process: how fast each runs
// `world.stepSimulation`, the original asm.js and any number of asm2wasm outputs, interleaved round by round.
//
//   node [--no-liftoff --no-wasm-lazy-compilation] ammo_steps.js --file PKG/ammo.js [--rounds 9] [--steps 600]
//        NAME=SHIM.js ...          (NAME=asm for the original asm.js)
//
// tests/realworld/ammo_run.js times the whole step loop of its scene, including the JavaScript that reads every
// body's transform after each step (about half of its time); here only the stepSimulation calls are timed, each round
// on a fresh copy of the same scene (the scene of ammo_run.js, without the thrown-box impulse), so the differences
// between builds are the differences of their code. One process holds all builds, so a busy moment of the machine
// hits all of them; the order alternates between rounds. Prints one line per build (median, min, max of the rounds,
// median over the first build's median) and, last, the JSON of all round times. Each build must give the same final
// positions as the first (bit for bit), or its line says DIFFERENT.
//
// Ammo's default heap (64 MiB) holds about 20 scenes: keep rounds x builds below that.
'use strict';

const E = require('../tests/realworld/emscripten_substitute.js');

const DT = 1 / 60;

function buildScene(Ammo) {
  const config = new Ammo.btDefaultCollisionConfiguration();
  const dispatcher = new Ammo.btCollisionDispatcher(config);
  const broadphase = new Ammo.btDbvtBroadphase();
  const solver = new Ammo.btSequentialImpulseConstraintSolver();
  const world = new Ammo.btDiscreteDynamicsWorld(dispatcher, broadphase, solver, config);
  world.setGravity(new Ammo.btVector3(0, -9.81, 0));
  const bodies = [];
  const add = (shape, mass, [x, y, z], [qx, qy, qz, qw] = [0, 0, 0, 1], tweak = null) => {
    const transform = new Ammo.btTransform();
    transform.setIdentity();
    transform.setOrigin(new Ammo.btVector3(x, y, z));
    transform.setRotation(new Ammo.btQuaternion(qx, qy, qz, qw));
    const inertia = new Ammo.btVector3(0, 0, 0);
    if (mass !== 0) shape.calculateLocalInertia(mass, inertia);
    const info = new Ammo.btRigidBodyConstructionInfo(mass, new Ammo.btDefaultMotionState(transform), shape, inertia);
    const body = new Ammo.btRigidBody(info);
    if (tweak) tweak(body);
    world.addRigidBody(body);
    bodies.push(body);
  };
  add(new Ammo.btStaticPlaneShape(new Ammo.btVector3(0, 1, 0), 0), 0, [0, 0, 0], undefined,
    (b) => { b.setFriction(0.8); b.setRestitution(0.3); });
  const half = new Ammo.btVector3(0.5, 0.5, 0.5);
  for (let level = 0, k = 0; level < 4; level++) {
    for (let i = 0; i < 4 - level; i++, k++) {
      const angle = 0.02 * (k + 1);
      add(new Ammo.btBoxShape(half), 1 + 0.25 * (k % 3), [i * 1.05 - (3 - level) * 0.525, 0.5 + level * 1.01, 0.01 * k],
        [0, Math.sin(angle / 2), Math.sin(angle / 4), Math.cos(angle / 2)], (b) => b.setFriction(0.6));
    }
  }
  add(new Ammo.btBoxShape(new Ammo.btVector3(1.5, 0.1, 0.75)), 3, [3.2, 6, -1.1], [0.3, 0.2, 0.1, 0.927],
    (b) => b.setRestitution(0.5));
  add(new Ammo.btBoxShape(new Ammo.btVector3(0.1, 2, 0.1)), 2, [-3.5, 5, 0.5], [0.38, 0, 0.15, 0.912]);
  for (let s = 0; s < 6; s++) {
    add(new Ammo.btSphereShape(0.3 + 0.1 * s), 0.5 + s, [-2 + 0.8 * s, 6 + 1.5 * s, 0.3 * (s % 2) - 0.15], undefined,
      (b) => { b.setRestitution(0.2 + 0.12 * s); b.setFriction(0.4); b.setDamping(0.01 * s, 0.02); });
  }
  add(new Ammo.btSphereShape(0.4), 4, [-8, 1.5, 0], undefined, (b) => {
    b.setLinearVelocity(new Ammo.btVector3(9, 2.5, 0.2));
    b.setAngularVelocity(new Ammo.btVector3(0, 3, -1));
  });
  add(new Ammo.btCylinderShape(new Ammo.btVector3(0.4, 0.6, 0.4)), 2, [1.8, 4, 1.5], [0.5, 0, 0, 0.866]);
  add(new Ammo.btCylinderShape(new Ammo.btVector3(0.3, 0.9, 0.3)), 1.5, [-1.2, 7, -1.6], [0, 0, 0.7071, 0.7071]);
  add(new Ammo.btConeShape(0.5, 1.2), 1, [0.4, 9, -0.8], [0.2, 0.4, 0.1, 0.8888]);
  add(new Ammo.btCapsuleShape(0.25, 1.0), 1.2, [2.4, 8, 0.6], [0.1, 0.1, 0.6, 0.7874]);
  return { world, bodies };
}

function run(Ammo, steps) {
  const { world, bodies } = buildScene(Ammo);
  const t0 = process.hrtime.bigint();
  for (let s = 0; s < steps; s++) world.stepSimulation(DT, 10);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const transform = new Ammo.btTransform();
  let positions = '';
  for (const body of bodies) {
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
