#!/usr/bin/env node
// `pnpm start`: starts the mock broker (from @weiyu/mock-broker's build) and serves the built
// playground with a /config.json that points the page at it. Ctrl-C stops both.
//
// Environment: MQTT_PORT (default 9885), HTTP_PORT (9003), PORT (playground, 5173),
// HOST (127.0.0.1), COMPAT (bytedesk, the real server's default: no sessions | session).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaticServer } from './static-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const distDir = join(here, '..', 'dist');

const LOGINS = {
  agent: { username: 'agent', password: 'agent123' },
  visitor: { username: 'visitor', password: 'visitor123' },
};

function port(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name}=${raw} is not a port number`);
    process.exit(2);
  }
  return value;
}

async function main() {
  if (!existsSync(join(distDir, 'index.html'))) {
    console.error(`The playground is not built (${distDir} has no index.html). Run: npx pnpm@12.4.2 start`);
    process.exit(1);
  }
  const host = process.env.HOST || '127.0.0.1';
  let mockBroker;
  try {
    mockBroker = await import('@weiyu/mock-broker');
  } catch (error) {
    console.error('Cannot load @weiyu/mock-broker (is it built? run `npx pnpm@12.4.2 build`):', error);
    process.exit(1);
  }
  const compat = process.env.COMPAT === 'session' ? 'session' : 'bytedesk';
  let broker;
  try {
    broker = await mockBroker.startMockBroker({
      mqttPort: port('MQTT_PORT', 9885),
      httpPort: port('HTTP_PORT', 9003),
      compat,
    });
  } catch (error) {
    const busy = error && typeof error === 'object' && 'code' in error && error.code === 'EADDRINUSE';
    console.error(
      busy
        ? `A broker port is busy (${String(error.message ?? error)}). Stop what uses it, or set MQTT_PORT / HTTP_PORT.`
        : `The mock broker failed to start: ${String(error?.stack ?? error)}`,
    );
    process.exit(1);
  }

  let site;
  try {
    site = await startStaticServer({
      root: distDir,
      port: port('PORT', 5173),
      host,
      config: { mqttUrl: broker.mqttUrl, httpUrl: broker.httpUrl, ...LOGINS },
    });
  } catch (error) {
    await broker.close();
    console.error(
      `The playground server failed to start: ${String(error?.message ?? error)} (set PORT to another port)`,
    );
    process.exit(1);
  }

  console.log('');
  console.log(`Mock broker: MQTT ${broker.mqttUrl}  REST ${broker.httpUrl} (${compat} mode)`);
  console.log(`Logins:      agent / ${LOGINS.agent.password}   visitor / ${LOGINS.visitor.password}`);
  console.log(`Playground: ${site.url}`);
  console.log('Press Ctrl-C to stop.');

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) {
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    const force = setTimeout(() => process.exit(0), 5_000);
    force.unref();
    await Promise.allSettled([site.close(), broker.close()]);
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

await main();
