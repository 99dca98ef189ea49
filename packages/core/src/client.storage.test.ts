/** The client over a store that fails, hangs or holds records it cannot read (issue 10, items 3 and 4). */
import type { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { LocalMessage } from './api.js';
import { createWorld } from './client.fixtures.js';
import { outboxPrefix } from './outbox/outbox.js';
import { createFaultyStore } from './testing/faulty-store.js';

const STORE_TIMEOUT = 2_000;
const SEND_DEADLINE = 20_000;
const timing = { storeTimeoutMs: STORE_TIMEOUT, sendDeadlineMs: SEND_DEADLINE };

describe('createChatClient: a store that fails or never answers', () => {
  it('sends a message whose write never answers within the send deadline, and says the store failed', async () => {
    const { clock, thread, client, run, online } = createWorld();
    const store = createFaultyStore({ clock });
    const visitor = client('v1', { store, timing });
    const errors: SdkError[] = [];
    visitor.on('error', (e) => errors.push(e));
    await online(visitor);
    store.fault({ kind: 'hang' }, ['set', 'delete']);
    const start = clock.now();
    const first = visitor.send(thread, { type: 'TEXT', text: 'one' });
    const second = visitor.send(thread, { type: 'TEXT', text: 'two' });
    const done = await run(Promise.all([first.done, second.done]));
    expect(done.map((m) => m.status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(clock.now() - start).toBeLessThan(SEND_DEADLINE);
    expect(errors.map((e) => [e.code, e.details.operation])).toEqual([['storage', 'write']]);
    await run(visitor.dispose());
    expect(clock.pending()).toBe(0);
  });

  it('sends a message whose store throws at once, even synchronously', async () => {
    const { clock, thread, client, run, online } = createWorld();
    const store = createFaultyStore({ clock });
    store.fault({ kind: 'throw-sync' });
    const visitor = client('v1', { store, timing });
    const errors: SdkError[] = [];
    visitor.on('error', (e) => errors.push(e));
    await online(visitor);
    const done = await run(visitor.send(thread, { type: 'TEXT', text: 'one' }).done);
    expect(done.status).toBe('SUCCESS');
    expect(errors.map((e) => [e.code, e.details.operation])).toEqual([
      ['storage', 'list keys'],
      ['storage', 'write'],
      ['storage', 'delete'],
    ]);
  });

  it('restores what it can read when one record is unreadable, and names the other', async () => {
    const { clock, thread, client, run, online, network } = createWorld();
    const store = createFaultyStore({ clock });
    const first = client('v1', { store, noRest: true, timing });
    for (const text of ['a', 'b', 'c']) first.send(thread, { type: 'TEXT', text });
    await clock.advanceAsync(10);
    await run(first.dispose());
    const keys = (await store.inner.keys(outboxPrefix('v1'))).sort();
    expect(keys).toHaveLength(3);
    const broken = first.pending()[1]?.uid ?? '';
    store.breakKey(outboxPrefix('v1') + broken);

    const agent = client('a1');
    const got: LocalMessage[] = [];
    agent.on('message', (m) => got.push(m));
    await online(agent);
    const second = client('v1', { store, timing });
    const errors: SdkError[] = [];
    second.on('error', (e) => errors.push(e));
    await online(second);
    // Restored messages go once connected; echoes come within milliseconds here.
    await clock.advanceAsync(STORE_TIMEOUT);
    expect(second.pending()).toEqual([]);
    expect(got.map((m) => m.content)).toEqual(['a', 'c']);
    expect(errors.map((e) => [e.code, e.details.count, e.details.keys])).toEqual([
      ['storage', 1, [outboxPrefix('v1') + broken]],
    ]);
    // Still there for a client that can read it.
    expect(await store.inner.keys(outboxPrefix('v1'))).toEqual([outboxPrefix('v1') + broken]);
    expect(network.message(broken)).toBeUndefined();
  });
});
