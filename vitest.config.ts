import { defineConfig } from 'vitest/config';
import SummaryReporter from './scripts/summary-reporter.js';

// One run over every package's tests, straight from source (no build needed).
export default defineConfig({
  test: {
    projects: ['packages/*', '!packages/bench', '!packages/transport-contract', 'apps/*'],
    reporters: ['default', new SummaryReporter()],
  },
});
