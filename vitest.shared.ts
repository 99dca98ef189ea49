import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

interface Alias {
  find: RegExp;
  replacement: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * The `paths` of tsconfig.base.json as Vite aliases: one map from workspace package names to
 * their TypeScript sources serves both `tsc` and Vite. Exact names come before the wildcard.
 */
function aliasesFromTsconfigPaths(): Alias[] {
  const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  const entries = Object.entries(tsconfig.compilerOptions.paths);
  const ordered = [...entries.filter(([k]) => !k.includes('*')), ...entries.filter(([k]) => k.includes('*'))];
  return ordered.map(([name, [target = '']]) => ({
    find: new RegExp(`^${escapeRegExp(name).replace('\\*', '([^/]+)')}$`),
    replacement: join(root, target).replace('*', '$1'),
  }));
}

/** Fails fast when a workspace package exports a subpath that tsconfig.base.json does not map to source. */
function assertEveryExportMapped(aliases: Alias[]): void {
  for (const dir of readdirSync(join(root, 'packages'))) {
    const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as {
      name: string;
      exports?: Record<string, unknown>;
    };
    for (const subpath of Object.keys(pkg.exports ?? {})) {
      if (subpath === './package.json') continue;
      const id = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
      if (!aliases.some((a) => a.find.test(id))) {
        throw new Error(`${id} is exported but has no entry in tsconfig.base.json "paths" (its source file)`);
      }
    }
  }
}

const aliases = aliasesFromTsconfigPaths();
assertEveryExportMapped(aliases);

/**
 * Resolve workspace packages to their TypeScript sources, so every package's tests (and the
 * playground) run without a build. The published `exports` point at `dist/` only.
 */
export const sourceResolve = {
  resolve: { alias: aliases },
};
