/**
 * The Mosquitto harness itself, checked with a bare mqtt.js client: if these fail, the
 * SDK's Mosquitto tests say nothing.
 */
import { describe, expect, test } from 'vitest';
import { startMosquitto } from './harness/mosquitto.js';
import { connectRaw } from './harness/raw-mqtt.js';
import { waitFor } from './harness/wait.js';

describe('mosquitto harness', () => {
  test('starts on a free port, accepts the right password at /websocket, refuses a wrong one', async () => {
    await using broker = await startMosquitto({ users: { alice: 'token-a' } });
    expect(broker.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/websocket$/);
    {
      await using ok = await connectRaw(broker.url, {
        clientId: 'alice/WEB/d1',
        username: 'alice',
        password: 'token-a',
      });
      expect(ok.client.connected).toBe(true);
    }
    await expect(
      connectRaw(broker.url, { clientId: 'alice/WEB/d2', username: 'alice', password: 'wrong' }),
    ).rejects.toMatchObject({ code: 5 });
  });

  test('keeps a persistent session across a restart (clean:false, QoS 1)', async () => {
    await using broker = await startMosquitto({ users: { alice: 'a', bob: 'b' } });
    const topic = 'org/agent/alice/bob';
    {
      await using sub = await connectRaw(broker.url, {
        clientId: 'bob/WEB/fixed',
        username: 'bob',
        password: 'b',
        clean: false,
      });
      await sub.client.subscribeAsync(topic, { qos: 1 });
    }
    {
      await using pub = await connectRaw(broker.url, { clientId: 'alice/WEB/p', username: 'alice', password: 'a' });
      await pub.client.publishAsync(topic, Buffer.from('while away'), { qos: 1 });
    }
    await broker.restart();
    await using back = await connectRaw(broker.url, {
      clientId: 'bob/WEB/fixed',
      username: 'bob',
      password: 'b',
      clean: false,
    });
    expect(back.sessionPresent).toBe(true);
    const got = await waitFor(() => back.received.find((m) => m.topic === topic), {
      message: 'the queued message after restart',
    });
    expect(Buffer.from(got.payload).toString()).toBe('while away');
  });
});
