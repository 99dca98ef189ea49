#!/usr/bin/env node
// The release job, as a dry run (no registry credentials exist here): in a scratch copy of the
// repository with the built packages, `changeset version` applies the pending changesets, then
// every publishable package is packed and `pnpm publish --dry-run` goes through the publish.
// Fails when the plan bumps a private package, jumps a 0.x package to 1.0.0 without a changeset
// asking for a major, releases a package for the first time at another version than 0.1.0, or
// leaves a `workspace:` range in a packed manifest.
// Run after `pnpm build`: node scripts/release-dry-run.mjs [--keep]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = ['-y', 'pnpm@12.4.2'];
const keep = process.argv.includes('--keep');

function run(command, args, cwd, capture = false) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: capture ? 'pipe' : 'inherit' });
}
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

function workspacePackages(dir) {
  return ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(dir, group))
      .map((name) => join(group, name))
      .filter((pkgDir) => existsSync(join(dir, pkgDir, 'package.json')))
      .map((pkgDir) => ({
        dir: pkgDir,
        released: existsSync(join(dir, pkgDir, 'CHANGELOG.md')),
        ...readJson(join(dir, pkgDir, 'package.json')),
      })),
  );
}

/** Packages a pending changeset asks to bump by a major. */
function majorsAsked(dir) {
  const folder = join(dir, '.changeset');
  const names = new Set();
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.md'))) {
    const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(folder, file), 'utf8'))?.[1] ?? '';
    for (const m of front.matchAll(/^['"]?([^'":]+)['"]?\s*:\s*major\s*$/gm)) names.add(m[1]);
  }
  return names;
}

function copyRepository(into) {
  const tracked = run('git', ['ls-files', '-z'], root, true).split('\0').filter(Boolean);
  for (const file of tracked) {
    if (!existsSync(join(root, file))) continue; // deleted in the work tree, not yet committed
    mkdirSync(dirname(join(into, file)), { recursive: true });
    cpSync(join(root, file), join(into, file));
  }
  for (const pkg of workspacePackages(root).filter((p) => !p.private)) {
    const dist = join(root, pkg.dir, 'dist');
    if (!existsSync(dist)) throw new Error(`${pkg.name} is not built: run \`npx -y pnpm@12.4.2 build\` first`);
    cpSync(dist, join(into, pkg.dir, 'dist'), { recursive: true });
  }
  const git = (...args) =>
    run('git', ['-c', 'user.name=release', '-c', 'user.email=release@localhost', ...args], into, true);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'release dry run');
}

function checkPlan(before, after, majors) {
  const problems = [];
  console.log('\nRelease plan (changeset version):');
  for (const pkg of after) {
    const previous = before.find((p) => p.name === pkg.name);
    const old = previous?.version;
    const changed = old !== pkg.version;
    console.log(
      `  ${pkg.name.padEnd(24)} ${old} ${changed ? `→ ${pkg.version}` : '(unchanged)'}${pkg.private ? '  private' : ''}`,
    );
    if (pkg.private && changed) problems.push(`${pkg.name} is private but its version changed`);
    if (changed && old?.startsWith('0.') && !pkg.version.startsWith('0.') && !majors.has(pkg.name)) {
      problems.push(`${pkg.name} would go from ${old} to ${pkg.version}, but no changeset asks for a major`);
    }
    // A package without a changelog has never been released: its first version is 0.1.0 (1.0.0 if asked).
    const first = majors.has(pkg.name) ? '1.0.0' : '0.1.0';
    if (changed && !pkg.private && !previous?.released && pkg.version !== first) {
      problems.push(`${pkg.name}'s first release would be ${pkg.version}, not ${first}`);
    }
  }
  return problems;
}

function packAndInspect(copy, pkgs, into) {
  const problems = [];
  for (const pkg of pkgs) {
    const out = run('npx', [...PNPM, 'pack', '--pack-destination', into], join(copy, pkg.dir), true);
    const tarball = out.trim().split('\n').pop() ?? '';
    const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], copy, true));
    const fields = ['dependencies', 'peerDependencies', 'optionalDependencies'];
    for (const [name, range] of fields.flatMap((f) => Object.entries(manifest[f] ?? {}))) {
      if (String(range).startsWith('workspace:')) problems.push(`${pkg.name}: ${name} is still "${range}" when packed`);
    }
    const internal = fields.flatMap((f) => Object.entries(manifest[f] ?? {})).filter(([n]) => n.startsWith('@weiyu/'));
    console.log(`  ${tarball.split('/').pop()}  ${internal.map(([n, r]) => `${n}@${r}`).join(', ')}`);
  }
  return problems;
}

const started = Date.now();
const copy = mkdtempSync(join(tmpdir(), 'weiyu-release-'));
try {
  copyRepository(copy);
  const before = workspacePackages(copy);
  const majors = majorsAsked(copy);
  run('npx', [...PNPM, 'install', '--frozen-lockfile', '--prefer-offline', '--ignore-scripts', '--silent'], copy);
  run('node', [join(root, 'node_modules/@changesets/cli/bin.js'), 'version'], copy);
  const after = workspacePackages(copy);
  const problems = checkPlan(before, after, majors);
  const released = after.filter((p) => !p.private);
  console.log('\nPacked as they would be published:');
  problems.push(...packAndInspect(copy, released, join(copy, 'tarballs')));
  console.log('\npnpm publish --dry-run:');
  run('npx', [...PNPM, '-r', 'publish', '--dry-run', '--no-git-checks'], copy);
  if (problems.length > 0) {
    console.error(`\nrelease dry run: FAILED\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log(`\nrelease dry run: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
} finally {
  if (keep) console.log(`kept ${copy}`);
  else rmSync(copy, { recursive: true, force: true });
}
