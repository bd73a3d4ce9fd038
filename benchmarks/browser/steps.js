// ROUNDS rounds of STEPS physics steps, each on a fresh scene (ammo_scene.js); the first WARM rounds are left out
// of the median (the engine is still tiering up). window.result: every round's time, the median, and the bodies'
// final positions as the bits of their doubles (the builds must agree on every bit). The query string may change
// the three (tests/browser/test_ammo_page.py: `?rounds=1&warm=0&steps=300`).
(function () {
  var query = new URLSearchParams(location.search);
  var ROUNDS = +(query.get('rounds') || 15), WARM = +(query.get('warm') || 5), STEPS = +(query.get('steps') || 600);

  function bits(x) {
    var f = new Float64Array([x]), u = new Uint32Array(f.buffer);
    return u[1].toString(16) + ':' + u[0].toString(16);
  }

  function run(A) {
    var times = [], scene = null;
    for (var r = 0; r < ROUNDS; r++) {
      scene = window.buildScene(A);
      var t0 = performance.now();
      for (var s = 0; s < STEPS; s++) scene.world.stepSimulation(1 / 60, 10);
      times.push(performance.now() - t0);
    }
    var transform = new A.btTransform(), positions = [];
    scene.bodies.forEach(function (b) {
      b.body.getMotionState().getWorldTransform(transform);
      var o = transform.getOrigin();
      positions.push(bits(o.x()) + ' ' + bits(o.y()) + ' ' + bits(o.z()));
    });
    var late = times.slice(WARM).sort(function (a, b) { return a - b; });
    window.result = { times: times, median: late[late.length >> 1], positions: positions.join(',') };
  }

  var wait = setInterval(function () {  // the migrated page loads its Wasm before running ammo.js
    if (window.Ammo && window.Ammo.btTransform) { clearInterval(wait); run(window.Ammo); }
  }, 5);
})();
