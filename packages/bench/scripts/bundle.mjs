// Builds one bench run (src/<name>/main.ts and server.ts) from source with esbuild into outdir, for
// scripts/throughput.mjs and scripts/broker.mjs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The bench package's folder. */
export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Bundles `src/${name}/{main,server}.ts` into `outdir` as `main.mjs` and `server.mjs`. */
export async function bundleRun(name, outdir) {
  await build({
    entryPoints: { main: `src/${name}/main.ts`, server: `src/${name}/server.ts` },
    absWorkingDir: root,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    // ws's optional native helpers; CJS dependencies inside an ESM bundle need a require.
    external: ['bufferutil', 'utf-8-validate'],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
}
