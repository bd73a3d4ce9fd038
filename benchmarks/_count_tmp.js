'use strict';
const E = require('../tests/realworld/emscripten_substitute.js');
const { buildScene } = require('../tests/realworld/ammo_scene.js');
function main() {
  const [file, shim, n, out] = process.argv.slice(2);
  E.quietConsole(); E.installDeterminism();
  const Ammo = E.loadBuild(file, shim).exports;
  const { world } = buildScene(Ammo);
  const w = globalThis.__wasm;
  const snap = () => { const a = new Array(+n); for (let k = 0; k < +n; k++) a[k] = w['__c' + k].value; return a; };
  const before = snap();
  for (let s = 0; s < 600; s++) world.stepSimulation(1 / 60, 10);
  const after = snap();
  require('fs').writeFileSync(out, JSON.stringify(after.map((v, k) => v - before[k])));
}
E.runMain(main);
