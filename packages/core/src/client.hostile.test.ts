/**
 * What anyone may post into a thread (the real server checks nothing, SPEC §2): topics that
 * are not ours, forged recalls and stream chunks, rewrites. The client never publishes where a
 * payload says, applies nothing forged to what it shows, tells what it refused, and keeps no
 * structure for threads it is not on.
 */
import { encodeMessage, MAX_UID_LENGTH, type WireMessageInit } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatClientEvents, LocalMessage, TypingEvent } from './api.js';
import { createWorld } from './client.fixtures.js';
import type { RealtimeTransport } from './interfaces.js';

/** A realtime transport that records the topic of every publish. */
function recordingPublishes(inner: RealtimeTransport): { transport: RealtimeTransport; topics: string[] } {
  const topics: string[] = [];
  const transport: RealtimeTransport = {
    get deviceUid() {
      return inner.deviceUid;
    },
    isConnected: () => inner.isConnected(),
    connect: (options, signal) => inner.connect(options, signal),
    publish: (topic, payload, qos) => {
      topics.push(topic);
      return inner.publish(topic, payload, qos);
    },
    subscribe: (topics, qos) => inner.subscribe(topics, qos),
    unsubscribe: (topics) => inner.unsubscribe(topics),
    close: () => inner.close(),
    on: (listener) => inner.on(listener),
  };
  return { transport, topics };
}

function hostile(over: WireMessageInit): Uint8Array {
  return encodeMessage({
    type: 'TEXT',
    content: 'hostile',
    status: 'SUCCESS',
    createdAt: '2024-01-01 08:00:00',
    channel: 'WEB',
    user: { uid: 'a1' },
    ...over,
  });
}

async function setup() {
  const world = createWorld();
  const { transport, topics } = recordingPublishes(world.network.realtime());
  const visitor = world.client('v1', { realtime: transport });
  const agent = world.client('a1');
  await world.online(visitor);
  await world.online(agent);
  const seen = {
    messages: [] as LocalMessage[],
    refused: [] as Array<ChatClientEvents['refused']>,
    recalls: [] as string[],
    states: [] as string[],
  };
  visitor.on('message', (m) => seen.messages.push(m));
  visitor.on('refused', (r) => seen.refused.push(r));
  visitor.on('recall', (r) => seen.recalls.push(r.uid));
  visitor.on('connection', (s) => seen.states.push(s.status));
  return { ...world, visitor, agent, published: topics, seen };
}

