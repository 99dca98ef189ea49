import { defineConfig } from 'vitest/config';
import { sourceResolve } from '../../vitest.shared.js';

// Run with `pnpm bench` (root) or `pnpm --filter @weiyu/bench bench`; not part of `pnpm test`.
export default defineConfig({
  ...sourceResolve,
  test: { name: 'bench', include: [], benchmark: { include: ['src/**/*.bench.ts'] } },
});
