#!/usr/bin/env node
// Summarises a V8 .cpuprofile of the throughput run: self time per function (mapped to the
// sources through the bundle's source map) and per part (core, protocol, transports, mqtt.js,
// ws, protobuf-es, Node, GC, idle).
//   node scripts/profile-summary.mjs .out/CPU.*.cpuprofile [count]
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

const [file, top = '40'] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.mjs <file.cpuprofile> [count]');
const profile = JSON.parse(readFileSync(file, 'utf8'));
const maps = new Map();
const mapFor = (url) => {
  if (!url.startsWith('file://')) return undefined;
  if (!maps.has(url)) {
    try {
      maps.set(url, new SourceMap(JSON.parse(readFileSync(`${new URL(url).pathname}.map`, 'utf8'))));
    } catch {
      maps.set(url, undefined);
    }
  }
  return maps.get(url);
};
const where = ({ url, lineNumber, columnNumber }) => {
  const entry = mapFor(url)?.findEntry(lineNumber, columnNumber);
  const source = entry?.originalSource ?? url;
  const line = (entry?.originalLine ?? lineNumber) + 1;
  return {
    source: source.replace(/^.*?\/(packages|node_modules)\//, '$1/').replace(/^.*\/\.pnpm\/[^/]+\/node_modules\//, ''),
    line,
  };
};
const partOf = (source, name) => {
  if (name === '(idle)' || name === '(garbage collector)' || name === '(program)') return name;
  for (const pkg of ['core', 'protocol', 'transport-mqtt', 'transport-http', 'mock-broker', 'bench'])
    if (source.includes(`${pkg}/src/`)) return pkg;
  for (const dep of [
    'mqtt',
    'mqtt-packet',
    'ws',
    '@bufbuild/protobuf',
    'aedes',
    'aedes-persistence',
    'mqemitter',
    'fastfall',
    'fastparallel',
    'fastseries',
    'reusify',
  ])
    if (source.includes(`node_modules/${dep}/`) || source.startsWith(`${dep}/`)) return dep;
  return source.startsWith('node:') || source === '' ? 'node' : (path.dirname(source).split('/')[0] ?? 'other');
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map();
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
const self = new Map();
const parts = new Map();
let total = 0;
for (const [id, n] of counts) {
  const frame = byId.get(id).callFrame;
  const name = frame.functionName || '(anonymous)';
  const { source, line } = where(frame);
  const key = `${name} ${source}${source ? `:${line}` : ''}`;
  self.set(key, (self.get(key) ?? 0) + n);
  const part = partOf(source, name);
  parts.set(part, (parts.get(part) ?? 0) + n);
  total += n;
}
const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
console.log(`${total} samples\n\nby part:`);
for (const [part, n] of [...parts].sort((a, b) => b[1] - a[1])) console.log(`${pct(n)}  ${part}`);
console.log('\nby function (self):');
for (const [key, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${pct(n)}  ${key}`);

// Inclusive time of functions named in PROFILE_INCLUSIVE (comma-separated), each call tree counted once.
const wanted = (process.env.PROFILE_INCLUSIVE ?? '').split(',').filter(Boolean);
if (wanted.length > 0) {
  const selfCount = (node) => counts.get(node.id) ?? 0;
  const inclusive = new Map(wanted.map((w) => [w, 0]));
  const walk = (node, open) => {
    const name = node.callFrame.functionName;
    const entering = wanted.includes(name) && !open.has(name);
    const now = entering ? new Set([...open, name]) : open;
    for (const w of now) inclusive.set(w, inclusive.get(w) + selfCount(node));
    for (const child of node.children ?? []) walk(byId.get(child), now);
  };
  walk(profile.nodes[0], new Set());
  console.log('\ninclusive:');
  for (const [name, n] of inclusive) console.log(`${pct(n)}  ${name}`);
}
