#!/usr/bin/env node
// Runs an SQL workload on sql.js@0.5.0 (fetched by tests/realworld/npm_cache.py, never committed) and prints JSON on
// stdout (diagnostics on stderr).
//
//   node sqljs_run.js --file PKG/js/sql.js [--shim OUT/sql.shim.js] [--dump DIR] [--grow-mb N]
//
// Without --shim the build runs as published (its asm.js module run by V8); with --shim its asm.js module is replaced
// by the generated shim of the module compiled by asm2wasm (see emscripten_substitute.js). --dump writes the
// exported database bytes to DIR/export.sqlite. --grow-mb N (for ALLOW_MEMORY_GROWTH builds) adds a step that stores
// and reads back an N MiB blob, so the heap must grow; the rest of the workload then runs on the grown heap. Every value is encoded exactly (doubles by their bits), so the two
// modes' outputs must be identical JSON.
'use strict';

const fs = require('fs');
const path = require('path');
const E = require('./emscripten_substitute.js');

const ROWS = 10000;
const CATEGORIES = [
  ['A', 'Apples'], ['B', 'Bread'], ['C', 'Cheese'], ['D', 'Dates'], ['E', 'Eggs'], ['F', 'Figs'], ['G', 'Grapes'],
  ['Z', 'Zucchini (no items)'],
];
const WORDS = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'Grüße', 'naïve', 'café', '日本語', 'テキスト', '🦀', '🚀',
  "O'Brien", 'a"b', 'tab\tsep', 'x%y_z', ''];

// Our own generator for the data, independent of whatever consumes Math.random inside the library.
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

function makeRow(i, next) {
  const word = (k) => WORDS[(next() + k) % WORDS.length];
  const name = `item-${i}-${word(0)}-${word(1)}`;
  const category = CATEGORIES[next() % 7][0];
  const qty = (next() % 2001) - 1000;
  let price = (next() % 1000000) / 100; // two decimals: not exact in binary
  if (i % 97 === 0) price = 5e-324 * (i + 1); // subnormal
  else if (i % 101 === 0) price = -1.5e300 / (i + 1);
  else if (i % 103 === 0) price = Math.sqrt(i) * 1e-7;
  else if (i % 107 === 0) price = (next() % 1000) * 1e15; // integral double above 2^53 sometimes
  else if (i % 7 === 0) price = next() % 100; // an integer: bound with sqlite3_bind_int
  let data = null;
  if (i % 3 === 0) {
    data = new Uint8Array(i % 17);
    for (let k = 0; k < data.length; k++) data[k] = next() & 255;
  }
  const note = i % 5 === 0 ? null : `${word(2)} ${word(3)} ${i % 11 === 0 ? '  padded  ' : ''}${word(4)}`;
  return [i + 1, name, category, qty, price, data, note];
}

