#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { type MockBroker, type MockBrokerOptions, startMockBroker } from './broker.js';
import type { CompatMode, MockLogger, MockMode, TimeFormat } from './types.js';

const USAGE = `Usage: weiyu-mock-broker [options]

A development server that behaves like the Bytedesk (Weiyu) server:
MQTT over WebSocket at /websocket and the REST API. The defaults are the real
server as it is: open to everyone (no auth at CONNECT, no access rules, anyone
may post into any thread), topics matched as substrings, history sorted by
updatedAt and written about 5 s late, no MQTT sessions.

Options:
  --mqtt-port <n>        MQTT-over-WebSocket port (default 9885, 0 = free port)
  --http-port <n>        REST port (default 9003, 0 = free port)
  --host <host>          interface to listen on (default 127.0.0.1)
  --mode <m>             bytedesk (default: the real server, no authentication or
                         access rules) | strict (a hardened deployment: token auth
                         at CONNECT, access rules, sender = token user, exact topics)
  --compat <c>           bytedesk (default: no sessions, like the real server) |
                         session (aedes persistent sessions: clean:false clients get
                         what was published while they were away)
  --history-lag-ms <n>   how late a message shows in REST history (default 5000)
  --history-order <o>    updatedAt (default, the real server) | createdAt
  --recall <r>           delete (default, the real server) | mark (status RECALL)
  --echo-timing <t>      after-puback (default) | before-puback (synchronous builds)
  --time-format <f>      shanghai (default: yyyy-MM-dd HH:mm:ss) | epoch (older servers)
  --seed <file>        seed JSON (default: the package's seed/default.json)
  --token-secret <s>   secret that signs tokens (default: random per run)
  --verbose            log every routed message
  --quiet              log nothing but errors
  -h, --help           show this help
`;

function fail(message: string): never {
  process.stderr.write(`weiyu-mock-broker: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`${name} must be a port number, got "${value}"`);
  return n;
}

/** The value of a flag that takes one of `allowed`; the first one when absent. */
function oneOf<T extends string>(value: string | undefined, name: string, allowed: readonly T[]): T {
  const chosen = value ?? allowed[0];
  const found = allowed.find((a) => a === chosen);
  if (found === undefined) fail(`${name} must be ${allowed.join(' or ')}, got "${value ?? ''}"`);
  return found;
}

function milliseconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`${name} must be a whole number of milliseconds ≥ 0, got "${value}"`);
  return n;
}

function consoleLogger(level: 'quiet' | 'normal' | 'verbose'): MockLogger {
  const line = (write: (text: string) => void, tag: string) => (message: string, details?: Record<string, unknown>) =>
    write(`[${tag}] ${message}${details ? ` ${JSON.stringify(details)}` : ''}\n`);
  const out = (text: string) => process.stdout.write(text);
  const err = (text: string) => process.stderr.write(text);
  return {
    error: line(err, 'error'),
    ...(level === 'quiet' ? {} : { warn: line(err, 'warn'), info: line(out, 'info') }),
    ...(level === 'verbose' ? { debug: line(out, 'debug') } : {}),
  };
}

async function main(): Promise<void> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse().values;
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const mode = oneOf<MockMode>(values.mode, '--mode', ['bytedesk', 'strict']);
  const compat = oneOf<CompatMode>(values.compat, '--compat', ['bytedesk', 'session']);
  const options: MockBrokerOptions = {
    mqttPort: port(values['mqtt-port'], '--mqtt-port', 9885),
    httpPort: port(values['http-port'], '--http-port', 9003),
    host: values.host ?? '127.0.0.1',
    mode,
    compat,
    historyLagMs: milliseconds(values['history-lag-ms'], '--history-lag-ms', 5000),
    historyOrder: oneOf(values['history-order'], '--history-order', ['updatedAt', 'createdAt'] as const),
    recall: oneOf(values.recall, '--recall', ['delete', 'mark'] as const),
    echoTiming: oneOf(values['echo-timing'], '--echo-timing', ['after-puback', 'before-puback'] as const),
    timeFormat: oneOf<TimeFormat>(values['time-format'], '--time-format', ['shanghai', 'epoch']),
    logger: consoleLogger(values.quiet ? 'quiet' : values.verbose ? 'verbose' : 'normal'),
  };
  if (values.seed !== undefined) options.seed = values.seed;
  if (values['token-secret'] !== undefined) options.tokenSecret = values['token-secret'];

  let broker: MockBroker;
  try {
    broker = await startMockBroker(options);
  } catch (error) {
    process.stderr.write(`weiyu-mock-broker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  printBanner(broker, mode, compat);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping…\n`);
    broker.close().then(
      () => {
        process.stdout.write('stopped\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`weiyu-mock-broker: close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function parse() {
  return parseArgs({
    options: {
      'mqtt-port': { type: 'string' },
      'http-port': { type: 'string' },
      host: { type: 'string' },
      mode: { type: 'string' },
      compat: { type: 'string' },
      'history-lag-ms': { type: 'string' },
      'history-order': { type: 'string' },
      recall: { type: 'string' },
      'echo-timing': { type: 'string' },
      'time-format': { type: 'string' },
      seed: { type: 'string' },
      'token-secret': { type: 'string' },
      verbose: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}

function printBanner(broker: MockBroker, mode: MockMode, compat: CompatMode): void {
  const logins = broker
    .users()
    .map((u) => `    ${u.username} / ${u.password}  (${u.uid}, ${u.type})`)
    .join('\n');
  const threads = broker
    .threads()
    .map((t) => `    ${t.topic}  (${t.type}: ${t.participants.join(', ')})`)
    .join('\n');
  process.stdout.write(
    [
      `Weiyu mock broker (mode: ${mode}, compat: ${compat})`,
      mode === 'bytedesk'
        ? '  Like the real server: no authentication at CONNECT, anyone may post into any thread.'
        : '  Strict: token auth at CONNECT, access rules (not what the real server does).',
      `  MQTT   ${broker.mqttUrl}`,
      `  REST   ${broker.httpUrl}`,
      `  Admin  ${broker.httpUrl}/__admin/state`,
      '  Logins (POST /auth/v1/login):',
      logins,
      '  Threads:',
      threads,
      'Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

void main();
