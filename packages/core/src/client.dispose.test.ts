/** dispose() in the middle of things (issue 10, item 6): nothing left running, nothing lost, `done` settled as the API says. */
import { describe, expect, it } from 'vitest';
import type { ChatClientEvents } from './api.js';
import { createWorld } from './client.fixtures.js';
import { outboxPrefix } from './outbox/outbox.js';
import { createMemoryStore } from './stores/memory-store.js';

const HANG_MS = 3_600_000;

describe('createChatClient: dispose', () => {
  it('aborts a REST send in flight: no timer left, done FAILED closed, the message kept for the next client', async () => {
    const { clock, thread, client, run, online, network } = createWorld(1, { restTimeoutMs: HANG_MS });
    const store = createMemoryStore();
    const visitor = client('v1', { store });
    network.faults.restFailure({ kind: 'timeout' });
    // Not connected: the first attempt goes over REST, to a server that never answers.
    const sent = visitor.send(thread, { type: 'TEXT', text: 'over rest' });
    const statuses: ChatClientEvents['status'][] = [];
    visitor.on('status', (s) => statuses.push(s));
    await clock.advanceAsync(50);
    expect(network.stats().restSends).toBe(0);
    await visitor.dispose();
    expect(clock.pending()).toBe(0);
    const done = await sent.done;
    expect([done.status, done.error?.code]).toEqual(['FAILED', 'closed']);
    expect(statuses.map((s) => [s.previous, s.message.status])).toEqual([['SENDING', 'FAILED']]);
    expect(await store.keys(outboxPrefix('v1'))).toEqual([outboxPrefix('v1') + sent.uid]);

    network.faults.reset();
    const next = client('v1', { store });
    await online(next);
    await clock.advanceAsync(100);
    expect(next.pending()).toEqual([]);
    expect(network.message(sent.uid)?.content).toBe('over rest');
    await run(next.dispose());
  });

  it('settles a message awaiting its echo and the ones queued behind it FAILED closed, all kept', async () => {
    const { clock, thread, client, online, network } = createWorld();
    const store = createMemoryStore();
    // A window of one: the second message waits in the queue behind the first.
    const visitor = client('v1', { store, noRest: true, timing: { sendWindow: 1 } });
    await online(visitor);
    network.faults.holdEchoes(true);
    const sent = [visitor.send(thread, { type: 'TEXT', text: 'in flight' })];
    sent.push(visitor.send(thread, { type: 'TEXT', text: 'queued' }));
    await clock.advanceAsync(20);
    expect(visitor.pending().map((m) => m.status)).toEqual(['SENDING', 'QUEUED']);
    await visitor.dispose();
    const done = await Promise.all(sent.map((s) => s.done));
    expect(done.map((m) => [m.status, m.error?.code])).toEqual([
      ['FAILED', 'closed'],
      ['FAILED', 'closed'],
    ]);
    expect((await store.keys(outboxPrefix('v1'))).length).toBe(2);
    expect(clock.pending()).toBe(0);
  });

  it('aborts a history read in flight: no timer left', async () => {
    const { clock, thread, client, online, network } = createWorld(1, { restTimeoutMs: HANG_MS });
    const agent = client('a1');
    await online(agent);
    network.faults.restFailure({ kind: 'timeout' });
    let settled = false;
    void agent.catchUp(thread).finally(() => {
      settled = true;
    });
    await clock.advanceAsync(50);
    await agent.dispose();
    expect(clock.pending()).toBe(0);
    await clock.flush();
    expect(settled).toBe(true);
  });
});
