// The rigid-body scene of tests/realworld/ammo_run.js and benchmarks/ammo_steps.js: a static ground plane, a
// pyramid of tilted boxes, spheres dropped onto it (one thrown sideways), cylinders, a cone and a capsule.
'use strict';

function buildScene(Ammo) {
  const collisionConfiguration = new Ammo.btDefaultCollisionConfiguration();
  const dispatcher = new Ammo.btCollisionDispatcher(collisionConfiguration);
  const broadphase = new Ammo.btDbvtBroadphase();
  const solver = new Ammo.btSequentialImpulseConstraintSolver();
  const world = new Ammo.btDiscreteDynamicsWorld(dispatcher, broadphase, solver, collisionConfiguration);
  world.setGravity(new Ammo.btVector3(0, -9.81, 0));

  const bodies = [];
  const add = (name, shape, mass, [x, y, z], [qx, qy, qz, qw] = [0, 0, 0, 1], tweak = null) => {
    const transform = new Ammo.btTransform();
    transform.setIdentity();
    transform.setOrigin(new Ammo.btVector3(x, y, z));
    transform.setRotation(new Ammo.btQuaternion(qx, qy, qz, qw));
    const inertia = new Ammo.btVector3(0, 0, 0);
    if (mass !== 0) shape.calculateLocalInertia(mass, inertia);
    const motionState = new Ammo.btDefaultMotionState(transform);
    const info = new Ammo.btRigidBodyConstructionInfo(mass, motionState, shape, inertia);
    const body = new Ammo.btRigidBody(info);
    if (tweak) tweak(body);
    world.addRigidBody(body);
    bodies.push({ name, body, dynamic: mass !== 0 });
    return body;
  };

  add('ground', new Ammo.btStaticPlaneShape(new Ammo.btVector3(0, 1, 0), 0), 0, [0, 0, 0], undefined,
    (b) => { b.setFriction(0.8); b.setRestitution(0.3); });

  // a pyramid of boxes, slightly tilted so that it topples
  const half = new Ammo.btVector3(0.5, 0.5, 0.5);
  for (let level = 0, k = 0; level < 4; level++) {
    for (let i = 0; i < 4 - level; i++, k++) {
      const angle = 0.02 * (k + 1);
      add(`box${k}`, new Ammo.btBoxShape(half), 1 + 0.25 * (k % 3), [i * 1.05 - (3 - level) * 0.525, 0.5 + level * 1.01, 0.01 * k],
        [0, Math.sin(angle / 2), Math.sin(angle / 4), Math.cos(angle / 2)], (b) => b.setFriction(0.6));
    }
  }
  // a flat slab and a long thin box falling on their corners
  add('slab', new Ammo.btBoxShape(new Ammo.btVector3(1.5, 0.1, 0.75)), 3, [3.2, 6, -1.1], [0.3, 0.2, 0.1, 0.927],
    (b) => b.setRestitution(0.5));
  add('beam', new Ammo.btBoxShape(new Ammo.btVector3(0.1, 2, 0.1)), 2, [-3.5, 5, 0.5], [0.38, 0, 0.15, 0.912]);

  // spheres dropped from heights, one thrown at the pyramid
  for (let s = 0; s < 6; s++) {
    add(`sphere${s}`, new Ammo.btSphereShape(0.3 + 0.1 * s), 0.5 + s, [-2 + 0.8 * s, 6 + 1.5 * s, 0.3 * (s % 2) - 0.15],
      undefined, (b) => { b.setRestitution(0.2 + 0.12 * s); b.setFriction(0.4); b.setDamping(0.01 * s, 0.02); });
  }
  add('thrown', new Ammo.btSphereShape(0.4), 4, [-8, 1.5, 0], undefined,
    (b) => { b.setLinearVelocity(new Ammo.btVector3(9, 2.5, 0.2)); b.setAngularVelocity(new Ammo.btVector3(0, 3, -1)); });

  add('cylinder0', new Ammo.btCylinderShape(new Ammo.btVector3(0.4, 0.6, 0.4)), 2, [1.8, 4, 1.5], [0.5, 0, 0, 0.866]);
  add('cylinder1', new Ammo.btCylinderShape(new Ammo.btVector3(0.3, 0.9, 0.3)), 1.5, [-1.2, 7, -1.6], [0, 0, 0.7071, 0.7071]);
  add('cone', new Ammo.btConeShape(0.5, 1.2), 1, [0.4, 9, -0.8], [0.2, 0.4, 0.1, 0.8888]);
  add('capsule', new Ammo.btCapsuleShape(0.25, 1.0), 1.2, [2.4, 8, 0.6], [0.1, 0.1, 0.6, 0.7874]);

  return { world, dispatcher, bodies };
}

module.exports = { buildScene };
