/**
 * The send window on the fake clock: a sender with hand-driven publishes, REST calls and echoes,
 * so every test says exactly what went on the wire and in which order.
 */
import { decodeMessage, SdkError, topics, type WireMessage } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatThread, LocalMessage, LocalStatus } from '../api.js';
import { noopLogger } from '../logger.js';
import { createOutgoingMessage } from '../message.js';
import { createOutbox, createVolatileOutbox } from '../outbox/outbox.js';
import { createMemoryStore } from '../stores/memory-store.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { resolveTiming } from '../timing.js';
import { createSender } from './sender.js';

const THREAD: ChatThread = { uid: 't1', topic: topics.agent('a1', 'v1'), type: 'AGENT' };
const OTHER: ChatThread = { uid: 't2', topic: topics.agent('a1', 'v2'), type: 'AGENT' };

/** A call the sender made that the test answers. */
interface Call {
  readonly text: string;
  readonly resolve: () => void;
  readonly reject: (error: SdkError) => void;
}

interface HarnessOptions {
  readonly sendWindow?: number;
  readonly rest?: boolean;
  readonly connected?: boolean;
  readonly maxPacketBytes?: number;
  /** The outbox of a client given no store (it writes nothing). */
  readonly volatile?: boolean;
  readonly outboxLimit?: number;
}

function harness(options: HarnessOptions = {}) {
  const clock = createFakeClock();
  const start = clock.now();
  const timing = resolveTiming({
    sendWindow: options.sendWindow ?? 4,
    ...(options.outboxLimit === undefined ? {} : { outboxLimit: options.outboxLimit }),
    echoTimeoutMs: 5_000,
    sendDeadlineMs: 30_000,
    retryBaseMs: 1_000,
    retryMaxMs: 60_000,
  });
  const outbox = options.volatile
    ? createVolatileOutbox()
    : createOutbox({
        store: createMemoryStore(),
        namespace: 'v1',
        onError: (error) => {
          throw error;
        },
      });
  /** What went out, in order: `mqtt a`, `rest b`. */
  const wire: string[] = [];
  const publishes: Call[] = [];
  const posts: Call[] = [];
  const status = new Map<string, LocalStatus>();
  const retryAt = new Map<string, number | undefined>();
  let connected = options.connected ?? true;
  const textOf = (payload: Uint8Array): string => {
    const decoded = decodeMessage(payload);
    return decoded.ok ? decoded.value.content : '?';
  };
  const call = (list: Call[], path: string, text: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      wire.push(`${path} ${text}`);
      list.push({ text, resolve, reject });
    });
  const sender = createSender({
    clock,
    timing,
    maxPacketBytes: options.maxPacketBytes ?? 10_240,
    outbox,
    logger: noopLogger,
    publish: (_topic, payload) => call(publishes, 'mqtt', textOf(payload)),
    ...(options.rest
      ? { post: (message: WireMessage) => call(posts, 'rest', message.content).then(() => undefined) }
      : {}),
    isConnected: () => connected,
    onChange: (message) => {
      status.set(message.content, message.status);
      retryAt.set(message.content, message.retryAt);
    },
  });

  const message = (text: string, thread = THREAD): LocalMessage =>
    createOutgoingMessage({
      uid: `uid-${text}`,
      type: 'TEXT',
      content: text,
      user: { uid: 'v1' },
      thread,
      channel: 'WEB',
      now: clock.now(),
    });
  /** The latest call for a text, to answer it. */
  const last = (list: Call[], text: string): Call => {
    for (let i = list.length - 1; i >= 0; i--) {
      const found = list[i];
      if (found?.text === text) return found;
    }
    throw new Error(`no call for ${text}`);
  };
  return {
    clock,
    sender,
    wire,
    message,
    status: (text: string) => status.get(text),
    /** The retry time last shown for a text, from the start of the test (ms). */
    retryIn: (text: string) => (retryAt.get(text) ?? Number.NaN) - start,
    setConnected: (up: boolean) => {
      connected = up;
    },
    send: (text: string, thread = THREAD, keep?: (local: LocalMessage) => void) => {
      const sent = sender.send(message(text, thread), keep);
      status.set(text, sent.status);
      return sent;
    },
    /** Lets the outbox writes and the answers given so far run. */
    settle: () => clock.advanceAsync(0),
    ack: (text: string) => last(publishes, text).resolve(),
    failPublish: (text: string) => last(publishes, text).reject(new SdkError('network', 'link lost')),
    restOk: (text: string) => last(posts, text).resolve(),
    echo: (text: string) => sender.echo(`uid-${text}`, ''),
    /** The publishes and REST calls, as `mqtt a` / `rest b`, since index `from`. */
    since: (from: number) => wire.slice(from),
  };
}

