#!/usr/bin/env node
// Builds the broker run (src/broker) from source with esbuild, then runs it:
//   node scripts/broker.mjs                   the mock broker against bare aedes, and history pages
//   BENCH_PROFILE=1 node scripts/broker.mjs   with a V8 CPU profile of each broker process (in .out/broker/)
// Environment: BENCH_ONLY=burst,history; BENCH_BROKERS=aedes,mock; BENCH_BURST; BENCH_REPEAT;
// BENCH_HISTORY=1000,50000; BENCH_PAGE_MS.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, '.out', 'broker');
await build({
  entryPoints: { main: 'src/broker/main.ts', server: 'src/broker/server.ts' },
  absWorkingDir: root,
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // ws's optional native helpers; CJS dependencies inside an ESM bundle need a require.
  external: ['bufferutil', 'utf-8-validate'],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
const run = spawnSync(process.execPath, ['--enable-source-maps', path.join(out, 'main.mjs')], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(run.status ?? 1);
