#!/usr/bin/env node
// Builds the broker run (src/broker) from source with esbuild, then runs it:
//   node scripts/broker.mjs                   the mock broker against bare aedes, and history pages
//   BENCH_PROFILE=1 node scripts/broker.mjs   with a V8 CPU profile of each broker process (in .out/broker/)
// Environment: BENCH_ONLY=burst,history; BENCH_BROKERS=aedes,mock; BENCH_BURST; BENCH_REPEAT;
// BENCH_HISTORY=1000,50000; BENCH_PAGE_MS.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { bundleRun, root } from './bundle.mjs';

const out = path.join(root, '.out', 'broker');
await bundleRun('broker', out);
const run = spawnSync(process.execPath, ['--enable-source-maps', path.join(out, 'main.mjs')], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(run.status ?? 1);
