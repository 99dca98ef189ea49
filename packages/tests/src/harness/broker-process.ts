/**
 * The mock broker in a child process: what it keeps (history, sessions) is not in the test's
 * heap, so a test can bound the heap of the client it runs. Started on free ports of
 * 127.0.0.1, from the TypeScript sources (`broker-child.mjs`); always stopped:
 * `await using broker = await startBrokerProcess({ compat: 'bytedesk' })`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MockBrokerOptions } from '@weiyu/mock-broker';

/** Options of the broker in the child (those that travel as JSON). */
export type BrokerProcessOptions = Pick<MockBrokerOptions, 'compat' | 'timeFormat' | 'maxPacketBytes'>;

/** A mock broker running in a child process. */
export interface BrokerProcess extends AsyncDisposable {
  readonly mqttUrl: string;
  readonly httpUrl: string;
  /** What the child wrote to stderr, for failure messages. */
  stderr(): string;
  /** Stops the child; safe to call twice. */
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./broker-child.mjs', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** Starts the mock broker in a child process and resolves once it listens. */
export async function startBrokerProcess(
  options: BrokerProcessOptions = {},
  startTimeoutMs = 20_000,
): Promise<BrokerProcess> {
  const child = spawn(process.execPath, [CHILD, PACKAGE_DIR, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  try {
    const urls = await firstLine(child.stdout, exited, startTimeoutMs);
    const { mqttUrl, httpUrl } = JSON.parse(urls) as { mqttUrl: string; httpUrl: string };
    return { mqttUrl, httpUrl, stderr: () => stderr, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await close();
    throw new Error(`the mock broker process did not start: ${String(error)}\n${stderr}`);
  }
}

function firstLine(stream: NodeJS.ReadableStream, exited: Promise<void>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n');
      if (end < 0) return;
      clearTimeout(timer);
      resolve(text.slice(0, end));
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error('exited before it listened'));
    });
  });
}
