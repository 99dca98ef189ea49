/**
 * The thread list of a client against the in-memory server (the real server's rules): loaded
 * from REST, kept current by what arrives, unread counts, markRead, snapshots for a UI.
 */
import { MAX_UID_LENGTH, topics } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatClient, ChatThread, ThreadSummary } from './api.js';
import { createWorld, nextConnected } from './client.fixtures.js';
import type { RestTransport, ThreadListPage } from './interfaces.js';

let n = 0;
/** A message a user publishes on a topic, as a client of theirs would. */
function message(topic: string, from: string, text: string, type = 'TEXT') {
  n += 1;
  return {
    uid: `m${`${n}`.padStart(31, '0')}`,
    type,
    content: text,
    status: 'SENDING',
    channel: 'WEB',
    user: { uid: from, nickname: from, type: from.startsWith('a') ? 'AGENT' : 'VISITOR' },
    thread: { uid: `t-${topic}`, topic, type: 'AGENT', user: { uid: topic.split('/')[3] ?? '' } },
  };
}

const second: ChatThread = { uid: 'thread-2', topic: topics.agent('a1', 'v2'), type: 'AGENT', user: { uid: 'v2' } };

const byTopic = (list: readonly ThreadSummary[], topic: string) => list.find((t) => t.topic === topic);

/** A whole list of one page: a row for each topic, as the server's list would have it. */
function onePage(topicsListed: readonly string[]): ThreadListPage {
  return {
    threads: topicsListed.map((topic, i) => ({
      uid: `t${i}`,
      topic,
      type: 'AGENT',
      state: 'CHATTING',
      preview: '',
      lastMessageType: '',
      unreadCount: 0,
      transferStatus: '',
      top: false,
      mute: false,
      updatedAt: '',
      createdAt: '',
    })),
    pageNumber: 0,
    pageSize: 50,
    totalPages: 1,
    totalElements: topicsListed.length,
    last: true,
  };
}

/**
 * The topics containing `part` that the agent subscribes on a fresh connection: what its client
 * keeps. The real server's UNSUBSCRIBE is a no-op, so the connection's own list only grows.
 */
async function wantedAfterReconnect(world: ReturnType<typeof createWorld>, agent: ChatClient, part: string) {
  const connected = nextConnected(agent);
  void agent.reconnect();
  await world.run(connected);
  await world.clock.advanceAsync(1_000);
  const connection = world.network.connections().find((c) => c.uid === 'a1');
  return (connection?.subscriptions ?? []).filter((t) => t.includes(part));
}

