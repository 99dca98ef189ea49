import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatClientEvents, LocalMessage, ReceiptEvent, TypingEvent } from './api.js';
import { createWorld, dropLink, nextConnected, settledYet, untilStatus } from './client.fixtures.js';
import type { RestTransport } from './interfaces.js';
import { createRecordingLogger } from './testing/recording-logger.js';

type StatusChange = ChatClientEvents['status'];

const DEFAULT_ECHO_WAIT = 10_000;

describe('createChatClient: send', () => {
  it('sends over MQTT, confirms on the echo, and the other side receives it once', async () => {
    const { clock, thread, client, run, online, network } = createWorld();
    const agent = client('a1');
    const visitor = client('v1');
    const got: LocalMessage[] = [];
    agent.on('message', (m) => got.push(m));
    await online(agent);
    await online(visitor);
    const restBefore = network.stats().restSends;
    const sent = visitor.send(thread, { type: 'TEXT', text: 'hello' });
    expect(sent).toMatchObject({ status: 'SENDING', mine: true, content: 'hello', extra: { orgUid: 'org-1' } });
    expect(sent.uid).toMatch(/^[0-9a-f]{32}$/);
    const done = await run(sent.done);
    expect(done.status).toBe('SUCCESS');
    expect(got.map((m) => [m.uid, m.content, m.mine])).toEqual([[sent.uid, 'hello', false]]);
    expect(network.stats().restSends).toBe(restBefore);
    // The server's copy is what the app keeps: server status and a server time.
    expect(network.message(sent.uid)).toMatchObject({ status: 'SUCCESS', channel: 'WEB', type: 'TEXT' });
    expect(network.message(sent.uid)?.user).toMatchObject({ uid: 'v1', nickname: 'v1', type: 'VISITOR' });
    expect(network.message(sent.uid)?.thread).toMatchObject({ uid: 'thread-1', topic: thread.topic, type: 'AGENT' });
    expect(visitor.pending()).toEqual([]);
    await clock.advanceAsync(10);
    expect(visitor.messages(thread.topic).map((m) => m.status)).toEqual(['DELIVERED']);
    await run(Promise.all([agent.dispose(), visitor.dispose()]));
    expect(clock.pending()).toBe(0);
  });

  it('falls back to REST when MQTT is not connected; the later echo is not shown twice', async () => {
    const { clock, thread, client, run, online, network } = createWorld();
    const agent = client('a1');
    const visitor = client('v1');
    const got: string[] = [];
    agent.on('message', (m) => got.push(m.uid));
    await online(agent);
    const sent = visitor.send(thread, { type: 'TEXT', text: 'offline hello' });
    const done = await run(sent.done);
    expect(done.status).toBe('SUCCESS');
    await clock.advanceAsync(10);
    expect(network.stats().restSends).toBe(1);
    expect(got).toEqual([sent.uid]);
    const statuses: string[] = [];
    visitor.on('status', (s) => statuses.push(s.message.status));
    await online(visitor);
    expect(visitor.messages(thread.topic)).toHaveLength(1);
    // No second SUCCESS; the agent's DELIVERED, sent while the visitor was away, comes back from history.
    expect(statuses).toEqual(['DELIVERED']);
  });

  it('ends FAILED with the server message when REST answers a code other than 200', async () => {
    const { thread, client, run, network } = createWorld();
    const visitor = client('v1');
    network.faults.restFailure({ kind: 'server' });
    const sent = visitor.send(thread, { type: 'TEXT', text: 'x' });
    const done = await run(sent.done);
    expect(done.status).toBe('FAILED');
    expect(done.error?.code).toBe('server_error');
    expect(done.error?.message).toBe('Internal Server Error');
    expect(done.error?.retryable).toBe(false);
    expect(visitor.pending()).toEqual([]);
    // resend with the same uid once the server is fine again.
    network.faults.reset();
    const again = visitor.resend(sent.uid);
    expect(again.uid).toBe(sent.uid);
    expect((await run(again.done)).status).toBe('SUCCESS');
  });

  it('keeps a message whose REST send failed on the network: RETRYING, done waits, sent with the same uid on connect', async () => {
    const { thread, client, run, online, network, clock } = createWorld();
    const agent = client('a1');
    const visitor = client('v1');
    const got: string[] = [];
    agent.on('message', (m) => got.push(m.uid));
    await online(agent);
    network.faults.restFailure({ kind: 'network' });
    const first = visitor.send(thread, { type: 'TEXT', text: 'one' });
    const second = visitor.send(thread, { type: 'TEXT', text: 'two' });
    expect(second.status).toBe('QUEUED');
    const waiting = await run(untilStatus(visitor, first.uid, 'RETRYING'));
    expect(waiting.error?.retryable).toBe(true);
    // REST needs no connection: its retry timer runs.
    expect(waiting.retryAt).toBeGreaterThan(clock.now());
    expect(await settledYet(first.done)).toBe(false);
    expect(visitor.pending().map((m) => m.uid)).toEqual([first.uid, second.uid]);
    network.faults.reset();
    await online(visitor);
    expect((await run(first.done)).status).toBe('SUCCESS');
    expect((await run(second.done)).status).toBe('SUCCESS');
    expect(got).toEqual([first.uid, second.uid]);
    expect(visitor.pending()).toEqual([]);
  });

  it('sending on a thread subscribes to it, so the echo confirms it without REST', async () => {
    const { thread, client, run, network } = createWorld();
    const agent = client('a1');
    await run(agent.connect());
    const restBefore = network.stats().restSends;
    const sent = await run(agent.send(thread, { type: 'TEXT', text: 'first words' }).done);
    expect(sent.status).toBe('SUCCESS');
    expect(network.stats().restSends).toBe(restBefore);
    const second = await run(agent.send(thread, { type: 'TEXT', text: 'and more' }).done);
    expect(second.status).toBe('SUCCESS');
    expect(network.stats().restSends).toBe(restBefore);
  });

  it('without REST and offline: RETRYING (not_connected) until connected, retryAt Infinity; done settles SUCCESS once sent', async () => {
    const { thread, client, run, online, clock } = createWorld();
    const visitor = client('v1', { noRest: true });
    const sent = visitor.send(thread, { type: 'TEXT', text: 'later' });
    const waiting = await run(untilStatus(visitor, sent.uid, 'RETRYING'));
    expect([waiting.error?.code, waiting.retryAt]).toEqual(['not_connected', Infinity]);
    await clock.advanceAsync(600_000);
    expect(await settledYet(sent.done)).toBe(false);
    expect(visitor.pending().map((m) => m.status)).toEqual(['RETRYING']);
    await online(visitor);
    const done = await run(sent.done);
    expect([done.status, done.retryAt, done.error]).toEqual(['SUCCESS', undefined, undefined]);
    expect(visitor.pending()).toEqual([]);
  });

  it('never publishes an oversize message: REST when there is one, else FAILED oversize before anything is sent', async () => {
    const { thread, client, run, online, network } = createWorld();
    const big = 'x'.repeat(11_000);
    const withRest = client('v1');
    await online(withRest);
    const publishes = network.stats().publishes;
    const viaRest = await run(withRest.send(thread, { type: 'TEXT', text: big }).done);
    expect(viaRest.status).toBe('SUCCESS');
    expect(network.stats().publishes).toBe(publishes);
    expect(network.stats().restSends).toBe(1);

    const noRest = client('a1', { noRest: true });
    await online(noRest);
    const before = network.stats().publishes;
    const refused = await run(noRest.send(thread, { type: 'TEXT', text: big }).done);
    expect([refused.status, refused.error?.code]).toEqual(['FAILED', 'oversize']);
    expect(network.stats().publishes).toBe(before);
    expect(noRest.isConnected()).toBe(true);
  });

  it('refuses a send when the outbox is full, without throwing', async () => {
    const { thread, client, run } = createWorld();
    const visitor = client('v1', { noRest: true, timing: { outboxLimit: 2 } });
    visitor.send(thread, { type: 'TEXT', text: '1' });
    visitor.send(thread, { type: 'TEXT', text: '2' });
    const third = visitor.send(thread, { type: 'TEXT', text: '3' });
    expect(third.status).toBe('FAILED');
    expect(third.error?.code).toBe('outbox_full');
    expect((await run(third.done)).status).toBe('FAILED');
    expect(visitor.pending()).toHaveLength(2);
  });

  it('rejects invalid content and topics as FAILED messages, not exceptions', async () => {
    const { thread, client } = createWorld();
    const visitor = client('v1');
    expect(visitor.send(thread, { type: 'TEXT', text: '' }).error?.code).toBe('invalid_content');
    expect(visitor.send({ ...thread, topic: 'org/+/x' }, { type: 'TEXT', text: 'x' }).error?.code).toBe(
      'invalid_topic',
    );
    expect(visitor.resend('nope').error?.code).toBe('not_found');
  });

  it('treats REST 401 as FAILED unauthenticated (not retried)', async () => {
    const { thread, client, run, network, token } = createWorld();
    const visitor = client('v1');
    network.revokeToken(token('v1'));
    const done = await run(visitor.send(thread, { type: 'TEXT', text: 'x' }).done);
    expect([done.status, done.error?.code, done.error?.retryable]).toEqual(['FAILED', 'unauthenticated', false]);
  });

  it('ends every attempt by its deadline: RETRYING (timeout) with its retry time, never SENDING forever; done waits for SUCCESS', async () => {
    const { thread, client, run, online, network, clock } = createWorld(1, { restTimeoutMs: 120_000 });
    const visitor = client('v1', { timing: { sendDeadlineMs: 20_000 } });
    await online(visitor);
    network.faults.holdEchoes(true);
    network.faults.restFailure({ kind: 'timeout' });
    const start = clock.now();
    const sent = visitor.send(thread, { type: 'TEXT', text: 'x' });
    const waiting = await run(untilStatus(visitor, sent.uid, 'RETRYING'), 100);
    expect([waiting.error?.code, waiting.error?.retryable]).toEqual(['timeout', true]);
    expect(clock.now() - start).toBeLessThanOrEqual(20_100);
    expect(waiting.retryAt).toBeGreaterThan(clock.now());
    expect(await settledYet(sent.done)).toBe(false);
    // Once the server is reachable the retry (backoff) confirms it: the first outcome done sees.
    network.faults.reset();
    expect((await run(sent.done, 100)).status).toBe('SUCCESS');
    expect(visitor.pending()).toEqual([]);
  });
});

