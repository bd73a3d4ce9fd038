#!/usr/bin/env node
// Runs a rigid-body simulation on ammo.js@0.0.10 (Bullet compiled by Emscripten; fetched by
// tests/realworld/npm_cache.py, never committed) and prints JSON on stdout (diagnostics on stderr).
//
//   node ammo_run.js --file PKG/ammo.js [--shim OUT/ammo.shim.js] [--steps N]
//
// Without --shim the build runs as published (its asm.js module run by V8); with --shim its asm.js module is replaced
// by the generated shim of the module compiled by asm2wasm (see emscripten_substitute.js).
// The scene: a static ground plane, a pyramid of tilted boxes, spheres dropped onto it (one thrown sideways),
// cylinders, a cone and a capsule; the world is stepped at 1/60 s and every body's position and rotation is recorded
// after every step as the IEEE-754 bits of the doubles ammo returns (Bullet's floats, widened), so the two modes
// must agree bit for bit.
'use strict';

const path = require('path');
const E = require('./emscripten_substitute.js');
const { buildScene } = require('./ammo_scene.js');

const DT = 1 / 60;

function simulate(Ammo, steps) {
  const { world, dispatcher, bodies } = buildScene(Ammo);
  const transform = new Ammo.btTransform();
  const kick = new Ammo.btVector3(-3, 4, 1.5);
  const target = bodies.find((b) => b.name === 'box9').body;
  // What an app does each frame: step, then read every body's transform. The readings go into a typed array; their
  // text form (for the comparison) is made after the clock stops, so simulateMs times the simulation, not the trace.
  const values = new Float64Array(steps * bodies.length * 7);
  const manifolds = new Int32Array(steps);
  let at = 0;
  const t0 = process.hrtime.bigint();
  for (let step = 0; step < steps; step++) {
    if (step === 120) {
      target.activate();
      target.applyCentralImpulse(kick);
    }
    world.stepSimulation(DT, 10);
    for (const { body } of bodies) {
      body.getMotionState().getWorldTransform(transform);
      const o = transform.getOrigin();
      values[at] = o.x(); values[at + 1] = o.y(); values[at + 2] = o.z();
      const r = transform.getRotation();
      values[at + 3] = r.x(); values[at + 4] = r.y(); values[at + 5] = r.z(); values[at + 6] = r.w();
      at += 7;
    }
    manifolds[step] = dispatcher.getNumManifolds();
  }
  const simulateMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const trace = [];
  for (let step = 0, i = 0; step < steps; step++) {
    const frame = [];
    for (let b = 0; b < bodies.length; b++, i += 7) frame.push(Array.from(values.subarray(i, i + 7), E.f64Bits).join(' '));
    trace.push(frame);
  }

  const final = bodies.map(({ name, body, dynamic }) => {
    body.getMotionState().getWorldTransform(transform);
    const o = transform.getOrigin();
    const r = transform.getRotation();
    const v = body.getLinearVelocity();
    const w = body.getAngularVelocity();
    return {
      name,
      dynamic,
      position: [o.x(), o.y(), o.z()],
      rotation: [r.x(), r.y(), r.z(), r.w()],
      linearVelocity: [v.x(), v.y(), v.z()],
      angularVelocity: [w.x(), w.y(), w.z()],
      active: body.isActive(),
    };
  });

  // a ray cast down through the settled scene
  const from = new Ammo.btVector3(0.2, 20, 0.1);
  const to = new Ammo.btVector3(0.2, -5, 0.1);
  const ray = new Ammo.ClosestRayResultCallback(from, to);
  world.rayTest(from, to, ray);
  let rayHit = null;
  if (ray.hasHit()) {
    const p = ray.get_m_hitPointWorld();
    const n = ray.get_m_hitNormalWorld();
    rayHit = { point: [p.x(), p.y(), p.z()], normal: [n.x(), n.y(), n.z()] };
  }
  return { names: bodies.map((b) => b.name), trace, manifolds: Array.from(manifolds), final: E.exact(final), rayHit: E.exact(rayHit), simulateMs };
}

function main() {
  const args = E.parseArgs(process.argv.slice(2), ['steps']);
  const steps = args.steps ? Number(args.steps) : 300;
  E.quietConsole();
  E.installDeterminism();
  const build = E.loadBuild(args.file, args.shim);
  const Ammo = build.exports;
  if (!Ammo || typeof Ammo.btDiscreteDynamicsWorld !== 'function') throw new Error(`${args.file} did not export Ammo`);
  const { simulateMs, ...result } = simulate(Ammo, steps);
  process.stdout.write(`${JSON.stringify(E.report(build, { file: path.basename(args.file), steps, simulateMs, ...result }))}\n`);
}

E.runMain(main);