function bytesEqual(a, b) {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function errorText(e) {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function workload(SQL, dumpDir, growMb) {
  const results = {};
  const checks = [];
  const timings = {};
  const check = (name, ok, detail) => checks.push({ name, ok: Boolean(ok), detail: detail === undefined ? null : E.exact(detail) });
  const timed = (name, fn) => {
    const t0 = process.hrtime.bigint();
    try {
      return fn();
    } finally {
      timings[name] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  };
  const exec = (db, sql) => {
    try {
      return db.exec(sql).map((r) => ({ columns: r.columns, values: E.exact(r.values) }));
    } catch (e) {
      return { error: errorText(e) };
    }
  };
  const q = (name, sql, db = mainDb) => {
    results[name] = timed(name, () => exec(db, sql));
    return results[name];
  };

  const mainDb = new SQL.Database();
  const db = mainDb;
  q('schema', `
    CREATE TABLE categories (code TEXT PRIMARY KEY, label TEXT NOT NULL);
    CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT REFERENCES categories(code),
                        qty INTEGER, price REAL, data BLOB, note TEXT);
    CREATE INDEX items_category ON items(category);
    CREATE INDEX items_price ON items(price);
    CREATE TABLE log (seq INTEGER PRIMARY KEY AUTOINCREMENT, msg TEXT, at REAL);
    SELECT name, type FROM sqlite_master ORDER BY name;`);
  for (const [code, label] of CATEGORIES) db.run('INSERT INTO categories VALUES (?, ?)', [code, label]);

  if (growMb) {
    timed('grow', () => {
      const big = new Uint8Array(growMb * 1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (Math.imul(i, 2654435761) >>> 24) ^ (i >>> 20);
      db.run('CREATE TABLE big (b BLOB)');
      const ins = db.prepare('INSERT INTO big VALUES (?)');
      ins.run([big]);
      ins.free();
      const sel = db.prepare('SELECT b, length(b), hex(substr(b, 1000000, 16)), length(randomblob(8000000)) FROM big');
      sel.step();
      const [back, ...rest] = sel.get();
      sel.free();
      check('the big blob comes back byte for byte', bytesEqual(big, back));
      results.grow = { blob: E.exact(back), rest: E.exact(rest) };
      results['grow vacuum'] = exec(db, 'DROP TABLE big; VACUUM; PRAGMA page_count;');
    });
  }

  // 10,000 rows through one prepared statement, in one transaction
  const next = rng(20240601);
  const rows = [];
  timed('insert', () => {
    db.run('BEGIN');
    const stmt = db.prepare('INSERT INTO items (id, name, category, qty, price, data, note) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (let i = 0; i < ROWS; i++) {
      const row = makeRow(i, next);
      rows.push(row);
      stmt.run(row);
    }
    stmt.free();
    db.run('COMMIT');
  });
  // a few hundred autocommitted statements (journal written and deleted each time)
  timed('autocommit', () => {
    for (let i = 0; i < 300; i++) {
      db.run('INSERT INTO log (msg, at) VALUES (:msg, :at)', { ':msg': `event ${i} ${WORDS[i % WORDS.length]}`, ':at': i / 3 });
    }
  });
  results.rowsModified = db.getRowsModified();

  // aggregates, checked against the same sums computed in JS from the inserted data
  q('count', 'SELECT count(*), count(data), count(note), count(DISTINCT category), count(DISTINCT qty) FROM items');
  q('aggregates', `SELECT sum(qty), total(qty), avg(qty), min(qty), max(qty), sum(price), total(price), avg(price),
                          min(price), max(price), sum(length(data)), avg(length(name)) FROM items`);
  const count = results.count[0].values[0][0];
  check('count(*) is the number of inserted rows', count === ROWS, count);
  const sumQty = rows.reduce((s, r) => s + r[3], 0);
  check('sum(qty) equals the JS sum', results.aggregates[0].values[0][0] === sumQty, [results.aggregates[0].values[0][0], sumQty]);
  const prices = rows.map((r) => r[4]);
  const minPrice = E.exact(Math.min(...prices));
  const maxPrice = E.exact(Math.max(...prices));
  check('min(price) equals the JS minimum', JSON.stringify(results.aggregates[0].values[0][8]) === JSON.stringify(minPrice), minPrice);
  check('max(price) equals the JS maximum', JSON.stringify(results.aggregates[0].values[0][9]) === JSON.stringify(maxPrice), maxPrice);

  q('group by', `SELECT category, count(*), sum(qty), avg(qty), total(price), avg(price), min(price), max(price),
                        min(name), max(name), count(data), substr(group_concat(id % 10, ''), 1, 300)
                 FROM items GROUP BY category ORDER BY category`);
  const perCategory = {};
  for (const r of rows) perCategory[r[2]] = (perCategory[r[2]] || 0) + 1;
  const gb = results['group by'][0].values.map((v) => [v[0], v[1]]);
  check('group by counts equal the JS counts', JSON.stringify(gb) === JSON.stringify(Object.entries(perCategory).sort()), gb);
  q('having', 'SELECT qty % 10 AS r, count(*), sum(qty) FROM items GROUP BY r HAVING count(*) > 900 ORDER BY r');
  q('join', `SELECT c.code, c.label, count(i.id), sum(i.qty), avg(i.price), max(i.name)
             FROM categories c LEFT JOIN items i ON i.category = c.code GROUP BY c.code ORDER BY c.label DESC`);
  q('self join', `SELECT a.id, b.id, a.qty, a.name, b.name FROM items a JOIN items b ON b.id = a.id + 1
                  WHERE a.qty = b.qty OR abs(a.qty - b.qty) = 1 ORDER BY a.id LIMIT 40`);
  q('subqueries', `SELECT id, qty, price FROM items
                   WHERE qty > (SELECT avg(qty) FROM items) + 990
                      OR id IN (SELECT max(id) FROM items GROUP BY category)
                      OR EXISTS (SELECT 1 FROM categories WHERE code = items.category AND label LIKE 'F%' AND items.id < 40)
                   ORDER BY id`);
  q('order by', 'SELECT id, name, price FROM items ORDER BY price DESC, id LIMIT 30');
  q('order by nocase', 'SELECT id, name FROM items ORDER BY name COLLATE NOCASE, id LIMIT 25 OFFSET 100');
  q('sorted concat', `SELECT length(g), substr(g, 1, 200), substr(g, -200) FROM
                      (SELECT group_concat(name, ',') AS g FROM (SELECT name FROM items ORDER BY note DESC, name))`);

  // strings (core and the extension functions sql.js registers)
  q('strings', `SELECT id, upper(name), lower(note), length(note), length(CAST(note AS BLOB)), substr(name, 2, 5),
                       substr(note, -4, 3), replace(name, 'i', '<I>'), instr(name, '-'), trim(note), ltrim(note),
                       rtrim(note), trim(name, 'item-0123456789'), name || '#' || id, quote(note), hex(note),
                       unicode(note), char(72, 105, 9731, 128512), printf('%5d|%-8s|%08.3f|%e|%x|%q|%%', qty, category,
                       price, price, id, note), note LIKE '%a%', name GLOB '*[0-9]-l*', typeof(note), typeof(price),
                       coalesce(note, 'none'), nullif(qty, 0), ifnull(data, x'00ff'), CASE WHEN qty < 0 THEN 'neg'
                       WHEN qty = 0 THEN 'zero' ELSE 'pos' END
                FROM items WHERE id % 487 = 1 OR id IN (6, 12, 45, 100) ORDER BY id`);
  q('string extensions', `SELECT reverse(name), proper(note), padl(category, 5), padr(category, 5), padc(category, 5),
                                 leftstr(name, 6), rightstr(name, 6), charindex('-', name), charindex('-', name, 7),
                                 replicate('ab', 3), strfilter(name, 'aeiou'), difference('Robert', 'Rupert')
                          FROM items WHERE id <= 6 ORDER BY id`);
  q('like escape', "SELECT count(*) FROM items WHERE note LIKE '%x!%y!_z%' ESCAPE '!' OR name LIKE '%Grüße%'");

  // floating point
  q('floats', `SELECT 0.1 + 0.2, 1.0 / 3, 2.0 / 3 * 3, 1e308 * 10, -1e308 * 10, -0.0, 0.0 * -1, 5e-324,
                      1.7976931348623157e308, 2.2250738585072014e-308, CAST('3.14159265358979323846' AS REAL),
                      CAST('1e-400' AS REAL), CAST('.5e1' AS REAL), round(2.5), round(-2.5), round(1234.56789, 2),
                      round(0.1 + 0.2, 15), abs(-7.25), 7 % 3, -7 % 3, 7.5 % 2, CAST(1e18 AS INTEGER),
                      CAST(1.9 AS INTEGER), CAST(-1.9 AS INTEGER), CAST(9.3e18 AS INTEGER), CAST(-9.3e18 AS INTEGER),
                      1 / 0, 1.0 / 0, 5 / 2, -5 / 2, 5.0 / 2, printf('%.17g', 0.1), printf('%.30f', 1.0 / 3),
                      printf('%g|%G|%e', 1e-5, 1e25, -2.5e-300), printf('%!.20g', 2.0 / 3), CAST(0.1 AS TEXT),
                      CAST(1e100 AS TEXT), CAST(123456789.123456789 AS TEXT), CAST(-0.0 AS TEXT), 1e15 + 0.3,
                      4503599627370497.0, 0.1 * 3 = 0.3, max(1.5, -2, 3), min(1.5, -2, 3)`);
  q('math extensions', `SELECT sqrt(2), exp(1), log(10), log10(1000), power(2, 0.5), sin(1), cos(1), tan(1), asin(0.5),
                               acos(0.5), atan(1), atan2(1, 2), pi(), degrees(pi()), radians(180), ceil(-1.5),
                               floor(-1.5), sign(-3), square(1.1), cot(1), cosh(1), sinh(1), tanh(0.5), acosh(2),
                               asinh(1), atanh(0.5), exp(-745.2), log(0), sqrt(-1), power(10, 308.3)`);
  q('statistics', `SELECT stdev(price), variance(price), median(qty), mode(category), lower_quartile(qty),
                          upper_quartile(qty), stdev(qty), variance(length(name)) FROM items`);
  q('ordinary prices', `SELECT count(*), sum(price), avg(price), stdev(price), variance(price), median(price),
                               min(price), max(price), total(price * price), sum(sqrt(price)), avg(exp(-price / 1000)),
                               sum(log(1 + price)), sum(sin(price)), sum(atan2(price, qty))
                        FROM items WHERE abs(price) BETWEEN 1e-3 AND 1e6`);
  q('float rows', `SELECT id, price, price * 1.1, price / 7, -price, CAST(price AS TEXT), printf('%.15e', price),
                          round(price, 1), CAST(price AS INTEGER), price > 1e300, sqrt(abs(price))
                   FROM items WHERE id % 97 = 1 OR id % 101 = 1 OR id % 103 = 1 OR id % 107 = 1 ORDER BY id`);
  q('mandelbrot', `WITH RECURSIVE
      xaxis(x) AS (VALUES(-2.0) UNION ALL SELECT x + 0.05 FROM xaxis WHERE x < 1.2),
      yaxis(y) AS (VALUES(-1.0) UNION ALL SELECT y + 0.1 FROM yaxis WHERE y < 1.0),
      m(iter, cx, cy, x, y) AS (
        SELECT 0, x, y, 0.0, 0.0 FROM xaxis, yaxis
        UNION ALL
        SELECT iter + 1, cx, cy, x * x - y * y + cx, 2.0 * x * y + cy FROM m WHERE (x * x + y * y) < 4.0 AND iter < 28),
      m2(iter, cx, cy) AS (SELECT max(iter), cx, cy FROM m GROUP BY cx, cy),
      a(t) AS (SELECT group_concat(substr(' .+*#', 1 + min(iter / 7, 4), 1), '') FROM m2 GROUP BY cy)
    SELECT group_concat(rtrim(t), x'0a') FROM a`);

  // 64-bit integers
  q('int64', `SELECT 9223372036854775807, -9223372036854775808, 9223372036854775807 / 3, -9223372036854775807 % 1000,
                     4294967296 * 4294967295, 123456789012 * 1000003, (1 << 62) + 12345, 1 << 63, -1 >> 1, ~5,
                     CAST(9223372036854775807 AS TEXT), CAST(-9223372036854775808 AS TEXT),
                     CAST((1 << 62) + 12345 AS TEXT), CAST(4294967296 * 4294967295 AS TEXT),
                     CAST(-9223372036854775807 / 7 AS TEXT), CAST(9007199254740993 AS TEXT), 9007199254740993,
                     CAST('18446744073709551616' AS INTEGER), 0x7fffffff + 1, -2147483648 / -1, 2147483647 * 2,
                     typeof(9223372036854775807 + 1), CAST(9223372036854775807 + 1 AS TEXT)`);
  q('int64 overflow', 'SELECT sum(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1)');
  q('int64 sums', `SELECT CAST(sum(id * 1000000007) AS TEXT), CAST(sum(id * id * id) AS TEXT),
                          CAST(max(id * -2305843009213) AS TEXT), count(*) FROM items`);

  // dates (fixed inputs, no 'now')
  q('dates', `SELECT date('2020-02-29', '+1 year'), datetime(1500000000, 'unixepoch'), julianday('2000-01-01 12:00:00'),
                     strftime('%Y-%m-%d %H:%M:%f %j %w %s', '2015-06-01 12:34:56.789'), date('2024-01-31', '+1 month'),
                     time('12:00', '-90 minutes'), strftime('%J', '1970-01-01'), date(2451545.0)`);

  q('recursive cte', `WITH RECURSIVE fib(n, a, b) AS (SELECT 1, 0, 1 UNION ALL SELECT n + 1, b, a + b FROM fib WHERE n < 92)
                      SELECT n, a, CAST(a AS TEXT) FROM fib WHERE n % 7 = 0 OR n > 88`);

  // blobs: Uint8Array in, Uint8Array out
  const blobNext = rng(77);
  const blobs = [0, 1, 2, 255, 256, 1000, 4096, 65539, 200000].map((n, k) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = k === 4 ? i : blobNext() & 255;
    return b;
  });
  timed('blobs', () => {
    db.run('CREATE TABLE blobs (k INTEGER PRIMARY KEY, b BLOB)');
    const ins = db.prepare('INSERT INTO blobs VALUES (?, ?)');
    blobs.forEach((b, k) => ins.run([k, b]));
    ins.free();
    const sel = db.prepare('SELECT k, b, length(b), hex(substr(b, 1, 8)) FROM blobs ORDER BY k');
    const out = [];
    const back = [];
    while (sel.step()) {
      const [k, b, len, prefix] = sel.get();
      back.push(b);
      out.push({ k, b: E.exact(b), len, prefix });
    }
    sel.free();
    results['blob round trip'] = out;
    // a blob of length 0 comes back as null from sqlite (a zero-length blob has no pointer)
    const same = blobs.map((b, k) => bytesEqual(b, back[k]) || (b.length === 0 && (back[k] === null || back[k].length === 0)));
    check('every blob comes back byte for byte', same.every(Boolean), same);
  });
  q('blob functions', `SELECT k, length(b), hex(substr(b, 100, 12)), b = zeroblob(length(b)), length(zeroblob(k * 10)),
                              hex(randomblob(16)) IS NOT NULL, typeof(b) FROM blobs ORDER BY k`);
  q('random', 'SELECT random(), hex(randomblob(12))');

  // the statement API
  timed('statements', () => {
    const stmt = db.prepare('SELECT id, name, qty, price, data FROM items WHERE id BETWEEN ? AND ? ORDER BY id');
    stmt.bind([10, 15]);
    const got = [];
    let columns = null;
    while (stmt.step()) {
      if (columns === null) columns = stmt.getColumnNames();
      got.push(stmt.get());
    }
    stmt.reset();
    stmt.bind([9998, 20000]);
    while (stmt.step()) got.push(stmt.get());
    stmt.free();
    const named = db.prepare('SELECT category, count(*) AS n, sum(qty) AS s FROM items WHERE category = $cat AND qty > :min');
    const objects = [['A', 0], ['G', -500], ['Z', 0]].map(([cat, min]) => named.getAsObject({ $cat: cat, ':min': min }));
    named.free();
    results.statements = { columns, rows: E.exact(got), objects: E.exact(objects) };
  });

  // a JavaScript function called from SQL (through the function table)
  timed('create_function', () => {
    try {
      db.create_function('js_mix', (a, b) => a * 1.5 + (b == null ? 0 : b) / 3);
      db.create_function('js_tag', (s) => `<${s}>`);
      results.create_function = exec(db, 'SELECT id, js_mix(qty, price), js_tag(category) FROM items WHERE id <= 8 ORDER BY id');
    } catch (e) {
      results.create_function = { error: errorText(e) };
    }
  });

  // errors
  results.errors = [
    'SELECT * FROM no_such_table',
    "INSERT INTO categories VALUES ('A', 'duplicate')",
    'SELEC 1',
    "INSERT INTO items (id, name) VALUES (1, 'dup id')",
    'INSERT INTO items (id) VALUES (999999)',
  ].map((sql) => exec(db, sql));

  q('update', `UPDATE items SET qty = qty * 2, note = upper(note) WHERE category = 'C';
               DELETE FROM items WHERE id % 1000 = 0;
               SELECT count(*), sum(qty) FROM items`);
  results.rowsModifiedAfterDelete = db.getRowsModified();
  q('pragmas', `PRAGMA integrity_check; PRAGMA page_size; PRAGMA page_count; PRAGMA freelist_count;
                SELECT sqlite_version(), sqlite_source_id()`);

  // export, and the exported bytes opened again
  const before = {};
  for (const name of ['count', 'aggregates', 'group by', 'join', 'int64 sums']) before[name] = results[name];
  const exported = timed('export', () => db.export());
  results.export = { bytes: exported.length, sha256: E.sha256(exported), header: Buffer.from(exported.subarray(0, 100)).toString('hex') };
  if (dumpDir) fs.writeFileSync(path.join(dumpDir, 'export.sqlite'), exported);
  q('after export', 'SELECT count(*), sum(qty) FROM items');

  timed('reopen', () => {
    const copy = new SQL.Database(exported);
    const again = {};
    again.count = exec(copy, 'SELECT count(*), count(data), count(note), count(DISTINCT category), count(DISTINCT qty) FROM items');
    again.check = exec(copy, 'PRAGMA integrity_check');
    again.update = exec(copy, 'SELECT count(*), sum(qty) FROM items');
    again.blobs = exec(copy, 'SELECT k, b FROM blobs ORDER BY k');
    again.tables = exec(copy, 'SELECT name, type, sql FROM sqlite_master ORDER BY name');
    again.log = exec(copy, 'SELECT count(*), sum(at), max(msg) FROM log');
    copy.run("INSERT INTO log (msg, at) VALUES ('reopened', 0.5)");
    const reexported = copy.export();
    again.reexport = { bytes: reexported.length, sha256: E.sha256(reexported) };
    copy.close();
    results.reopen = again;
    check('the reopened copy has the same rows as the original',
      JSON.stringify(again.update) === JSON.stringify(results.update.slice(-1)), [again.update, results.update]);
    check('blobs survive the export', JSON.stringify(again.blobs[0].values.map((v) => v[1]))
      === JSON.stringify(results['blob round trip'].map((r) => r.b)));
    check('the reopened copy passes integrity_check', JSON.stringify(again.check) === JSON.stringify([{ columns: ['integrity_check'], values: [['ok']] }]), again.check);
  });
  db.close();
  check('the first results did not change before the export', JSON.stringify(before.count) === JSON.stringify(results.count));
  return { results, checks, timings };
}

function main() {
  const args = E.parseArgs(process.argv.slice(2), ['grow-mb']);
  E.quietConsole();
  E.installDeterminism();
  const build = E.loadBuild(args.file, args.shim);
  const SQL = build.exports;
  if (!SQL || typeof SQL.Database !== 'function') throw new Error(`${args.file} did not export SQL.Database`);
  const t0 = process.hrtime.bigint();
  const { results, checks, timings } = workload(SQL, args.dump, args['grow-mb'] ? Number(args['grow-mb']) : 0);
  const workloadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(`${JSON.stringify(E.report(build, { file: path.basename(args.file), results, checks, timings, workloadMs }))}\n`);
}

E.runMain(main);