describe('createChatClient: receive', () => {
  it('sends DELIVERED automatically; READ is shown and never downgraded', async () => {
    const { clock, thread, run, onlinePair } = createWorld();
    const { agent, visitor } = await onlinePair();
    const receipts: ReceiptEvent[] = [];
    const statuses: string[] = [];
    visitor.on('receipt', (r) => receipts.push(r));
    visitor.on('status', (s) => statuses.push(s.message.status));
    const sent = visitor.send(thread, { type: 'TEXT', text: 'read me' });
    await run(sent.done);
    await clock.advanceAsync(20);
    agent.markRead(thread, sent.uid);
    await clock.advanceAsync(20);
    agent.markDelivered(thread, sent.uid);
    await clock.advanceAsync(20);
    expect(receipts.map((r) => [r.kind, r.uid, r.user.uid])).toEqual([
      ['DELIVERED', sent.uid, 'a1'],
      ['READ', sent.uid, 'a1'],
      ['DELIVERED', sent.uid, 'a1'],
    ]);
    expect(statuses).toEqual(['SUCCESS', 'DELIVERED', 'READ']);
    expect(visitor.messages(thread.topic)[0]?.status).toBe('READ');
  });

  it('counts a receipt for a pending message as its confirmation', async () => {
    const { clock, thread, run, network, onlinePair } = createWorld();
    const { visitor } = await onlinePair();
    network.faults.holdEchoes(true);
    const changes: string[] = [];
    visitor.on('status', (s) => changes.push(`${s.previous}→${s.message.status}`));
    const sent = visitor.send(thread, { type: 'TEXT', text: 'x' });
    expect((await run(sent.done)).status).toBe('SUCCESS');
    await clock.advanceAsync(DEFAULT_ECHO_WAIT);
    expect(changes).toEqual(['SENDING→SUCCESS', 'SUCCESS→DELIVERED']);
    expect(network.stats().restSends).toBe(0);
  });

  it('shows typing, throttles TYPING sent, and ends the indicator after typingTtlMs', async () => {
    const { thread, network, clock, onlinePair } = createWorld();
    const { agent, visitor } = await onlinePair(
      { timing: { typingTtlMs: 6_000, typingThrottleMs: 2_000 } },
      { timing: { typingThrottleMs: 2_000 } },
    );
    const typing: Array<[number, boolean]> = [];
    const start = clock.now();
    agent.on('typing', (t: TypingEvent) => typing.push([clock.now() - start, t.active]));
    const publishes = network.stats().publishes;
    visitor.sendTyping(thread);
    visitor.sendTyping(thread);
    await clock.advanceAsync(1_000);
    visitor.sendTyping(thread);
    expect(network.stats().publishes).toBe(publishes + 1);
    await clock.advanceAsync(10_000);
    expect(typing).toEqual([
      [2, true],
      [6_002, false],
    ]);
  });

  it('turns RECALL into a recall event and a RECALL status', async () => {
    const { clock, thread, run, onlinePair } = createWorld();
    const { agent, visitor } = await onlinePair();
    const sent = visitor.send(thread, { type: 'TEXT', text: 'oops' });
    await run(sent.done);
    const recalls: string[] = [];
    agent.on('recall', (r) => recalls.push(r.uid));
    visitor.recall(thread, sent.uid);
    await clock.advanceAsync(20);
    expect(recalls).toEqual([sent.uid]);
    expect(agent.messages(thread.topic)[0]?.status).toBe('RECALL');
    expect(visitor.messages(thread.topic)[0]?.status).toBe('RECALL');
  });

  it('stops on KICKOFF and tells the app', async () => {
    const { clock, client, online, network } = createWorld();
    const visitor = client('v1');
    await online(visitor);
    const kicked: string[] = [];
    visitor.on('kicked', (k) => kicked.push(k.reason));
    network.kick('v1', 'logged in elsewhere');
    await clock.advanceAsync(20);
    expect(kicked).toEqual(['logged in elsewhere']);
    expect(visitor.state.status).toBe('kicked');
    await clock.advanceAsync(120_000);
    expect(visitor.state.status).toBe('kicked');
  });

  it('catches up what it missed while disconnected, oldest first, each once', async () => {
    const { clock, thread, run, network, onlinePair } = createWorld();
    const { agent, visitor } = await onlinePair();
    const got: string[] = [];
    agent.on('message', (m) => got.push(m.content));
    await run(visitor.send(thread, { type: 'TEXT', text: 'before' }).done);
    dropLink(network, 'a1');
    for (const text of ['m1', 'm2', 'm3']) await run(visitor.send(thread, { type: 'TEXT', text }).done);
    expect(got).toEqual(['before']);
    await run(nextConnected(agent), 100);
    await clock.advanceAsync(50);
    expect(got).toEqual(['before', 'm1', 'm2', 'm3']);
  });

  it('restores a READ receipt it missed while away from the status history keeps', async () => {
    const { clock, thread, run, online, network, onlinePair } = createWorld();
    const { agent, visitor } = await onlinePair({}, { autoDelivered: false });
    const sent = await run(agent.send(thread, { type: 'TEXT', text: 'did you read this?' }).done);
    expect(sent.status).toBe('SUCCESS');
    await run(agent.disconnect());
    const changes: StatusChange[] = [];
    agent.on('status', (s) => changes.push(s));
    visitor.markRead(thread, sent.uid);
    await clock.advanceAsync(50);
    expect(network.message(sent.uid)?.status).toBe('READ');
    expect(changes).toEqual([]);
    await online(agent);
    await clock.advanceAsync(50);
    expect(changes.map((c) => [c.message.uid, c.previous, c.message.status])).toEqual([[sent.uid, 'SUCCESS', 'READ']]);
    expect(agent.messages(thread.topic).find((m) => m.uid === sent.uid)?.status).toBe('READ');
  });

  it('keeps a thread in order when history is down and the link drops again mid catch-up', async () => {
    const { clock, thread, run, network, onlinePair } = createWorld();
    const { agent, visitor } = await onlinePair();
    const got: string[] = [];
    visitor.on('message', (m) => got.push(m.content));

    dropLink(network, 'v1');
    for (const text of ['m1', 'm2']) await run(agent.send(thread, { type: 'TEXT', text }).done);
    // Back, but history is down: the catch-up fails and keeps trying; live messages wait.
    network.faults.restFailure({ kind: 'network' });
    await run(nextConnected(visitor), 100);
    await run(agent.send(thread, { type: 'TEXT', text: 'live' }).done);
    await clock.advanceAsync(50);
    expect(got).toEqual([]);
    // The link drops again before history answers: the gap is still open, 'live' still waits.
    dropLink(network, 'v1');
    await clock.advanceAsync(50);
    expect(got).toEqual([]);
    network.faults.restFailure(undefined);
    await run(nextConnected(visitor), 100);
    await clock.advanceAsync(100);
    expect(got).toEqual(['m1', 'm2', 'live']);
  });

  it('reports catch-up failures and undecodable bytes as error events, and keeps working', async () => {
    const { clock, thread, client, run, online, network } = createWorld();
    const agent = client('a1');
    await online(agent);
    const errors: string[] = [];
    agent.on('error', (e) => errors.push(e.code));
    network.injectRaw(thread.topic, new Uint8Array([0x0a, 0xff, 0xff, 0xff]));
    network.faults.restFailure({ kind: 'network', times: 1 });
    await run(agent.catchUp(thread));
    await clock.advanceAsync(20);
    expect(errors.sort()).toEqual(['decode_failed', 'network']);
    expect(agent.isConnected()).toBe(true);
  });

  it('shows my own message from another device once, as mine', async () => {
    const { clock, thread, client, run, online } = createWorld();
    const phone = client('v1');
    const laptop = client('v1');
    await online(phone);
    await online(laptop);
    const got: LocalMessage[] = [];
    laptop.on('message', (m) => got.push(m));
    const sent = phone.send(thread, { type: 'TEXT', text: 'from my phone' });
    await run(sent.done);
    await clock.advanceAsync(20);
    expect(got.map((m) => [m.uid, m.mine])).toEqual([[sent.uid, true]]);
  });

  it('delivers unknown types (unknownType) and appends ROBOT_STREAM chunks to one message', async () => {
    const { clock, thread, client, online, network } = createWorld();
    const visitor = client('v1');
    await online(visitor);
    const messages: LocalMessage[] = [];
    const updates: string[] = [];
    visitor.on('message', (m) => messages.push(m));
    visitor.on('status', (s) => updates.push(s.message.content));
    const base = {
      status: 'SUCCESS',
      channel: 'SYSTEM',
      thread: { uid: 'thread-1', topic: thread.topic, type: 'AGENT' },
    };
    network.publish({ ...base, uid: 'u1', type: 'HOLOGRAM', content: '{"x":1}', user: { uid: 'a1' } });
    for (const chunk of ['Hel', 'lo', '!']) {
      network.publish({ ...base, uid: 'stream-1', type: 'ROBOT_STREAM', content: chunk, user: { uid: 'robot' } });
      await clock.advanceAsync(5);
    }
    expect(messages.map((m) => [m.uid, m.unknownType])).toEqual([
      ['u1', true],
      ['stream-1', false],
    ]);
    expect(updates).toEqual(['Hello', 'Hello!']);
    expect(visitor.messages(thread.topic).find((m) => m.uid === 'stream-1')?.content).toBe('Hello!');
  });
});

