import { describe, expect, it } from 'vitest';
import type { LocalMessage } from '../api.js';
import { createWorld, settledYet, untilStatus } from '../client.fixtures.js';
import { createMemoryStore } from '../stores/memory-store.js';

describe('sender without a realtime connection', () => {
  it('retries over REST after a network error, and the messages behind it follow (anonymous visitor)', async () => {
    const { clock, thread, client, run, online, network } = createWorld();
    const agent = client('a1');
    await online(agent);
    const got: string[] = [];
    agent.on('message', (m) => got.push(m.content));
    // The visitor never connects MQTT: REST is its only path.
    const visitor = client('v1', { visitor: true });
    network.faults.restFailure({ kind: 'network', times: 1 });
    const first = visitor.send(thread, { type: 'TEXT', text: 'first' });
    const second = visitor.send(thread, { type: 'TEXT', text: 'second' });
    expect((await run(untilStatus(visitor, first.uid, 'RETRYING'))).error?.code).toBe('network');
    // Waiting for its retry is not an outcome: done settles once, SUCCESS.
    expect((await run(first.done)).status).toBe('SUCCESS');
    expect((await run(second.done)).status).toBe('SUCCESS');
    expect(visitor.pending()).toEqual([]);
    await clock.advanceAsync(10);
    expect(got).toEqual(['first', 'second']);
  });

  it('sends what an earlier client left over REST at once, before a message sent right after start', async () => {
    const { clock, thread, client, run, online } = createWorld();
    const agent = client('a1');
    await online(agent);
    const got: string[] = [];
    agent.on('message', (m) => got.push(m.content));
    const store = createMemoryStore();
    const before = client('v1', { store, noRest: true });
    const sent = before.send(thread, { type: 'TEXT', text: 'left behind' });
    const left = await run(untilStatus(before, sent.uid, 'RETRYING'));
    expect([left.error?.code, await settledYet(sent.done)]).toEqual(['not_connected', false]);
    await before.dispose();
    // No more attempts from this client: done settles FAILED (closed); the message stays in the store.
    expect([(await sent.done).status, (await sent.done).error?.code]).toEqual(['FAILED', 'closed']);

    const after = client('v1', { store });
    const statuses: string[] = [];
    after.on('status', ({ message }) => message.content === 'sent after start' && statuses.push(message.status));
    const fresh = after.send(thread, { type: 'TEXT', text: 'sent after start' });
    const done: LocalMessage = await run(fresh.done);
    expect(done.status).toBe('SUCCESS');
    expect(after.pending()).toEqual([]);
    await clock.advanceAsync(10);
    expect(got).toEqual(['left behind', 'sent after start']);
    // Behind the restored message it waited as QUEUED, not SENDING with no deadline.
    expect(statuses[0]).toBe('QUEUED');
  });
});
