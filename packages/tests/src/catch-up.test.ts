/**
 * Catch-up over real sockets against the mock broker as the real server is (SPEC §2): history
 * sorted by `updatedAt` (a receipt moves an old message first), written ~5 s late in batches,
 * pages of 10 unless asked otherwise, RECALL deleting rows. A visitor away while the agent writes
 * gets every message on return, once, in order — or, beyond the budget, a `gap` event names what
 * is missing. Each test here failed on the catch-up that stopped at the first known uid and read
 * history once per connect.
 */
import type { GapEvent, SentMessage } from '@weiyu/core';
import { AGENT, DEMO_THREAD, startTestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import { parseCreatedAt } from '@weiyu/protocol';
import { describe, expect, test } from 'vitest';
import { createTestClient, type TestClient } from './harness/client.js';
import { DEMO_THREAD_FOR_AGENT, text } from './harness/fixtures.js';
import { pause } from './harness/prng.js';
import { waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD.topic;
/** The mock broker's history lag, as the real server's. */
const LAG_MS = 5_000;
/** Enough for a catch-up and its second pass after the lag, on a loaded machine. */
const CAUGHT_UP_MS = 30_000;

/** Sends `texts` from the agent, at most `window` unconfirmed at a time (the outbox holds 500). */
async function sendAll(agent: TestClient, texts: readonly string[], window = 200): Promise<SentMessage[]> {
  const sent: SentMessage[] = [];
  for (let i = 0; i < texts.length; i += window) {
    const batch = texts.slice(i, i + window).map((t) => agent.client.send(DEMO_THREAD_FOR_AGENT, text(t)));
    for (const message of batch) expect((await message.done).status).toBe('SUCCESS');
    sent.push(...batch);
  }
  return sent;
}

/** The visitor's `message` events from the agent, as contents in the order they came. */
function fromAgent(visitor: TestClient): string[] {
  return visitor.events
    .messages(TOPIC)
    .filter((m) => m.user.uid === AGENT.uid)
    .map((m) => m.content);
}

/** Waits until the visitor was shown `expected` (or more), then checks it is exactly that. */
async function expectShown(visitor: TestClient, expected: readonly string[], timeoutMs = CAUGHT_UP_MS): Promise<void> {
  await waitFor(() => fromAgent(visitor).length >= expected.length, {
    timeoutMs,
    message: `${expected.length} messages shown (have ${fromAgent(visitor).length}: …${fromAgent(visitor).slice(-3).join(',')})`,
  });
  const shown = fromAgent(visitor);
  const missing = expected.filter((t) => !shown.includes(t));
  expect(missing.slice(0, 10), `${missing.length} never shown`).toEqual([]);
  expect(shown).toEqual(expected);
}

describe('catch-up against the real server’s history (updatedAt order, 5 s write lag, deleted rows)', () => {
  test('an old message read while the visitor was away does not hide the newer ones', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, { ...VISITOR, deviceUid: 'visitor-tab', topics: [TOPIC] });
    await visitor.client.catchUp(TOPIC);
    const old = visitor.client.send({ ...DEMO_THREAD, user: { uid: AGENT.uid, type: 'AGENT' } }, text('old'));
    expect((await old.done).status).toBe('SUCCESS');
    await agent.events.waitFor('message', (m) => m.uid === old.uid);

    await visitor.client.disconnect();
    await sendAll(agent, ['new-1', 'new-2', 'new-3']);
    // Read now, while the visitor is away: history lists 'old' first, before new-1…new-3.
    await pause(1_100);
    agent.client.markRead(DEMO_THREAD_FOR_AGENT, old.uid);
    await waitFor(() => broker.state.rules.record(old.uid)?.message.status === 'READ', { message: 'old is READ' });
    await pause(LAG_MS + 500);

    await visitor.client.connect();
    await expectShown(visitor, ['new-1', 'new-2', 'new-3']);
    await waitFor(() => visitor.client.messages(TOPIC).find((m) => m.uid === old.uid)?.status === 'READ', {
      message: 'the READ it missed shows on old',
    });
  }, 60_000);

  test('a message the timeline and the duplicate filter forgot, read while the visitor was away, is not shown again', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    // A small timeline and filter (the filter holds 3 catch-up budgets: 150 uids).
    await using visitor = await createTestClient(broker, {
      ...VISITOR,
      deviceUid: 'visitor-tab',
      topics: [TOPIC],
      timing: { dedupeCapacity: 20, catchUpPageSize: 10, catchUpMaxPages: 5 },
    });
    await visitor.client.catchUp(TOPIC);
    const old = visitor.client.send({ ...DEMO_THREAD, user: { uid: AGENT.uid, type: 'AGENT' } }, text('old'));
    expect((await old.done).status).toBe('SUCCESS');
    await agent.events.waitFor('message', (m) => m.uid === old.uid);
    // 100 messages over 9 s, each with a receipt of the visitor's: 'old' is forgotten, and long before the watermark.
    const texts = Array.from({ length: 100 }, (_, i) => `live-${i}`);
    for (let i = 0; i < texts.length; i += 10) {
      await sendAll(agent, texts.slice(i, i + 10));
      if (i + 10 < texts.length) await pause(1_000);
    }
    await expectShown(visitor, texts);
    expect(visitor.client.messages(TOPIC).some((m) => m.uid === old.uid)).toBe(false);

    await visitor.client.disconnect();
    // Read now: history lists 'old' first, above everything the catch-up reads.
    agent.client.markRead(DEMO_THREAD_FOR_AGENT, old.uid);
    await waitFor(() => broker.state.rules.record(old.uid)?.message.status === 'READ', { message: 'old is READ' });
    await pause(LAG_MS + 500);
    await visitor.client.connect();
    const after = await sendAll(agent, ['after']);
    await expectShown(visitor, [...texts, ...after.map((m) => m.content)]);
    // Past the read after the lag: still not shown again.
    await pause(LAG_MS + 1_000);
    expect(visitor.events.messages(TOPIC).filter((m) => m.uid === old.uid)).toEqual([]);
    expect(fromAgent(visitor)).toEqual([...texts, 'after']);
  }, 60_000);

  test('a message published 1 s before a reconnect, not yet in history, still arrives — before what came live after', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, { ...VISITOR, deviceUid: 'visitor-tab', topics: [TOPIC] });
    await visitor.client.catchUp(TOPIC);
    await sendAll(agent, ['before']);
    await expectShown(visitor, ['before']);

    await visitor.client.disconnect();
    await pause(2_000);
    await sendAll(agent, ['just before']);
    await pause(1_000);
    const back = visitor.client.connect();
    await waitFor(() => visitor.client.isConnected(), { message: 'visitor back' });
    await back;
    // History will not have 'just before' for a few seconds; 'after' comes live at once.
    await sendAll(agent, ['after']);
    await expectShown(visitor, ['before', 'just before', 'after']);
  }, 60_000);

  test('live messages held through an outage longer than the hold guard still come after what was missed', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, { ...VISITOR, deviceUid: 'visitor-tab', topics: [TOPIC] });
    await visitor.client.catchUp(TOPIC);
    await sendAll(agent, ['before']);
    await expectShown(visitor, ['before']);

    await visitor.client.disconnect();
    await sendAll(agent, ['missed']);
    // Back while history is down: its catch-up cannot read 'missed', so 'live' waits.
    broker.faults.rest({ status: 503, message: 'history is down' });
    await visitor.client.connect();
    await waitFor(() => visitor.client.isConnected(), { message: 'visitor back' });
    await sendAll(agent, ['live']);
    await pause(1_000);
    // MQTT down for longer than the hold guard (sendDeadlineMs 8 s + historyLagMs 5 s here).
    broker.faults.outage(20_000);
    await pause(17_000);
    expect(fromAgent(visitor)).toEqual(['before']);
    broker.faults.reset();
    await expectShown(visitor, ['before', 'missed', 'live']);
  }, 90_000);

  test('600 messages sent while the visitor was away arrive once each, in order — pages of 10, and rows recalled meanwhile', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, {
      ...VISITOR,
      deviceUid: 'visitor-tab',
      topics: [TOPIC],
      // The server's own page size: 60 pages and more.
      timing: { catchUpPageSize: 10, catchUpMaxPages: 100 },
    });
    await visitor.client.catchUp(TOPIC);
    await sendAll(agent, ['seen']);
    await expectShown(visitor, ['seen']);

    await visitor.client.disconnect();
    const texts = Array.from({ length: 600 }, (_, i) => `away-${i}`);
    const sent = await sendAll(agent, texts);
    // The agent takes some back: deleted, they are in no page any more.
    const recalled = new Set([3, 99, 250, 251, 598].map((i) => sent[i]?.uid));
    for (const uid of recalled) if (uid) agent.client.recall(DEMO_THREAD_FOR_AGENT, uid);
    await waitFor(() => [...recalled].every((uid) => uid && broker.state.rules.record(uid)?.deleted), {
      message: 'recalled rows deleted',
    });

    await visitor.client.connect();
    const kept = sent.filter((s) => !recalled.has(s.uid)).map((s) => s.content);
    await expectShown(visitor, ['seen', ...kept]);
  }, 90_000);

  test('5,000 messages sent while the visitor was away arrive once each, in order', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    // The default dedupeCapacity (5,000): the read again after the history lag lists all 5,001
    // again (receipts of ours moved them up), and with 5,000 receipt uids besides, a filter of
    // 5,000 had forgotten every one of them (each showed twice). It holds 3 catch-up budgets.
    await using visitor = await createTestClient(broker, { ...VISITOR, deviceUid: 'visitor-tab', topics: [TOPIC] });
    const gaps: GapEvent[] = [];
    visitor.client.on('gap', (gap) => gaps.push(gap));
    await visitor.client.catchUp(TOPIC);
    await sendAll(agent, ['seen']);
    await expectShown(visitor, ['seen']);

    await visitor.client.disconnect();
    const texts = Array.from({ length: 5_000 }, (_, i) => `away-${i}`);
    await sendAll(agent, texts);
    await visitor.client.connect();
    await expectShown(visitor, ['seen', ...texts], 60_000);
    const live = await sendAll(agent, ['live']);
    await expectShown(visitor, ['seen', ...texts, ...live.map((m) => m.content)]);
    expect(gaps).toEqual([]);
  }, 180_000);

  test('beyond catchUpPageSize × catchUpMaxPages, a gap event names what is missing — never a silent loss', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, {
      ...VISITOR,
      deviceUid: 'visitor-tab',
      topics: [TOPIC],
      timing: { catchUpPageSize: 10, catchUpMaxPages: 5 },
    });
    const gaps: GapEvent[] = [];
    visitor.client.on('gap', (gap) => gaps.push(gap));
    await visitor.client.catchUp(TOPIC);
    await sendAll(agent, ['seen']);
    await expectShown(visitor, ['seen']);

    await visitor.client.disconnect();
    // Over a few seconds, so that the older ones have older times than the budget reaches.
    const texts = Array.from({ length: 80 }, (_, i) => `away-${i}`);
    for (let i = 0; i < texts.length; i += 20) {
      await sendAll(agent, texts.slice(i, i + 20));
      await pause(1_100);
    }
    await visitor.client.connect();
    await waitFor(() => gaps.length > 0, { timeoutMs: CAUGHT_UP_MS, message: 'a gap event' });
    const [gap] = gaps;
    expect(gap?.topic).toBe(TOPIC);
    // What arrived is the newest, in order; each one not shown is inside the gap's range.
    await waitFor(() => visitor.client.messages(TOPIC).some((m) => m.content === 'away-79'), { message: 'the newest' });
    const shown = fromAgent(visitor);
    expect(shown).toEqual(['seen', ...texts.filter((t) => shown.includes(t))]);
    const missing = broker.history(TOPIC).filter((m) => texts.includes(m.content) && !shown.includes(m.content));
    expect(missing.length).toBeGreaterThan(0);
    expect(gap?.atMost).toBeGreaterThanOrEqual(missing.length);
    for (const m of missing) {
      const created = parseCreatedAt(m.createdAt);
      expect(created.ok && created.value >= (gap?.from ?? Number.NaN), `${m.content} after from`).toBe(true);
      expect(created.ok && created.value <= (gap?.to ?? Number.NaN), `${m.content} before to`).toBe(true);
    }
  }, 60_000);

  test('a history page over the REST transport’s limit (big messages anyone may post over REST) is read in smaller pages', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    // Over the packet limit, each goes over REST (the server takes bodies up to 1 MB): five are a page over 4 MiB.
    const big = (i: number) => `${i}${'x'.repeat(900_000)}`;
    await sendAll(agent, [big(1), big(2), big(3), big(4), big(5), 'small-1', 'small-2'], 7);
    await pause(LAG_MS + 500);
    await using visitor = await createTestClient(broker, { ...VISITOR, deviceUid: 'visitor-tab', topics: [TOPIC] });
    await visitor.client.catchUp(TOPIC);
    const shown = visitor.client.messages(TOPIC).filter((m) => m.user.uid === AGENT.uid);
    expect(shown.map((m) => m.content.slice(0, 7))).toEqual([
      '1xxxxxx',
      '2xxxxxx',
      '3xxxxxx',
      '4xxxxxx',
      '5xxxxxx',
      'small-1',
      'small-2',
    ]);
    expect(visitor.events.errors().map((e) => e.code)).not.toContain('response_too_large');
  }, 60_000);
});
