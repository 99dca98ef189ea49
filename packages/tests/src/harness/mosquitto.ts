/**
 * Mosquitto 2.0 as an independent broker: a real MQTT server that knows nothing of Weiyu
 * (no echo-with-SUCCESS, no REST, no KICKOFF). Started on free ports with its own temp dir,
 * a password file (the password is the user's "token") and persistence on, so restart tests
 * keep sessions. Always closed: `await using broker = await startMosquitto(...)`.
 *
 * Facts of 2.0.11 this works around:
 * - A config whose only listener speaks websockets fails ("Unable to start any listening
 *   sockets"): a plain MQTT listener on a second free port is added, bound to 127.0.0.1.
 * - The websockets listener ignores the bind address and listens on every interface; the
 *   tests still only connect to 127.0.0.1.
 * - The websockets listener accepts any path, so `ws://127.0.0.1:PORT/websocket` works.
 * - A wrong password is refused with CONNACK 5 (not authorized), not 4 (MQTT 3.1.1).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';
export const MOSQUITTO_PASSWD_BIN = '/usr/bin/mosquitto_passwd';

/** Options of {@link startMosquitto}. */
export interface MosquittoOptions {
  /** username → password (the access token the SDK sends). */
  readonly users: Readonly<Record<string, string>>;
  /** Cap of messages queued per offline persistent session (mosquitto's default is 1000). */
  readonly maxQueuedMessages?: number;
  /** How long to wait for the listener (default 10,000 ms). */
  readonly startTimeoutMs?: number;
}

/** A running Mosquitto. */
export interface MosquittoBroker extends AsyncDisposable {
  /** `ws://127.0.0.1:PORT/websocket` */
  readonly url: string;
  readonly port: number;
  /** Whether the process is running. */
  running(): boolean;
  /** Stops the process (SIGTERM, so it saves its persistence file). */
  stop(): Promise<void>;
  /** Starts it again on the same ports with the same persistence. */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** Everything the process printed, for failure messages. */
  log(): string;
  /** Stops it and removes its temp dir. Safe to call twice. */
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Throws a clear error when Mosquitto is not installed: these tests must fail, not skip. */
export function assertMosquittoInstalled(): void {
  for (const bin of [MOSQUITTO_BIN, MOSQUITTO_PASSWD_BIN]) {
    if (!existsSync(bin)) {
      throw new Error(
        `${bin} is missing: the Mosquitto tests need the Debian package "mosquitto" (2.0.x). ` +
          'Run `node scripts/ensure-system-deps.mjs` as root (the root `pnpm test` does), or `apt-get install mosquitto`.',
      );
    }
  }
}

/** Starts Mosquitto with a websockets listener on a free port of 127.0.0.1. */
export async function startMosquitto(options: MosquittoOptions): Promise<MosquittoBroker> {
  assertMosquittoInstalled();
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), 'weiyu-mosquitto-'));
  const passwordFile = join(dir, 'passwd');
  let first = true;
  for (const [user, password] of Object.entries(options.users)) {
    const args = first ? ['-b', '-c', passwordFile, user, password] : ['-b', passwordFile, user, password];
    first = false;
    const result = spawnSync(MOSQUITTO_PASSWD_BIN, args, { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`mosquitto_passwd failed for ${user}: ${result.stderr || result.stdout}`);
    }
  }
  const port = await freePort();
  const plainPort = await freePort();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const config = [
    // As root mosquitto drops to the "mosquitto" user, who cannot read our temp dir.
    ...(isRoot ? ['user root'] : []),
    'per_listener_settings false',
    'allow_anonymous false',
    `password_file ${passwordFile}`,
    'persistence true',
    `persistence_location ${dir}/`,
    ...(options.maxQueuedMessages === undefined ? [] : [`max_queued_messages ${options.maxQueuedMessages}`]),
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    ...(process.env.MOSQUITTO_DEBUG ? ['log_type all'] : []),
    `listener ${plainPort} 127.0.0.1`,
    'protocol mqtt',
    `listener ${port} 127.0.0.1`,
    'protocol websockets',
    '',
  ].join('\n');
  const configFile = join(dir, 'mosquitto.conf');
  await writeFile(configFile, config);

  let child: ChildProcess | undefined;
  let output = '';
  let closed = false;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;

  const start = async (): Promise<void> => {
    if (child) return;
    const proc = spawn(MOSQUITTO_BIN, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    live.add(proc);
    const append = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
    };
    proc.stdout?.on('data', append);
    proc.stderr?.on('data', append);
    let exited = false;
    proc.once('exit', (code, signal) => {
      exited = true;
      live.delete(proc);
      output += `\n[mosquitto exited code=${String(code)} signal=${String(signal)}]\n`;
      if (child === proc) child = undefined;
    });
    try {
      await Promise.race([
        waitForPort(port, startTimeoutMs),
        new Promise<never>((_, reject) => {
          proc.once('exit', () => reject(new Error('mosquitto exited while starting')));
        }),
      ]);
    } catch (error) {
      if (!exited) proc.kill('SIGKILL');
      throw new Error(`Mosquitto did not start on port ${port}: ${(error as Error).message}\n${output}`);
    }
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    child = undefined;
    await new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        resolve();
        return;
      }
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await stop();
    await rm(dir, { recursive: true, force: true });
  };

  await start();

  return {
    url: `ws://127.0.0.1:${port}/websocket`,
    port,
    running: () => child !== undefined,
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    log: () => output,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test runner dies before the disposers ran: never leave a broker behind.
  process.once('exit', () => {
    for (const proc of live) proc.kill('SIGKILL');
  });
}
