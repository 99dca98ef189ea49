import { defineProject } from 'vitest/config';
import { sourceResolve } from '../../vitest.shared.js';

export default defineProject({
  ...sourceResolve,
  test: { name: 'protocol', include: ['src/**/*.test.ts'], testTimeout: 60_000 },
});