describe('createChatClient: what anyone may post', () => {
  it('never sends a receipt where a payload says: a wildcard or foreign thread.topic is dropped', async () => {
    const { clock, thread, network, visitor, published, seen } = await setup();
    published.length = 0;
    const foreign = ['#', 'org/+/a1/v1', 'org/agent/a1/#', 'org/agent/a1/v12', 'org/agent/a1', 'user/a1'];
    for (const [i, topic] of foreign.entries()) {
      network.injectRaw(thread.topic, hostile({ uid: `f${i}`, thread: { uid: 'x', topic, type: 'AGENT' } }));
    }
    await clock.advanceAsync(50);
    expect(seen.messages).toEqual([]);
    for (const topic of foreign) expect(visitor.messages(topic)).toEqual([]);
    expect(published).toEqual([]);
    // A message of the thread is still answered, on the thread's topic.
    network.injectRaw(thread.topic, hostile({ uid: 'good', thread: { uid: 'x', topic: thread.topic, type: 'AGENT' } }));
    await clock.advanceAsync(50);
    expect(seen.messages.map((m) => m.uid)).toEqual(['good']);
    expect(published).toEqual([thread.topic]);
    expect(seen.states).toEqual([]);
  });

  it('keeps nothing for threads it is not on: 2,000 claimed threads, 2,000 typing users', async () => {
    const { clock, thread, network, visitor, published, seen } = await setup();
    const active = new Set<string>();
    visitor.on('typing', (t: TypingEvent) => {
      if (t.active) active.add(t.user.uid);
      else active.delete(t.user.uid);
    });
    published.length = 0;
    for (let i = 0; i < 2_000; i++) {
      const claimed = `org/agent/x${i}/v1`;
      network.injectRaw(
        thread.topic,
        hostile({ uid: `c${i}`, thread: { uid: `t${i}`, topic: claimed, type: 'AGENT' } }),
      );
      const typing = { uid: `y${i}`, type: 'TYPING', content: '', user: { uid: `u${i}` } };
      network.injectRaw(
        thread.topic,
        hostile({ ...typing, thread: { uid: 'thread-1', topic: thread.topic, type: 'AGENT' } }),
      );
    }
    await clock.advanceAsync(50);
    expect(seen.messages).toEqual([]);
    expect(visitor.messages('org/agent/x7/v1')).toEqual([]);
    expect(published).toEqual([]);
    // Anyone may post TYPING as anyone: the indicators kept are capped.
    expect(active.size).toBeLessThanOrEqual(64);
    expect(active.size).toBeGreaterThan(0);
  });

  it('never puts an id over the limits on the wire: a long own uid is refused at creation, a long thread uid at send', async () => {
    const { clock, thread, visitor, published } = await setup();
    const long = 'x'.repeat(MAX_UID_LENGTH + 1);
    expect(() => createWorld().client(long)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    published.length = 0;
    const sent = visitor.send({ ...thread, uid: long }, { type: 'TEXT', text: 'hi' });
    expect((await sent.done).error?.code).toBe('invalid_argument');
    await clock.advanceAsync(50);
    expect(published).toEqual([]);
  });

  it('refuses a forged RECALL of a message shown; the sender’s own recall applies', async () => {
    const { clock, thread, network, visitor, agent, seen, run } = await setup();
    const sent = agent.send(thread, { type: 'TEXT', text: 'keep me' });
    await run(sent.done);
    await clock.advanceAsync(20);
    const base = { status: 'SUCCESS', channel: 'WEB', thread: { uid: thread.uid, topic: thread.topic, type: 'AGENT' } };
    network.publish({ ...base, uid: 'forged-recall', type: 'RECALL', content: sent.uid, user: { uid: 'x9' } });
    await clock.advanceAsync(20);
    expect(visitor.messages(thread.topic).find((m) => m.uid === sent.uid)?.status).toBe('SUCCESS');
    expect(seen.recalls).toEqual([]);
    expect(seen.refused.map((r) => [r.reason, r.target.uid, r.type, r.user.uid])).toEqual([
      ['recall-not-sender', sent.uid, 'RECALL', 'x9'],
    ]);
    agent.recall(thread, sent.uid);
    await clock.advanceAsync(20);
    expect(seen.recalls).toEqual([sent.uid]);
    expect(visitor.messages(thread.topic).find((m) => m.uid === sent.uid)?.status).toBe('RECALL');
  });

  it('applies a recall by someone else when the app’s mayRecall allows it (an agent of the thread)', async () => {
    const world = createWorld();
    const visitor = world.client('v1');
    const lenient = world.client('a1', { mayRecall: (recall) => recall.user.type === 'AGENT' });
    const strict = world.client('a3');
    const moderator = world.client('a2');
    for (const c of [visitor, lenient, strict, moderator]) await world.online(c);
    const refused: string[] = [];
    strict.on('refused', (r) => refused.push(r.reason));
    const sent = visitor.send(world.thread, { type: 'TEXT', text: 'against the rules' });
    await world.run(sent.done);
    await world.clock.advanceAsync(20);
    moderator.recall(world.thread, sent.uid);
    await world.clock.advanceAsync(20);
    const status = (c: typeof visitor) => c.messages(world.thread.topic).find((m) => m.uid === sent.uid)?.status;
    expect(status(lenient)).toBe('RECALL');
    expect(status(strict)).not.toBe('RECALL');
    expect(refused).toEqual(['recall-not-sender']);
  });

  it('refuses a forged ROBOT_STREAM chunk and a rewrite of a message shown; what is shown stays', async () => {
    const { clock, thread, network, visitor, seen } = await setup();
    const base = { status: 'SUCCESS', channel: 'WEB', thread: { uid: thread.uid, topic: thread.topic, type: 'AGENT' } };
    network.publish({ ...base, uid: 'stream-1', type: 'ROBOT_STREAM', content: 'Hel', user: { uid: 'robot' } });
    network.publish({ ...base, uid: 'stream-1', type: 'ROBOT_STREAM', content: 'lo', user: { uid: 'robot' } });
    network.publish({ ...base, uid: 'stream-1', type: 'ROBOT_STREAM', content: ' pwned', user: { uid: 'x9' } });
    network.publish({ ...base, uid: 'text-1', type: 'TEXT', content: 'original', user: { uid: 'a1' } });
    await clock.advanceAsync(20);
    // Same uid, new text (the server broadcasts every resend): refused, whoever claims it.
    network.injectRaw(thread.topic, hostile({ ...base, uid: 'text-1', content: 'rewritten', user: { uid: 'a1' } }));
    network.injectRaw(thread.topic, hostile({ ...base, uid: 'text-1', content: 'original', user: { uid: 'x9' } }));
    network.injectRaw(thread.topic, hostile({ ...base, uid: 'text-1', type: 'ROBOT_STREAM', content: '!' }));
    await clock.advanceAsync(20);
    const shown = visitor.messages(thread.topic);
    expect(shown.find((m) => m.uid === 'stream-1')?.content).toBe('Hello');
    expect(shown.find((m) => m.uid === 'text-1')?.content).toBe('original');
    expect(seen.refused.map((r) => [r.reason, r.target.uid, r.user.uid])).toEqual([
      ['stream-not-sender', 'stream-1', 'x9'],
      ['rewrite', 'text-1', 'a1'],
      ['rewrite', 'text-1', 'x9'],
      ['rewrite', 'text-1', 'a1'],
    ]);
    // A plain copy is no news and no refusal.
    network.injectRaw(thread.topic, hostile({ ...base, uid: 'text-1', content: 'original', user: { uid: 'a1' } }));
    await clock.advanceAsync(20);
    expect(seen.refused).toHaveLength(4);
  });
});
