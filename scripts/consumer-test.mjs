#!/usr/bin/env node
// The consumer test: what a user installs, checked as a user installs it. Packs every publishable
// package, installs the tarballs with npm into a fresh project in a temporary folder (outside the
// workspace: no workspace links, no source aliases), and there runs
//   - the tarballs' contents against an allowlist (built code, README, LICENSE; no tests, no fixtures),
//   - every export subpath loaded at run time in ESM and in CJS, with the same names in both,
//   - the root README's quick start in Node ESM and in CJS, against `npx weiyu-mock-broker` from the
//     installed tarball on free ports,
//   - `tsc` under moduleResolution nodenext, node16 and bundler (skipLibCheck off), and the page
//     with the browser packages under bundler without Node's types,
//   - publint and are-the-types-wrong on each tarball,
//   - a Vite production build of a page where an agent and a visitor exchange messages, in Chromium.
// Needs the packages built (`npx -y pnpm@12.4.2 build`), the npm registry for third-party
// dependencies, and /usr/bin/chromium. Usage: node scripts/consumer-test.mjs [--keep]
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createConnection, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = join(root, 'scripts/consumer-test');
const keep = process.argv.includes('--keep');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What a tarball may hold: built code, the manifest, READMEs, the licence, a changelog, seed data. */
const ALLOWED_FILES = [
  /^package\/package\.json$/,
  /^package\/README(\.[\w-]+)?\.md$/,
  /^package\/LICENSE$/,
  /^package\/CHANGELOG\.md$/,
  /^package\/dist\/[\w./-]+\.(js|cjs|d\.ts|d\.cts)$/,
  /^package\/seed\/[\w-]+\.json$/,
];
const FORBIDDEN_PARTS = [/\.test\./, /fixture/i, /\/src\//, /\.tsbuildinfo$/];

const results = [];
let current = '';

function log(message) {
  console.log(`[consumer-test] ${message}`);
}

/** Runs one check; a failure is recorded and the run goes on unless `required`. */
async function check(name, fn, { required = false } = {}) {
  current = name;
  const started = Date.now();
  try {
    const detail = await fn();
    const seconds = (Date.now() - started) / 1000;
    results.push({ name, ok: true, seconds });
    log(`ok   ${name} (${seconds.toFixed(1)} s)${detail ? `: ${detail}` : ''}`);
  } catch (error) {
    const seconds = (Date.now() - started) / 1000;
    results.push({ name, ok: false, seconds });
    log(`FAIL ${name} (${seconds.toFixed(1)} s)\n${error instanceof Error ? error.message : String(error)}`);
    if (required) throw new Error(`required step failed: ${name}`);
  }
}

/** Runs a command; its output is shown only when it fails (or always with `show`). */
function run(command, args, cwd, { show = false, timeout = 300_000, env = {} } = {}) {
  try {
    const out = execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout,
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', ...env },
    });
    if (show && out.trim()) console.log(out.trimEnd());
    return out;
  } catch (error) {
    const { stdout = '', stderr = '' } = /** @type {{stdout?: string, stderr?: string}} */ (error);
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}\n${stdout}${stderr}`.trimEnd());
  }
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

function publishablePackages() {
  return readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: readJson(join(dir, 'package.json')) }))
    .filter((p) => !p.manifest.private);
}

/** Every import specifier a package exports: `@weiyu/core`, `@weiyu/core/testing`, … */
function exportSpecifiers(manifest) {
  return Object.keys(manifest.exports ?? { '.': null })
    .filter((subpath) => subpath !== './package.json')
    .map((subpath) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`));
}

function packAll(packages, into) {
  const lines = [];
  for (const { dir, manifest } of packages) {
    if (!existsSync(join(dir, 'dist'))) {
      throw new Error(`${manifest.name} is not built: run \`npx -y pnpm@12.4.2 build\` first`);
    }
    const out = run('npx', ['-y', 'pnpm@12.4.2', 'pack', '--pack-destination', into], dir);
    const tarball = out.trim().split('\n').pop() ?? '';
    lines.push({ name: manifest.name, tarball });
  }
  return lines;
}

