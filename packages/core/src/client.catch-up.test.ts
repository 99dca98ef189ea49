/**
 * Catch-up against the real server's history (SPEC §2), on the fake clock and the in-memory
 * server: sorted by `updatedAt` (a receipt moves an old message first), written ~5 s late, no
 * cap on the page size — what the SDK must not lose a message to.
 */
import { describe, expect, it } from 'vitest';
import type { ChatClient, GapEvent } from './api.js';
import { createWorld, dropLink } from './client.fixtures.js';

/** The real server writes history in batches about every 5 s. */
const LAG = 5_000;

describe('createChatClient: catch-up on the real server’s history', () => {
  it('an old message read while the visitor was away does not hide the newer ones from catch-up', async () => {
    const { clock, thread, run, online, onlinePair } = createWorld();
    const { agent, visitor } = await onlinePair({}, { autoDelivered: false });
    const got: string[] = [];
    visitor.on('message', (m) => got.push(m.content));
    const old = await run(visitor.send(thread, { type: 'TEXT', text: 'old' }).done);
    await clock.advanceAsync(60_000);

    await run(visitor.disconnect());
    for (const text of ['new-1', 'new-2', 'new-3']) {
      await clock.advanceAsync(2_000);
      await run(agent.send(thread, { type: 'TEXT', text }).done);
    }
    // The agent reads the visitor's old message now: history lists it first, before new-1…new-3.
    await clock.advanceAsync(2_000);
    agent.markRead(thread, old.uid);
    await clock.advanceAsync(100);

    await online(visitor);
    await clock.advanceAsync(100);
    expect(got).toEqual(['new-1', 'new-2', 'new-3']);
    // And the READ it missed shows.
    expect(visitor.messages(thread.topic).find((m) => m.uid === old.uid)?.status).toBe('READ');
  });

  it('a message published 1 s before a reconnect, not yet in history, still arrives — before what came live after', async () => {
    const { clock, thread, run, online, onlinePair } = createWorld(1, { historyLagMs: LAG });
    const { agent, visitor } = await onlinePair();
    await clock.advanceAsync(LAG + 1_000);
    const got: string[] = [];
    visitor.on('message', (m) => got.push(m.content));
    await run(agent.send(thread, { type: 'TEXT', text: 'before' }).done);
    await clock.advanceAsync(100);

    await run(visitor.disconnect());
    await clock.advanceAsync(10_000);
    await run(agent.send(thread, { type: 'TEXT', text: 'just before' }).done);
    await clock.advanceAsync(1_000);
    await online(visitor);
    await run(agent.send(thread, { type: 'TEXT', text: 'after' }).done);
    await clock.advanceAsync(100);
    // History does not have 'just before' yet: 'after' waits so that the thread stays in order.
    expect(got).toEqual(['before']);
    await clock.advanceAsync(LAG);
    expect(got).toEqual(['before', 'just before', 'after']);
  });

  for (const count of [600, 5_000]) {
    it(`${count.toLocaleString('en')} messages sent while the visitor was away all arrive, once each, in order`, async () => {
      const world = createWorld(1, { historyLagMs: LAG });
      const { clock, thread, client, network, online } = world;
      const visitor = client('v1');
      await online(visitor);
      await clock.advanceAsync(LAG + 1_000);
      const got: string[] = [];
      const gaps: GapEvent[] = [];
      visitor.on('message', (m) => got.push(m.content));
      visitor.on('gap', (g) => gaps.push(g));
      network.publish(message(thread.topic, 'seen'));
      await clock.advanceAsync(100);

      const sent = await publishWhileAway(world, visitor, count, 3);
      await clock.advanceAsync(LAG);
      await online(visitor);
      network.publish(message(thread.topic, 'live'));
      await clock.advanceAsync(LAG + 1_000);
      expect(gaps).toEqual([]);
      expect(got).toEqual(['seen', ...sent, 'live']);
    }, 60_000);
  }

  it('5,000 messages in a burst while away, read by the first pass and again after the lag, show once each (default dedupeCapacity)', async () => {
    const { clock, thread, client, network, online, run } = createWorld(1, { historyLagMs: LAG });
    const visitor = client('v1');
    await online(visitor);
    await clock.advanceAsync(LAG + 1_000);
    const got: string[] = [];
    visitor.on('message', (m) => got.push(m.content));
    network.publish(message(thread.topic, 'seen'));
    await clock.advanceAsync(100);

    await run(visitor.disconnect());
    const sent = Array.from({ length: 5_000 }, (_, i) => `away-${i}`);
    for (const text of sent) network.publish(message(thread.topic, text));
    // In history by the reconnect: the first pass brings them all (and 5,000 receipts of ours go out).
    await clock.advanceAsync(LAG + 500);
    await online(visitor);
    await clock.advanceAsync(100);
    expect(got).toHaveLength(5_001);
    // The read after the lag lists them all again (within the lag of the watermark; the receipts moved them up).
    network.publish(message(thread.topic, 'live'));
    await clock.advanceAsync(LAG + 1_000);
    expect(got).toEqual(['seen', ...sent, 'live']);
  }, 60_000);

  it('a message the timeline and the duplicate filter forgot, moved up by a receipt while away, is not shown again', async () => {
    const { clock, thread, network, online, run, onlinePair } = createWorld(1, { historyLagMs: LAG });
    const { agent, visitor } = await onlinePair(
      {},
      // A small timeline and filter (the filter holds 3 catch-up budgets: 150).
      { timing: { dedupeCapacity: 20, catchUpPageSize: 10, catchUpMaxPages: 5 } },
    );
    await clock.advanceAsync(LAG + 1_000);
    const got: string[] = [];
    visitor.on('message', (m) => got.push(m.content));
    const old = await run(visitor.send(thread, { type: 'TEXT', text: 'old' }).done);
    // 100 messages over 100 s, each with the visitor's receipt: 'old' is long forgotten.
    const live = Array.from({ length: 100 }, (_, i) => `live-${i}`);
    for (const text of live) {
      network.publish(message(thread.topic, text));
      await clock.advanceAsync(1_000);
    }
    expect(visitor.messages(thread.topic).some((m) => m.uid === old.uid)).toBe(false);

    await run(visitor.disconnect());
    // Read now: history lists 'old' first, above everything the floor keeps.
    agent.markRead(thread, old.uid);
    await clock.advanceAsync(LAG + 1_000);
    await online(visitor);
    await clock.advanceAsync(2 * LAG);
    expect(got).toEqual(live);
  });

  it('a new page reads one second of history in send order, though receipts moved some of it up', async () => {
    const { clock, thread, client, online, run } = createWorld();
    const agent = client('a1');
    const page1 = client('v1');
    await online(agent);
    await online(page1);
    // 20 messages within one server second; the first page reads the first five at the end of it.
    const texts = Array.from({ length: 20 }, (_, i) => `m${i}`);
    const sent = [];
    for (const text of texts) {
      sent.push(agent.send(thread, { type: 'TEXT', text }));
      await clock.advanceAsync(30);
    }
    await run(Promise.all(sent.map((m) => m.done)));
    for (const m of sent.slice(0, 5)) page1.markRead(thread, m.uid);
    await clock.advanceAsync(10);
    await run(page1.dispose());

    // History now lists m4…m0 first (READ moved them up), then m19…m5.
    const page2 = client('v1');
    const got: string[] = [];
    page2.on('message', (m) => got.push(m.content));
    await online(page2);
    await clock.advanceAsync(100);
    expect(got).toEqual(texts);
  });

  it('held live messages stay held through an outage longer than the hold guard: what was missed still comes first', async () => {
    const { clock, thread, network, online, run, onlinePair } = createWorld(1, { historyLagMs: LAG });
    const { agent, visitor } = await onlinePair();
    await clock.advanceAsync(LAG + 1_000);
    const got: string[] = [];
    visitor.on('message', (m) => got.push(m.content));

    await run(visitor.disconnect());
    await run(agent.send(thread, { type: 'TEXT', text: 'missed' }).done);
    // Back while history is down: its catch-up cannot read what it missed, and 'live' is held.
    network.faults.restFailure({ kind: 'network' });
    await online(visitor);
    await run(agent.send(thread, { type: 'TEXT', text: 'live' }).done);
    await clock.advanceAsync(1_000);
    expect(got).toEqual([]);
    // Then offline for a minute, longer than the guard (sendDeadlineMs + historyLagMs = 35 s).
    network.faults.refuseConnections(true);
    dropLink(network, 'v1');
    await clock.advanceAsync(60_000);
    expect(visitor.isConnected()).toBe(false);
    expect(got).toEqual([]);

    network.faults.reset();
    await clock.advanceAsync(120_000);
    expect(visitor.isConnected()).toBe(true);
    expect(got).toEqual(['missed', 'live']);
  });

  it('beyond catchUpPageSize × catchUpMaxPages, a gap event names what is missing — never a silent loss', async () => {
    const world = createWorld();
    const { clock, thread, client, network, online } = world;
    const visitor = client('v1', { timing: { catchUpPageSize: 10, catchUpMaxPages: 5 } });
    await online(visitor);
    const got: string[] = [];
    const gaps: GapEvent[] = [];
    visitor.on('message', (m) => got.push(m.content));
    visitor.on('gap', (g) => gaps.push(g));
    network.publish(message(thread.topic, 'seen'));
    await clock.advanceAsync(100);
    const sent = await publishWhileAway(world, visitor, 80, 1_000);
    await online(visitor);
    await clock.advanceAsync(100);
    // The newest 50 arrive (the budget); the 30 before them are named.
    expect(got).toEqual(['seen', ...sent.slice(30)]);
    expect(gaps).toHaveLength(1);
    const [gap] = gaps;
    expect(gap?.topic).toBe(thread.topic);
    expect(gap?.atMost).toBeGreaterThanOrEqual(30);
    const missing = network.history(thread.topic).filter((m) => sent.slice(0, 30).includes(m.content));
    const times = missing.map((m) => Date.parse(`${m.createdAt.replace(' ', 'T')}+08:00`));
    for (const time of times) {
      expect(time).toBeGreaterThanOrEqual(gap?.from ?? Number.NaN);
      expect(time).toBeLessThanOrEqual(gap?.to ?? Number.NaN);
    }
  });
});

/** Takes `visitor` offline, then the agent publishes `count` messages (`away-0` …) on the thread, `stepMs` apart; returns their texts. */
async function publishWhileAway(
  world: ReturnType<typeof createWorld>,
  visitor: ChatClient,
  count: number,
  stepMs: number,
): Promise<string[]> {
  await world.run(visitor.disconnect());
  const sent = Array.from({ length: count }, (_, i) => `away-${i}`);
  for (const text of sent) {
    world.network.publish(message(world.thread.topic, text));
    await world.clock.advanceAsync(stepMs);
  }
  return sent;
}

/** A message from the agent as the server takes it (published by one of the agent's devices). */
function message(topic: string, text: string) {
  return {
    uid: `${text}-uid`.padEnd(32, '0').slice(0, 32),
    type: 'TEXT',
    content: text,
    status: 'SENDING',
    channel: 'WEB',
    user: { uid: 'a1', nickname: 'a1', type: 'AGENT' },
    thread: { uid: 'thread-1', topic, type: 'AGENT' },
  };
}
