/**
 * `loadOlder` and the timeline snapshots, on the fake clock and the in-memory server as the real
 * server is (SPEC §2): history sorted by `updatedAt` (a receipt moves an old message to the
 * first page), recalled rows deleted, pages of any size.
 */
import { SdkError, type WireMessageInit } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatClient, LocalMessage, TimelineSnapshot } from './api.js';
import { createWorld } from './client.fixtures.js';
import type { HistoryPage, RestTransport } from './interfaces.js';

type World = ReturnType<typeof createWorld>;

/** Stores `count` messages from the agent on the thread, one a second: `m0` (oldest) … */
function seed(world: World, count: number, from = 0): string[] {
  const uids: string[] = [];
  for (let i = from; i < from + count; i++) {
    const uid = `${i.toString(16).padStart(8, '0')}${'0'.repeat(24)}`;
    const message: WireMessageInit = {
      uid,
      type: 'TEXT',
      content: `m${i}`,
      status: 'SENDING',
      createdAt: '',
      channel: 'WEB',
      user: { uid: 'a1', type: 'AGENT' },
      thread: { uid: world.thread.uid, topic: world.thread.topic, type: 'AGENT', user: { uid: 'v1' } },
      extra: '{"orgUid":"org-1"}',
    };
    world.network.publish(message);
    uids.push(uid);
    // Advanced by hand (no timer runs): the server stamps each message a second later.
    world.clock.advance(1_000);
  }
  return uids;
}

/** A READ of `uid` by `reader` on the thread. */
function readReceipt(world: World, uid: string, reader: string): WireMessageInit {
  return {
    uid: `f${uid.slice(1)}`,
    type: 'READ',
    content: uid,
    status: 'SENDING',
    createdAt: '',
    channel: 'WEB',
    user: { uid: reader },
    thread: { uid: world.thread.uid, topic: world.thread.topic, type: 'AGENT', user: { uid: 'v1' } },
    extra: '',
  };
}

const contents = (messages: readonly LocalMessage[]): string[] => messages.map((m) => m.content);
const range = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

/** Loads older messages until there are none left; returns what each call brought. */
async function scrollToTop(world: World, client: ChatClient, limit: number): Promise<LocalMessage[][]> {
  const pages: LocalMessage[][] = [];
  for (let i = 0; i < 200; i++) {
    const older = await world.run(client.loadOlder(world.thread, { limit }));
    pages.push([...older.messages]);
    if (!older.hasMore) return pages;
  }
  throw new Error('still more after 200 loads');
}

/** A visitor whose first catch-up reads only the newest `pages` × `pageSize` rows. */
function visitorOf(world: World, pageSize = 10, pages = 2): ChatClient {
  return world.client('v1', { timing: { catchUpPageSize: pageSize, catchUpMaxPages: pages } });
}

