import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatAuth } from '../api.js';
import { createWorld } from '../client.fixtures.js';
import { createTokenSource } from './token.js';

const clean = (reason: unknown): SdkError => SdkError.from(reason, 'network');

/** A token provider that records every ask and answers with `answer(refresh)`. */
function provider(answer: (refresh: boolean) => string | Promise<string>) {
  const asked: boolean[] = [];
  const auth: ChatAuth = {
    username: 'v1',
    getToken: ({ refresh }) => {
      asked.push(refresh);
      return answer(refresh);
    },
  };
  return { auth, asked };
}

describe('the token provider is asked only when a token is needed', () => {
  it('not once per send: a client sending over REST every 5 s for 75 s with a token the server refuses', async () => {
    const world = createWorld();
    const { thread, client, run, online, network, clock } = world;
    const stale = world.token('v1');
    // The app's provider hands out the token it holds, also when asked for a fresh one.
    const { auth, asked } = provider(() => stale);
    const visitor = client('v1', { auth });
    await online(visitor);
    await run(visitor.disconnect());
    network.revokeToken(stale);

    const outcomes: string[] = [];
    for (let i = 0; i < 15; i++) {
      const done = await run(visitor.send(thread, { type: 'TEXT', text: `m${i}` }).done);
      outcomes.push(`${done.status} ${done.error?.code}`);
      await clock.advanceAsync(5_000);
    }
    expect(new Set(outcomes)).toEqual(new Set(['FAILED unauthenticated']));
    // Once to connect, once after the first refusal: the same answer is not asked for again.
    expect(asked).toEqual([false, true]);
    await run(visitor.dispose());
  });

  it('not once per send for an anonymous visitor whose provider answers an empty token', async () => {
    const world = createWorld();
    const { thread, client, run, clock } = world;
    const { auth, asked } = provider(() => '');
    const visitor = client('v1', { auth });
    await run(visitor.connect());
    expect(visitor.state).toEqual({ status: 'idle', reason: 'anonymous' });
    for (let i = 0; i < 15; i++) {
      await run(visitor.send(thread, { type: 'TEXT', text: `m${i}` }).done);
      await clock.advanceAsync(5_000);
    }
    expect(asked).toEqual([false, true]);
    await run(visitor.dispose());
  });

  it('a token refused later gets its own ask', async () => {
    const world = createWorld();
    const { thread, client, run, online, network } = world;
    let next = world.token('v1');
    const { auth, asked } = provider((refresh) => (refresh ? next : world.token('v1')));
    const visitor = client('v1', { auth });
    await online(visitor);
    await run(visitor.disconnect());
    network.revokeToken(world.token('v1'));
    next = network.issueToken('v1');
    expect((await run(visitor.send(thread, { type: 'TEXT', text: 'a' }).done)).status).toBe('SUCCESS');
    expect((await run(visitor.send(thread, { type: 'TEXT', text: 'b' }).done)).status).toBe('SUCCESS');
    expect(asked).toEqual([false, true]);
    network.revokeToken(next);
    const refused = next;
    next = network.issueToken('v1');
    expect((await run(visitor.send(thread, { type: 'TEXT', text: 'c' }).done)).status).toBe('SUCCESS');
    expect(asked).toEqual([false, true, true]);
    expect(next).not.toBe(refused);
  });
});

describe('createTokenSource', () => {
  it('shares one refresh among concurrent callers and answers later callers of the same refused token at once', async () => {
    let n = 0;
    const { auth, asked } = provider(async (refresh) => (refresh ? `fresh-${++n}` : 'first'));
    const source = createTokenSource(auth, clean);
    const first = await source.forConnect(false);
    source.use(first);
    const [a, b] = await Promise.all([source.refresh(first), source.refresh(first)]);
    expect([a, b]).toEqual(['fresh-1', 'fresh-1']);
    expect(await source.refresh(first)).toBe('fresh-1');
    expect(source.current()).toBe('fresh-1');
    expect(await source.refresh('fresh-1')).toBe('fresh-2');
    expect(asked).toEqual([false, true, true]);
  });

  it('remembers a refresh that brought nothing new, for that token only', async () => {
    let answer = 'same';
    const { auth, asked } = provider(() => answer);
    const source = createTokenSource(auth, clean);
    source.use(await source.forConnect(false));
    expect(await source.refresh('same')).toBeUndefined();
    expect(await source.refresh('same')).toBeUndefined();
    // A connect after an auth failure with that token does not ask again either: it gets the same answer.
    expect(await source.forConnect(true)).toBe('same');
    expect(asked).toEqual([false, true]);
    answer = 'other';
    expect(await source.refresh('same')).toBeUndefined();
    expect(asked).toEqual([false, true]);
    // The app connects again: one more ask.
    source.askAgain();
    expect(await source.refresh('same')).toBe('other');
    expect(asked).toEqual([false, true, true]);
  });

  it('an anonymous client (no token yet) asks once, not after every refusal', async () => {
    const { auth, asked } = provider(() => '');
    const source = createTokenSource(auth, clean);
    expect(await source.forConnect(false)).toBe('');
    expect(await source.refresh(undefined)).toBeUndefined();
    expect(await source.refresh(undefined)).toBeUndefined();
    expect(source.current()).toBeUndefined();
    expect(asked).toEqual([false, true]);
  });

  it('with a static token never asks and never has a fresh one', async () => {
    const source = createTokenSource({ username: 'v1', accessToken: 'static' }, clean);
    expect(await source.forConnect(false)).toBe('static');
    expect(await source.forConnect(true)).toBe('static');
    expect(await source.refresh('static')).toBeUndefined();
    expect(source.secrets()).toContain('static');
  });
});
