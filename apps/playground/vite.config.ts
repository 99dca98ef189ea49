import { defineConfig } from 'vite';
import { sourceResolve } from '../../vitest.shared.js';

// The page builds from the workspace packages' TypeScript sources (tsconfig.base.json's
// `paths`), so it does not wait for their dist builds.
export default defineConfig({
  root: import.meta.dirname,
  ...sourceResolve,
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