describe('loadOlder', () => {
  it('scrolls a fresh client back from where catch-up stopped to the first message, each once, in server order, one page a call', async () => {
    const world = createWorld();
    seed(world, 65);
    const visitor = visitorOf(world);
    const events: string[] = [];
    visitor.on('message', (m) => events.push(m.content));
    await world.online(visitor);
    expect(contents(visitor.messages(world.thread.topic))).toEqual(range(45, 65));
    const queries = world.network.stats().restQueries;

    const pages = await scrollToTop(world, visitor, 10);
    expect(pages.map(contents)).toEqual([range(35, 45), range(25, 35), range(15, 25), range(5, 15), range(0, 5)]);
    expect(contents(visitor.messages(world.thread.topic))).toEqual(range(0, 65));
    // One page a call, and the probe of the row before a page's first (the place is checked).
    expect(world.network.stats().restQueries - queries).toBeLessThanOrEqual(2 * pages.length);
    // What it loaded is no `message` event (the app asked for it), and gets no automatic receipt.
    expect(events).toEqual(range(45, 65));
    const stored = world.network.history(world.thread.topic);
    expect(stored.filter((m) => m.status !== 'SUCCESS').map((m) => m.content)).toEqual(range(45, 65));
    // Past the oldest: nothing, no request.
    const after = world.network.stats().restQueries;
    expect(await world.run(visitor.loadOlder(world.thread))).toEqual({ messages: [], hasMore: false });
    expect(world.network.stats().restQueries).toBe(after);
  });

  it('knows there is nothing older when catch-up read the whole history: no load, no request', async () => {
    const world = createWorld();
    seed(world, 5);
    const visitor = world.client('v1');
    await world.online(visitor);
    expect(visitor.timeline(world.thread.topic).get()).toMatchObject({ hasMore: false, loading: false });
    const queries = world.network.stats().restQueries;
    expect(await visitor.loadOlder(world.thread)).toEqual({ messages: [], hasMore: false });
    expect(world.network.stats().restQueries).toBe(queries);
  });

  it('brings the same LocalMessage as a live one: parsed, sender, thread, server time', async () => {
    const world = createWorld();
    seed(world, 3);
    const visitor = visitorOf(world, 1, 1);
    await world.online(visitor);
    const [live] = visitor.messages(world.thread.topic);
    const older = await world.run(visitor.loadOlder(world.thread, { limit: 1 }));
    const [loaded] = older.messages;
    expect(loaded).toBeDefined();
    expect(Object.keys(loaded ?? {}).sort()).toEqual(Object.keys(live ?? {}).sort());
    expect(loaded).toMatchObject({
      content: 'm1',
      parsed: { kind: 'text', text: 'm1' },
      status: 'SUCCESS',
      mine: false,
      user: { uid: 'a1', type: 'AGENT' },
      thread: { topic: world.thread.topic, uid: world.thread.uid },
    });
    expect(loaded?.createdAt).toBe((live?.createdAt ?? 0) - 1_000);
  });

  it('a receipt moved an old message to the first page: it shows in its place, and the ones around it are not skipped', async () => {
    const world = createWorld();
    const uids = seed(world, 40);
    // The visitor read m5 on another device: history lists it first now.
    world.network.publish(readReceipt(world, uids[5] ?? '', 'v1'));
    world.clock.advance(1_000);
    const visitor = visitorOf(world, 10, 1);
    await world.online(visitor);
    expect(contents(visitor.messages(world.thread.topic))).toEqual(['m5', ...range(31, 40)]);

    await scrollToTop(world, visitor, 7);
    expect(contents(visitor.messages(world.thread.topic))).toEqual(range(0, 40));
    expect(visitor.messages(world.thread.topic)[5]?.status).toBe('READ');
  });

  it('a receipt moving a message from below the cursor to the top of history does not lose it: told live, or found by the reconnect’s catch-up', async () => {
    for (const how of ['live', 'away'] as const) {
      const world = createWorld();
      const uids = seed(world, 40);
      const visitor = visitorOf(world, 10, 1);
      const events: string[] = [];
      visitor.on('message', (m) => events.push(m.content));
      await world.online(visitor);
      await world.run(visitor.loadOlder(world.thread, { limit: 10 }));
      if (how === 'away') await world.run(visitor.disconnect());
      // Someone else reads m5, which the visitor has not scrolled to: the server moves it to the top.
      world.network.publish(readReceipt(world, uids[5] ?? '', 'a2'));
      await world.clock.advanceAsync(100);
      if (how === 'away') await world.online(visitor);
      await scrollToTop(world, visitor, 10);
      expect(contents(visitor.messages(world.thread.topic)), how).toEqual(range(0, 40));
      expect(events, how).toEqual(range(30, 40));
    }
  });

  it('history moving between loads (new messages on top, a recall above the cursor) skips nothing and shows nothing twice', async () => {
    const world = createWorld();
    const uids = seed(world, 60);
    const agent = world.client('a1');
    const visitor = visitorOf(world);
    await world.online(agent);
    await world.online(visitor);
    await world.run(visitor.loadOlder(world.thread, { limit: 10 }));
    // 25 new messages push every row down; then the agent recalls m50 and m36, above the cursor: rows move up.
    for (let i = 0; i < 25; i++) await world.run(agent.send(world.thread, { type: 'TEXT', text: `new${i}` }).done);
    for (const i of [50, 36]) agent.recall(world.thread, uids[i] ?? '');
    await world.clock.advanceAsync(100);
    expect(world.network.history(world.thread.topic)).toHaveLength(83);

    await scrollToTop(world, visitor, 10);
    const shown = contents(visitor.messages(world.thread.topic)).filter((c) => c.startsWith('m'));
    expect(shown).toEqual(range(0, 60));
    expect(new Set(visitor.messages(world.thread.topic).map((m) => m.uid)).size).toBe(85);
    expect(
      visitor
        .messages(world.thread.topic)
        .filter((m) => m.status === 'RECALL')
        .map((m) => m.content),
    ).toEqual(['m36', 'm50']);
  });

  it('goes beyond the timeline cap: what it loaded is kept, and what the cap later lets go can be loaded again', async () => {
    const world = createWorld();
    seed(world, 50);
    const agent = world.client('a1');
    const visitor = world.client('v1', { timing: { catchUpPageSize: 10, catchUpMaxPages: 2, dedupeCapacity: 20 } });
    await world.online(agent);
    await world.online(visitor);
    await scrollToTop(world, visitor, 10);
    expect(contents(visitor.messages(world.thread.topic))).toEqual(range(0, 50));
    expect(visitor.timeline(world.thread.topic).get().hasMore).toBe(false);

    // 25 live messages: the cap (20 + the 30 loaded) lets the 25 oldest go.
    for (let i = 0; i < 25; i++) await world.run(agent.send(world.thread, { type: 'TEXT', text: `new${i}` }).done);
    await world.clock.advanceAsync(100);
    expect(contents(visitor.messages(world.thread.topic)).slice(0, 2)).toEqual(['m25', 'm26']);
    expect(visitor.timeline(world.thread.topic).get().hasMore).toBe(true);
    await scrollToTop(world, visitor, 10);
    expect(contents(visitor.messages(world.thread.topic)).filter((c) => c.startsWith('m'))).toEqual(range(0, 50));
  });

  it('without catch-up (a thread not subscribed) reads from the newest', async () => {
    const world = createWorld();
    seed(world, 30);
    const reader = world.client('v2', { autoDelivered: false });
    const pages = await scrollToTop(world, reader, 12);
    expect(pages.map(contents)).toEqual([range(18, 30), range(6, 18), range(0, 6)]);
    expect(contents(reader.messages(world.thread.topic))).toEqual(range(0, 30));
  });

  it('calls for one thread run one at a time: a call while one is under way gets its result', async () => {
    const world = createWorld(1, { latencyMs: 50 });
    seed(world, 30);
    const visitor = visitorOf(world, 10, 1);
    await world.online(visitor);
    await world.clock.advanceAsync(1_000);
    const queries = world.network.stats().restQueries;
    const first = visitor.loadOlder(world.thread, { limit: 5 });
    const second = visitor.loadOlder(world.thread.topic, { limit: 7 });
    expect(visitor.timeline(world.thread.topic).get().loading).toBe(true);
    expect(second).toBe(first);
    const [a, b] = await world.run(Promise.all([first, second]));
    expect(contents(a.messages)).toEqual(range(15, 20));
    expect(b).toBe(a);
    expect(world.network.stats().restQueries - queries).toBeLessThanOrEqual(2);
    expect(visitor.timeline(world.thread.topic).get().loading).toBe(false);
  });

  it('a failed read rejects with the SdkError and changes nothing: the next call brings the same', async () => {
    const world = createWorld();
    seed(world, 30);
    const visitor = visitorOf(world, 10, 1);
    await world.online(visitor);
    const before = visitor.messages(world.thread.topic);
    world.network.faults.restFailure({ kind: 'network' });
    const failed = await world.run(visitor.loadOlder(world.thread, { limit: 5 }).catch((e: unknown) => e));
    expect(failed).toBeInstanceOf(SdkError);
    expect((failed as SdkError).code).toBe('network');
    expect(visitor.messages(world.thread.topic)).toBe(before);
    world.network.faults.restFailure(undefined);
    const older = await world.run(visitor.loadOlder(world.thread, { limit: 5 }));
    expect(contents(older.messages)).toEqual(range(15, 20));
  });

  it('has a deadline: a history read that never answers rejects with timeout at loadOlderTimeoutMs', async () => {
    const world = createWorld();
    const hanging: RestTransport = {
      sendMessage: () => new Promise(() => undefined),
      queryTopic: () => new Promise<HistoryPage>(() => undefined),
    };
    const visitor = world.client('v1', { rest: hanging, timing: { loadOlderTimeoutMs: 4_000 } });
    const outcome = visitor.loadOlder(world.thread).catch((e: unknown) => e);
    await world.clock.advanceAsync(3_999);
    expect(visitor.timeline(world.thread.topic).get().loading).toBe(true);
    await world.clock.advanceAsync(1);
    const error = await outcome;
    expect((error as SdkError).code).toBe('timeout');
    expect(visitor.timeline(world.thread.topic).get().loading).toBe(false);
  });

  it('dispose and unsubscribe end a load under way with closed; without REST, with a bad limit or topic it rejects at once', async () => {
    const world = createWorld(1, { latencyMs: 50 });
    seed(world, 30);
    const visitor = visitorOf(world, 10, 1);
    await world.online(visitor);
    const dropped = visitor.loadOlder(world.thread).catch((e: unknown) => e);
    void visitor.unsubscribe([world.thread.topic]);
    expect(((await world.run(dropped)) as SdkError).code).toBe('closed');
    const disposed = visitor.loadOlder(world.thread).catch((e: unknown) => e);
    void visitor.dispose();
    expect(((await world.run(disposed)) as SdkError).code).toBe('closed');

    const offline = world.client('v3', { noRest: true });
    const codes = await Promise.all(
      [
        offline.loadOlder(world.thread),
        visitorOf(world).loadOlder(world.thread, { limit: 0 }),
        visitorOf(world).loadOlder(world.thread, { limit: 2.5 }),
        visitorOf(world).loadOlder('org/agent/+/v1'),
      ].map((p) => p.then(String, (e: SdkError) => e.code)),
    );
    expect(codes).toEqual(['invalid_argument', 'invalid_argument', 'invalid_argument', 'invalid_topic']);
  });
});

