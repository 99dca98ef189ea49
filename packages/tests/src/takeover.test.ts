/**
 * A clientId taken over (SPEC §2, issue 9): the server closes the older connection of a clientId
 * with no packet when another one connects with it, so two live clients sharing a clientId would
 * take turns kicking each other off forever. Over real sockets against the mock broker (aedes
 * closes the older connection on a duplicate clientId), the loop must stop within a few
 * attempts, and the client that stops must say why.
 */
import { startTestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import { describe, expect, test } from 'vitest';
import { createTestClient, type TestClient } from './harness/client.js';
import { settle, waitFor } from './harness/wait.js';

const SAME_DEVICE = 'one-device-for-two';
const connections = (c: TestClient): number => c.events.states().filter((s) => s === 'connected').length;
const kicked = (c: TestClient): boolean => c.client.state.status === 'kicked';

describe('two clients forced onto one clientId', () => {
  test('stop taking turns within a few attempts: one ends kicked (same-client-id) and says so, the other stays up', async () => {
    await using broker = await startTestBroker();
    await using first = await createTestClient(broker, { ...VISITOR, deviceUid: SAME_DEVICE });
    // Long enough up for the broker to see an established connection before the second comes.
    await settle(300);
    await using second = await createTestClient(broker, { ...VISITOR, deviceUid: SAME_DEVICE, connect: false });
    await second.client.connect();

    await waitFor(() => kicked(first) || kicked(second), {
      timeoutMs: 15_000,
      message: 'one of the two clients on one clientId stops (state kicked)',
    });
    const [loser, winner] = kicked(first) ? [first, second] : [second, first];
    expect(loser.client.state).toEqual({ status: 'kicked', reason: 'same-client-id' });
    const event = await loser.events.waitFor('kicked');
    expect(event.reason).toBe('same-client-id');
    // "A few attempts": the default takeoverLimit is 3 short connections in a row.
    expect(connections(loser)).toBeLessThanOrEqual(4);

    // The loop is over: the winner stays connected, nobody tries again.
    await waitFor(() => winner.client.isConnected(), { timeoutMs: 5_000, message: 'the other one connected' });
    const states = first.events.states().length + second.events.states().length;
    await settle(2_500); // longer than reconnectMaxMs (1 s) and stableAfterMs (2 s) of the test timing
    expect(first.events.states().length + second.events.states().length).toBe(states);
    expect(winner.client.isConnected()).toBe(true);
    expect(winner.events.of('kicked')).toEqual([]);
    expect(broker.connections().map((c) => c.clientId)).toEqual([`${VISITOR.uid}/WEB/${SAME_DEVICE}`]);
  });
});