describe('createChatClient: review fixes', () => {
  it('recalls a message still queued here: never sent, stays RECALL, done resolves RECALL', async () => {
    const { clock, thread, run, network, onlinePair } = createWorld();
    const { agent, visitor } = await onlinePair(
      // No DELIVERED from the agent: it would confirm the first message and let the second go.
      { autoDelivered: false },
      // A window of one: the second message waits in the queue behind the first.
      { timing: { sendWindow: 1 } },
    );
    const got: string[] = [];
    const recalls: string[] = [];
    agent.on('message', (m) => got.push(m.content));
    agent.on('recall', (r) => recalls.push(r.uid));
    network.faults.holdEchoes(true);
    const first = visitor.send(thread, { type: 'TEXT', text: 'first' });
    const second = visitor.send(thread, { type: 'TEXT', text: 'second' });
    expect(second.status).toBe('QUEUED');
    await clock.advanceAsync(20);
    visitor.recall(thread, second.uid);
    expect(visitor.pending().map((m) => m.uid)).toEqual([first.uid]);
    network.faults.holdEchoes(false);
    expect((await run(first.done)).status).toBe('SUCCESS');
    expect((await run(second.done)).status).toBe('RECALL');
    await clock.advanceAsync(60_000);
    expect(got).toEqual(['first']);
    expect(recalls).toEqual([second.uid]);
    expect(network.message(second.uid)).toBeUndefined();
    expect(visitor.messages(thread.topic).map((m) => [m.content, m.status])).toEqual([
      ['first', 'SUCCESS'],
      ['second', 'RECALL'],
    ]);
    expect(visitor.pending()).toEqual([]);
  });

  it('gives a catch-up up on a refusal trying again cannot mend, and lets the held messages through', async () => {
    const { clock, thread, run, network, onlinePair } = createWorld();
    const base = network.rest();
    let refuse = false;
    const rest: RestTransport = {
      sendMessage: (message, options) => base.sendMessage(message, options),
      queryTopic: (query, options) =>
        refuse ? Promise.reject(new SdkError('not_authorized', 'not a participant')) : base.queryTopic(query, options),
    };
    const { agent, visitor } = await onlinePair({ rest });
    const got: string[] = [];
    agent.on('message', (m) => got.push(m.content));
    const errors: string[] = [];
    agent.on('error', (e) => errors.push(e.code));
    refuse = true;
    const caughtUp = agent.catchUp(thread);
    await clock.advanceAsync(120_000);
    expect(errors).toEqual(['not_authorized']);
    await caughtUp;
    refuse = false;
    await run(visitor.send(thread, { type: 'TEXT', text: 'live' }).done);
    await clock.advanceAsync(20);
    expect(got).toEqual(['live']);
  });

  it('tries a catch-up again after a server error (most often passing), keeping the thread in order', async () => {
    const { clock, thread, run, network, onlinePair } = createWorld();
    const { agent, visitor } = await onlinePair();
    const got: string[] = [];
    agent.on('message', (m) => got.push(m.content));
    const errors: string[] = [];
    agent.on('error', (e) => errors.push(e.code));
    dropLink(network, 'a1');
    await run(visitor.send(thread, { type: 'TEXT', text: 'missed' }).done);
    network.faults.restFailure({ kind: 'server' });
    await run(nextConnected(agent), 100);
    await run(visitor.send(thread, { type: 'TEXT', text: 'live' }).done);
    await clock.advanceAsync(12_000);
    expect(got).toEqual([]);
    expect(errors.length).toBeGreaterThan(1);
    expect(new Set(errors)).toEqual(new Set(['server_error']));
    network.faults.restFailure(undefined);
    await clock.advanceAsync(20_000);
    expect(got).toEqual(['missed', 'live']);
  });

  it('settles a catch-up waiting to try again when the client is disposed', async () => {
    const { clock, thread, client, run, online, network } = createWorld();
    const agent = client('a1');
    await online(agent);
    network.faults.restFailure({ kind: 'network' });
    let settled = false;
    void agent.catchUp(thread).finally(() => {
      settled = true;
    });
    await clock.advanceAsync(100);
    expect(settled).toBe(false);
    await run(agent.dispose());
    await clock.advanceAsync(10);
    expect(settled).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  it('forgets an unsubscribed thread: its messages, and its catch-up stops trying', async () => {
    const { clock, thread, run, network, onlinePair } = createWorld();
    const { agent, visitor } = await onlinePair();
    await run(visitor.send(thread, { type: 'TEXT', text: 'hello' }).done);
    await clock.advanceAsync(20);
    expect(agent.messages(thread.topic)).toHaveLength(1);
    let failures = 0;
    agent.on('error', () => failures++);
    network.faults.restFailure({ kind: 'network' });
    let settled = false;
    void agent.catchUp(thread).finally(() => {
      settled = true;
    });
    await clock.advanceAsync(30_000);
    expect(failures).toBeGreaterThan(1);
    await run(agent.unsubscribe([thread.topic]));
    expect(agent.messages(thread.topic)).toEqual([]);
    const before = failures;
    await clock.advanceAsync(300_000);
    expect(failures).toBe(before);
    expect(settled).toBe(true);
  });
});

describe('createChatClient: lifecycle and secrets', () => {
  it('leaves no timer and no listener after dispose, even mid-flight', async () => {
    const { thread, network, clock, run, onlinePair } = createWorld();
    const { agent, visitor } = await onlinePair();
    network.faults.holdEchoes(true);
    visitor.send(thread, { type: 'TEXT', text: 'in flight' });
    visitor.send(thread, { type: 'TEXT', text: 'queued' });
    visitor.sendTyping(thread);
    await clock.advanceAsync(20);
    void agent.catchUp(thread);
    await run(Promise.all([agent.dispose(), visitor.dispose()]));
    network.faults.reset();
    await clock.advanceAsync(1_000);
    expect(clock.pending()).toBe(0);
    let calls = 0;
    visitor.on('message', () => calls++);
    expect(calls).toBe(0);
  });

  it('never lets the token reach logs or error messages', async () => {
    const { clock, thread, client, run, online, network, token } = createWorld();
    const logger = createRecordingLogger();
    const secret = token('v1');
    const visitor = client('v1', { logger });
    const errors: string[] = [];
    visitor.on('error', (e) => errors.push(`${e.code} ${e.message} ${JSON.stringify(e.details)}`));
    await online(visitor);
    network.faults.restFailure({ kind: 'network', times: 2 });
    network.faults.dropConnections();
    visitor.send(thread, { type: 'TEXT', text: `my token is not ${secret.slice(0, 4)}` });
    await clock.advanceAsync(60_000);
    network.revokeToken(secret);
    network.faults.dropConnections();
    await run(visitor.send(thread, { type: 'TEXT', text: 'x' }).done, 100);
    await clock.advanceAsync(60_000);
    expect(logger.lines.length).toBeGreaterThan(5);
    for (const line of [...logger.lines, ...errors]) expect(line).not.toContain(secret);
  });
});
