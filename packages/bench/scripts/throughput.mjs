#!/usr/bin/env node
// Builds the throughput run (src/throughput) from source with esbuild, then runs it:
//   node scripts/throughput.mjs            every part
//   node scripts/throughput.mjs --cpu-prof  with a V8 CPU profile of the clients' process (in .out/)
// Environment: BENCH_ONLY=burst,paced,receive,recovery; BENCH_BURST, BENCH_PACED, BENCH_RECEIVE, BENCH_RECOVERY.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { bundleRun, root } from './bundle.mjs';

const out = path.join(root, '.out');
await bundleRun('throughput', out);
const profile = process.argv.includes('--cpu-prof')
  ? ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${out}`]
  : [];
const run = spawnSync(process.execPath, ['--enable-source-maps', ...profile, path.join(out, 'main.mjs')], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(run.status ?? 1);