function checkTarball({ name, tarball }) {
  const files = run('tar', ['-tzf', tarball], root).trim().split('\n');
  const bad = files.filter(
    (f) => !ALLOWED_FILES.some((re) => re.test(f)) || FORBIDDEN_PARTS.some((re) => re.test(f.slice('package/'.length))),
  );
  const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], root));
  const problems = bad.map((f) => `ships ${f}`);
  if (!files.includes('package/LICENSE')) problems.push('no LICENSE');
  if (!files.includes('package/README.md')) problems.push('no README.md');
  if (manifest.license !== 'MIT') problems.push(`license is ${manifest.license}`);
  if (!manifest.repository?.directory) problems.push('no repository.directory');
  if (!manifest.homepage) problems.push('no homepage');
  if (!manifest.engines?.node) problems.push('no engines.node');
  if (problems.length > 0) throw new Error(`${name}:\n  ${problems.join('\n  ')}`);
  const kb = (readFileSync(tarball).length / 1024).toFixed(1);
  const listed = files.map((f) => f.slice('package/'.length)).join(', ');
  return `${files.length} files, ${kb} KB packed: ${listed}`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => socket.end(() => resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** `npx weiyu-mock-broker` from the installed tarball, in its own process group so it can be stopped whole. */
async function startBroker(project) {
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const child = spawn('npx', ['weiyu-mock-broker', '--mqtt-port', String(mqttPort), '--http-port', String(httpPort)], {
    cwd: project,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const stop = () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  };
  const deadline = Date.now() + 30_000;
  while (!((await portOpen(mqttPort)) && (await portOpen(httpPort)))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error(`weiyu-mock-broker did not start (exit ${child.exitCode}):\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    mqttUrl: `ws://127.0.0.1:${mqttPort}/websocket`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    stop,
    output: () => output,
  };
}

/** The first ```ts block of the root README: the quick start. */
function readmeQuickStart() {
  const text = readFileSync(join(root, 'README.md'), 'utf8');
  const match = /```ts\n([\s\S]*?)```/.exec(text);
  if (!match?.[1]) throw new Error('README.md has no ```ts quick start');
  return match[1];
}

/** The quick start as a CommonJS module: imports stay on top (tsc turns them into require), the rest runs in an async main. */
function asCommonJs(code) {
  const imports = [];
  const body = code.replace(/^import\s[\s\S]*?from\s+'[^']+';\n/gm, (statement) => {
    imports.push(statement);
    return '';
  });
  return `${imports.join('')}\nasync function main(): Promise<void> {\n${body}}\n\nmain().catch((error: unknown) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`;
}

/**
 * Subpaths whose types need the DOM lib through a peer dependency: msw's own declarations do (as
 * msw documents), so these are type-checked under the bundler config (DOM) and not in the Node ones.
 */
const TYPES_NEED_DOM = new Set(['@weiyu/mock-broker/msw']);

/** Packages that run on Node only (a server): a browser project is not expected to have Node's types for them. */
const NODE_ONLY_PACKAGES = new Set(['@weiyu/mock-broker']);

function writeSources(project, packages, broker) {
  const src = join(project, 'src');
  mkdirSync(src, { recursive: true });
  const code = readmeQuickStart()
    .replaceAll('http://127.0.0.1:9003', broker.httpUrl)
    .replaceAll('ws://127.0.0.1:9885/websocket', broker.mqttUrl);
  writeFileSync(join(src, 'quick-start.mts'), code);
  writeFileSync(join(src, 'quick-start.ts'), code);
  writeFileSync(join(src, 'quick-start.cts'), asCommonJs(code));
  const specifiers = packages.flatMap((p) => exportSpecifiers(p.manifest));
  const importAll = (list) => list.map((s, i) => `import * as m${i} from '${s}';`).join('\n');
  const table = (list) =>
    `export const modules: Record<string, object> = {\n${list.map((s, i) => `  '${s}': m${i},`).join('\n')}\n};\n`;
  const forNode = specifiers.filter((s) => !TYPES_NEED_DOM.has(s));
  const forBrowser = packages
    .filter((p) => !NODE_ONLY_PACKAGES.has(p.manifest.name))
    .flatMap((p) => exportSpecifiers(p.manifest));
  const files = [
    ['exports.mts', forNode],
    ['exports.cts', forNode],
    ['exports.ts', specifiers],
    ['browser-exports.ts', forBrowser],
  ];
  for (const [file, list] of files) writeFileSync(join(src, file), `${importAll(list)}\n\n${table(list)}`);
  // Plain JavaScript for the run-time check, every subpath in both formats.
  const pairs = specifiers.map((s) => `[${JSON.stringify(s)}, `);
  writeFileSync(
    join(project, 'load-all.mjs'),
    `export const modules = Object.fromEntries([\n${pairs.map((p, i) => `  ${p}await import(${JSON.stringify(specifiers[i])})],`).join('\n')}\n]);\n`,
  );
  writeFileSync(
    join(project, 'load-all.cjs'),
    `exports.modules = Object.fromEntries([\n${pairs.map((p, i) => `  ${p}require(${JSON.stringify(specifiers[i])})],`).join('\n')}\n]);\n`,
  );
  return specifiers;
}

