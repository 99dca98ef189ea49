/**
 * Round trips over real sockets on 127.0.0.1: the real client, both transports and the mock
 * broker. One iteration is one message, from `send()` to the state named.
 */
import { type ChatClient, type ChatThread, createChatClient } from '@weiyu/core';
import { AGENT, DEMO_THREAD, type SeedLogin, startTestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import { createHttpTransport } from '@weiyu/transport-http';
import { createMqttTransport } from '@weiyu/transport-mqtt';
import { afterAll, bench, describe } from 'vitest';

const broker = await startTestBroker();
const thread: ChatThread = DEMO_THREAD;

async function join({ username, password }: SeedLogin, realtime: boolean): Promise<ChatClient> {
  const rest = createHttpTransport({ baseUrl: broker.httpUrl });
  const { accessToken, user } = await rest.login(username, password);
  const client = createChatClient({
    user,
    realtime: createMqttTransport({ url: broker.mqttUrl }),
    rest,
    auth: { username, accessToken },
    autoDelivered: false,
  });
  if (realtime) {
    await client.connect();
    await client.subscribe([thread.topic]);
  }
  return client;
}

const agent = await join(AGENT, true);
const visitor = await join(VISITOR, true);
const restOnly = await join(AGENT, false);

const arrivals = new Map<string, () => void>();
visitor.on('message', (m) => arrivals.get(m.uid)?.());

afterAll(async () => {
  await Promise.all([agent.dispose(), visitor.dispose(), restOnly.dispose()]);
  await broker.close();
});

let n = 0;
describe('one message over real sockets', () => {
  bench('MQTT: send → SUCCESS (server echo)', async () => {
    const sent = agent.send(thread, { type: 'TEXT', text: `mqtt ${++n}` });
    const done = await sent.done;
    if (done.status !== 'SUCCESS') throw new Error(`ended ${done.status}`);
  });

  bench('MQTT: send → shown to the other side', async () => {
    const sent = agent.send(thread, { type: 'TEXT', text: `mqtt ${++n}` });
    await new Promise<void>((resolve) => arrivals.set(sent.uid, resolve));
    arrivals.delete(sent.uid);
  });

  bench('REST fallback (no realtime link): send → SUCCESS', async () => {
    const done = await restOnly.send(thread, { type: 'TEXT', text: `rest ${++n}` }).done;
    if (done.status !== 'SUCCESS') throw new Error(`ended ${done.status}`);
  });
});
