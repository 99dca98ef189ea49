/**
 * Scrollback and the UI snapshots over real sockets against the mock broker as the real server
 * is (SPEC §2): history sorted by `updatedAt` (a receipt moves an old message to the first page),
 * written ~5 s late, recalled rows deleted. A fresh visitor sees what its first catch-up reads
 * (here the newest 500, and no more than a timeline of 500) and scrolls back from there with
 * `loadOlder` to the first message.
 */
import type { LocalMessage, TimelineSnapshot } from '@weiyu/core';
import { AGENT, DEMO_THREAD, startTestBroker, type TestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import { normalizeMessage, type WireMessage } from '@weiyu/protocol';
import { describe, expect, test } from 'vitest';
import { createTestClient } from './harness/client.js';
import { DEMO_THREAD_FOR_AGENT, text } from './harness/fixtures.js';
import { waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD.topic;
/** Another thread of the visitor's, with nothing in common with the demo thread's topic. */
const OTHER = { uid: 'thread_other', topic: 'org/agent/agent_demo/visitor_x', type: 'AGENT' } as const;
/** A fresh client's view before scrolling: its first catch-up reads 5 pages of 100, its timeline holds 500. */
const FIRST_VIEW = { catchUpPageSize: 100, catchUpMaxPages: 5, dedupeCapacity: 500 } as const;

/** A message on the demo thread as a client publishes it: the agent's unless `from` says. */
function message(uid: string, content: string, type = 'TEXT', from = { uid: AGENT.uid, type: 'AGENT' }): WireMessage {
  return normalizeMessage({
    uid,
    type,
    content,
    status: 'SENDING',
    createdAt: '2024-01-01 00:00:00',
    channel: 'WEB',
    user: from,
    thread: { uid: DEMO_THREAD.uid, topic: TOPIC, type: 'AGENT', user: { uid: VISITOR.uid, type: 'VISITOR' } },
    extra: '{"orgUid":"org_demo"}',
  });
}

const uidOf = (i: number): string => i.toString(16).padStart(32, '0');

/**
 * 700 messages stored on the demo thread, `h0` (oldest) … `h699`, one a second of server time
 * ending some minutes ago (so all of it is written); then the visitor's other device reads three
 * old ones (they move to the first page of history) and the agent recalls two (deleted).
 */
function seedHistory(broker: TestBroker, clock: { offset: number }): { kept: string[]; read: string[] } {
  const count = 700;
  for (let i = 0; i < count; i++) {
    clock.offset = -(count + 120 - i) * 1_000;
    expect(broker.state.route(message(uidOf(i), `h${i}`)).ok).toBe(true);
  }
  clock.offset = -60_000;
  const read = [5, 250, 480];
  for (const i of read) {
    broker.state.route(message(`r${uidOf(i).slice(1)}`, uidOf(i), 'READ', { uid: VISITOR.uid, type: 'VISITOR' }));
  }
  const recalled = new Set([100, 333]);
  for (const i of recalled) broker.state.route(message(`c${uidOf(i).slice(1)}`, uidOf(i), 'RECALL'));
  clock.offset = 0;
  const kept = Array.from({ length: count }, (_, i) => i).filter((i) => !recalled.has(i));
  return { kept: kept.map((i) => `h${i}`), read: read.map((i) => `h${i}`) };
}

const contents = (messages: readonly LocalMessage[]): string[] => messages.map((m) => m.content);

describe('scrollback over real sockets', () => {
  test('a fresh visitor scrolls back through 700 stored messages to the first, each shown once, in server order', async () => {
    const clock = { offset: 0 };
    await using broker = await startTestBroker({ now: () => Date.now() + clock.offset });
    const { kept, read } = seedHistory(broker, clock);
    await using visitor = await createTestClient(broker, {
      ...VISITOR,
      deviceUid: 'visitor-tab',
      topics: [TOPIC],
      timing: FIRST_VIEW,
    });
    await visitor.client.catchUp(TOPIC);
    // What its first catch-up read: the newest 500 rows by updatedAt, the three read ones among
    // them, each in its place by server time (h5 long before the others).
    const newest = new Set([...read, ...kept.filter((c) => !read.includes(c)).slice(-497)]);
    expect(contents(visitor.client.messages(TOPIC))).toEqual(kept.filter((c) => newest.has(c)));

    const loaded: LocalMessage[] = [];
    let hasMore = visitor.client.timeline(TOPIC).get().hasMore;
    for (let calls = 0; hasMore; calls++) {
      expect(calls, 'loads before the first message').toBeLessThan(20);
      const older = await visitor.client.loadOlder(DEMO_THREAD, { limit: 50 });
      loaded.push(...older.messages);
      hasMore = older.hasMore;
    }
    const shown = visitor.client.messages(TOPIC);
    expect(contents(shown)).toEqual(kept);
    expect(new Set(shown.map((m) => m.uid)).size).toBe(kept.length);
    expect(shown.every((m, i) => i === 0 || (shown[i - 1]?.createdAt ?? 0) <= m.createdAt)).toBe(true);
    expect(shown.filter((m) => m.status === 'READ').map((m) => m.content)).toEqual(read);
    // Each message reached the app once: as a `message` event (catch-up) or from loadOlder.
    const events = contents(visitor.events.messages(TOPIC));
    expect([...events, ...contents(loaded)].sort()).toEqual([...kept].sort());
    expect(visitor.client.timeline(TOPIC).get()).toMatchObject({ hasMore: false, loading: false, messages: shown });
  }, 60_000);

  test('snapshots keep their identity while nothing changes and change when something does; a thread’s listener hears only its thread', async () => {
    await using broker = await startTestBroker();
    for (let i = 0; i < 30; i++) broker.state.route(message(uidOf(i), `h${i}`));
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC, OTHER.topic] });
    await using visitor = await createTestClient(broker, {
      ...VISITOR,
      deviceUid: 'visitor-tab',
      topics: [TOPIC, OTHER.topic],
      timing: { catchUpPageSize: 10, catchUpMaxPages: 1 },
    });
    await visitor.client.catchUp(TOPIC);
    await visitor.client.catchUp(OTHER.topic);

    // useSyncExternalStore(subscribe, getSnapshot): getSnapshot twice gives the same object.
    const demo = visitor.client.timeline(TOPIC);
    const other = visitor.client.timeline(OTHER.topic);
    const before = demo.get();
    expect(demo.get()).toBe(before);
    expect(visitor.client.messages(TOPIC)).toBe(before.messages);
    const heard: Record<string, TimelineSnapshot[]> = { demo: [], other: [] };
    const offDemo = demo.subscribe((s) => heard.demo?.push(s));
    const offOther = other.subscribe((s) => heard.other?.push(s));
    const otherBefore = other.get();

    // Traffic on the demo thread only.
    const sent = agent.client.send(DEMO_THREAD_FOR_AGENT, text('live'));
    expect((await sent.done).status).toBe('SUCCESS');
    await waitFor(() => demo.get().messages.some((m) => m.uid === sent.uid), { message: 'live shown' });
    const after = demo.get();
    expect(after).not.toBe(before);
    expect(demo.get()).toBe(after);
    expect(heard.demo?.at(-1)).toBe(after);
    expect(other.get()).toBe(otherBefore);
    expect(heard.other).toEqual([otherBefore]);

    const older = await visitor.client.loadOlder(DEMO_THREAD, { limit: 10 });
    expect(contents(older.messages)).toEqual(Array.from({ length: 10 }, (_, i) => `h${10 + i}`));
    const scrolled = demo.get();
    expect(scrolled).not.toBe(after);
    expect(contents(scrolled.messages.slice(0, 10))).toEqual(contents(older.messages));
    expect(other.get()).toBe(otherBefore);
    expect(heard.other).toHaveLength(1);
    offDemo();
    offOther();
  }, 60_000);
});
