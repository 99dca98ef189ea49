import { topics } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatAuth, ChatThread, LocalMessage } from './api.js';
import { createWorld } from './client.fixtures.js';

/** A token provider that records every ask; a refresh issues a new valid token after `delayMs` of fake time. */
function provider(
  world: ReturnType<typeof createWorld>,
  uid: string,
  options: { delayMs?: number; bad?: boolean } = {},
) {
  const asked: boolean[] = [];
  const auth: ChatAuth = {
    username: uid,
    getToken: async ({ refresh }) => {
      asked.push(refresh);
      if (!refresh) return world.token(uid);
      const delay = options.delayMs ?? 0;
      if (delay > 0) await new Promise<void>((resolve) => world.clock.setTimeout(resolve, delay));
      return options.bad ? 'not-a-token' : world.network.issueToken(uid);
    },
  };
  return { auth, asked };
}

describe('createChatClient: REST 401 with a token provider', () => {
  it('refreshes once, sends the same uid again over REST, and the receiver gets it once', async () => {
    const world = createWorld();
    const { thread, client, run, online, network } = world;
    const agent = client('a1');
    const got: LocalMessage[] = [];
    agent.on('message', (m) => got.push(m));
    await online(agent);
    const { auth, asked } = provider(world, 'v1');
    const visitor = client('v1', { auth });
    await online(visitor);
    await run(visitor.disconnect());
    network.revokeToken(world.token('v1'));

    const sent = visitor.send(thread, { type: 'TEXT', text: 'after the token expired' });
    const done = await run(sent.done);
    expect([done.status, done.uid]).toEqual(['SUCCESS', sent.uid]);
    expect(asked).toEqual([false, true]);
    await world.clock.advanceAsync(100);
    expect(got.map((m) => m.uid)).toEqual([sent.uid]);
    expect(network.history(thread.topic).filter((m) => m.uid === sent.uid)).toHaveLength(1);
    expect(visitor.pending()).toEqual([]);
    await run(Promise.all([agent.dispose(), visitor.dispose()]));
    expect(world.clock.pending()).toBe(0);
  });

  it('two concurrent sends share one refresh', async () => {
    const world = createWorld();
    const { thread, client, run, online, network } = world;
    const other: ChatThread = { uid: 'thread-2', topic: topics.agent('a2', 'v1'), type: 'AGENT' };
    const { auth, asked } = provider(world, 'v1', { delayMs: 50 });
    const visitor = client('v1', { auth });
    await online(visitor);
    await run(visitor.disconnect());
    network.revokeToken(world.token('v1'));

    const first = visitor.send(thread, { type: 'TEXT', text: 'one' });
    const second = visitor.send(other, { type: 'TEXT', text: 'two' });
    const done = await run(Promise.all([first.done, second.done]));
    expect(done.map((m) => m.status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(asked).toEqual([false, true]);
    expect(network.stats().restSends).toBe(4);
  });

  it('a second 401 with the fresh token ends FAILED unauthenticated, without asking again', async () => {
    const world = createWorld();
    const { thread, client, run, online, network } = world;
    const { auth, asked } = provider(world, 'v1', { bad: true });
    const visitor = client('v1', { auth });
    await online(visitor);
    await run(visitor.disconnect());
    network.revokeToken(world.token('v1'));

    const done = await run(visitor.send(thread, { type: 'TEXT', text: 'x' }).done);
    expect([done.status, done.error?.code, done.error?.retryable]).toEqual(['FAILED', 'unauthenticated', false]);
    expect(asked).toEqual([false, true]);
    expect(network.history(thread.topic)).toEqual([]);
    expect(visitor.pending()).toEqual([]);
  });

  it('with a static token a REST 401 ends FAILED unauthenticated as before, sent once', async () => {
    const { thread, client, run, online, network, token } = createWorld();
    const visitor = client('v1');
    await online(visitor);
    await run(visitor.disconnect());
    network.revokeToken(token('v1'));
    const before = network.stats().restSends;

    const done = await run(visitor.send(thread, { type: 'TEXT', text: 'x' }).done);
    expect([done.status, done.error?.code, done.error?.retryable]).toEqual(['FAILED', 'unauthenticated', false]);
    expect(network.stats().restSends - before).toBe(1);
    expect(visitor.pending()).toEqual([]);
  });

  it('catch-up answered 401 refreshes once and reads the history with the fresh token', async () => {
    const world = createWorld();
    const { thread, client, run, online, network } = world;
    const agent = client('a1');
    await online(agent);
    const { auth, asked } = provider(world, 'v1');
    const visitor = client('v1', { auth });
    const got: string[] = [];
    const errors: string[] = [];
    visitor.on('message', (m) => got.push(m.content));
    visitor.on('error', (e) => errors.push(e.code));
    await online(visitor);
    await run(visitor.disconnect());
    await run(agent.send(thread, { type: 'TEXT', text: 'while you were away' }).done);
    network.revokeToken(world.token('v1'));

    await run(visitor.catchUp(thread));
    expect(got).toEqual(['while you were away']);
    expect(asked).toEqual([false, true]);
    expect(errors).toEqual([]);
  });
});
