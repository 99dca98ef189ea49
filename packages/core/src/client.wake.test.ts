import { decodeMessage, encodeMessage, type WireMessage, type WireMessageInit } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ConnectionState, LocalMessage, TypingEvent } from './api.js';
import { createWorld } from './client.fixtures.js';
import type { RestTransport } from './interfaces.js';

describe('createChatClient: waking from sleep', () => {
  it('after a 5-minute sleep reconnects, catches up what the other side sent, and drains the outbox', async () => {
    const { clock, thread, client, run, online, network } = createWorld();
    const agent = client('a1');
    const visitor = client('v1');
    const agentGot: LocalMessage[] = [];
    const visitorGot: LocalMessage[] = [];
    const states: ConnectionState[] = [];
    agent.on('message', (m) => agentGot.push(m));
    visitor.on('message', (m) => visitorGot.push(m));
    await online(agent);
    await online(visitor);
    visitor.on('connection', (s) => states.push(s));

    // The lid closes: the server forgets the visitor's socket, the visitor does not know.
    const visitorId = network.connections().find((c) => c.uid === 'v1')?.clientId;
    expect(visitorId).toBeDefined();
    network.faults.sever(visitorId);
    const mine = visitor.send(thread, { type: 'TEXT', text: 'written as the lid closed' });
    const theirs = await run(agent.send(thread, { type: 'TEXT', text: 'sent while you slept' }).done);
    expect(theirs.status).toBe('SUCCESS');
    expect(visitor.isConnected()).toBe(true);
    expect(visitorGot).toEqual([]);

    const confirmed = new Promise<LocalMessage>((resolve) => {
      visitor.on('status', (s) => {
        if (s.message.uid === mine.uid && s.message.status === 'SUCCESS') resolve(s.message);
      });
    });
    await clock.jumpAsync(300_000);
    expect(states.map((s) => s.status)).toContain('connecting');
    // Kept through the sleep (RETRYING at most), sent again with the same uid once back.
    const done = await run(confirmed);
    await clock.advanceAsync(100);

    expect(done.uid).toBe(mine.uid);
    expect(visitor.pending()).toEqual([]);
    expect(visitor.state.status).toBe('connected');
    expect(visitorGot.map((m) => [m.uid, m.content])).toEqual([[theirs.uid, 'sent while you slept']]);
    expect(agentGot.map((m) => [m.uid, m.content])).toEqual([[mine.uid, 'written as the lid closed']]);
    await run(Promise.all([agent.dispose(), visitor.dispose()]));
    expect(clock.pending()).toBe(0);
  });

  it('the same five minutes passing in small steps does not reconnect', async () => {
    const { clock, client, online, network } = createWorld();
    const visitor = client('v1');
    await online(visitor);
    const states: string[] = [];
    visitor.on('connection', (s) => states.push(s.status));
    const connects = network.stats().connects;
    for (let i = 0; i < 300; i++) await clock.advanceAsync(1_000);
    expect(states).toEqual([]);
    expect(network.stats().connects).toBe(connects);
  });

  it('a disposed client leaves no timer behind, and an idle one sets none', async () => {
    const { clock, client, online, run } = createWorld();
    const idle = client('a1');
    await clock.advanceAsync(10);
    expect(clock.pending()).toBe(0);
    const visitor = client('v1');
    await online(visitor);
    await clock.advanceAsync(60_000);
    expect(clock.pending()).toBeGreaterThan(0);
    await run(visitor.dispose());
    await idle.dispose();
    expect(clock.pending()).toBe(0);
    clock.jump(300_000);
    expect(clock.pending()).toBe(0);
  });
});

describe('createChatClient: typing never comes from catch-up', () => {
  it('ignores TYPING and PREVIEW found in history, but shows them live', async () => {
    const { clock, thread, client, online, network, run } = createWorld();
    const signal = (uid: string, type: string, content: string): WireMessage => {
      const init: WireMessageInit = {
        uid,
        type,
        content,
        status: 'SUCCESS',
        createdAt: String(clock.now()),
        channel: 'WEB',
        thread: { uid: thread.uid, topic: thread.topic, type: 'AGENT' },
        user: { uid: 'a1', nickname: 'a1', type: 'AGENT' },
      };
      const decoded = decodeMessage(encodeMessage(init));
      if (!decoded.ok) throw decoded.error;
      return decoded.value;
    };
    // A server that (unlike Bytedesk) keeps signals in its history.
    const inner = network.rest();
    const rest: RestTransport = {
      sendMessage: (message, options) => inner.sendMessage(message, options),
      async queryTopic(query, options) {
        const page = await inner.queryTopic(query, options);
        if (query.pageNumber > 0) return page;
        const stale = [
          signal('0000000000000000000000000000aaa1', 'TYPING', ''),
          signal(
            '0000000000000000000000000000aaa2',
            'PREVIEW',
            JSON.stringify({ v: 1, content: 'half a sen', clear: false }),
          ),
        ];
        return { ...page, messages: [...stale, ...page.messages], totalElements: page.totalElements + stale.length };
      },
    };
    const agent = client('a1');
    await online(agent);
    await run(agent.send(thread, { type: 'TEXT', text: 'stored' }).done);
    const visitor = client('v1', { rest });
    const typing: TypingEvent[] = [];
    const got: string[] = [];
    visitor.on('typing', (t) => typing.push(t));
    visitor.on('message', (m) => got.push(m.content));
    await online(visitor);
    await clock.advanceAsync(100);
    expect(got).toEqual(['stored']);
    expect(typing).toEqual([]);

    agent.sendTyping(thread);
    await clock.advanceAsync(10);
    expect(typing.map((t) => [t.user.uid, t.active])).toEqual([['a1', true]]);
  });
});
