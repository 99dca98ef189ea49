import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Options } from 'tsup';

interface PackageJson {
  exports?: Record<string, { import?: { default?: string }; browser?: { import?: { default?: string } } }>;
  bin?: Record<string, string>;
}

/** `./dist/testing/index.js` → `testing/index`: the entry name tsup writes under `dist/`. */
function entryName(target: string, where: string): string {
  const match = /^\.\/dist\/(.+)\.js$/.exec(target);
  if (!match?.[1]) throw new Error(`${where}: "${target}" is not of the form ./dist/<name>.js`);
  return match[1];
}

/** Each output under `dist/` is built from the source file of the same name under `src/`. */
function entries(targets: string[], where: string): Record<string, string> {
  return Object.fromEntries(targets.map((t) => [entryName(t, where), `src/${entryName(t, where)}.ts`]));
}

/**
 * The build of a publishable package, read from its package.json so the two cannot drift: every
 * `exports` entry becomes an ESM + CJS bundle with its own `.d.ts` / `.d.cts` (its `browser`
 * condition too, when it has one: another source file, such as `src/web.browser.ts`), every `bin` an ESM
 * script. Dependencies and peer dependencies stay external (tsup's default).
 */
export function packageBuild(packageDir: string): Options[] {
  const where = join(packageDir, 'package.json');
  const pkg = JSON.parse(readFileSync(where, 'utf8')) as PackageJson;
  const libraryTargets = Object.values(pkg.exports ?? {}).flatMap((e) =>
    [e.import?.default, e.browser?.import?.default].filter((t): t is string => t !== undefined),
  );
  const binTargets = Object.values(pkg.bin ?? {});
  const binFiles = binTargets.map((t) => `${entryName(t, where)}.js`);
  const shared: Options = {
    tsconfig: 'tsconfig.build.json',
    target: 'es2022',
    sourcemap: false,
    // `import.meta.url` in the CJS build (the mock broker finds its seed file with it).
    shims: true,
    // Keep `node:` specifiers as written (tsup strips them by default, for Node < 14.18).
    removeNodeProtocol: false,
  };
  const library: Options = {
    ...shared,
    entry: entries(libraryTargets, where),
    format: ['esm', 'cjs'],
    dts: true,
    // One copy of each module per format, shared by all entry points (core and core/testing).
    splitting: true,
    // Both builds run at once: the library's clean leaves the bin scripts to the other build.
    clean: ['**/*', ...binFiles.map((f) => `!${f}`)],
  };
  if (binTargets.length === 0) return [library];
  return [library, { ...shared, entry: entries(binTargets, where), format: ['esm'], dts: false, clean: false }];
}
