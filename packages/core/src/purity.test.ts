/**
 * Core is pure (DESIGN.md): no Node modules, no package but `@weiyu/protocol`, and no DOM
 * globals outside `src/browser/`. This test reads the sources and fails on any breach.
 * Node's modules are loaded dynamically with local types, so core's typecheck keeps no Node
 * typings (a `/// <reference types="node" />` here would leak them into every file).
 */
import { describe, expect, it } from 'vitest';

interface Fs {
  readdir(path: string, options: { withFileTypes: true }): Promise<Array<{ name: string; isDirectory(): boolean }>>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
}
interface Url {
  fileURLToPath(url: string): string;
}

const DOM_GLOBALS = [
  'window',
  'document',
  'localStorage',
  'sessionStorage',
  'navigator',
  'location',
  'XMLHttpRequest',
  'WebSocket',
  'fetch',
] as const;
const ALLOWED_PACKAGES = new Set(['@weiyu/protocol']);
/** `import.meta.url`, which core's ES2022 typings do not declare. */
const moduleUrl = (import.meta as unknown as { readonly url: string }).url;

/** Replaces comments and string/template literals with spaces, keeping line numbers. */
export function stripCommentsAndStrings(source: string): string {
  let out = '';
  let i = 0;
  const blank = (text: string): string => text.replace(/[^\n]/g, ' ');
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) {
        if (source[j] === '\\') j++;
        if (c !== '`' && source[j] === '\n') break;
        j++;
      }
      out += `${c}${blank(source.slice(i + 1, j))}${c}`;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every module specifier a source imports or re-exports. */
export function importedSpecifiers(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bimport\s+['"]([^'"]+)['"]/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  const found: string[] = [];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) if (m[1]) found.push(m[1]);
  return found;
}

/** What is wrong with one source file of core, as readable lines. */
export function violations(source: string): string[] {
  const problems: string[] = [];
  for (const specifier of importedSpecifiers(source)) {
    if (specifier.startsWith('node:')) problems.push(`imports the Node module "${specifier}"`);
    else if (!specifier.startsWith('.') && !ALLOWED_PACKAGES.has(specifier)) {
      problems.push(`imports the package "${specifier}"`);
    }
  }
  const code = stripCommentsAndStrings(source);
  const names = DOM_GLOBALS.join('|');
  // A bare use (not a property `x.fetch`, not an object key `fetch:`), or `globalThis.fetch`.
  const bare = new RegExp(`(?<![.\\w$])(${names})\\b(?!\\s*\\??:)`, 'g');
  const viaGlobal = new RegExp(`\\bglobalThis\\s*(?:\\.|\\?\\.)\\s*(${names})\\b`, 'g');
  // A file may declare its own `location` or `fetch`: that name is not the global there.
  const declared = new Set(
    [...code.matchAll(new RegExp(`\\b(?:function|const|let|var|class)\\s+(${names})\\b`, 'g'))].map((m) => m[1]),
  );
  for (const pattern of [bare, viaGlobal]) {
    for (const m of code.matchAll(pattern)) {
      if (pattern === bare && declared.has(m[1])) continue;
      const line = code.slice(0, m.index).split('\n').length;
      problems.push(`uses the DOM global "${m[1]}" on line ${line}`);
    }
  }
  return problems;
}

describe('purity checker', () => {
  it.each([
    ["import { readFile } from 'node:fs';", 'Node module'],
    ["export * from 'node:path';", 'Node module'],
    ["const m = await import('node:crypto');", 'Node module'],
    ["import mqtt from 'mqtt';", 'package "mqtt"'],
    ["import {\n  a,\n  b,\n} from 'lodash';", 'package "lodash"'],
    ['const w = window.innerWidth;', 'DOM global "window"'],
    ['await fetch(url);', 'DOM global "fetch"'],
    ['const s = new WebSocket(u);', 'DOM global "WebSocket"'],
    ['localStorage.setItem(k, v);', 'DOM global "localStorage"'],
    ['const f = globalThis.fetch;', 'DOM global "fetch"'],
  ])('flags %s', (source, expected) => {
    expect(violations(source).join('\n')).toContain(expected);
  });

  it.each([
    "import { SdkError } from '@weiyu/protocol';",
    "import type { Clock } from './interfaces.js';",
    "const kind = 'location'; // fetch the window",
    'const x = options.fetch; const y = { document: 1, fetch?: 2 };',
    '/* navigator */ const t = `window`;',
    "const type = 'LOCATION';",
    'function location(raw) { return raw; }\nconst x = location(y);',
  ])('accepts %s', (source) => {
    expect(violations(source)).toEqual([]);
  });
});

describe('core is pure', () => {
  it('has no Node import, no foreign package and no DOM global outside src/browser and src/testing', async () => {
    const fs = (await import('node:fs/promises' as string)) as Fs;
    const { fileURLToPath } = (await import('node:url' as string)) as Url;
    const srcDir = fileURLToPath(moduleUrl).replace(/[\\/][^\\/]*$/, '');
    const files: string[] = [];
    const walk = async (dir: string, relative: string): Promise<void> => {
      for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
        const rel = relative ? `${relative}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (rel === 'testing' || rel === 'browser' || rel === 'gen') continue;
          await walk(`${dir}/${entry.name}`, rel);
        } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
          files.push(rel);
        }
      }
    };
    await walk(srcDir, '');
    expect(files.length).toBeGreaterThan(10);
    const report: string[] = [];
    for (const file of files) {
      const source = await fs.readFile(`${srcDir}/${file}`, 'utf8');
      for (const problem of violations(source)) report.push(`src/${file}: ${problem}`);
    }
    expect(report).toEqual([]);
  });

  it('depends on @weiyu/protocol and nothing else', async () => {
    const fs = (await import('node:fs/promises' as string)) as Fs;
    const { fileURLToPath } = (await import('node:url' as string)) as Url;
    const packageDir = fileURLToPath(moduleUrl).replace(/[\\/]src[\\/][^\\/]*$/, '');
    const manifest = JSON.parse(await fs.readFile(`${packageDir}/package.json`, 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['@weiyu/protocol']);
    for (const field of ['peerDependencies', 'optionalDependencies', 'bundleDependencies']) {
      expect(Object.keys(manifest[field] ?? {}), field).toEqual([]);
    }
  });
});