describe('timeline snapshots', () => {
  it('messages(topic) and timeline(topic) keep their identity until the thread changes, with useSyncExternalStore semantics', async () => {
    const world = createWorld();
    seed(world, 30);
    const agent = world.client('a1');
    const visitor = visitorOf(world, 10, 1);
    await world.online(agent);
    await world.online(visitor);
    const { topic } = world.thread;
    const store = visitor.timeline(topic);
    expect(visitor.timeline(topic)).toBe(store);
    // React calls getSnapshot again and again: the same object while nothing changed.
    const { subscribe, get } = store;
    const first = get();
    expect(get()).toBe(first);
    expect(visitor.messages(topic)).toBe(visitor.messages(topic));
    expect(first.messages).toBe(visitor.messages(topic));
    expect(Object.isFrozen(first.messages)).toBe(true);
    const seen: TimelineSnapshot[] = [];
    const unsubscribe = subscribe((value) => seen.push(value));
    expect(seen).toEqual([first]);

    await world.run(agent.send(world.thread, { type: 'TEXT', text: 'hello' }).done);
    await world.clock.advanceAsync(100);
    const second = get();
    expect(second).not.toBe(first);
    expect(second.messages.at(-1)?.content).toBe('hello');
    expect(get()).toBe(second);
    expect(seen.at(-1)).toBe(second);

    const heard = seen.length;
    await world.run(visitor.loadOlder(world.thread, { limit: 5 }));
    const third = get();
    expect(third.messages.slice(0, 5).map((m) => m.content)).toEqual(range(15, 20));
    // loading on, then off with the messages: two changes, each a new snapshot.
    expect(seen.slice(heard).map((s) => s.loading)).toEqual([true, false]);
    unsubscribe();
    unsubscribe();
    await world.run(agent.send(world.thread, { type: 'TEXT', text: 'unheard' }).done);
    await world.clock.advanceAsync(100);
    expect(seen.at(-1)).toBe(third);
  });

  it('a listener hears only its own thread; a listener that throws is logged and the others still hear', async () => {
    const world = createWorld();
    const other = { ...world.thread, uid: 'thread-2', topic: 'org/agent/a1/v9' };
    const agent = world.client('a1');
    const errors: string[] = [];
    const visitor = world.client('v1', {
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m) => errors.push(m) },
    });
    await world.online(agent);
    await world.online(visitor);
    await world.run(visitor.subscribe([other.topic]));
    const heard: string[] = [];
    visitor.timeline(world.thread.topic).subscribe(() => {
      throw new Error('render failed');
    });
    visitor.timeline(world.thread.topic).subscribe((s) => heard.push(`one:${s.messages.length}`));
    visitor.timeline(other.topic).subscribe((s) => heard.push(`two:${s.messages.length}`));
    // Catch-up found the other thread's history empty: that may only be the history lag, so
    // `hasMore` stays until a load finds nothing.
    await world.clock.advanceAsync(100);
    expect(heard).toEqual(['one:0', 'two:0']);
    expect(visitor.timeline(other.topic).get().hasMore).toBe(true);
    heard.length = 0;
    await world.run(agent.send(world.thread, { type: 'TEXT', text: 'to one' }).done);
    await world.clock.advanceAsync(100);
    expect(heard).toEqual(['one:1']);
    expect(errors).toContain('a timeline listener threw');
    await world.run(agent.send(other, { type: 'TEXT', text: 'to two' }).done);
    await world.clock.advanceAsync(100);
    expect(heard).toEqual(['one:1', 'two:1']);
  });
});
