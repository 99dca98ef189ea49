/**
 * dispose() in any phase leaves nothing of ours running (issue 10, acceptance): after it,
 * `process.getActiveResourcesInfo()` shows no more sockets, timers or requests than before the
 * client was created (once what earlier tests left closing was gone). Servers are started first (in the baseline) and closed after the check.
 * Where a message was pending, `done` settled FAILED (`closed`) and the message is delivered by
 * the next client on the same store.
 */
import { createMemoryStore, type KeyValueStore } from '@weiyu/core';
import { DEMO_THREAD, startTestBroker, type TestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import { describe, expect, test } from 'vitest';
import { type ClientTarget, createTestClient, type TestClient, type TestClientOptions } from './harness/client.js';
import { DEMO_THREAD_FOR_VISITOR, text } from './harness/fixtures.js';
import { excessAfter, settledResources } from './harness/resources.js';
import { startSilentServer } from './harness/silent-server.js';
import { waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD.topic;
/**
 * How long sockets may take to close on both ends after dispose. Under the harness's 3 s REST
 * and connect deadlines, so a timer left running cannot expire within it and pass unseen.
 */
const SETTLE_MS = 2_500;

/** The visitor, signed in with a token the broker issued (no login call: no kept-alive socket before the baseline). */
function visitor(broker: TestBroker, options: Partial<TestClientOptions> = {}): TestClientOptions {
  return { username: VISITOR.username, uid: VISITOR.uid, accessToken: broker.issueToken(VISITOR.uid), ...options };
}

/**
 * Creates a client, brings it to a phase with `reach`, disposes it there and checks that every
 * resource it added is gone. Returns the disposed client, for checks of what it left in the outbox.
 */
async function disposeIn(
  target: ClientTarget,
  options: TestClientOptions,
  reach: (client: TestClient) => Promise<void>,
): Promise<TestClient> {
  const baseline = await settledResources();
  const client = await createTestClient(target, options);
  await reach(client);
  await client.dispose();
  expect(await excessAfter(baseline, SETTLE_MS), 'resources left after dispose').toEqual({});
  return client;
}

/** A new client on the same store sends what the disposed one left: it reaches the server once. */
async function deliveredByNextClient(broker: TestBroker, store: KeyValueStore, uid: string): Promise<void> {
  await using next = await createTestClient(broker, visitor(broker, { store, topics: [TOPIC] }));
  await waitFor(() => next.client.pending().length === 0, { timeoutMs: 10_000, message: 'the outbox drained' });
  expect(broker.history(TOPIC).filter((m) => m.uid === uid)).toHaveLength(1);
}

describe('dispose() leaves nothing running', () => {
  test('while connecting (the server takes the socket and never answers the upgrade)', async () => {
    await using silent = await startSilentServer();
    await disposeIn({ mqttUrl: silent.wsUrl }, { username: 'v', accessToken: 'token', connect: false }, async (c) => {
      void c.client.connect();
      await waitFor(() => silent.open() > 0 && c.client.state.status === 'connecting', { message: 'connecting' });
    });
    expect(silent.heard[0]).toContain('Upgrade: websocket');
  });

  test('while connected and idle', async () => {
    await using broker = await startTestBroker();
    await disposeIn(broker, visitor(broker, { rest: false, topics: [TOPIC] }), async (c) => {
      expect(c.client.isConnected()).toBe(true);
    });
  });

  test('while a message waits for its echo over MQTT: done FAILED closed, delivered by the next client', async () => {
    await using broker = await startTestBroker();
    const store = createMemoryStore();
    let done: Promise<{ status: string; error?: { code: string } | undefined }> | undefined;
    let uid = '';
    await disposeIn(broker, visitor(broker, { rest: false, topics: [TOPIC], store }), async (c) => {
      broker.faults.holdEchoes(true);
      const sent = c.client.send(DEMO_THREAD_FOR_VISITOR, text('held echo'));
      ({ done, uid } = sent);
      await waitFor(() => broker.history(TOPIC).some((m) => m.uid === uid), { message: 'the broker took it' });
      expect(c.client.pending().map((m) => m.status)).toEqual(['SENDING']);
    });
    const settled = await done;
    expect([settled?.status, settled?.error?.code]).toEqual(['FAILED', 'closed']);
    broker.faults.reset();
    expect((await store.keys('')).length).toBe(1);
    await deliveredByNextClient(broker, store, uid);
  });

  test('while posting over REST to a server that never answers: done FAILED closed, delivered by the next client', async () => {
    await using broker = await startTestBroker();
    await using silent = await startSilentServer();
    const store = createMemoryStore();
    let done: Promise<{ status: string; error?: { code: string } | undefined }> | undefined;
    let uid = '';
    // Never connected: the first attempt goes over REST, to the silent server.
    const target = { mqttUrl: broker.mqttUrl, httpUrl: silent.httpUrl };
    await disposeIn(target, visitor(broker, { connect: false, store }), async (c) => {
      ({ done, uid } = c.client.send(DEMO_THREAD_FOR_VISITOR, text('over rest')));
      await waitFor(() => silent.heard.some((h) => h.startsWith('POST /api/v1/message/rest/send')), {
        message: 'the REST send reached the server',
      });
    });
    expect(silent.open()).toBe(0);
    const settled = await done;
    expect([settled?.status, settled?.error?.code]).toEqual(['FAILED', 'closed']);
    await deliveredByNextClient(broker, store, uid);
  });

  test('while catching up from a history server that never answers', async () => {
    await using broker = await startTestBroker();
    await using silent = await startSilentServer();
    const target = { mqttUrl: broker.mqttUrl, httpUrl: silent.httpUrl };
    await disposeIn(target, visitor(broker, { topics: [TOPIC] }), async () => {
      await waitFor(() => silent.heard.some((h) => h.startsWith('GET /api/v1/message/query/topic')), {
        message: 'the history read reached the server',
      });
    });
    expect(silent.open()).toBe(0);
  });

  test('while reconnecting (waiting out the backoff after an outage)', async () => {
    await using broker = await startTestBroker();
    await disposeIn(broker, visitor(broker, { rest: false, topics: [TOPIC] }), async (c) => {
      broker.faults.outage(60_000);
      await waitFor(() => c.events.states().filter((s) => s === 'reconnecting').length >= 2, {
        message: 'reconnecting, a failed attempt behind it',
      });
    });
  });
});
