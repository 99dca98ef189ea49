import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { AGENT } from './testing/index.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const protocolDir = fileURLToPath(new URL('../../protocol', import.meta.url));
const tsup = fileURLToPath(new URL('../../../node_modules/.bin/tsup', import.meta.url));
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Reads the child's stdout until `pattern` matches all of it so far. */
function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = pattern.exec(text);
      if (match) {
        child.stdout?.off('data', onData);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing ${pattern}: ${text}`)));
  });
}

describe('weiyu-mock-broker CLI', () => {
  beforeAll(async () => {
    // Always rebuilt, with the packages' own build (tsup): a stale protocol dist would miss what
    // the broker imports from it.
    await run(tsup, [], { cwd: protocolDir });
    await run(tsup, [], { cwd: packageDir });
  }, 120_000);

  it('prints where it listens, serves REST, and exits 0 on SIGINT', async () => {
    const args = ['--mqtt-port', '0', '--http-port', '0', '--mode', 'strict', '--compat', 'session'];
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const match = await waitForOutput(
      child,
      /mode: strict, compat: session[\s\S]*MQTT\s+(ws:\/\/\S+)\s+REST\s+(http:\/\/\S+)[\s\S]*Ctrl-C/,
    );
    expect(match[1]).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/websocket$/);
    const response = await fetch(`${match[2]}/auth/v1/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: AGENT.username, password: AGENT.password }),
    });
    expect(((await response.json()) as { code: number }).code).toBe(200);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 30_000);

  it('says in --help which mode is the real server, and refuses an unknown mode with exit code 2', async () => {
    const help = await run(process.execPath, [cli, '--help']);
    expect(help.stdout).toMatch(/--mode <m>\s+bytedesk \(default: the real server/);
    expect(help.stdout).toContain('strict (a hardened deployment');
    expect(help.stdout).toContain('anyone\nmay post into any thread');
    const bad = await run(process.execPath, [cli, '--mode', 'lax']).then(
      () => undefined,
      (error: unknown) => error as { code?: number; stderr?: string },
    );
    expect(bad?.code).toBe(2);
    expect(bad?.stderr).toContain('--mode must be bytedesk or strict, got "lax"');
  });

  it('names a port in use and exits 1', async () => {
    const first = spawn(process.execPath, [cli, '--mqtt-port', '0', '--http-port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const firstExit = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
    const match = await waitForOutput(first, /REST\s+http:\/\/127\.0\.0\.1:(\d+)/);
    const port = match[1] ?? '';
    const second = spawn(process.execPath, [cli, '--mqtt-port', '0', '--http-port', port], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    second.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => second.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr).toContain(`HTTP port ${port}`);
    expect(stderr).toContain('EADDRINUSE');
    first.kill('SIGTERM');
    expect(await firstExit).toBe(0);
  }, 30_000);
});
