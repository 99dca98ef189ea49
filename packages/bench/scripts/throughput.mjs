#!/usr/bin/env node
// Builds the throughput run (src/throughput) from source with esbuild, then runs it:
//   node scripts/throughput.mjs            every part
//   node scripts/throughput.mjs --cpu-prof  with a V8 CPU profile of the clients' process (in .out/)
// Environment: BENCH_ONLY=burst,paced,receive,recovery; BENCH_BURST, BENCH_PACED, BENCH_RECEIVE, BENCH_RECOVERY.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, '.out');
await build({
  entryPoints: { main: 'src/throughput/main.ts', server: 'src/throughput/server.ts' },
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
const profile = process.argv.includes('--cpu-prof')
  ? ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${out}`]
  : [];
const run = spawnSync(process.execPath, ['--enable-source-maps', ...profile, path.join(out, 'main.mjs')], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(run.status ?? 1);
