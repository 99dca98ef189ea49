/**
 * The broker side of the broker run, in its own process so that its CPU time is the broker's
 * alone. Which broker is `process.argv[2]`:
 *
 * - `aedes`: bare aedes, the transports' test server (`packages/transport-contract`: aedes behind
 *   a plain `ws` stream, MQTT's own matching): every piece of a packet aedes writes goes as a
 *   WebSocket frame of its own;
 * - `aedes-frames`: the same with one frame per tick (transport-mqtt's `coalesceWrites`), as the
 *   mock broker writes: the like-for-like reference for the mock broker's own work;
 * - `mock`: the mock broker.
 *
 * Answers `cpu` (process.cpuUsage()) and `close` over the IPC channel.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startMockBroker } from '@weiyu/mock-broker';
import { AGENT, NO_HISTORY_LAG, VISITOR } from '@weiyu/mock-broker/testing';
import { Aedes } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { startAedesServer } from '../../../transport-contract/src/aedes-server.js';
import { coalesceWrites } from '../../../transport-mqtt/src/coalesce-writes.js';
import { BROKER_KINDS, type BrokerCommand, type BrokerKind, type BrokerReady } from './shared.js';

const kind: BrokerKind = BROKER_KINDS.find((k) => k === process.argv[2]) ?? 'mock';

/** aedes behind a `ws` stream that writes what one tick wrote as one frame. */
async function startFramedAedes(): Promise<{ url: string; close: () => Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, path: '/websocket' });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    coalesceWrites(stream);
    stream.on('error', () => {});
    broker.handle(stream, req);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/websocket`,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
// Run from the bundle in packages/bench/.out/broker: the seed is the mock broker package's default.
const seed = fileURLToPath(new URL('../../../mock-broker/seed/default.json', import.meta.url));

async function start(): Promise<{ ready: BrokerReady; close: () => Promise<void> }> {
  if (kind !== 'mock') {
    const aedes = kind === 'aedes' ? await startAedesServer() : await startFramedAedes();
    const login = (uid: string) => ({ clientIdUser: uid, username: uid, password: 'any' });
    return {
      ready: { type: 'ready', kind, url: aedes.url, sender: login(VISITOR.uid), receiver: login(AGENT.uid) },
      close: () => aedes.close(),
    };
  }
  // History at once, as the throughput run: a burst measures routing, not the write lag.
  const broker = await startMockBroker({ mqttPort: 0, httpPort: 0, host: '127.0.0.1', seed, ...NO_HISTORY_LAG });
  const login = (username: string) => {
    const { accessToken, user } = broker.login(username);
    return { clientIdUser: user.uid, username, password: accessToken };
  };
  return {
    ready: {
      type: 'ready',
      kind,
      url: broker.mqttUrl,
      sender: login(VISITOR.username),
      receiver: login(AGENT.username),
    },
    close: () => broker.close(),
  };
}

const { ready, close } = await start();
process.send?.(ready);
process.on('message', (command: BrokerCommand) => {
  if (command.cmd === 'cpu') process.send?.({ type: 'done', id: command.id, result: process.cpuUsage() });
  else
    void close().then(() => {
      process.send?.({ type: 'done', id: command.id, result: null });
      setImmediate(() => process.exit(0));
    });
});
