import { defineProject } from 'vitest/config';
import { sourceResolve } from '../../vitest.shared.js';

// Every test starts its own servers on free ports, so files run in parallel; the Mosquitto
// file keeps its tests sequential (one external process at a time per test).
export default defineProject({
  ...sourceResolve,
  test: {
    name: 'e2e',
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fileParallelism: true,
  },
});
