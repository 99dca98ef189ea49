import { defineConfig } from 'vite';

// A plain production build, as an app would make one: no aliases, no polyfills.
export default defineConfig({
  root: 'web',
  logLevel: 'warn',
  build: { outDir: '../dist-web', emptyOutDir: true },
});