describe('the send window', () => {
  it('publishes up to the window at once, in send order; the rest wait QUEUED until an echo makes room', async () => {
    const h = harness({ sendWindow: 3 });
    const sent = ['a', 'b', 'c', 'd', 'e'].map((t) => h.send(t));
    expect(sent.map((s) => s.status)).toEqual(['SENDING', 'SENDING', 'SENDING', 'QUEUED', 'QUEUED']);
    await h.settle();
    expect(h.wire).toEqual(['mqtt a', 'mqtt b', 'mqtt c']);
    for (const t of ['a', 'b', 'c']) h.ack(t);
    await h.settle();
    h.echo('a');
    await h.settle();
    expect(h.wire).toEqual(['mqtt a', 'mqtt b', 'mqtt c', 'mqtt d']);
    expect([h.status('a'), h.status('d'), h.status('e')]).toEqual(['SUCCESS', 'SENDING', 'QUEUED']);
    h.echo('b');
    await h.settle();
    expect(h.wire.at(-1)).toBe('mqtt e');
    expect(h.sender.pending().map((m) => m.content)).toEqual(['c', 'd', 'e']);
  });

  it('without a store the first attempts go as with one: after send returned, in send order, up to the window', async () => {
    const h = harness({ sendWindow: 3, volatile: true });
    const sent = ['a', 'b', 'c', 'd'].map((t) => h.send(t));
    expect(sent.map((s) => s.status)).toEqual(['SENDING', 'SENDING', 'SENDING', 'QUEUED']);
    // Nothing is published inside send: the app has the message before anything happens to it.
    expect(h.wire).toEqual([]);
    await h.settle();
    expect(h.wire).toEqual(['mqtt a', 'mqtt b', 'mqtt c']);
    h.ack('a');
    await h.settle();
    h.echo('a');
    await h.settle();
    expect(h.wire.at(-1)).toBe('mqtt d');
    expect((await sent[0]?.done)?.status).toBe('SUCCESS');
  });

  it('tells `keep` the message as send returns it, without done, before it returns (also when the outbox is full)', async () => {
    const h = harness({ sendWindow: 1, volatile: true, outboxLimit: 2 });
    const kept: LocalMessage[] = [];
    const keep = (local: LocalMessage) => kept.push(local);
    const sent = ['a', 'b', 'c'].map((t) => h.send(t, THREAD, keep));
    expect(kept.map((m) => [m.content, m.status])).toEqual([
      ['a', 'SENDING'],
      ['b', 'QUEUED'],
      ['c', 'FAILED'],
    ]);
    for (const [i, local] of kept.entries()) {
      const { done, ...rest } = sent[i] as (typeof sent)[number];
      expect(local).toEqual(rest);
      expect(local).not.toHaveProperty('done');
      expect(done).toBeInstanceOf(Promise);
    }
    expect(kept[2]?.error?.code).toBe('outbox_full');
  });

  it('takes echoes in any order, each matched by uid; the window slides past the first unconfirmed one', async () => {
    const h = harness({ sendWindow: 3 });
    for (const t of ['a', 'b', 'c', 'd', 'e']) h.send(t);
    await h.settle();
    for (const t of ['a', 'b', 'c']) h.ack(t);
    h.echo('c');
    h.echo('b');
    await h.settle();
    expect([h.status('a'), h.status('b'), h.status('c')]).toEqual(['SENDING', 'SUCCESS', 'SUCCESS']);
    // The window is the first three pending: a, d, e.
    expect(h.wire).toEqual(['mqtt a', 'mqtt b', 'mqtt c', 'mqtt d', 'mqtt e']);
    h.echo('a');
    h.echo('e');
    h.echo('d');
    await h.settle();
    expect(h.sender.pending()).toEqual([]);
    expect(['a', 'b', 'c', 'd', 'e'].map(h.status)).toEqual(Array(5).fill('SUCCESS'));
  });

  it('echoes that come together make room together: one pass of the window after them, in send order', async () => {
    const h = harness({ sendWindow: 3 });
    for (const t of ['a', 'b', 'c', 'd', 'e', 'f']) h.send(t);
    await h.settle();
    for (const t of ['a', 'b', 'c']) h.ack(t);
    await h.settle();
    // Echoes read from one packet of the socket: the window is walked once they are all in, not once each.
    for (const t of ['a', 'b', 'c']) h.echo(t);
    expect(h.wire).toEqual(['mqtt a', 'mqtt b', 'mqtt c']);
    expect(['a', 'b', 'c'].map(h.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    await h.settle();
    expect(h.since(3)).toEqual(['mqtt d', 'mqtt e', 'mqtt f']);
  });

  it('a window of one waits for each echo before publishing the next (the behaviour before the window)', async () => {
    const h = harness({ sendWindow: 1 });
    const sent = ['a', 'b', 'c'].map((t) => h.send(t));
    expect(sent.map((s) => s.status)).toEqual(['SENDING', 'QUEUED', 'QUEUED']);
    await h.settle();
    h.ack('a');
    await h.settle();
    expect(h.wire).toEqual(['mqtt a']);
    h.echo('a');
    await h.settle();
    expect(h.wire).toEqual(['mqtt a', 'mqtt b']);
  });

  it('threads have their own windows', async () => {
    const h = harness({ sendWindow: 1 });
    h.send('a');
    h.send('b');
    h.send('x', OTHER);
    await h.settle();
    expect(h.wire).toEqual(['mqtt a', 'mqtt x']);
  });

  it('a failure in the middle of a window: the messages out already stay out, nothing new starts until the failed one is retried, then it goes first', async () => {
    const h = harness({ sendWindow: 3 });
    for (const t of ['a', 'b', 'c', 'd', 'e']) h.send(t);
    await h.settle();
    h.ack('a');
    h.failPublish('b');
    h.ack('c');
    await h.settle();
    expect([h.status('b'), h.retryIn('b')]).toEqual(['RETRYING', 1_000]);
    h.echo('a');
    h.echo('c');
    await h.settle();
    // a and c are confirmed, but d and e stay behind the failed b.
    expect(h.wire).toEqual(['mqtt a', 'mqtt b', 'mqtt c']);
    expect([h.status('d'), h.status('e')]).toEqual(['QUEUED', 'QUEUED']);
    const before = h.wire.length;
    await h.clock.advanceAsync(1_000); // b's retry timer (retryBaseMs)
    // The failure halved the window (3 → 1) and it widens by one per round trip since: 2 now.
    expect(h.since(before)).toEqual(['mqtt b', 'mqtt d']);
    h.ack('b');
    h.echo('b');
    await h.settle();
    expect(h.since(before)).toEqual(['mqtt b', 'mqtt d', 'mqtt e']);
  });

  it('retries go in send order, even when a later message is due first', async () => {
    const h = harness({ sendWindow: 3 });
    for (const t of ['a', 'b']) h.send(t);
    await h.settle();
    h.failPublish('a'); // attempt 1 of a: retried after 1 s
    await h.settle();
    await h.clock.advanceAsync(1_000);
    h.failPublish('a'); // attempt 2 of a: retried after 2 s more, at 3 s
    await h.clock.advanceAsync(500);
    h.failPublish('b'); // attempt 1 of b: due at 2.5 s, before a
    await h.settle();
    const before = h.wire.length;
    // b is shown retried when it will be: after a, at 3 s, not at its own 2.5 s.
    expect([h.status('a'), h.retryIn('a'), h.status('b'), h.retryIn('b')]).toEqual([
      'RETRYING',
      3_000,
      'RETRYING',
      3_000,
    ]);
    await h.clock.advanceAsync(1_000); // 2.5 s: b's timer fired, a still waits
    expect(h.since(before)).toEqual([]);
    expect([h.status('b'), h.retryIn('b')]).toEqual(['RETRYING', 3_000]);
    await h.clock.advanceAsync(500); // 3 s: a goes, then b right behind it
    expect(h.since(before)).toEqual(['mqtt a', 'mqtt b']);
    expect([h.status('a'), h.status('b')]).toEqual(['SENDING', 'SENDING']);
  });

  it('reconnected: every message waiting to be retried goes at once, in send order, before the ones that never started', async () => {
    const h = harness({ sendWindow: 4 });
    for (const t of ['a', 'b', 'c', 'd', 'e']) h.send(t);
    await h.settle();
    h.setConnected(false);
    for (const t of ['a', 'b', 'c', 'd']) h.failPublish(t);
    await h.settle();
    expect(['a', 'b', 'c', 'd'].map(h.status)).toEqual(Array(4).fill('RETRYING'));
    // No timer while offline without REST: they wait for the connection.
    expect(['a', 'b', 'c', 'd'].map(h.retryIn)).toEqual(Array(4).fill(Infinity));
    const before = h.wire.length;
    h.setConnected(true);
    h.sender.connected();
    await h.settle();
    expect(h.since(before)).toEqual(['mqtt a', 'mqtt b', 'mqtt c', 'mqtt d']);
    h.echo('a');
    await h.settle();
    expect(h.wire.at(-1)).toBe('mqtt e');
  });

  it('resend(uid) of a RETRYING message tries the RETRYING ones before it first', async () => {
    const h = harness({ sendWindow: 3 });
    for (const t of ['a', 'b', 'c']) h.send(t);
    await h.settle();
    h.failPublish('a');
    h.failPublish('b');
    h.ack('c');
    await h.settle();
    const before = h.wire.length;
    h.sender.resend(h.message('b'));
    await h.settle();
    expect(h.since(before)).toEqual(['mqtt a', 'mqtt b']);
  });

  it('restores what an earlier client left before newer messages, oldest first, each thread in its order', async () => {
    const h = harness({ sendWindow: 4 });
    // Sent before the outbox was read: shown SENDING, then QUEUED behind what was left.
    const fresh = h.send('new');
    expect(fresh.status).toBe('SENDING');
    const left = ['old-1', 'old-2', 'old-x'].map((t) => h.message(t, t === 'old-x' ? OTHER : THREAD));
    const restored = h.sender.restore(left);
    expect(restored.map((m) => m.content)).toEqual(['old-1', 'old-2', 'old-x']);
    expect(h.status('new')).toBe('QUEUED');
    await h.settle();
    expect(h.wire).toEqual(['mqtt old-1', 'mqtt old-2', 'mqtt old-x', 'mqtt new']);
    expect(h.sender.pending().map((m) => m.content)).toEqual(['new', 'old-1', 'old-2', 'old-x']);
  });

  it('restored messages wait for the connection when there is no REST, and the newer ones wait behind them', async () => {
    const h = harness({ sendWindow: 4, connected: false });
    h.sender.restore([h.message('old')]);
    h.send('new');
    await h.settle();
    expect(h.wire).toEqual([]);
    expect(h.status('new')).toBe('QUEUED');
    h.setConnected(true);
    h.sender.connected();
    await h.settle();
    expect(h.wire).toEqual(['mqtt old', 'mqtt new']);
  });

  it('a message that is recalled while beyond the window is never sent', async () => {
    const h = harness({ sendWindow: 2 });
    for (const t of ['a', 'b', 'c']) h.send(t);
    await h.settle();
    expect(h.sender.cancel('uid-c', 'RECALL')).toBe(true);
    for (const t of ['a', 'b']) {
      h.ack(t);
      h.echo(t);
    }
    await h.clock.advanceAsync(60_000);
    expect(h.wire).toEqual(['mqtt a', 'mqtt b']);
    expect(h.status('c')).toBe('RECALL');
  });
});

describe('RETRYING: waiting for an automatic retry, not failed', () => {
  /** Whether a promise has settled, after what is due now has run. */
  const settledYet = async (h: ReturnType<typeof harness>, done: Promise<LocalMessage>): Promise<boolean> => {
    let settled = false;
    void done.then(() => {
      settled = true;
    });
    await h.settle();
    return settled;
  };

  it('done waits through every retry and settles SUCCESS once the message gets through', async () => {
    const h = harness({ sendWindow: 1 });
    const sent = h.send('a');
    await h.settle();
    h.failPublish('a');
    await h.settle();
    expect([h.status('a'), h.retryIn('a')]).toEqual(['RETRYING', 1_000]);
    expect(await settledYet(h, sent.done)).toBe(false);
    await h.clock.advanceAsync(1_000); // the retry: published again, fails again
    h.failPublish('a');
    await h.settle();
    expect([h.status('a'), h.retryIn('a')]).toEqual(['RETRYING', 3_000]);
    expect(await settledYet(h, sent.done)).toBe(false);
    await h.clock.advanceAsync(2_000);
    h.ack('a');
    h.echo('a');
    const done = await sent.done;
    expect([done.status, done.retryAt, done.error]).toEqual(['SUCCESS', undefined, undefined]);
  });

  it('an attempt past its deadline is RETRYING (timeout), with the retry time; done still waits', async () => {
    const h = harness({ sendWindow: 1 });
    const sent = h.send('a');
    await h.settle();
    h.ack('a'); // the echo never comes: published again on each echo timeout, until the deadline
    await h.clock.advanceAsync(30_000);
    expect([h.status('a'), h.retryIn('a')]).toEqual(['RETRYING', 31_000]);
    expect(await settledYet(h, sent.done)).toBe(false);
    h.echo('a'); // the server had it after all
    expect((await sent.done).status).toBe('SUCCESS');
  });

  it('a retry timer that fires with the link down waits for the connection: retryAt becomes Infinity, then it goes once connected', async () => {
    const h = harness({ sendWindow: 1 });
    h.send('a');
    await h.settle();
    h.failPublish('a');
    await h.settle();
    expect(h.retryIn('a')).toBe(1_000);
    h.setConnected(false);
    await h.clock.advanceAsync(1_000);
    expect([h.status('a'), h.retryIn('a')]).toEqual(['RETRYING', Infinity]);
    const before = h.wire.length;
    await h.clock.advanceAsync(600_000);
    expect(h.since(before)).toEqual([]);
    h.setConnected(true);
    h.sender.connected();
    await h.settle();
    expect([h.since(before), h.status('a'), h.retryIn('a')]).toEqual([['mqtt a'], 'SENDING', Number.NaN]);
  });

  it('the message waited for goes (recalled): the one behind it is shown at its own retry time again', async () => {
    const h = harness({ sendWindow: 3 });
    for (const t of ['a', 'b']) h.send(t);
    await h.settle();
    h.failPublish('a');
    await h.settle();
    await h.clock.advanceAsync(1_000);
    h.failPublish('a'); // a: due at 3 s
    await h.clock.advanceAsync(500);
    h.failPublish('b'); // b: due at 2.5 s, shown at 3 s behind a
    await h.settle();
    expect(h.retryIn('b')).toBe(3_000);
    expect(h.sender.cancel('uid-a', 'RECALL')).toBe(true);
    expect([h.status('a'), h.status('b'), h.retryIn('b')]).toEqual(['RECALL', 'RETRYING', 2_500]);
    const before = h.wire.length;
    await h.clock.advanceAsync(1_000);
    expect(h.since(before)).toEqual(['mqtt b']);
  });

  it('dispose: a RETRYING message settles FAILED (closed), told as a status event', async () => {
    const h = harness({ sendWindow: 1 });
    const sent = h.send('a');
    await h.settle();
    h.failPublish('a');
    await h.settle();
    expect(await settledYet(h, sent.done)).toBe(false);
    h.sender.dispose();
    const done = await sent.done;
    expect([done.status, done.error?.code, done.retryAt, h.status('a')]).toEqual([
      'FAILED',
      'closed',
      undefined,
      'FAILED',
    ]);
  });
});

describe('REST in a window', () => {
  it('offline with REST: one REST call at a time per thread, each after the one before it is confirmed', async () => {
    const h = harness({ sendWindow: 4, rest: true, connected: false });
    const sent = ['a', 'b', 'c'].map((t) => h.send(t));
    expect(sent.map((s) => s.status)).toEqual(['SENDING', 'QUEUED', 'QUEUED']);
    await h.settle();
    expect(h.wire).toEqual(['rest a']);
    h.restOk('a');
    await h.settle();
    expect(h.wire).toEqual(['rest a', 'rest b']);
    h.restOk('b');
    await h.settle();
    expect(h.wire).toEqual(['rest a', 'rest b', 'rest c']);
  });

  it('echoes that never come: each message falls back to REST in send order, one after the other', async () => {
    const h = harness({ sendWindow: 4, rest: true });
    for (const t of ['a', 'b', 'c']) h.send(t);
    await h.settle();
    for (const t of ['a', 'b', 'c']) h.ack(t);
    await h.clock.advanceAsync(5_000); // every echo timer (echoTimeoutMs)
    expect(h.since(3)).toEqual(['rest a']);
    expect(['a', 'b', 'c'].map(h.status)).toEqual(['SENDING', 'SENDING', 'SENDING']);
    h.restOk('a');
    await h.settle();
    expect(h.since(3)).toEqual(['rest a', 'rest b']);
    // b's echo arrives meanwhile: it is confirmed, and c's REST call may go.
    h.echo('b');
    await h.settle();
    expect(h.since(3)).toEqual(['rest a', 'rest b', 'rest c']);
    h.restOk('c');
    await h.settle();
    expect(['a', 'b', 'c'].map(h.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
  });

  it('an oversize message goes over REST once the messages before it are confirmed, and holds the ones behind it', async () => {
    const h = harness({ sendWindow: 4, rest: true, maxPacketBytes: 400 });
    h.send('a');
    h.send('b'.repeat(500));
    h.send('c');
    await h.settle();
    expect(h.wire).toEqual(['mqtt a']);
    h.ack('a');
    h.echo('a');
    await h.settle();
    expect(h.wire).toEqual(['mqtt a', `rest ${'b'.repeat(500)}`]);
    h.restOk('b'.repeat(500));
    await h.settle();
    expect(h.wire.at(-1)).toBe('mqtt c');
  });

  it('a message whose publish failed waits for its REST turn within its deadline, and is retried if that passes', async () => {
    const h = harness({ sendWindow: 4, rest: true });
    for (const t of ['a', 'b']) h.send(t);
    await h.settle();
    h.failPublish('a');
    h.failPublish('b');
    await h.settle();
    expect(h.since(2)).toEqual(['rest a']);
    await h.clock.advanceAsync(30_000); // a's REST call never answers: both deadlines pass
    expect([h.status('a'), h.status('b')]).toEqual(['RETRYING', 'RETRYING']);
    expect([h.retryIn('a'), h.retryIn('b')]).toEqual([31_000, 31_000]);
    expect(h.since(2)).toEqual(['rest a']);
    const before = h.wire.length;
    await h.clock.advanceAsync(1_000); // both retries are due: a first (MQTT), then b
    expect(h.since(before)).toEqual(['mqtt a', 'mqtt b']);
  });
});

describe('the window adapts to the link (congestion.ts)', () => {
  /** Confirms messages m{from}..m{to - 1} by PUBACK and echo. */
  const confirm = (h: ReturnType<typeof harness>, from: number, to: number) => {
    for (let i = from; i < to; i++) {
      h.ack(`m${i}`);
      h.echo(`m${i}`);
    }
  };

  it('32 go at first; each echo lets the one it freed and three more go, up to sendWindow', async () => {
    const h = harness({ sendWindow: 40 });
    for (let i = 0; i < 60; i++) h.send(`m${i}`);
    await h.settle();
    expect(h.wire).toHaveLength(32);
    expect(h.status('m32')).toBe('QUEUED');
    confirm(h, 0, 2);
    await h.settle();
    expect(h.since(32)).toEqual([
      'mqtt m32',
      'mqtt m33',
      'mqtt m34',
      'mqtt m35',
      'mqtt m36',
      'mqtt m37',
      'mqtt m38',
      'mqtt m39',
    ]);
    confirm(h, 2, 12);
    await h.settle();
    // 12 confirmed and 40 in flight (the ceiling): m0..m51 went.
    expect(h.wire).toHaveLength(52);
    expect([h.status('m51'), h.status('m52')]).toEqual(['SENDING', 'QUEUED']);
  });

  it('echoes that did not come halve the window for the first attempts after them', async () => {
    const h = harness({ sendWindow: 64, rest: true });
    for (let i = 0; i < 60; i++) h.send(`m${i}`);
    await h.settle();
    for (let i = 0; i < 32; i++) h.ack(`m${i}`);
    await h.settle();
    await h.clock.advanceAsync(5_000); // no echo: each goes on over REST, one at a time
    for (let i = 0; i < 32; i++) {
      h.restOk(`m${i}`);
      await h.settle();
    }
    // 16 of the 28 that never started go now (32 would have without the halving).
    expect(h.since(0).filter((line) => line.startsWith('mqtt'))).toHaveLength(48);
    expect([h.status('m47'), h.status('m48')]).toEqual(['SENDING', 'QUEUED']);
  });

  it("an echo is timed from its message's publish: one late by over 500 ms (a tenth of the echo timeout) widens nothing", async () => {
    const h = harness({ sendWindow: 512 });
    for (let i = 0; i < 100; i++) h.send(`m${i}`);
    await h.settle();
    confirm(h, 0, 1); // at once: the quickest echo
    await h.settle();
    expect(h.since(32)).toEqual(['mqtt m32', 'mqtt m33', 'mqtt m34', 'mqtt m35']);
    await h.clock.advanceAsync(501);
    confirm(h, 1, 2); // m1 was published 501 ms ago: late
    await h.settle();
    expect(h.since(36)).toEqual(['mqtt m36']); // only the one it freed
    confirm(h, 36, 37); // m36 was published just now: in time, widens again
    await h.settle();
    expect(h.since(37)).toEqual(['mqtt m37']); // one per round trip for now: the window widens after 35 in time
    expect(h.status('m38')).toBe('QUEUED');
  });

  it('echoes that come late but in time narrow the window; no message goes to REST, not even one QUEUED for longer than every timeout', async () => {
    const h = harness({ sendWindow: 512, rest: true, volatile: true });
    for (let i = 0; i < 100; i++) h.send(`m${i}`);
    await h.settle();
    const rounds: number[] = [];
    let confirmed = 0;
    while (confirmed < 100 && rounds.length < 50) {
      const published = h.wire.length;
      rounds.push(published - confirmed);
      for (let i = confirmed; i < published; i++) h.ack(`m${i}`);
      await h.settle();
      // Only what was published has timers, a deadline and an echo timer each: none for the QUEUED.
      expect(h.clock.pending()).toBe(2 * (published - confirmed));
      // Each echo 4 s after its publish: within the echo timeout (5 s), over half of it.
      await h.clock.advanceAsync(4_000);
      for (let i = confirmed; i < published; i++) h.echo(`m${i}`);
      await h.settle();
      confirmed = published;
    }
    // Halved once per echo timeout, down to one at a time.
    expect(rounds.slice(0, 12)).toEqual([32, 16, 16, 8, 8, 4, 4, 2, 2, 1, 1, 1]);
    // The last waited QUEUED far longer than the send deadline (30 s), and went on MQTT all the same.
    expect(rounds.length * 4_000).toBeGreaterThan(60_000);
    expect(h.wire).toEqual(Array.from({ length: 100 }, (_, i) => `mqtt m${i}`));
    expect(h.status('m99')).toBe('SUCCESS');
  });

  it('a reconnect starts every thread again from 32, ramping', async () => {
    const h = harness({ sendWindow: 100 });
    for (let i = 0; i < 100; i++) h.send(`m${i}`);
    await h.settle();
    confirm(h, 0, 4);
    await h.settle();
    expect(h.wire).toHaveLength(48); // 44 wide, 4 confirmed
    h.setConnected(false);
    for (let i = 4; i < 48; i++) h.failPublish(`m${i}`);
    await h.settle();
    h.setConnected(true);
    h.sender.connected();
    await h.settle();
    // The 44 that went before go again at once (retries keep their places), in order.
    const again = h.since(48);
    expect(again).toHaveLength(44);
    expect(again[0]).toBe('mqtt m4');
    confirm(h, 4, 12);
    await h.settle();
    // The window is 32 + 3 × 8 = 56 now, with 36 still in flight: 20 new ones (none at the old
    // window, halved by the failures to 22 and widening by one per round trip).
    expect(h.since(92)).toEqual(Array.from({ length: 20 }, (_, i) => `mqtt m${48 + i}`));
  });
});
