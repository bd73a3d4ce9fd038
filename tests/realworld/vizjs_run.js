#!/usr/bin/env node
// Renders graphs with viz.js@1.8.2 (Graphviz 2.40.1 built by Emscripten 1.37.33; fetched by
// tests/realworld/npm_cache.py, never committed) and prints JSON on stdout (diagnostics on stderr).
//
//   node vizjs_run.js --file PKG/viz.js [--shim OUT/viz.shim.js]
//   node vizjs_run.js --file PKG/viz-lite.js [--shim OUT/viz-lite.shim.js]
//
// Without --shim the build runs as published; with --shim its asm.js module is replaced by the generated shim of the
// module compiled by asm2wasm (see emscripten_substitute.js). viz.js is a MODULARIZE build: every Viz() call makes a
// fresh Emscripten module (a new heap, a new instance of the asm.js module), so a shim run links once per render.
//
// The workload: graphs with clusters, records, HTML-like labels, UTF-8 labels, ports, ortho/curved splines and
// concentrated edges; a generated 120-node graph (also rendered with a 32 MiB heap); every layout engine
// (dot, neato, fdp, sfdp, twopi, circo, osage, patchwork: viz-lite.js has only dot and reports the others as errors);
// twelve output formats; an embedded image file; and inputs that make Graphviz warn or fail (a syntax error, an unknown
// format; later renders must be unaffected). Every output string, error message and line printed on the console is
// recorded, so the two modes must agree character for character.
'use strict';

const path = require('path');
const E = require('./emscripten_substitute.js');

const CLUSTERS = `digraph G {
  rankdir=LR; compound=true; fontname="Helvetica"; label="clusters, records and ports"; labelloc=t;
  node [fontname="Helvetica", fontsize=11];
  subgraph cluster_parse { label="parse"; style=filled; color="#e0e8f0";
    lex [shape=box]; yacc [shape=box, style=rounded]; lex -> yacc [label="tokens"]; }
  subgraph cluster_layout { label="layout"; color=blue; penwidth=2;
    rank1 [shape=ellipse]; position [shape=diamond]; splines [shape=hexagon];
    rank1 -> position -> splines; }
  rec [shape=record, label="{<in> input|{<l> left|middle|<r> right}|<out> output}"];
  yacc -> rank1 [lhead=cluster_layout, ltail=cluster_parse, weight=4];
  splines -> rec:in [color=red, arrowhead=vee, style=dashed];
  rec:l -> lex [constraint=false, label="feedback", fontcolor=gray40];
  rec:r:e -> out [arrowhead=odiamond, dir=both, arrowtail=inv];
  out [shape=doublecircle, width=0.6, fixedsize=true];
}`;

const HTML = `digraph H {
  node [shape=plaintext];
  t [label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="4">
    <tr><td colspan="3" bgcolor="lightblue"><b>header</b></td></tr>
    <tr><td port="a">a</td><td rowspan="2"><i>tall</i></td><td port="c">c<br/>two lines</td></tr>
    <tr><td port="b">b</td><td>x<sub>1</sub> + y<sup>2</sup></td></tr>
  </table>>];
  u [label=<<font color="red" point-size="18">big red</font>>];
  v [shape=box, label="plain\\lleft\\rright\\n"];
  t:a -> u; t:c -> v; t:b:s -> v:n [taillabel="tail", headlabel="head"];
}`;

const UTF8 = `digraph U {
  "Zürich" -> "Genève" [label="déjà vu"];
  "Genève" -> "東京" [label="ε → ∞"];
  "東京" -> "Москва"; "Москва" -> "Zürich" [label="«round» trip"];
  "☃ snow" -> "東京";
}`;

const SHAPES = `digraph S {
  node [style=filled, fillcolor="#ffeecc:#ccddff", gradientangle=90];
  a [shape=box]; b [shape=polygon, sides=7, skew=0.3, distortion=0.2]; c [shape=star]; d [shape=cylinder];
  e [shape=Mrecord, label="{x|y|z}"]; f [shape=egg, peripheries=3]; g [shape=note]; h [shape=tab];
  i [shape=triangle]; j [shape=invhouse]; k [shape=septagon]; l [shape=underline];
  a -> {b c d}; b -> {e f}; c -> {f g h}; d -> {i j}; e -> k; f -> l; g -> a;
  edge [arrowhead=crowodot]; h -> i; edge [arrowhead=lteeoldiamond]; j -> k;
}`;