describe('createChatClient: the thread list', () => {
  it("loads the agent's threads from REST with the server's unread counts, and subscribes to them", async () => {
    const world = createWorld();
    const { network, thread, client, run, clock } = world;
    network.seedThread({ uid: thread.uid, topic: thread.topic, type: 'AGENT' });
    network.publish(message(thread.topic, 'v1', 'first'));
    await clock.advanceAsync(1_000);
    network.publish(message(thread.topic, 'v1', 'second'));
    const agent = client('a1');
    await run(agent.connect());
    expect(agent.threads()).toEqual([]);

    const loaded = await run(agent.loadThreads());
    expect(loaded).toMatchObject({ hasMore: false, totalElements: 1 });
    expect(loaded.threads).toEqual([
      expect.objectContaining({
        uid: thread.uid,
        topic: thread.topic,
        type: 'AGENT',
        state: 'CHATTING',
        user: expect.objectContaining({ uid: 'v1' }),
        preview: 'second',
        unreadCount: 2,
        top: false,
        mute: false,
      }),
    ]);
    expect(agent.threads()).toEqual(loaded.threads);
    await clock.advanceAsync(100);
    // Subscribed and caught up: the two messages came from history, counted once.
    expect(network.connections().find((c) => c.uid === 'a1')?.subscriptions).toContain(thread.topic);
    expect(agent.messages(thread.topic).map((m) => m.content)).toEqual(['first', 'second']);
    expect(byTopic(agent.threads(), thread.topic)?.unreadCount).toBe(2);
    expect(byTopic(agent.threads(), thread.topic)?.lastMessage?.content).toBe('second');
  });

  it("a new visitor's thread arrives unasked (the server delivers it to its agent) and joins the list", async () => {
    const { network, client, run, online, clock } = createWorld();
    const agent = client('a1');
    const visitor = client('v2');
    await online(agent);
    await run(agent.loadThreads());
    await run(visitor.connect());
    const sent = visitor.send(second, { type: 'TEXT', text: 'hello, anyone?' });
    await run(sent.done);
    await clock.advanceAsync(100);
    const listed = byTopic(agent.threads(), second.topic);
    expect(listed).toMatchObject({
      topic: second.topic,
      preview: 'hello, anyone?',
      unreadCount: 1,
      user: { uid: 'v2' },
    });
    expect(listed?.lastMessage?.uid).toBe(sent.uid);
    expect(agent.messages(second.topic).map((m) => m.uid)).toEqual([sent.uid]);
    // Its topic is subscribed now: the next message comes the usual way.
    const next = visitor.send(second, { type: 'TEXT', text: 'still there?' });
    await run(next.done);
    await clock.advanceAsync(100);
    expect(byTopic(agent.threads(), second.topic)).toMatchObject({ preview: 'still there?', unreadCount: 2 });
    // A topic that does not name this agent is never taken in.
    network.publish(message(topics.agent('a2', 'v9'), 'v9', 'not yours'));
    await clock.advanceAsync(100);
    expect(agent.threads().map((t) => t.topic)).toEqual([second.topic]);
    expect(agent.messages(topics.agent('a2', 'v9'))).toEqual([]);
  });

  it('counts what others send, not my own; markRead(thread) clears it with one READ the server keeps', async () => {
    const { network, run, clock, thread, onlinePair } = createWorld();
    const { agent, visitor } = await onlinePair({ autoDelivered: false });
    const sent = [];
    for (const text of ['one', 'two', 'three']) {
      sent.push(visitor.send(thread, { type: 'TEXT', text }));
      await clock.advanceAsync(1_000);
    }
    await run(Promise.all(sent.map((s) => s.done)));
    await clock.advanceAsync(100);
    expect(byTopic(agent.threads(), thread.topic)?.unreadCount).toBe(3);
    const reply = agent.send(thread, { type: 'TEXT', text: 'my answer' });
    await run(reply.done);
    await clock.advanceAsync(100);
    expect(byTopic(agent.threads(), thread.topic)).toMatchObject({ unreadCount: 3, preview: 'my answer' });

    agent.markRead(byTopic(agent.threads(), thread.topic) ?? thread);
    expect(byTopic(agent.threads(), thread.topic)?.unreadCount).toBe(0);
    await clock.advanceAsync(100);
    // One receipt, for the newest: the server reads what is older with it.
    const third = sent[2]?.uid ?? '';
    expect(network.message(third)?.status).toBe('READ');
    expect(network.message(sent[0]?.uid ?? '')?.status).not.toBe('READ');
    const reloaded = await run(agent.loadThreads());
    expect(byTopic(reloaded.threads, thread.topic)?.unreadCount).toBe(0);

    // A new message counts again; one read by uid clears it and what is older.
    const four = visitor.send(thread, { type: 'TEXT', text: 'four' });
    await run(four.done);
    await clock.advanceAsync(100);
    expect(byTopic(agent.threads(), thread.topic)?.unreadCount).toBe(1);
    agent.markRead(thread, four.uid);
    expect(byTopic(agent.threads(), thread.topic)?.unreadCount).toBe(0);
  });

  it('caught-up messages count unless READ already or older than one that is', async () => {
    const { network, client, run, clock, thread } = createWorld();
    network.seedThread({ uid: thread.uid, topic: thread.topic, type: 'AGENT' });
    const read = message(thread.topic, 'v1', 'read on my phone');
    network.publish(message(thread.topic, 'v1', 'before it'));
    await clock.advanceAsync(1_000);
    network.publish(read);
    network.publish({ ...message(thread.topic, 'a1', read.uid, 'READ'), content: read.uid });
    await clock.advanceAsync(1_000);
    network.publish(message(thread.topic, 'v1', 'after it'));
    const agent = client('a1', { autoDelivered: false });
    await run(agent.connect());
    await run(agent.loadThreads());
    await clock.advanceAsync(100);
    expect(agent.messages(thread.topic).map((m) => m.content)).toEqual(['before it', 'read on my phone', 'after it']);
    expect(byTopic(agent.threads(), thread.topic)?.unreadCount).toBe(1);
  });

  it('AUTO_CLOSED / AGENT_CLOSED close the thread, TRANSFER marks it; neither counts as unread', async () => {
    const { network, client, run, online, clock, thread } = createWorld();
    const agent = client('a1');
    await online(agent);
    await run(agent.loadThreads());
    network.publish(message(thread.topic, 'v1', 'bye'));
    await clock.advanceAsync(1_000);
    network.publish(message(thread.topic, 'system', JSON.stringify({ content: '会话已自动关闭' }), 'AUTO_CLOSED'));
    await clock.advanceAsync(100);
    expect(byTopic(agent.threads(), thread.topic)).toMatchObject({
      state: 'CLOSED',
      preview: '会话已自动关闭',
      unreadCount: 1,
    });
    // A transfer travels between agents and names the thread it is about.
    const between = topics.member('a2', 'a1');
    await run(agent.subscribe([between]));
    const transfer = message(
      between,
      'a2',
      JSON.stringify({ note: 'yours', uid: 'tr', thread: { topic: thread.topic } }),
      'TRANSFER',
    );
    network.publish({ ...transfer, thread: { uid: 'mt', topic: between, type: 'MEMBER', user: { uid: 'a1' } } });
    await clock.advanceAsync(100);
    expect(byTopic(agent.threads(), thread.topic)).toMatchObject({
      transferStatus: 'TRANSFER_PENDING',
      unreadCount: 1,
    });
  });

  it('snapshots keep their identity until something changes, and only the thread that changed is new', async () => {
    const { run, clock, thread, onlinePair } = createWorld();
    const { agent, visitor } = await onlinePair();
    await run(visitor.send(thread, { type: 'TEXT', text: 'one' }).done);
    await run(visitor.send(second, { type: 'TEXT', text: 'other thread' }).done);
    await run(agent.subscribe([second.topic]));
    await run(visitor.send(second, { type: 'TEXT', text: 'other thread again' }).done);
    await clock.advanceAsync(100);
    let calls = 0;
    const off = agent.subscribeThreads(() => {
      calls += 1;
    });
    const before = agent.threads();
    expect(agent.threads()).toBe(before);
    const firstBefore = byTopic(before, thread.topic);
    await clock.advanceAsync(1_000);
    expect(agent.threads()).toBe(before);
    expect(calls).toBe(0);
    await run(visitor.send(second, { type: 'TEXT', text: 'news' }).done);
    await clock.advanceAsync(100);
    const after = agent.threads();
    expect(after).not.toBe(before);
    expect(calls).toBeGreaterThan(0);
    expect(byTopic(after, thread.topic)).toBe(firstBefore);
    expect(byTopic(after, second.topic)).not.toBe(byTopic(before, second.topic));
    expect(after[0]?.topic).toBe(second.topic);
    expect(Object.isFrozen(after)).toBe(true);
    off();
    off();
    const seen = calls;
    agent.markRead(second);
    expect(calls).toBe(seen);
  });

  it('refuses what cannot be loaded, with a typed error, and keeps what it has', async () => {
    const { client, run } = createWorld();
    const noList = client('a1', { noRest: true });
    await expect(noList.loadThreads()).rejects.toMatchObject({ code: 'invalid_argument' });
    const agent = client('a1');
    for (const bad of [{ pageSize: 0 }, { pageSize: 201 }, { pageNumber: -1 }, { pageNumber: 0.5 }]) {
      await expect(agent.loadThreads(bad)).rejects.toMatchObject({ code: 'invalid_argument' });
    }
    await run(agent.dispose());
    await expect(agent.loadThreads()).rejects.toMatchObject({ code: 'closed' });
  });

  it('skips a listed thread whose topic is no thread (a hostile list): nothing is subscribed to it', async () => {
    const { client, run, network } = createWorld();
    const inner = network.rest();
    const page = onePage(['org/agent/a1/v1', 'org/agent/#', 'user/a1', '/x', 'org/agent/a1/v1_internal']);
    const rest: RestTransport = { ...inner, queryThreads: async () => page };
    const agent = client('a1', { rest });
    await run(agent.connect());
    await run(agent.loadThreads());
    expect(agent.threads().map((t) => t.topic)).toEqual(['org/agent/a1/v1']);
    expect(network.connections().find((c) => c.uid === 'a1')?.subscriptions).not.toContain('org/agent/#');
  });

  it('subscribes at most 1,000 threads taken in unasked: a flood of forged threads lets its own first ones go', async () => {
    const world = createWorld();
    const { network, client, run, online, clock, thread } = world;
    const agent = client('a1');
    await online(agent);
    await run(agent.loadThreads());
    // The server delivers each new thread to its agent: 1,500 forged ones, with a uid the client never shows (over its limit).
    const long = (i: number) => `${i}`.padEnd(MAX_UID_LENGTH + 1, 'x');
    const forgedTopic = (i: number) => topics.agent('a1', `forged${i}`);
    const forged = (i: number) => ({ ...message(forgedTopic(i), `forged${i}`, 'hi'), uid: long(i) });
    for (let i = 0; i < 1_500; i++) network.publish(forged(i));
    await clock.advanceAsync(1_000);
    expect(agent.threads()).toHaveLength(0);
    const first = await wantedAfterReconnect(world, agent, 'forged');
    expect(first).toHaveLength(1_000);
    expect(first).toEqual(expect.arrayContaining([forgedTopic(500), forgedTopic(1_499)]));
    expect(first).not.toContain(forgedTopic(499));

    // A real visitor still gets through; the app's own thread is never let go.
    const real = topics.agent('a1', 'real');
    network.publish(message(real, 'real', 'hello'));
    await clock.advanceAsync(1_000);
    expect(agent.messages(real).map((m) => m.content)).toEqual(['hello']);
    const after = await wantedAfterReconnect(world, agent, 'a1/');
    expect(after).toHaveLength(1_001);
    expect(after).toEqual(expect.arrayContaining([real, thread.topic]));
    expect(after).not.toContain(forgedTopic(500));

    // The app lets some go: as many new ones are taken in without letting another go.
    await run(agent.unsubscribe([forgedTopic(1_490), forgedTopic(1_491)]));
    for (let i = 0; i < 2; i++) network.publish({ ...forged(2_000 + i), thread: forged(i).thread });
    await clock.advanceAsync(1_000);
    const last = await wantedAfterReconnect(world, agent, 'a1/');
    expect(last).toHaveLength(1_001);
    expect(last).toEqual(expect.arrayContaining([forgedTopic(0), forgedTopic(1), forgedTopic(501), real]));
  }, 60_000);
});

