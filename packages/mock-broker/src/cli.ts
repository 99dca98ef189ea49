#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { type MockBroker, type MockBrokerOptions, startMockBroker } from './broker.js';
import type { CompatMode, MockLogger, TimeFormat } from './types.js';

const USAGE = `Usage: weiyu-mock-broker [options]

A development server that behaves like the Bytedesk (Weiyu) server:
MQTT over WebSocket at /websocket and the REST API.

Options:
  --mqtt-port <n>      MQTT-over-WebSocket port (default 9885, 0 = free port)
  --http-port <n>      REST port (default 9003, 0 = free port)
  --host <host>        interface to listen on (default 127.0.0.1)
  --compat <mode>      session (default: MQTT persistent sessions) | bytedesk (no offline queue)
  --time-format <f>    shanghai (default: yyyy-MM-dd HH:mm:ss) | epoch (older servers)
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
  const compat = values.compat ?? 'session';
  if (compat !== 'session' && compat !== 'bytedesk') fail(`--compat must be session or bytedesk, got "${compat}"`);
  const timeFormat = values['time-format'] ?? 'shanghai';
  if (timeFormat !== 'shanghai' && timeFormat !== 'epoch') fail(`--time-format must be shanghai or epoch`);
  const options: MockBrokerOptions = {
    mqttPort: port(values['mqtt-port'], '--mqtt-port', 9885),
    httpPort: port(values['http-port'], '--http-port', 9003),
    host: values.host ?? '127.0.0.1',
    compat: compat satisfies CompatMode,
    timeFormat: timeFormat satisfies TimeFormat,
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
  printBanner(broker, compat);

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
      compat: { type: 'string' },
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

function printBanner(broker: MockBroker, compat: string): void {
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
      `Weiyu mock broker (compat: ${compat})`,
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
