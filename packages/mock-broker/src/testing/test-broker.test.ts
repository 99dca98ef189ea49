import mqtt from 'mqtt';
import { describe, expect, test, vi } from 'vitest';
import { VISITOR } from './seed-users.js';
import { startTestBroker } from './test-broker.js';

const connect = (url: string, login: { clientId: string; username: string; password: string }) =>
  mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 2_000, ...login });

describe('startTestBroker', () => {
  test('starts on free ports of 127.0.0.1 and closes them at the end of the block', async () => {
    let url: string;
    {
      await using broker = await startTestBroker();
      url = broker.mqttUrl;
      expect(broker.mqttUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/websocket$/);
      expect(broker.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const { accessToken } = broker.login(VISITOR.username, VISITOR.password);
      const client = await connect(broker.mqttUrl, {
        clientId: `${VISITOR.uid}/WEB/raw`,
        username: VISITOR.username,
        password: accessToken,
      });
      await vi.waitFor(() => expect(broker.clients()).toContain(`${VISITOR.uid}/WEB/raw`));
      await client.endAsync(true);
    }
    // Closed: nothing accepts connections there any more.
    await expect(connect(url, { clientId: 'x/WEB/y', username: 'x', password: 'y' })).rejects.toBeDefined();
  });

  test('records what the broker logged and counts refused CONNECTs per username', async () => {
    // pinned to strict for good: only a hardened broker refuses a bad token at CONNECT (the real server takes any); this tests the counter
    await using broker = await startTestBroker({ mode: 'strict' });
    await expect(
      connect(broker.mqttUrl, { clientId: `${VISITOR.uid}/WEB/bad`, username: VISITOR.username, password: 'nope' }),
    ).rejects.toBeDefined();
    await vi.waitFor(() => expect(broker.connectRefusals(VISITOR.username)).toBe(1));
    expect(broker.connectRefusals('someone-else')).toBe(0);
    expect(broker.logs.find((entry) => entry.message.startsWith('CONNECT refused'))?.details).toMatchObject({
      username: VISITOR.username,
    });
  });
});
