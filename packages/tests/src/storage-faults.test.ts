/**
 * A client whose outbox store misbehaves (issue 10, acceptance): a store that throws, corrupt
 * records, one unreadable record among good ones, a slow store, a store that never answers.
 * Over real sockets against the mock broker, public API only. Each test:
 *
 * 1. leaves messages in the outbox (a client that never connects, disposed: a reload);
 * 2. turns the fault on and starts a client on the same store that sends more: every message
 *    settles SUCCESS within the send deadline, and the app hears of the store's failure;
 * 3. turns the fault off and restarts on the same store: what was written before the fault and
 *    can be read is delivered too. None is lost, and the agent is shown each exactly once.
 *
 * Counts: `STORAGE_FAULTS_FULL=1` sends {@link FULL_COUNT} messages per phase instead of {@link CI_COUNT}.
 */
import type { ChatTiming, SdkError } from '@weiyu/core';
import { createFaultyStore, type FaultyStore } from '@weiyu/core/testing';
import { AGENT, DEMO_THREAD, startTestBroker, type TestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import { describe, expect, test } from 'vitest';
import { createTestClient, TEST_TIMING, type TestClient } from './harness/client.js';
import { DEMO_THREAD_FOR_VISITOR, text } from './harness/fixtures.js';
import { waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD.topic;
const CI_COUNT = 10;
const FULL_COUNT = 100;
const COUNT = process.env.STORAGE_FAULTS_FULL === '1' ? FULL_COUNT : CI_COUNT;
const STORE_TIMEOUT_MS = 1_000;
const timing: Partial<ChatTiming> = { storeTimeoutMs: STORE_TIMEOUT_MS };
const SEND_DEADLINE_MS = TEST_TIMING.sendDeadlineMs ?? 8_000;
/** The documented key of a message in the outbox (core README, "The outbox"). */
const KEY_PREFIX = `weiyu:outbox:${encodeURIComponent(VISITOR.uid)}:`;

/** A visitor on the store, signed in with a token the broker issued. */
function visitorOn(broker: TestBroker, store: FaultyStore, connect: boolean): Promise<TestClient> {
  const token = broker.issueToken(VISITOR.uid);
  const base = { username: VISITOR.username, uid: VISITOR.uid, accessToken: token, store, timing };
  return connect
    ? createTestClient(broker, { ...base, topics: [TOPIC] })
    : createTestClient(broker, { ...base, rest: false, connect: false });
}

/** Step 1: a client that never connects writes `count` messages to the outbox and is disposed with them there. */
async function leaveInOutbox(broker: TestBroker, store: FaultyStore, label: string): Promise<string[]> {
  const client = await visitorOn(broker, store, false);
  const uids = Array.from(
    { length: COUNT },
    (_, i) => client.client.send(DEMO_THREAD_FOR_VISITOR, text(`${label} ${i}`)).uid,
  );
  await waitFor(async () => (await store.inner.keys(KEY_PREFIX)).length === COUNT, {
    message: 'written to the outbox',
  });
  await client.dispose();
  return uids;
}

/** Step 2: sends `count` messages; each must be SUCCESS within the send deadline. */
async function sendDuringFault(client: TestClient, label: string): Promise<string[]> {
  const started = Date.now();
  const sent = Array.from({ length: COUNT }, (_, i) =>
    client.client.send(DEMO_THREAD_FOR_VISITOR, text(`${label} ${i}`)),
  );
  const outcomes = await Promise.all(
    sent.map(async (s) => {
      const done = await s.done;
      return { status: done.status, error: done.error?.code, ms: Date.now() - started };
    }),
  );
  for (const outcome of outcomes) {
    expect(outcome.status, `settled ${JSON.stringify(outcome)}`).toBe('SUCCESS');
    expect(outcome.ms).toBeLessThanOrEqual(SEND_DEADLINE_MS);
  }
  return sent.map((s) => s.uid);
}

/** Step 3: the fault is gone; a client on the same store sends what is left and can be read. */
async function restart(broker: TestBroker, store: FaultyStore): Promise<SdkError[]> {
  store.reset();
  await using client = await visitorOn(broker, store, true);
  await waitFor(() => client.client.pending().length === 0, { timeoutMs: 10_000, message: 'the outbox drained' });
  return client.events.errors();
}

/** Every uid reaches the agent, each exactly once, and nothing else does. */
async function deliveredOnce(agent: TestClient, uids: readonly string[]): Promise<void> {
  await waitFor(() => uids.every((uid) => agent.events.messages(TOPIC).some((m) => m.uid === uid)), {
    timeoutMs: 10_000,
    message: `every message at the agent (have ${agent.events.messages(TOPIC).length} of ${uids.length})`,
  });
  expect(
    agent.events
      .messages(TOPIC)
      .map((m) => m.uid)
      .sort(),
  ).toEqual([...uids].sort());
}

/** Codes and operations of the store errors among `errors`. */
function storeErrors(errors: readonly SdkError[]): string[] {
  return errors
    .filter((e) => e.code === 'storage' || e.code === 'outbox_full')
    .map((e) => `${e.code} ${String(e.details.operation ?? '')}`);
}

async function world() {
  const broker = await startTestBroker();
  const agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
  const store = createFaultyStore();
  return {
    broker,
    agent,
    store,
    async [Symbol.asyncDispose]() {
      await agent.dispose();
      await broker[Symbol.asyncDispose]();
    },
  };
}

describe('storage faults: every message delivered within the send deadline, none lost', () => {
  test('a store that throws on every call (one call throws synchronously)', async () => {
    await using w = await world();
    const before = await leaveInOutbox(w.broker, w.store, 'before');
    w.store.fault({ kind: 'throw', error: new Error('disk I/O error') });
    w.store.fault({ kind: 'throw-sync', error: new Error('disk I/O error') }, ['delete']);
    const during = await (async () => {
      await using client = await visitorOn(w.broker, w.store, true);
      const uids = await sendDuringFault(client, 'during');
      // It could not even list what was left: nothing restored, and it says so.
      expect(storeErrors(client.events.errors())).toEqual(
        expect.arrayContaining(['storage list keys', 'storage write']),
      );
      expect(client.client.pending()).toEqual([]);
      return uids;
    })();
    await restart(w.broker, w.store);
    await deliveredOnce(w.agent, [...before, ...during]);
  });

  test('corrupt records beside good ones: the good ones are restored, the others named', async () => {
    await using w = await world();
    const before = await leaveInOutbox(w.broker, w.store, 'before');
    const corrupt = {
      [`${KEY_PREFIX}torn`]: '{"v":1,"seq":3,"message":{"uid":"torn","type":"TE',
      [`${KEY_PREFIX}tampered`]: JSON.stringify({ v: 1, seq: 4, message: { uid: 'tampered', thread: 42 } }),
      [`${KEY_PREFIX}nonsense`]: '\u0000\u00ff not a record',
    };
    for (const [key, value] of Object.entries(corrupt)) await w.store.inner.set(key, value);
    const during = await (async () => {
      await using client = await visitorOn(w.broker, w.store, true);
      const uids = await sendDuringFault(client, 'during');
      await waitFor(() => client.client.pending().length === 0, { timeoutMs: 10_000, message: 'restored ones sent' });
      const unreadable = client.events.errors().find((e) => e.code === 'storage' && e.details.count !== undefined);
      expect(unreadable?.details.count).toBe(3);
      expect(unreadable?.details.keys).toEqual(Object.keys(corrupt).sort());
      return uids;
    })();
    await deliveredOnce(w.agent, [...before, ...during]);
    // What can be read went; what is not JSON at all was cleared; the rest stays for a later SDK to judge.
    expect((await w.store.inner.keys(KEY_PREFIX)).sort()).toEqual([`${KEY_PREFIX}tampered`]);
  });

  test('one unreadable record among good ones: the others go at once, it goes after a restart', async () => {
    await using w = await world();
    const before = await leaveInOutbox(w.broker, w.store, 'before');
    const broken = before[1] ?? '';
    w.store.breakKey(KEY_PREFIX + broken);
    const during = await (async () => {
      await using client = await visitorOn(w.broker, w.store, true);
      const uids = await sendDuringFault(client, 'during');
      await waitFor(() => client.client.pending().length === 0, { timeoutMs: 10_000, message: 'restored ones sent' });
      const unreadable = client.events.errors().find((e) => e.code === 'storage' && e.details.count !== undefined);
      expect(unreadable?.details.keys).toEqual([KEY_PREFIX + broken]);
      return uids;
    })();
    await deliveredOnce(
      w.agent,
      [...before, ...during].filter((uid) => uid !== broken),
    );
    expect(storeErrors(await restart(w.broker, w.store))).toEqual([]);
    await deliveredOnce(w.agent, [...before, ...during]);
  });

  test('a slow store (every call answers after 300 ms): all delivered, nothing reported', async () => {
    await using w = await world();
    const before = await leaveInOutbox(w.broker, w.store, 'before');
    w.store.fault({ kind: 'slow', ms: 300 });
    await using client = await visitorOn(w.broker, w.store, true);
    const during = await sendDuringFault(client, 'during');
    await waitFor(() => client.client.pending().length === 0, { timeoutMs: 10_000, message: 'restored ones sent' });
    await deliveredOnce(w.agent, [...before, ...during]);
    expect(storeErrors(client.events.errors())).toEqual([]);
  });

  test('a store that never answers: sent anyway, reported once; what it held goes after a restart', async () => {
    await using w = await world();
    const before = await leaveInOutbox(w.broker, w.store, 'before');
    w.store.fault({ kind: 'hang' });
    const during = await (async () => {
      await using client = await visitorOn(w.broker, w.store, true);
      const uids = await sendDuringFault(client, 'during');
      // The listing timed out: reported once; the writes that time out after it are the same stall.
      expect(storeErrors(client.events.errors())).toEqual(['storage list keys']);
      expect(client.client.pending()).toEqual([]);
      return uids;
    })();
    expect(w.store.hanging()).toBeGreaterThan(0);
    await restart(w.broker, w.store);
    await deliveredOnce(w.agent, [...before, ...during]);
  });
});
