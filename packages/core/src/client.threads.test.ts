/**
 * The thread list of a client against the in-memory server (the real server's rules): loaded
 * from REST, kept current by what arrives, unread counts, markRead, snapshots for a UI.
 */
import { MAX_UID_LENGTH, topics } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatThread, ThreadSummary } from './api.js';
import { createWorld } from './client.fixtures.js';
import type { RestTransport, ThreadListPage } from './interfaces.js';

let n = 0;
/** A message a user publishes on a topic, as a client of theirs would. */
function message(topic: string, from: string, text: string, type = 'TEXT') {
  n += 1;
  return {
    uid: `m${n}`.padEnd(32, '0'),
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
    const page: ThreadListPage = {
      threads: ['org/agent/a1/v1', 'org/agent/#', 'user/a1', '/x', 'org/agent/a1/v1_internal'].map((topic, i) => ({
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
      totalElements: 5,
      last: true,
    };
    const rest: RestTransport = { ...inner, queryThreads: async () => page };
    const agent = client('a1', { rest });
    await run(agent.connect());
    await run(agent.loadThreads());
    expect(agent.threads().map((t) => t.topic)).toEqual(['org/agent/a1/v1']);
    expect(network.connections().find((c) => c.uid === 'a1')?.subscriptions).not.toContain('org/agent/#');
  });

  it('takes in at most 1,000 threads unasked: anyone may open threads naming this agent, in a burst', async () => {
    const { network, client, run, online, clock } = createWorld();
    const agent = client('a1');
    await online(agent);
    await run(agent.loadThreads());
    // The server delivers each new thread to its agent: 1,500 forged ones, with a uid the client never shows (over its limit).
    const long = (i: number) => `${i}`.padEnd(MAX_UID_LENGTH + 1, 'x');
    const forged = (i: number) => ({ ...message(topics.agent('a1', `forged${i}`), `forged${i}`, 'hi'), uid: long(i) });
    for (let i = 0; i < 1_500; i++) network.publish(forged(i));
    await clock.advanceAsync(1_000);
    expect(agent.threads()).toHaveLength(0);
    const subscribed = (): string[] =>
      (network.connections().find((c) => c.uid === 'a1')?.subscriptions ?? []).filter((t) => t.includes('forged'));
    expect(subscribed()).toHaveLength(1_000);
    // The app lets some go: as many new ones are taken in again.
    await run(agent.unsubscribe(subscribed().slice(0, 10)));
    for (let i = 0; i < 20; i++)
      network.publish({ ...message(topics.agent('a1', `later${i}`), 'v', 'hi'), uid: long(2_000 + i) });
    await clock.advanceAsync(1_000);
    const later = (network.connections().find((c) => c.uid === 'a1')?.subscriptions ?? []).filter((t) =>
      t.includes('later'),
    );
    expect(later).toHaveLength(10);
  });
});