// deterministic pseudo-random graphs (a 32-bit xorshift), the same in both modes
function generated(nodes, edges, seed, directed) {
  let s = seed;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const op = directed ? '->' : '--';
  const lines = [`${directed ? 'digraph' : 'graph'} R${seed} {`, '  node [shape=circle, fixedsize=true, width=0.4];'];
  for (let i = 1; i < nodes; i++) lines.push(`  n${Math.floor(next() * i)} ${op} n${i};`); // a spanning tree
  for (let e = nodes - 1; e < edges; e++) {
    const a = Math.floor(next() * nodes);
    const b = Math.floor(next() * nodes);
    lines.push(`  n${a} ${op} n${b}${e % 7 === 0 ? ` [label="${e}", weight=${1 + (e % 3)}]` : ''};`);
  }
  lines.push('}');
  return lines.join('\n');
}

const BIG = generated(120, 220, 0x1234567, true);
const UNDIRECTED = generated(40, 60, 0x7654321, false);

const CASES = [
  ...['svg', 'xdot', 'plain', 'plain-ext', 'json', 'json0', 'dot', 'canon', 'xdot_json', 'ps', 'fig', 'cmapx'].map(
    (format) => ({ name: `clusters.${format}`, src: CLUSTERS, options: { format } })),
  { name: 'html.svg', src: HTML, options: {} },
  { name: 'utf8.svg', src: UTF8, options: {} },
  { name: 'utf8.json', src: UTF8, options: { format: 'json' } },
  { name: 'shapes.svg', src: SHAPES, options: {} },
  { name: 'ortho.xdot', src: SHAPES.replace('digraph S {', 'digraph S { splines=ortho;'), options: { format: 'xdot' } },
  { name: 'curved.xdot', src: CLUSTERS.replace('rankdir=LR;', 'splines=curved;'), options: { format: 'xdot' } },
  { name: 'concentrate.plain', src: BIG.replace('{', '{ concentrate=true;'), options: { format: 'plain' } },
  { name: 'big.svg', src: BIG, options: {} },
  { name: 'big-32MiB.plain', src: BIG, options: { format: 'plain', totalMemory: 32 * 1024 * 1024 } },
  ...['neato', 'fdp', 'sfdp', 'twopi', 'circo', 'osage', 'patchwork'].map(
    (engine) => ({ name: `undirected.${engine}`, src: UNDIRECTED, options: { engine, format: 'plain' } })),
  { name: 'neato-overlap.svg', src: UNDIRECTED.replace('{', '{ overlap=scale; splines=true; sep="+4";'),
    options: { engine: 'neato' } },
  { name: 'circo-clusters.xdot', src: CLUSTERS, options: { engine: 'circo', format: 'xdot' } },
  { name: 'image.svg', src: 'digraph { a [image="pic.png", label=""]; b [image="pic.png", label="b"]; a -> b }',
    options: { images: [{ path: 'pic.png', width: '48px', height: '32px' }] } },
  { name: 'warns.svg', src: 'digraph { a [shape=nosuchshape, color=notacolor]; a -> b [arrowhead=bogus] }',
    options: {} },
  { name: 'syntax-error', src: 'digraph { a -> ; }', options: {} },
  { name: 'unknown-format', src: 'digraph { a -> b }', options: { format: 'nosuchformat' } },
  { name: 'after-errors.svg', src: 'digraph { ok -> fine }', options: {} },
];

// Graphviz's stderr (warnings) reaches the console through Module.printErr: record it per case.
function captureConsole() {
  const lines = [];
  for (const k of ['log', 'info', 'warn', 'error', 'debug']) {
    console[k] = (...a) => {
      const text = a.join(' ');
      lines.push(text);
      process.stderr.write(`${text}\n`);
    };
  }
  return lines;
}

function render(Viz, consoleLines, { name, src, options }) {
  const before = consoleLines.length;
  const result = { name, engine: options.engine || 'dot', format: options.format || 'svg' };
  try {
    // Viz() adds image files to the options it is given: pass a fresh copy
    const output = Viz(src, JSON.parse(JSON.stringify(options)));
    result.length = output.length;
    result.sha256 = E.sha256(output);
    result.output = output;
  } catch (e) {
    result.error = String(e && e.message !== undefined ? e.message : e);
  }
  result.printed = consoleLines.slice(before);
  return result;
}

function main() {
  const args = E.parseArgs(process.argv.slice(2));
  const consoleLines = captureConsole();
  E.installDeterminism();
  process.setMaxListeners(0); // every render's Emscripten module adds its process.on listeners: no leak warning
  const build = E.loadBuild(args.file, args.shim);
  const Viz = build.exports;
  if (typeof Viz !== 'function') throw new Error(`${args.file} did not export Viz`);
  const t0 = process.hrtime.bigint();
  const results = CASES.map((c) => render(Viz, consoleLines, c));
  const workloadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const heaps = CASES.map((c) => c.options.totalMemory || null);
  process.stdout.write(`${JSON.stringify(E.report(build, { file: path.basename(args.file), workloadMs, heaps, results }))}\n`);
}

E.runMain(main);
