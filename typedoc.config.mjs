// The API reference (`npx -y pnpm@12.4.2 docs` → docs/api/), from the JSDoc of every export of
// every publishable package. Entry points come from each package.json `exports` (dist/X.js is
// built from src/X.ts, as in tsup.shared.ts), so a new subpath is documented without editing this.
// Fails when an export has no documentation, or a link in it points nowhere.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OptionDefaults } from 'typedoc';

const packages = readdirSync('packages')
  .map((dir) => ({ dir: join('packages', dir), file: join('packages', dir, 'package.json') }))
  .filter(({ file }) => existsSync(file))
  .map(({ dir, file }) => ({ dir, manifest: JSON.parse(readFileSync(file, 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

/** `./dist/testing/index.js` → `packages/core/src/testing/index.ts`. Subpaths named `internal` are for the SDK's own packages, not users. */
const entryPoints = packages.flatMap(({ dir, manifest }) =>
  Object.entries(manifest.exports ?? {})
    .filter(([subpath]) => subpath !== './package.json' && !subpath.split('/').includes('internal'))
    .map(([, target]) => join(dir, target.import.default.replace(/^\.\/dist\/(.+)\.js$/, 'src/$1.ts'))),
);

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'Weiyu realtime SDK',
  entryPoints,
  tsconfig: 'tsconfig.typedoc.json',
  plugin: ['./scripts/typedoc-package-names.mjs'],
  out: 'docs/api',
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  // protoc-gen-es marks generated code with @generated.
  blockTags: [...OptionDefaults.blockTags, '@generated'],
  packagesRequiringDocumentation: packages.map(({ manifest }) => manifest.name),
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  treatWarningsAsErrors: true,
  logLevel: 'Warn',
};