/** Loads every export in ESM and in CJS and compares the names each format exposes. */
function compareFormats(project, specifiers) {
  const names = (format) => {
    const script =
      format === 'esm'
        ? `import { modules } from './load-all.mjs'; console.log(JSON.stringify(Object.fromEntries(Object.entries(modules).map(([k, m]) => [k, Object.keys(m).filter((n) => n !== 'default' && n !== '__esModule').sort()]))));`
        : `const { modules } = require('./load-all.cjs'); console.log(JSON.stringify(Object.fromEntries(Object.entries(modules).map(([k, m]) => [k, Object.keys(m).filter((n) => n !== 'default' && n !== '__esModule').sort()]))));`;
    const args = format === 'esm' ? ['--input-type=module', '-e', script] : ['-e', script];
    return JSON.parse(run('node', args, project, { timeout: 60_000 }));
  };
  const [esm, cjs] = [names('esm'), names('cjs')];
  const problems = [];
  for (const s of specifiers) {
    const [a, b] = [esm[s] ?? [], cjs[s] ?? []];
    if (a.length === 0) problems.push(`${s} exports nothing in ESM`);
    const onlyEsm = a.filter((n) => !b.includes(n));
    const onlyCjs = b.filter((n) => !a.includes(n));
    if (onlyEsm.length || onlyCjs.length) problems.push(`${s}: ESM only [${onlyEsm}], CJS only [${onlyCjs}]`);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return specifiers.map((s) => `${s} (${esm[s].length})`).join(', ');
}

function runQuickStart(project, file) {
  const out = run('node', [file], project, { timeout: 60_000 });
  // The README promises SUCCESS in a comment beside the line that prints it.
  if (!/\bSUCCESS\b/.test(out)) throw new Error(`${file} did not print SUCCESS:\n${out}`);
  return out.trim().split('\n').slice(-1)[0];
}

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

function serveStatic(dir) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

async function exchangeInChromium(project, broker) {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing (node scripts/ensure-system-deps.mjs installs it)`);
  // playwright-core from the consumer project, not from the workspace.
  const { chromium } = await import(join(project, 'node_modules/playwright-core/index.mjs'));
  const site = await serveStatic(join(project, 'dist-web'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const seen = [];
  try {
    const page = await browser.newPage();
    page.on('console', (m) => seen.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => seen.push(`pageerror: ${e.message}`));
    const query = new URLSearchParams({ http: broker.httpUrl, mqtt: broker.mqttUrl });
    await page.goto(`${site.url}/?${query}`);
    await page.waitForFunction(() => document.getElementById('result')?.textContent !== 'running', null, {
      timeout: 60_000,
    });
    const outcome = await page.textContent('#result');
    const pageLog = await page.textContent('#log');
    if (outcome !== 'exchanged') throw new Error(`page says "${outcome}"\n${pageLog}\n${seen.join('\n')}`);
    return pageLog?.trim().split('\n').join('; ');
  } finally {
    await browser.close();
    await site.close();
  }
}

async function main() {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'weiyu-consumer-'));
  const tarballDir = join(work, 'tarballs');
  const project = join(work, 'project');
  mkdirSync(tarballDir);
  const packages = publishablePackages();
  let broker;
  let tarballs = [];
  try {
    await check(
      'pack every publishable package',
      () => {
        tarballs = packAll(packages, tarballDir);
        return tarballs.map((t) => t.name).join(', ');
      },
      { required: true },
    );
    for (const t of tarballs) await check(`tarball contents of ${t.name}`, () => checkTarball(t));

    await check(
      'npm install the tarballs into a fresh project',
      () => {
        cpSync(fixture, project, { recursive: true });
        const manifest = readJson(join(project, 'package.json'));
        manifest.dependencies = Object.fromEntries(tarballs.map((t) => [t.name, `file:${t.tarball}`]));
        writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
        run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], project, { timeout: 480_000 });
        return project;
      },
      { required: true },
    );

    await check(
      'npx weiyu-mock-broker from the tarball, on free ports',
      async () => {
        broker = await startBroker(project);
        return `${broker.mqttUrl}, ${broker.httpUrl}`;
      },
      { required: true },
    );
    const specifiers = writeSources(project, packages, broker);

    await check('tsc, moduleResolution nodenext (ESM .mts + CJS .cts)', () => {
      run('npx', ['tsc', '-p', 'tsconfig.nodenext.json'], project);
    });
    await check('tsc, moduleResolution node16', () => void run('npx', ['tsc', '-p', 'tsconfig.node16.json'], project));
    await check(
      'tsc, moduleResolution bundler',
      () => void run('npx', ['tsc', '-p', 'tsconfig.bundler.json'], project),
    );
    await check('tsc, moduleResolution bundler, browser only: the page, no Node types', () => {
      run('npx', ['tsc', '-p', 'tsconfig.browser.json'], project);
    });
    await check('every export loads in ESM and CJS, same names', () => compareFormats(project, specifiers));
    await check('README quick start, Node ESM', () => runQuickStart(project, 'out/quick-start.mjs'));
    await check('README quick start, Node CJS', () => runQuickStart(project, 'out/quick-start.cjs'));
    for (const t of tarballs) {
      await check(`publint ${t.name}`, () => void run('npx', ['publint', 'run', t.tarball, '--strict'], project));
      await check(`are-the-types-wrong ${t.name}`, () => {
        // node16 profile: node10 resolution (no `exports`) cannot see subpaths such as @weiyu/core/testing.
        run(
          'npx',
          ['attw', t.tarball, '--profile', 'node16', '--no-emoji', '--no-color', '--format', 'table-flipped'],
          project,
        );
      });
    }
    await check('Vite production build of the page', () => void run('npx', ['vite', 'build'], project));
    await check('the page exchanges messages in Chromium', () => exchangeInChromium(project, broker));
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
  } finally {
    broker?.stop();
    if (keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok);
  log(
    `finished in ${((Date.now() - started) / 1000).toFixed(1)} s${failed.length ? `; failed: ${failed.map((r) => r.name).join('; ')}` : ''}`,
  );
  console.log(`consumer-test: ${results.length - failed.length} passed, ${failed.length} failed`);
  if (failed.length > 0 || results.length === 0) process.exitCode = 1;
}

process.on('unhandledRejection', (error) => {
  log(`unhandled rejection during "${current}": ${String(error)}`);
  process.exitCode = 1;
});

await main();
