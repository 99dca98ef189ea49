/**
 * Receipts as the official client sends them (SPEC §2b), and catch-up of many threads without a
 * storm: on the fake clock and the in-memory server (which applies receipts to what it stores,
 * as the real one does).
 */
import { decodeMessage, topics } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatThread, LocalMessage } from './api.js';
import { createWorld, type WorldClientOptions } from './client.fixtures.js';
import type { RestTransport } from './interfaces.js';
import type { InMemoryNetwork } from './testing/in-memory-network.js';

type World = ReturnType<typeof createWorld>;

/** A realtime transport whose receipts are recorded as `KIND uid`. */
function spiedRealtime(network: InMemoryNetwork) {
  const receipts: string[] = [];
  const realtime = network.realtime();
  const publish = realtime.publish.bind(realtime);
  realtime.publish = (topic, payload, qos) => {
    const decoded = decodeMessage(payload);
    if (decoded.ok && (decoded.value.type === 'DELIVERED' || decoded.value.type === 'READ')) {
      receipts.push(`${decoded.value.type} ${decoded.value.content}`);
    }
    return publish(topic, payload, qos);
  };
  return { realtime, receipts };
}

/** A REST transport that counts the history requests in flight at once. */
function countingRest(rest: RestTransport) {
  const counts = { now: 0, peak: 0, total: 0 };
  const counted: RestTransport = {
    ...rest,
    async queryTopic(query, call) {
      counts.now++;
      counts.total++;
      counts.peak = Math.max(counts.peak, counts.now);
      try {
        return await rest.queryTopic(query, call);
      } finally {
        counts.now--;
      }
    },
  };
  return { rest: counted, counts };
}

/** An online visitor (v1), then an online agent (a1) whose receipts are spied on. */
async function spiedAgent(world: World, options: WorldClientOptions = {}) {
  const visitor = world.client('v1');
  await world.online(visitor);
  const spy = spiedRealtime(world.network);
  const agent = world.client('a1', { realtime: spy.realtime, ...options });
  await world.online(agent);
  return { visitor, agent, spy };
}

/** The visitor sends `texts` to a spied agent (no automatic receipts), which then goes offline; its error codes are kept. */
async function sentThenOffline(world: World, texts: readonly string[]) {
  const { visitor, agent, spy } = await spiedAgent(world, { autoDelivered: false });
  const sent: LocalMessage[] = [];
  for (const text of texts) sent.push(await world.run(visitor.send(world.thread, { type: 'TEXT', text }).done));
  await world.clock.advanceAsync(100);
  await world.run(agent.disconnect());
  const errors: string[] = [];
  agent.on('error', (error) => errors.push(error.code));
  return { agent, spy, sent, errors };
}

const threadOf = (visitor: string): ChatThread => ({
  uid: `t-${visitor}`,
  topic: topics.agent('a1', visitor),
  type: 'AGENT',
  user: { uid: visitor, type: 'VISITOR' },
});

describe('createChatClient: catch-up of many threads', () => {
  async function reconnectWith60(concurrency: number | undefined) {
    const world = createWorld(1, { latencyMs: 5 });
    const { clock, network, client, run } = world;
    const threads = Array.from({ length: 60 }, (_, i) => threadOf(`v${i}`));
    const { rest, counts } = countingRest(network.rest());
    const timing = concurrency === undefined ? {} : { catchUpConcurrency: concurrency };
    const agent = client('a1', { rest, timing: { historyLagMs: 0, ...timing } });
    await run(agent.connect());
    await run(agent.subscribe(threads.map((t) => t.topic)));
    await clock.advanceAsync(2_000);
    await run(agent.disconnect());
    // While the agent is away, each visitor writes.
    for (const [i, thread] of threads.entries()) {
      network.publish({
        uid: `away-${i}`,
        type: 'TEXT',
        content: `hello ${i}`,
        status: 'SENDING',
        createdAt: String(clock.now()),
        thread: { uid: thread.uid, topic: thread.topic, type: 'AGENT', user: { uid: `v${i}` } },
        user: { uid: `v${i}`, type: 'VISITOR' },
      });
    }
    counts.peak = 0;
    counts.total = 0;
    await run(agent.connect());
    await clock.advanceAsync(5_000);
    const caughtUp = threads.filter((t, i) => agent.messages(t.topic).some((m) => m.uid === `away-${i}`));
    return { counts, caughtUp: caughtUp.length };
  }

  it('an agent with 60 threads reconnecting reads at most catchUpConcurrency (default 4) histories at once, and every thread catches up', async () => {
    const capped = await reconnectWith60(undefined);
    expect(capped.caughtUp).toBe(60);
    expect(capped.counts.total).toBeGreaterThanOrEqual(60);
    expect(capped.counts.peak).toBe(4);
    expect((await reconnectWith60(1)).counts.peak).toBe(1);
    // Without the cap it is what it was: every thread at the same moment.
    const uncapped = await reconnectWith60(Number.POSITIVE_INFINITY);
    expect(uncapped.caughtUp).toBe(60);
    expect(uncapped.counts.peak).toBe(60);
  });

  it('a thread forgotten while its read waits makes no request; dispose leaves none waiting', async () => {
    const { clock, network, client, run } = createWorld(1, { latencyMs: 50 });
    const threads = Array.from({ length: 8 }, (_, i) => threadOf(`v${i}`));
    const { rest, counts } = countingRest(network.rest());
    const agent = client('a1', { rest, timing: { historyLagMs: 0, catchUpConcurrency: 2 } });
    await run(agent.connect());
    await run(agent.subscribe(threads.map((t) => t.topic)));
    await clock.advanceAsync(1_000);
    counts.total = 0;
    const done = threads.map((t) => agent.catchUp(t.topic));
    await run(agent.unsubscribe(threads.slice(2).map((t) => t.topic)));
    await run(Promise.all(done));
    // The two under way, and nothing for the six forgotten before their turn.
    expect(counts.total).toBe(2);
    const more = threads.slice(0, 2).map((t) => agent.catchUp(t.topic));
    await agent.dispose();
    await run(Promise.all(more));
    expect(counts.now).toBe(0);
  });
});

