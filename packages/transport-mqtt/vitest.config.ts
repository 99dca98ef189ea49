import { defineProject } from 'vitest/config';
import { sourceResolve } from '../../vitest.shared.js';

export default defineProject({
  ...sourceResolve,
  test: { name: 'transport-mqtt', include: ['src/**/*.test.ts'] },
});
