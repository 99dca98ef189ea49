#!/usr/bin/env node
// Installs the Debian packages the tests drive (Chromium for browser tests, Mosquitto as an
// independent broker, a CJK font for screenshots) when they are missing. Needs root and apt; prints what it does.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const wanted = [
  { pkg: 'chromium', binary: '/usr/bin/chromium' },
  { pkg: 'mosquitto', binary: '/usr/sbin/mosquitto' },
  // Chinese glyphs for the playground's screenshots (tests do not depend on it).
  { pkg: 'fonts-wqy-microhei', binary: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc' },
];
const missing = wanted.filter((w) => !existsSync(w.binary)).map((w) => w.pkg);
if (missing.length === 0) process.exit(0);

const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!hasApt || !isRoot) {
  console.error(
    `[ensure-system-deps] missing ${missing.join(', ')}; install them with apt-get (as root) ` +
      'or the tests that need them will fail.',
  );
  process.exit(0);
}
console.log(`[ensure-system-deps] installing ${missing.join(', ')} with apt-get…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', ...missing], {
  stdio: 'inherit',
  env,
});
