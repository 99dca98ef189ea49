/**
 * The mock-broker harness itself, checked with a bare mqtt.js client: free ports, closing,
 * the CONNECT-refusal counter the auth tests rely on.
 */
import { describe, expect, test } from 'vitest';
import { startBroker } from './harness/broker.js';
import { VISITOR } from './harness/fixtures.js';
import { freePort } from './harness/ports.js';
import { connectRaw } from './harness/raw-mqtt.js';
import { waitFor } from './harness/wait.js';

describe('mock broker harness', () => {
  test('starts on free ports of 127.0.0.1 and closes them', async () => {
    let url: string;
    {
      await using broker = await startBroker();
      url = broker.mqttUrl;
      expect(broker.mqttUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/websocket$/);
      expect(broker.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const { accessToken } = broker.login(VISITOR.username, VISITOR.password);
      await using raw = await connectRaw(broker.mqttUrl, {
        clientId: `${VISITOR.uid}/WEB/raw`,
        username: VISITOR.username,
        password: accessToken,
      });
      expect(raw.client.connected).toBe(true);
      await waitFor(() => broker.clients().includes(`${VISITOR.uid}/WEB/raw`), { message: 'client listed' });
    }
    // Closed: nothing accepts connections there any more.
    await expect(
      connectRaw(url, { clientId: 'x/WEB/y', username: 'x', password: 'y', connectTimeout: 1_000 }),
    ).rejects.toBeDefined();
    expect(await freePort()).toBeGreaterThan(0);
  });

  test('counts refused CONNECTs per username', async () => {
    await using broker = await startBroker();
    await expect(
      connectRaw(broker.mqttUrl, { clientId: `${VISITOR.uid}/WEB/bad`, username: VISITOR.username, password: 'nope' }),
    ).rejects.toBeDefined();
    await waitFor(() => broker.connectRefusals(VISITOR.username) === 1, { message: 'one refusal logged' });
    expect(broker.connectRefusals('someone-else')).toBe(0);
  });
});
