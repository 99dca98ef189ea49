import { defaultClientConditions, defineConfig } from 'vite';

// The page builds from the workspace packages' TypeScript sources (the `source` export
// condition), so it does not wait for their dist builds.
export default defineConfig({
  root: import.meta.dirname,
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
