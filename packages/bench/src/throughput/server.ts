/**
 * The server side of the throughput run, in its own process so that the run's CPU figures are
 * the clients' alone: the mock broker, delay proxies in front of it, and a raw publisher for the
 * receive-cost figures. Driven over the IPC channel (see `ServerCommand`).
 */
import { fileURLToPath } from 'node:url';
import { startMockBroker } from '@weiyu/mock-broker';
import { AGENT, DEMO_THREAD, NO_HISTORY_LAG, VISITOR } from '@weiyu/mock-broker/testing';
import { encodeMessage } from '@weiyu/protocol';
import mqtt from 'mqtt';
import { type DelayProxy, startDelayProxy } from './delay-proxy.js';
import { rawWire, type ServerCommand, type ServerReady } from './shared.js';

/** One-way delays a proxy is started for (ms): 5 and 50 give 10 and 100 ms round trips. */
const DELAYS = [0, 5, 50] as const;

// Run from the bundle in packages/bench/.out: the seed is the mock broker package's default.
const seed = fileURLToPath(new URL('../../mock-broker/seed/default.json', import.meta.url));
// History at once: the run measures messages, not catch-up waiting out the real server's 5 s write lag.
const broker = await startMockBroker({ mqttPort: 0, httpPort: 0, host: '127.0.0.1', seed, ...NO_HISTORY_LAG });
const proxies = new Map<string, DelayProxy>();
for (const delay of DELAYS) {
  // The sender's and the receiver's links are separate proxies, so an outage cuts one only.
  for (const side of ['sender', 'receiver', 'http'] as const) {
    const target = side === 'http' ? broker.httpPort : broker.mqttPort;
    proxies.set(`${side}-${delay}`, await startDelayProxy(target, delay));
  }
}

const send = (message: unknown): void => {
  process.send?.(message);
};

const ready: ServerReady = {
  type: 'ready',
  mqttUrl: broker.mqttUrl,
  httpUrl: broker.httpUrl,
  proxies: Object.fromEntries([...proxies].map(([name, proxy]) => [name, proxy.port])),
  agent: broker.login(AGENT.username, AGENT.password),
  visitor: broker.login(VISITOR.username, VISITOR.password),
};
send(ready);

process.on('message', (command: ServerCommand) => {
  void run(command).then(
    (result) => send({ type: 'done', id: command.id, result }),
    (error: unknown) => send({ type: 'done', id: command.id, error: String(error) }),
  );
});

async function run(command: ServerCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'outage':
      proxies.get(command.proxy)?.outage(command.on);
      return null;
    case 'publish':
      return publishBurst(command.count, command.text);
    case 'stats':
      return { stored: broker.state.messageCount, cpu: process.cpuUsage() };
    case 'close':
      await Promise.all([...proxies.values()].map((p) => p.close()));
      await broker.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

/** A raw mqtt.js client publishes `count` messages of the visitor on the demo thread, QoS 1. */
async function publishBurst(count: number, text: string): Promise<number> {
  const login = ready.visitor;
  const client = await mqtt.connectAsync(broker.mqttUrl, {
    protocolVersion: 4,
    clientId: `${login.user.uid}/WEB/bench-publisher`,
    username: VISITOR.username,
    password: login.accessToken,
    reconnectPeriod: 0,
  });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: count }, () =>
      client.publishAsync(DEMO_THREAD.topic, Buffer.from(encodeMessage(rawWire(login.user, text))), { qos: 1 }),
    ),
  );
  await client.endAsync();
  return Date.now() - started;
}
