import { type MockBroker, type MockBrokerOptions, startMockBroker } from '../broker.js';

/** Options of {@link startTestBroker}: those of `startMockBroker`, ports always free, logger recorded. */
export type TestBrokerOptions = Omit<MockBrokerOptions, 'mqttPort' | 'httpPort' | 'host' | 'logger'>;

/**
 * History written at once (the real server writes it ~5 s late). Tests pin to it, each with a
 * comment, until the SDK's catch-up runs again once the write lag has passed.
 */
export const NO_HISTORY_LAG = {
  /** History at once. */
  historyLagMs: 0,
} as const satisfies TestBrokerOptions;

/**
 * History as the mock broker kept it before it followed the real server: written at once and
 * listed newest created first (the real server lists by `updatedAt`, so a receipt moves an old
 * message first, and writes ~5 s late). Tests pin to it, each with a comment, until the SDK's
 * catch-up handles both.
 */
export const LEGACY_HISTORY = {
  ...NO_HISTORY_LAG,
  /** Oldest first by creation. */
  historyOrder: 'createdAt',
} as const satisfies TestBrokerOptions;

/** One line the mock broker logged. */
export interface BrokerLogEntry {
  /** How serious. */
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  /** What the broker said. */
  readonly message: string;
  /** The facts it logged with it, if any. */
  readonly details: Readonly<Record<string, unknown>> | undefined;
}

/** A mock broker for one test: it closes itself at the end of the `await using` block. */
export interface TestBroker extends MockBroker, AsyncDisposable {
  /** Everything the broker logged (refused CONNECTs, drops, oversize packets…). */
  readonly logs: readonly BrokerLogEntry[];
  /** How many CONNECTs the broker refused (bad or missing token), optionally for one username. */
  connectRefusals(username?: string): number;
}

/**
 * Starts the mock broker on free ports (MQTT over WebSocket and REST, both on 127.0.0.1).
 * Use as `await using broker = await startTestBroker()`: it is closed whatever the test does.
 */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const logs: BrokerLogEntry[] = [];
  const record =
    (level: BrokerLogEntry['level']) =>
    (message: string, details?: Record<string, unknown>): void => {
      logs.push({ level, message, details });
    };
  const broker = await startMockBroker({
    ...options,
    mqttPort: 0,
    httpPort: 0,
    host: '127.0.0.1',
    logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await broker.close();
  };
  const connectRefusals = (username?: string): number =>
    logs.filter(
      (l) => l.message.startsWith('CONNECT refused') && (username === undefined || l.details?.username === username),
    ).length;
  return Object.assign(broker, { logs, connectRefusals, [Symbol.asyncDispose]: close });
}
