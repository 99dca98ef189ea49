/**
 * Connection management over real sockets: SPEC §1.3, 1.12, 1.13, authentication failures,
 * KICKOFF, two tabs of one user.
 */
import { createChatClient } from '@weiyu/core';
import { AGENT, startTestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import { createMqttTransport } from '@weiyu/transport-mqtt';
import { describe, expect, test } from 'vitest';
import { createTestClient } from './harness/client.js';
import { DEMO_THREAD_FOR_AGENT, DEMO_THREAD_FOR_VISITOR, text } from './harness/fixtures.js';
import { freePort } from './harness/ports.js';
import { settle, waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD_FOR_AGENT.topic;

describe('connection management', () => {
  test('§1.3 no token → no connection at all (anonymous visitor, state idle)', async () => {
    await using broker = await startTestBroker();
    await using anonymous = await createTestClient(broker, {
      username: VISITOR.username,
      uid: VISITOR.uid,
      accessToken: '',
      connect: false,
    });
    await anonymous.client.connect();
    expect(anonymous.client.state).toMatchObject({ status: 'idle', reason: 'anonymous' });
    // Longer than the first reconnect delays: still nothing tried.
    await settle(800);
    expect(anonymous.client.isConnected()).toBe(false);
    expect(anonymous.client.state.status).toBe('idle');
    expect(broker.connections()).toEqual([]);
    expect(broker.connectRefusals()).toBe(0);
    // The contract (api.ts, ChatClient.connect): "no-op with an empty token: the state stays
    // idle". A passing `connecting` state tells the app a connection is being made when none is.
    expect(anonymous.events.states()).not.toContain('connecting');
  });

  test('§1.12 connection management: isConnected, manual reconnect, disconnect', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, VISITOR);
    await visitor.client.subscribe([TOPIC]);
    expect(visitor.client.isConnected()).toBe(true);

    // Manual reconnect: a new connection, subscriptions kept.
    const connectedBefore = visitor.events.states().filter((s) => s === 'connected').length;
    await visitor.client.reconnect();
    await waitFor(() => visitor.events.states().filter((s) => s === 'connected').length > connectedBefore, {
      message: 'a second connected state after reconnect()',
    });
    expect(visitor.client.isConnected()).toBe(true);
    const afterReconnect = agent.client.send(DEMO_THREAD_FOR_AGENT, text('after manual reconnect'));
    await visitor.events.waitFor('message', (m) => m.uid === afterReconnect.uid);

    // Disconnect: closed, gone from the broker, and it stays away.
    await visitor.client.disconnect();
    expect(visitor.client.isConnected()).toBe(false);
    expect(visitor.client.state.status).toBe('closed');
    await waitFor(() => broker.connections().every((c) => c.userUid !== VISITOR.uid), {
      message: 'the visitor gone from the broker',
    });
    await settle(1_200); // > reconnectMaxMs: no reconnect may happen
    expect(broker.connections().filter((c) => c.userUid === VISITOR.uid)).toEqual([]);
    expect(visitor.client.state.status).toBe('closed');

    // And it can be started again by hand.
    await visitor.client.connect();
    await waitFor(() => visitor.client.isConnected(), { message: 'connected again after connect()' });
  });

  test('§1.13 error classification: a refused port is connection_refused, a bad token is an auth failure', async () => {
    const port = await freePort(); // nothing listens here
    await using refused = await createTestClient(
      { mqttUrl: `ws://127.0.0.1:${port}/websocket` },
      { username: VISITOR.username, uid: VISITOR.uid, accessToken: 'any', rest: false, connect: false },
    );
    await refused.client.connect();
    const reconnecting = await refused.events.waitFor('connection', (s) => s.status === 'reconnecting', {
      timeoutMs: 8_000,
    });
    expect(reconnecting.status === 'reconnecting' ? reconnecting.error?.code : undefined).toBe('connection_refused');

    // pinned to strict for good: only a hardened broker refuses a bad token at CONNECT (the real server takes any); this tests the SDK facing one
    await using broker = await startTestBroker({ mode: 'strict' });
    await using badToken = await createTestClient(broker, {
      username: VISITOR.username,
      uid: VISITOR.uid,
      accessToken: 'not-a-valid-token',
      rest: false,
      connect: false,
    });
    await badToken.client.connect();
    const failed = await badToken.events.waitFor('connection', (s) => s.status === 'auth-failed', { timeoutMs: 8_000 });
    expect(failed.status === 'auth-failed' ? failed.error.code : undefined).toMatch(
      /^(bad_credentials|not_authorized|unauthenticated)$/,
    );
  });

  test('§1.13 error classification: a wrong WebSocket path is host_not_found with a readable message', async () => {
    await using broker = await startTestBroker();
    const wrongPath = broker.mqttUrl.replace('/websocket', '/mqtt');
    await using lost = await createTestClient(
      { mqttUrl: wrongPath },
      {
        username: VISITOR.username,
        uid: VISITOR.uid,
        accessToken: broker.issueToken(VISITOR.uid),
        rest: false,
        connect: false,
      },
    );
    await lost.client.connect();
    const reconnecting = await lost.events.waitFor('connection', (s) => s.status === 'reconnecting', {
      timeoutMs: 8_000,
    });
    const error = reconnecting.status === 'reconnecting' ? reconnecting.error : undefined;
    expect(error?.code).toBe('host_not_found');
    expect(error?.message).toContain('/mqtt');
  });

  test('bad token → auth-failed, and the client does not storm the server', async () => {
    // pinned to strict for good: only a hardened broker refuses a bad token at CONNECT (the real server takes any); this tests the SDK facing one
    await using broker = await startTestBroker({ mode: 'strict' });
    await using bad = await createTestClient(broker, {
      username: VISITOR.username,
      uid: VISITOR.uid,
      accessToken: 'forged.token.value',
      rest: false,
      connect: false,
      timing: { reconnectBaseMs: 100, reconnectMaxMs: 200 },
    });
    await bad.client.connect();
    await bad.events.waitFor('connection', (s) => s.status === 'auth-failed', { timeoutMs: 8_000 });
    // With 100–200 ms backoff a storming client would try ~15 times in 2 s.
    await settle(2_000);
    expect(bad.client.state.status).toBe('auth-failed');
    expect(broker.connectRefusals(VISITOR.username)).toBeLessThanOrEqual(2);
    expect(bad.events.states().filter((s) => s === 'connecting').length).toBeLessThanOrEqual(2);
    expect(broker.connections()).toEqual([]);
  });

  test('a token provider is asked again after an auth failure, and the fresh token connects', async () => {
    // pinned to strict for good: only a hardened broker refuses a bad token at CONNECT (the real server takes any); this tests the SDK facing one
    await using broker = await startTestBroker({ mode: 'strict' });
    const asked: boolean[] = [];
    const good = broker.issueToken(VISITOR.uid);
    const client = createChatClient({
      user: { uid: VISITOR.uid },
      realtime: createMqttTransport({ url: broker.mqttUrl, connectTimeoutMs: 3_000 }),
      auth: {
        username: VISITOR.username,
        getToken: ({ refresh }: { readonly refresh: boolean }) => {
          asked.push(refresh);
          return refresh ? good : 'expired-token';
        },
      },
      timing: { reconnectBaseMs: 100, reconnectMaxMs: 300, connectTimeoutMs: 3_000 },
    });
    try {
      await client.connect();
      await waitFor(() => client.isConnected(), { timeoutMs: 8_000, message: 'connected with the refreshed token' });
      expect(asked).toEqual([false, true]);
      expect(broker.connectRefusals(VISITOR.username)).toBe(1);
    } finally {
      await client.dispose();
    }
  });

  test('KICKOFF stops reconnecting: state kicked, the app is told, no new connection attempts', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, VISITOR);
    await broker.kick(VISITOR.uid, 'logged in elsewhere', { disconnect: true });
    const kicked = await visitor.events.waitFor('kicked');
    expect(kicked.reason).toContain('logged in elsewhere');
    await waitFor(() => visitor.client.state.status === 'kicked', { message: 'state kicked' });
    const connectingBefore = visitor.events.states().filter((s) => s === 'connecting').length;
    await settle(1_500); // > reconnectMaxMs
    expect(visitor.client.state.status).toBe('kicked');
    expect(visitor.events.states().filter((s) => s === 'connecting').length).toBe(connectingBefore);
    expect(broker.connections().filter((c) => c.userUid === VISITOR.uid)).toEqual([]);

    // reconnect() is the way back (the user logs in again).
    await visitor.client.reconnect();
    await waitFor(() => visitor.client.isConnected(), { message: 'connected after a manual reconnect' });
  });

  test('two tabs of one user (different deviceUid) do not kick each other, and both receive', async () => {
    await using broker = await startTestBroker();
    await using tab1 = await createTestClient(broker, { ...VISITOR, deviceUid: 'tab-1' });
    await using tab2 = await createTestClient(broker, { ...VISITOR, deviceUid: 'tab-2' });
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await tab1.client.subscribe([TOPIC]);
    await tab2.client.subscribe([TOPIC]);
    const sent = agent.client.send(DEMO_THREAD_FOR_AGENT, text('to every tab'));
    await tab1.events.waitFor('message', (m) => m.uid === sent.uid);
    await tab2.events.waitFor('message', (m) => m.uid === sent.uid);
    await settle(1_000);
    expect(tab1.client.isConnected()).toBe(true);
    expect(tab2.client.isConnected()).toBe(true);
    for (const tab of [tab1, tab2]) {
      expect(tab.events.states().filter((s) => s === 'connected')).toHaveLength(1);
      expect(tab.events.states()).not.toContain('reconnecting');
    }
    expect(
      broker
        .connections()
        .filter((c) => c.userUid === VISITOR.uid)
        .map((c) => c.clientId)
        .sort(),
    ).toEqual([`${VISITOR.uid}/WEB/tab-1`, `${VISITOR.uid}/WEB/tab-2`]);

    // What one tab sends, the other sees as its own (mine, from another device).
    const fromTab1 = tab1.client.send(DEMO_THREAD_FOR_VISITOR, text('sent from tab 1'));
    const seen = await tab2.events.waitFor('message', (m) => m.uid === fromTab1.uid);
    expect(seen.mine).toBe(true);
  });

  test('§1.3 an anonymous visitor does not connect but can still send over the visitor REST endpoint', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using anonymous = await createTestClient(broker, {
      username: VISITOR.username,
      uid: VISITOR.uid,
      accessToken: '',
      connect: false,
      client: { visitor: true },
    });
    await anonymous.client.connect();
    expect(anonymous.client.isConnected()).toBe(false);
    const sent = anonymous.client.send(DEMO_THREAD_FOR_VISITOR, text('hello from an anonymous visitor'));
    expect((await sent.done).status).toBe('SUCCESS');
    await agent.events.waitFor('message', (m) => m.uid === sent.uid);
    expect(broker.connections().filter((c) => c.userUid === VISITOR.uid)).toEqual([]);
  });

  test('KICKOFF alone (the server does not close the socket) also stops the client', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, VISITOR);
    await broker.kick(VISITOR.uid, 'session revoked', { disconnect: false });
    await visitor.events.waitFor('kicked');
    await waitFor(() => visitor.client.state.status === 'kicked', { message: 'state kicked' });
    await waitFor(() => broker.connections().every((c) => c.userUid !== VISITOR.uid), {
      message: 'the client closed its own connection',
    });
    await settle(1_200);
    expect(visitor.client.state.status).toBe('kicked');
    expect(broker.connections().filter((c) => c.userUid === VISITOR.uid)).toEqual([]);
  });

  test('two clients of one user with default device ids get distinct clientIds and stay connected', async () => {
    await using broker = await startTestBroker();
    await using first = await createTestClient(broker, VISITOR);
    await using second = await createTestClient(broker, VISITOR);
    expect(first.realtime.deviceUid).not.toBe(second.realtime.deviceUid);
    await settle(1_000);
    expect(first.client.isConnected() && second.client.isConnected()).toBe(true);
    expect(first.events.states()).not.toContain('reconnecting');
    expect(second.events.states()).not.toContain('reconnecting');
  });

  test('the client reconnects by itself after the connection drops', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, VISITOR);
    await visitor.client.subscribe([TOPIC]);
    expect(broker.faults.drop({ userUid: VISITOR.uid })).toBe(1);
    await visitor.events.waitFor('connection', (s) => s.status === 'reconnecting', { timeoutMs: 8_000 });
    await waitFor(() => visitor.client.isConnected(), { timeoutMs: 8_000, message: 'visitor reconnected' });
    const sent = agent.client.send(DEMO_THREAD_FOR_AGENT, text('after the drop'));
    await visitor.events.waitFor('message', (m) => m.uid === sent.uid);
  });
});
