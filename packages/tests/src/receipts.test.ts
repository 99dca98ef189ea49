/**
 * Receipts like the official client, without storms (issue 11, item 5), over real sockets
 * against the mock broker as the real server is (history by `updatedAt`, written ~5 s late,
 * receipts applied to what it stores): DELIVERED once per uid for what a person sends, none for
 * what the server's record says was delivered or read (a fresh start sent 500), READ only for
 * the thread the app says is open, and catch-up of many threads at most `catchUpConcurrency`
 * history requests at once, counted at a real HTTP server in front of the broker's REST (60
 * threads made 60 at once after every reconnect).
 */
import type { ChatThread } from '@weiyu/core';
import { AGENT, DEMO_THREAD, startTestBroker, type TestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import type { WireMessage } from '@weiyu/protocol';
import { describe, expect, test } from 'vitest';
import { createTestClient, type TestClient } from './harness/client.js';
import { DEMO_THREAD_FOR_AGENT, DEMO_THREAD_FOR_VISITOR, text } from './harness/fixtures.js';
import { type HostileAnswer, startHostileRest } from './harness/hostile-rest.js';
import { pause } from './harness/prng.js';
import { waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD.topic;
/** The mock broker's history lag, as the real server's. */
const LAG_MS = 5_000;
/** A catch-up, its second pass after the lag, and time to spare on a loaded machine. */
const CAUGHT_UP_MS = 40_000;

/** The receipts a user's clients publish from now on, as the broker routes them: `KIND uid`. */
function receiptsFrom(broker: TestBroker, uid: string): string[] {
  const seen: string[] = [];
  broker.state.onEcho((_topic, message) => {
    if ((message.type === 'DELIVERED' || message.type === 'READ') && message.user?.uid === uid) {
      seen.push(`${message.type} ${message.content}`);
    }
  });
  return seen;
}

/** A visitor's thread with the demo agent (the broker has no access rules: any topic works). */
function visitorThread(i: number): ChatThread {
  const visitor = `visitor_${i}`;
  return {
    uid: `thread_${i}`,
    topic: `org/agent/${AGENT.uid}/${visitor}`,
    type: 'AGENT',
    user: { uid: visitor, type: 'VISITOR' },
  };
}

/** A message from the thread's visitor, straight into the server as if published. */
function fromVisitor(broker: TestBroker, thread: ChatThread, uid: string, content: string): void {
  const visitor = thread.user?.uid ?? '';
  const user = { uid: visitor, nickname: visitor, avatar: '', type: 'VISITOR', extra: '' };
  const message: WireMessage = {
    uid,
    type: 'TEXT',
    content,
    status: 'SENDING',
    createdAt: broker.state.serverTime(),
    channel: 'WEB',
    thread: { uid: thread.uid, topic: thread.topic, type: 'AGENT', state: '', user, channel: '', extra: '' },
    user,
    extra: '',
  };
  const routed = broker.state.route(message);
  if (!routed.ok) throw new Error(`the broker dropped ${uid}: ${routed.reason}`);
}

/** Waits until the client shows every uid (from any of its threads). */
async function shows(client: TestClient, uids: readonly string[], timeoutMs = CAUGHT_UP_MS): Promise<void> {
  await waitFor(
    () => {
      const shown = new Set(client.events.messages().map((m) => m.uid));
      return uids.every((uid) => shown.has(uid));
    },
    { timeoutMs, message: `${uids.length} messages shown` },
  );
}

describe('catch-up of many threads: a concurrency cap', () => {
  /**
   * An agent on 60 threads, away while each visitor writes, reconnects: the peak of history
   * requests open at once at the REST server in front of the broker, and whether every thread
   * caught up.
   */
  async function reconnectOn60Threads(timing: { catchUpConcurrency?: number }, overlap?: HostileAnswer) {
    await using broker = await startTestBroker();
    await using rest = await startHostileRest(broker.httpUrl);
    const target = { mqttUrl: broker.mqttUrl, httpUrl: rest.url, state: broker.state };
    const threads = Array.from({ length: 60 }, (_, i) => visitorThread(i));
    await using agent = await createTestClient(target, {
      ...AGENT,
      topics: threads.map((t) => t.topic),
      timing,
      client: { autoDelivered: false },
    });
    await Promise.all(threads.map((t) => agent.client.catchUp(t.topic)));

    await agent.client.disconnect();
    const uids = threads.map((thread, i) => {
      const uid = `${String(i).padStart(2, '0')}${'a'.repeat(30)}`;
      fromVisitor(broker, thread, uid, `hello from ${i}`);
      return uid;
    });
    await pause(LAG_MS + 500);
    // A server that takes its time (300 ms an answer), so that requests made together overlap;
    // or one that holds them until as many as `overlap` says are open (by condition, not by time).
    if (overlap) rest.set(overlap, ['history']);
    else broker.state.setRestFault({ delayMs: 300 });
    rest.resetPeaks();
    const before = rest.requests('history');
    await agent.client.connect();
    await shows(agent, uids);
    await Promise.all(threads.map((t) => agent.client.catchUp(t.topic)));
    broker.state.setRestFault(undefined);
    return { peak: rest.peak('history'), requests: rest.requests('history') - before };
  }

  test('an agent with 60 threads reconnecting makes at most catchUpConcurrency (4) history requests at once, and every thread catches up', async () => {
    const { peak, requests } = await reconnectOn60Threads({});
    expect(requests).toBeGreaterThanOrEqual(60);
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(4);
  }, 90_000);

  test('without the cap (as before) the same reconnect opens many at once: what the count above would catch', async () => {
    // Held until 31 are open (10 s at most): a 300 ms delay let the subscription batches of a loaded
    // machine come apart, 20 at a time, and the peak stayed at 30 or under.
    const { peak } = await reconnectOn60Threads(
      { catchUpConcurrency: Number.POSITIVE_INFINITY },
      { kind: 'gate', open: 31, timeoutMs: 10_000 },
    );
    expect(peak).toBeGreaterThan(30);
  }, 90_000);
});

describe('receipts like the official client', () => {
  test('a fresh start sends no receipt for what was delivered or read, DELIVERED once for what was not, and none again after a reconnect', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
    const receipts = receiptsFrom(broker, AGENT.uid);
    const count = 40;
    {
      await using first = await createTestClient(broker, { ...AGENT, deviceUid: 'agent-first', topics: [TOPIC] });
      await first.client.catchUp(TOPIC);
      const sent = Array.from({ length: count }, (_, i) => visitor.client.send(DEMO_THREAD_FOR_VISITOR, text(`m${i}`)));
      for (const m of sent) expect((await m.done).status).toBe('SUCCESS');
      // Read once it has them: a READ for a message not shown yet says delivered too (no DELIVERED
      // follows when it arrives), and the sender's SUCCESS may come before the agent's copy.
      await shows(
        first,
        sent.map((m) => m.uid),
      );
      const read = sent.slice(0, 10);
      for (const m of read) first.client.markRead(DEMO_THREAD_FOR_AGENT, m.uid);
      await waitFor(
        () => sent.every((m) => ['DELIVERED', 'READ'].includes(broker.state.rules.record(m.uid)?.message.status ?? '')),
        { message: 'the server has every message DELIVERED or READ' },
      );
      expect(receipts.filter((r) => r.startsWith('DELIVERED'))).toHaveLength(count);
    }
    // While no agent is on: one message, and a welcome text (no receipt for that kind, ever).
    const missed = visitor.client.send(DEMO_THREAD_FOR_VISITOR, text('missed'));
    const welcome = visitor.client.send(DEMO_THREAD_FOR_VISITOR, { type: 'WELCOME', text: 'welcome' });
    for (const m of [missed, welcome]) expect((await m.done).status).toBe('SUCCESS');
    await pause(LAG_MS + 500);
    receipts.length = 0;

    await using fresh = await createTestClient(broker, { ...AGENT, deviceUid: 'agent-fresh', topics: [TOPIC] });
    await shows(fresh, [missed.uid, welcome.uid]);
    await fresh.client.catchUp(TOPIC);
    // Its second pass, after the lag, reads the same again.
    await pause(LAG_MS + 1_000);
    expect(fresh.events.messages(TOPIC)).toHaveLength(count + 2);
    expect(receipts).toEqual([`DELIVERED ${missed.uid}`]);

    await fresh.client.reconnect();
    await waitFor(() => fresh.client.isConnected(), { message: 'reconnected' });
    await fresh.client.catchUp(TOPIC);
    await pause(1_000);
    expect(receipts).toEqual([`DELIVERED ${missed.uid}`]);
  }, 90_000);

  test('READ only for the thread open on screen; DELIVERED elsewhere; a thread opened later is read then', async () => {
    await using broker = await startTestBroker();
    const other = visitorThread(1);
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC, other.topic] });
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
    const receipts = receiptsFrom(broker, AGENT.uid);
    agent.client.setActiveThread(DEMO_THREAD_FOR_AGENT);

    const open = visitor.client.send(DEMO_THREAD_FOR_VISITOR, text('on screen'));
    fromVisitor(broker, other, 'b'.repeat(32), 'elsewhere');
    await shows(agent, [open.uid, 'b'.repeat(32)]);
    await waitFor(() => receipts.length >= 2, { message: 'two receipts' });
    await pause(500);
    expect(receipts.sort()).toEqual([`DELIVERED ${'b'.repeat(32)}`, `READ ${open.uid}`].sort());
    // The visitor sees its message read (and never merely delivered first).
    await waitFor(() => visitor.client.messages(TOPIC).find((m) => m.uid === open.uid)?.status === 'READ', {
      message: 'READ shown to the visitor',
    });
    expect(visitor.events.of('receipt').map((r) => r.kind)).toEqual(['READ']);

    // The agent switches to the other thread: what it shows there is read now, once.
    agent.client.setActiveThread(other);
    agent.client.setActiveThread(other);
    await waitFor(() => receipts.includes(`READ ${'b'.repeat(32)}`), { message: 'the other thread read' });
    const later = visitor.client.send(DEMO_THREAD_FOR_VISITOR, text('not on screen'));
    await shows(agent, [later.uid]);
    await waitFor(() => receipts.includes(`DELIVERED ${later.uid}`), { message: 'DELIVERED for the thread not open' });
    await pause(500);
    expect(receipts.filter((r) => r.startsWith('READ'))).toEqual([`READ ${open.uid}`, `READ ${'b'.repeat(32)}`]);
    expect(agent.client.messages(other.topic).map((m) => m.status)).toEqual(['READ']);
  }, 60_000);

  test('receipts asked for while offline go once reconnected: each once, the later READ kept, the server record moved', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, {
      ...AGENT,
      topics: [TOPIC],
      client: { autoDelivered: false },
    });
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
    await agent.client.catchUp(TOPIC);
    const sent = ['one', 'two', 'three'].map((t) => visitor.client.send(DEMO_THREAD_FOR_VISITOR, text(t)));
    for (const m of sent) expect((await m.done).status).toBe('SUCCESS');
    await shows(
      agent,
      sent.map((m) => m.uid),
    );
    const [one, two, three] = sent.map((m) => m.uid);
    const receipts = receiptsFrom(broker, AGENT.uid);
    const errorsBefore = agent.events.errors().length;
    const newErrors = () =>
      agent.events
        .errors()
        .slice(errorsBefore)
        .map((e) => e.code);
    await agent.client.disconnect();
    // On the train: the app asks, the link is down. No error, nothing lost.
    agent.client.markDelivered(DEMO_THREAD_FOR_AGENT, one ?? '');
    agent.client.markDelivered(DEMO_THREAD_FOR_AGENT, two ?? '');
    agent.client.markRead(DEMO_THREAD_FOR_AGENT, two ?? '');
    // An older message read after a newer one: the newer READ is what the thread owes.
    agent.client.markRead(DEMO_THREAD_FOR_AGENT, one ?? '');
    agent.client.markDelivered(DEMO_THREAD_FOR_AGENT, one ?? '');
    await pause(300);
    expect(receipts).toEqual([]);
    expect(newErrors()).toEqual([]);

    await agent.client.connect();
    await waitFor(() => receipts.length >= 2, { message: 'the receipts owed sent once connected' });
    await waitFor(() => broker.state.rules.record(two ?? '')?.message.status === 'READ', {
      message: 'the server has the READ',
    });
    expect(broker.state.rules.record(one ?? '')?.message.status).toBe('DELIVERED');
    expect(broker.state.rules.record(three ?? '')?.message.status).toBe('SUCCESS');
    await waitFor(() => visitor.client.messages(TOPIC).find((m) => m.uid === two)?.status === 'READ', {
      message: 'READ shown to the visitor',
    });
    // Once: another reconnect sends nothing of it again.
    await agent.client.reconnect();
    await waitFor(() => agent.client.isConnected(), { message: 'reconnected' });
    await pause(1_000);
    expect(receipts).toEqual([`DELIVERED ${one}`, `READ ${two}`]);
    expect(newErrors()).toEqual([]);
  }, 60_000);

  test('the open thread caught up with 20 unread after a reconnect: one READ, for the newest', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
    await agent.client.catchUp(TOPIC);
    agent.client.setActiveThread(DEMO_THREAD_FOR_AGENT);
    await agent.client.disconnect();
    const sent = Array.from({ length: 20 }, (_, i) => visitor.client.send(DEMO_THREAD_FOR_VISITOR, text(`away ${i}`)));
    for (const m of sent) expect((await m.done).status).toBe('SUCCESS');
    await pause(LAG_MS + 500);
    const receipts = receiptsFrom(broker, AGENT.uid);
    await agent.client.connect();
    await shows(
      agent,
      sent.map((m) => m.uid),
    );
    await agent.client.catchUp(TOPIC);
    await pause(1_000);
    expect(receipts).toEqual([`READ ${sent.at(-1)?.uid}`]);
    expect(new Set(agent.client.messages(TOPIC).map((m) => m.status))).toEqual(new Set(['READ']));
  }, 60_000);
});