describe('createChatClient: receipts like the official client, without storms', () => {
  it('a fresh start sends no receipt for what the server says was delivered or read, and one DELIVERED for what was not', async () => {
    const { clock, thread, network, client, run, online } = createWorld();
    const visitor = client('v1');
    await online(visitor);
    const first = client('a1');
    await online(first);
    const delivered = await run(visitor.send(thread, { type: 'TEXT', text: 'delivered' }).done);
    const read = await run(visitor.send(thread, { type: 'TEXT', text: 'read' }).done);
    await clock.advanceAsync(100);
    first.markRead(thread, read.uid);
    await clock.advanceAsync(100);
    expect(network.message(delivered.uid)?.status).toBe('DELIVERED');
    expect(network.message(read.uid)?.status).toBe('READ');
    await first.dispose();
    const missed = await run(visitor.send(thread, { type: 'TEXT', text: 'missed' }).done);
    const welcome = await run(visitor.send(thread, { type: 'WELCOME', text: 'welcome' }).done);

    const spy = spiedRealtime(network);
    const fresh = client('a1', { realtime: spy.realtime });
    await online(fresh);
    await clock.advanceAsync(6_000);
    expect(fresh.messages(thread.topic).map((m) => m.content)).toEqual(['delivered', 'read', 'missed', 'welcome']);
    expect(spy.receipts).toEqual([`DELIVERED ${missed.uid}`]);
    expect(welcome.uid).toBeTruthy();
    // Reconnected, it sends none again.
    await run(fresh.reconnect());
    await clock.advanceAsync(6_000);
    expect(spy.receipts).toEqual([`DELIVERED ${missed.uid}`]);
  });

  it('READ for the thread open on screen: what it shows, then each new message; DELIVERED again once closed', async () => {
    const world = createWorld();
    const { clock, thread, run } = world;
    const { visitor, agent, spy } = await spiedAgent(world);
    const statuses: string[] = [];
    agent.on('status', (s) => statuses.push(`${s.message.content} ${s.message.status}`));
    const before = await run(visitor.send(thread, { type: 'TEXT', text: 'before' }).done);
    await clock.advanceAsync(100);
    expect(spy.receipts).toEqual([`DELIVERED ${before.uid}`]);

    agent.setActiveThread(thread);
    await clock.advanceAsync(100);
    const during = await run(visitor.send(thread, { type: 'TEXT', text: 'while open' }).done);
    await clock.advanceAsync(100);
    agent.setActiveThread(null);
    const after = await run(visitor.send(thread, { type: 'TEXT', text: 'after' }).done);
    await clock.advanceAsync(100);

    expect(spy.receipts).toEqual([
      `DELIVERED ${before.uid}`,
      `READ ${before.uid}`,
      `READ ${during.uid}`,
      `DELIVERED ${after.uid}`,
    ]);
    // The agent shows what it read as READ; the visitor sees its messages read.
    expect(statuses).toEqual(['before READ', 'while open READ']);
    expect(visitor.messages(thread.topic).map((m) => `${m.content} ${m.status}`)).toEqual([
      'before READ',
      'while open READ',
      'after DELIVERED',
    ]);
  });

  it('the open thread caught up with 30 unread sends one READ, for the newest; all 30 show READ', async () => {
    const world = createWorld();
    const { clock, thread, network, run } = world;
    const { visitor, agent, spy } = await spiedAgent(world);
    agent.setActiveThread(thread);
    await run(agent.disconnect());
    const sent: LocalMessage[] = [];
    for (let i = 0; i < 30; i++) sent.push(await run(visitor.send(thread, { type: 'TEXT', text: `m${i}` }).done));
    await run(agent.connect());
    await clock.advanceAsync(6_000);
    expect(agent.messages(thread.topic)).toHaveLength(30);
    expect(spy.receipts).toEqual([`READ ${sent.at(-1)?.uid}`]);
    expect(new Set(agent.messages(thread.topic).map((m) => m.status))).toEqual(new Set(['READ']));
    // The visitor sees the newest read; the others keep what the server has for them.
    expect(visitor.messages(thread.topic).at(-1)?.status).toBe('READ');
    expect(network.message(sent[0]?.uid ?? '')?.status).toBe('SUCCESS');
  });

  it('opened while offline, the thread is read once connected; what history says is READ gets none', async () => {
    const world = createWorld();
    const { clock, thread, network, client, run, online } = world;
    const { visitor, agent, spy } = await spiedAgent(world, { autoDelivered: false });
    const one = await run(visitor.send(thread, { type: 'TEXT', text: 'one' }).done);
    await clock.advanceAsync(100);
    expect(spy.receipts).toEqual([]);
    await run(agent.disconnect());
    agent.setActiveThread(thread.topic);
    await run(agent.connect());
    await clock.advanceAsync(6_000);
    expect(spy.receipts).toEqual([`READ ${one.uid}`]);

    // A fresh client with the thread open from the start reads nothing again.
    const spy2 = spiedRealtime(network);
    const fresh = client('a1', { realtime: spy2.realtime });
    fresh.setActiveThread(thread);
    await online(fresh);
    await clock.advanceAsync(6_000);
    expect(fresh.messages(thread.topic).map((m) => m.status)).toEqual(['READ']);
    expect(spy2.receipts).toEqual([]);
  });

  it('a markRead while offline tells the server once connected: one READ, for what was shown then', async () => {
    const world = createWorld();
    const { clock, thread, network, run } = world;
    const { visitor, agent, spy } = await spiedAgent(world, { autoDelivered: false });
    const one = await run(visitor.send(thread, { type: 'TEXT', text: 'one' }).done);
    const two = await run(visitor.send(thread, { type: 'TEXT', text: 'two' }).done);
    await clock.advanceAsync(100);
    await run(agent.disconnect());
    agent.markRead(thread);
    const later = await run(visitor.send(thread, { type: 'TEXT', text: 'later' }).done);
    expect(network.message(two.uid)?.status).not.toBe('READ');
    await run(agent.connect());
    await clock.advanceAsync(6_000);
    expect(spy.receipts).toEqual([`READ ${two.uid}`]);
    expect(network.message(two.uid)?.status).toBe('READ');
    expect(network.message(later.uid)?.status).not.toBe('READ');
    expect(agent.messages(thread.topic).map((m) => `${m.content} ${m.status}`)).toEqual([
      'one READ',
      'two READ',
      `later ${network.message(later.uid)?.status}`,
    ]);
    expect(one.uid).toBeTruthy();
  });

  it('a markDelivered while offline tells the server once connected, once, and a reconnect sends it no more', async () => {
    const world = createWorld();
    const { clock, thread, network, run } = world;
    const { agent, spy, sent, errors } = await sentThenOffline(world, ['one', 'two']);
    const [one, two] = sent as [LocalMessage, LocalMessage];
    agent.markDelivered(thread, one.uid);
    agent.markDelivered(thread, two.uid);
    agent.markDelivered(thread, one.uid);
    expect(network.message(one.uid)?.status).toBe('SUCCESS');
    await run(agent.connect());
    await clock.advanceAsync(6_000);
    expect(spy.receipts).toEqual([`DELIVERED ${one.uid}`, `DELIVERED ${two.uid}`]);
    expect([network.message(one.uid)?.status, network.message(two.uid)?.status]).toEqual(['DELIVERED', 'DELIVERED']);
    await run(agent.reconnect());
    await clock.advanceAsync(6_000);
    expect(spy.receipts).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it('receipts asked for offline by a client disposed before it reconnects are dropped, with no error', async () => {
    const world = createWorld();
    const { clock, thread, network, run } = world;
    const { agent, spy, sent, errors } = await sentThenOffline(world, ['one']);
    const [one] = sent as [LocalMessage];
    agent.markDelivered(thread, one.uid);
    agent.markRead(thread);
    await run(agent.dispose());
    agent.markRead(thread, one.uid);
    await clock.advanceAsync(6_000);
    expect(spy.receipts).toEqual([]);
    expect(errors).toEqual([]);
    expect(network.message(one.uid)?.status).toBe('SUCCESS');
  });

  it('no receipts in a group thread, open or not', async () => {
    const { clock, network, client, run, online } = createWorld();
    const group: ChatThread = { uid: 'g1', topic: topics.group('g1'), type: 'GROUP' };
    const visitor = client('v1');
    await online(visitor);
    await run(visitor.subscribe([group.topic]));
    const spy = spiedRealtime(network);
    const agent = client('a1', { realtime: spy.realtime });
    await online(agent);
    await run(agent.subscribe([group.topic]));
    agent.setActiveThread(group);
    const sent = await run(visitor.send(group, { type: 'TEXT', text: 'to all' }).done);
    await clock.advanceAsync(100);
    expect(agent.messages(group.topic).map((m) => m.uid)).toEqual([sent.uid]);
    expect(spy.receipts).toEqual([]);
  });
});
