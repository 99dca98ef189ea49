import { topics } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatClientOptions, ChatThread, LocalMessage } from './api.js';
import { createChatClient } from './client.js';
import type { KeyValueStore } from './interfaces.js';
import { seededRandom } from './random.js';
import { createMemoryStore } from './stores/memory-store.js';
import { createFakeClock } from './testing/fake-clock.js';
import { createInMemoryNetwork } from './testing/in-memory-network.js';

function setup(seed = 1) {
  const clock = createFakeClock();
  const network = createInMemoryNetwork({ clock, random: seededRandom(seed) });
  const thread: ChatThread = {
    uid: 'thread-1',
    topic: topics.agent('a1', 'v1'),
    type: 'AGENT',
    user: { uid: 'v1', nickname: 'Visitor', type: 'VISITOR' },
  };
  let n = 0;
  const client = (uid: string, over: Partial<ChatClientOptions> & { store?: KeyValueStore } = {}) => {
    n++;
    return createChatClient({
      user: { uid, nickname: uid, type: uid.startsWith('a') ? 'AGENT' : 'VISITOR' },
      orgUid: 'org-1',
      realtime: network.realtime(),
      rest: network.rest(),
      auth: { username: uid, accessToken: network.issueToken(uid) },
      clock,
      random: seededRandom(seed * 100 + n),
      outbox: over.store ?? createMemoryStore(),
      ...over,
    });
  };
  /** Runs the clock until the promise settles (the network's latency lives on the clock). */
  const run = async <T>(promise: Promise<T>, stepMs = 1): Promise<T> => {
    let done = false;
    const out = promise.finally(() => {
      done = true;
    });
    for (let i = 0; i < 100_000 && !done; i++) await clock.advanceAsync(stepMs);
    return out;
  };
  return { clock, network, thread, client, run };
}

describe('createChatClient', () => {
  it('sends over MQTT, confirms on the echo, and the other side receives it once', async () => {
    const { clock, thread, client, run } = setup();
    const agent = client('a1');
    const visitor = client('v1');
    const got: LocalMessage[] = [];
    agent.on('message', (m) => got.push(m));
    await run(Promise.all([agent.connect(), visitor.connect()]));
    await run(Promise.all([agent.subscribe([thread.topic]), visitor.subscribe([thread.topic])]));
    const sent = visitor.send(thread, { type: 'TEXT', text: 'hello' });
    expect(sent.status).toBe('SENDING');
    const done = await run(sent.done);
    expect(done.status).toBe('SUCCESS');
    expect(got.map((m) => [m.uid, m.content, m.mine])).toEqual([[sent.uid, 'hello', false]]);
    expect(visitor.pending()).toEqual([]);
    await run(Promise.all([agent.dispose(), visitor.dispose()]));
    expect(clock.pending()).toBe(0);
  });
});
