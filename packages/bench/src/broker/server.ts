/**
 * The broker side of the broker run, in its own process so that its CPU time is the broker's
 * alone: the mock broker, or bare aedes (transport-mqtt's test server: aedes behind a plain
 * WebSocket server, MQTT's own matching). Which one is `process.argv[2]` (`mock` or `aedes`).
 * Answers `cpu` (process.cpuUsage()) and `close` over the IPC channel.
 */
import { fileURLToPath } from 'node:url';
import { startMockBroker } from '@weiyu/mock-broker';
import { AGENT, NO_HISTORY_LAG, VISITOR } from '@weiyu/mock-broker/testing';
import { startAedesServer } from '../../../transport-mqtt/src/testing/aedes-server.js';
import type { BrokerCommand, BrokerReady } from './shared.js';

const kind = process.argv[2] === 'aedes' ? 'aedes' : 'mock';
// Run from the bundle in packages/bench/.out/broker: the seed is the mock broker package's default.
const seed = fileURLToPath(new URL('../../../mock-broker/seed/default.json', import.meta.url));

async function start(): Promise<{ ready: BrokerReady; close: () => Promise<void> }> {
  if (kind === 'aedes') {
    const aedes = await startAedesServer();
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