describe('createChatClient: a long-running agent keeps taking in new threads', () => {
  const visitorTopic = (i: number) => topics.agent('a1', `day${i}`);

  it('after 1,000 visitors in a day, the next one is taken in: the stalest taken in unasked is let go', async () => {
    const world = createWorld();
    const { network, client, run, online, clock } = world;
    // The server's list, or one of just the rows the test names.
    const inner = network.rest();
    let listed: string[] | undefined;
    const queryThreads: RestTransport['queryThreads'] = async (query, call) =>
      listed ? onePage(listed) : (inner.queryThreads?.(query, call) ?? onePage([]));
    const agent = client('a1', { rest: { ...inner, queryThreads } });
    await online(agent);
    await run(agent.loadThreads());
    // A day of visitors: each one writes, one a second, and the agent's console takes each in.
    for (let i = 0; i < 1_000; i++) {
      network.publish(message(visitorTopic(i), `day${i}`, `hello ${i}`));
      await clock.advanceAsync(1_000);
    }
    expect(agent.threads()).toHaveLength(1_000);
    expect(await wantedAfterReconnect(world, agent, 'day')).toHaveLength(1_000);
    // The first visitor writes again: the stalest is the second now.
    network.publish(message(visitorTopic(0), 'day0', 'still here'));
    await clock.advanceAsync(1_000);
    let changes = 0;
    agent.subscribeThreads(() => changes++);

    // The 1,001st visitor of the day writes: taken in, listed, what it says shown.
    network.publish(message(visitorTopic(1_000), 'day1000', 'anyone there?'));
    await clock.advanceAsync(1_000);
    expect(agent.messages(visitorTopic(1_000)).map((m) => m.content)).toEqual(['anyone there?']);
    expect(agent.threads()[0]).toMatchObject({ topic: visitorTopic(1_000), unreadCount: 1 });
    expect(changes).toBeGreaterThan(0);
    // The stalest thread taken in unasked (the second visitor's) was let go: out of the list, unsubscribed.
    expect(agent.threads()).toHaveLength(1_000);
    expect(byTopic(agent.threads(), visitorTopic(1))).toBeUndefined();
    expect(byTopic(agent.threads(), visitorTopic(0))).toMatchObject({ preview: 'still here' });
    expect(agent.messages(visitorTopic(1))).toEqual([]);
    const wanted = await wantedAfterReconnect(world, agent, 'day');
    expect(wanted).toHaveLength(1_000);
    expect(wanted).not.toContain(visitorTopic(1));
    expect(wanted).toEqual(expect.arrayContaining([visitorTopic(0), visitorTopic(2), visitorTopic(1_000)]));

    // A visitor let go writes again: taken in again (the next stalest goes), its message not lost.
    network.publish(message(visitorTopic(1), 'day1', 'me again'));
    await clock.advanceAsync(1_000);
    expect(agent.messages(visitorTopic(1)).map((m) => m.content)).toContain('me again');
    expect(agent.threads()[0]).toMatchObject({ topic: visitorTopic(1), preview: 'me again' });
    expect(byTopic(agent.threads(), visitorTopic(2))).toBeUndefined();

    // Threads the app asked for (subscribed itself, or loaded) are never let go: the next stalest go instead.
    await run(agent.subscribe([visitorTopic(3)]));
    listed = [visitorTopic(4)];
    await run(agent.loadThreads());
    // The two asked for made room for two more; the next two let go the fifth and sixth.
    for (let i = 1_001; i < 1_005; i++) network.publish(message(visitorTopic(i), `day${i}`, 'hi'));
    await clock.advanceAsync(1_000);
    const now = await wantedAfterReconnect(world, agent, 'day');
    expect(now).toHaveLength(1_002);
    expect(now).toEqual(expect.arrayContaining([visitorTopic(1), visitorTopic(3), visitorTopic(4), visitorTopic(7)]));
    for (const i of [2, 5, 6]) expect(now).not.toContain(visitorTopic(i));
  }, 60_000);

  it('a full list of loaded threads still takes in a new visitor, dropping the least recently active', async () => {
    const world = createWorld();
    const { network, client, run, online, clock } = world;
    for (let i = 0; i < 1_000; i++) {
      network.seedThread({ uid: `seeded${i}`, topic: visitorTopic(i), type: 'AGENT' });
      await clock.advanceAsync(1_000);
    }
    const agent = client('a1');
    await online(agent);
    for (let page = 0; page < 5; page++) await run(agent.loadThreads({ pageNumber: page, pageSize: 200 }));
    await clock.advanceAsync(1_000);
    expect(agent.threads()).toHaveLength(1_000);

    network.publish(message(topics.agent('a1', 'fresh'), 'fresh', 'hello'));
    await clock.advanceAsync(1_000);
    expect(agent.messages(topics.agent('a1', 'fresh')).map((m) => m.content)).toEqual(['hello']);
    expect(agent.threads()[0]?.topic).toBe(topics.agent('a1', 'fresh'));
    expect(agent.threads()).toHaveLength(1_000);
    // The least recently active left the list; loaded (asked for), it stays subscribed.
    expect(byTopic(agent.threads(), visitorTopic(0))).toBeUndefined();
    expect(await wantedAfterReconnect(world, agent, 'day')).toHaveLength(1_000);
  }, 60_000);
});
