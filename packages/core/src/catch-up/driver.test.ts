import { SdkError, type WireMessage } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatTiming } from '../api.js';
import type { HistoryPage, RestTransport } from '../interfaces.js';
import { noopLogger } from '../logger.js';
import type { Received } from '../receive/pipeline.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { resolveTiming } from '../timing.js';
import { type CatchUpOptions, createCatchUp } from './driver.js';

const TOPIC = 'org/agent/a1/v1';

/** Live bytes that carry a uid as their characters (the fake pipeline reads it back). */
const bytes = (uid: string): Uint8Array => Uint8Array.from(uid, (c) => c.charCodeAt(0));
const uidOf = (payload: Uint8Array): string => String.fromCharCode(...payload);
const wire = (uid: string): WireMessage => ({
  uid,
  type: 'TEXT',
  content: uid,
  status: 'SUCCESS',
  createdAt: '',
  channel: 'WEB',
  extra: '',
});

/** A thread's history (newest last) behind a REST stub that can fail or be slow. */
function history() {
  const messages: string[] = [];
  const calls: Array<{ readonly topic: string }> = [];
  let failure: SdkError | undefined;
  let gate: Promise<void> | undefined;
  const rest: RestTransport = {
    sendMessage: () => Promise.reject(new Error('unused')),
    async queryTopic({ topic, pageNumber, pageSize }): Promise<HistoryPage> {
      calls.push({ topic });
      if (gate) await gate;
      if (failure) throw failure;
      const newestFirst = [...messages].reverse().map(wire);
      const page = newestFirst.slice(pageNumber * pageSize, (pageNumber + 1) * pageSize);
      const totalPages = Math.ceil(newestFirst.length / pageSize);
      return {
        messages: page,
        pageNumber,
        pageSize,
        totalPages,
        totalElements: newestFirst.length,
        last: pageNumber >= totalPages - 1,
      };
    },
  };
  return {
    rest,
    messages,
    calls,
    fail: (error: SdkError | undefined) => {
      failure = error;
    },
    /** Holds every read until the returned function is called. */
    hold(): () => void {
      let open = (): void => {};
      gate = new Promise<void>((resolve) => {
        open = () => {
          gate = undefined;
          resolve();
        };
      });
      return open;
    },
  };
}

function setup(over: Partial<CatchUpOptions> = {}, timing: Partial<ChatTiming> = {}) {
  const clock = createFakeClock();
  const server = history();
  const shown: string[] = [];
  const errors: string[] = [];
  const pending = new Set<string>();
  const world = { connected: true, subscribed: new Set([TOPIC]) };
  const catchUp = createCatchUp({
    rest: server.rest,
    clock,
    timing: resolveTiming({ catchUpPageSize: 2, catchUpMaxPages: 5, ...timing }),
    logger: noopLogger,
    isConnected: () => world.connected,
    isSubscribed: (topic) => world.subscribed.has(topic),
    restCall: () => ({}),
    receiveLive: (_topic, payload): Received => {
      const uid = uidOf(payload);
      if (!shown.includes(uid)) shown.push(uid);
      return { kind: 'dropped', reason: 'duplicate', uid };
    },
    receiveHistory: (_topic, message) => {
      if (!shown.includes(message.uid)) shown.push(message.uid);
    },
    isEchoOfPending: (payload) => pending.has(uidOf(payload)),
    onError: (error) => errors.push(error.code),
    ...over,
  });
  return { clock, server, shown, errors, pending, world, catchUp };
}

describe('catch-up driver', () => {
  it('holds live messages while history is read, then lets them through after what was missed', async () => {
    const { clock, server, shown, catchUp } = setup();
    server.messages.push('m1', 'm2');
    const open = server.hold();
    catchUp.connected([TOPIC]);
    catchUp.live(TOPIC, bytes('live'));
    await clock.advanceAsync(10);
    expect(shown).toEqual([]);
    open();
    await clock.advanceAsync(10);
    expect(shown).toEqual(['m1', 'm2', 'live']);
  });

  it('never holds the echo of one of my pending messages', async () => {
    const { clock, server, shown, pending, catchUp } = setup();
    const open = server.hold();
    pending.add('mine');
    catchUp.connected([TOPIC]);
    catchUp.live(TOPIC, bytes('mine'));
    catchUp.live(TOPIC, bytes('theirs'));
    expect(shown).toEqual(['mine']);
    open();
    await clock.advanceAsync(10);
    expect(shown).toEqual(['mine', 'theirs']);
  });

  it('stops the next catch-up at a live message that came while the thread was in order', async () => {
    const { clock, server, shown, world, catchUp } = setup();
    server.messages.push('m1', 'm2', 'm3');
    catchUp.connected([TOPIC]);
    await clock.advanceAsync(10);
    server.messages.push('live1');
    catchUp.live(TOPIC, bytes('live1'));
    // Away, then back: history has more, read back only as far as live1.
    world.connected = false;
    catchUp.disconnected();
    server.messages.push('m4', 'm5', 'm6');
    world.connected = true;
    const reads = server.calls.length;
    catchUp.connected([TOPIC]);
    await clock.advanceAsync(10);
    expect(shown).toEqual(['m1', 'm2', 'm3', 'live1', 'm4', 'm5', 'm6']);
    expect(server.calls.length - reads).toBe(2);
  });

  it('takes no live message as a stop point while the thread may have a gap', async () => {
    const { clock, server, catchUp, world } = setup();
    server.messages.push('m1');
    catchUp.connected([TOPIC]);
    await clock.advanceAsync(10);
    world.connected = false;
    catchUp.disconnected();
    // Arrives after the drop was seen: there may be a gap before it.
    server.messages.push('gap', 'late');
    catchUp.live(TOPIC, bytes('late'));
    world.connected = true;
    const reads = server.calls.length;
    catchUp.connected([TOPIC]);
    await clock.advanceAsync(10);
    // Read past 'late' (pages of 2: late, gap | m1) down to m1.
    expect(server.calls.length - reads).toBe(2);
  });

  it('asks the injected rule where a gap ends', async () => {
    const asked: string[] = [];
    const { clock, server, shown, catchUp } = setup({
      isSafeStop: (_topic, uid) => {
        asked.push(uid);
        return uid === 'm2';
      },
    });
    server.messages.push('m1', 'm2', 'm3', 'm4');
    await catchUp.run(TOPIC).then(
      () => {},
      () => {},
    );
    await clock.advanceAsync(10);
    // m2 itself goes through again too: its stored status may have moved on.
    expect(shown).toEqual(['m3', 'm4', 'm2']);
    expect(asked).toEqual(['m4', 'm3', 'm2']);
  });

  it('lets held messages through after sendDeadlineMs when history is slow; what was missed follows', async () => {
    const { clock, server, shown, catchUp } = setup();
    server.messages.push('m1');
    const open = server.hold();
    catchUp.connected([TOPIC]);
    catchUp.live(TOPIC, bytes('live'));
    await clock.advanceAsync(29_999);
    expect(shown).toEqual([]);
    await clock.advanceAsync(1);
    expect(shown).toEqual(['live']);
    catchUp.live(TOPIC, bytes('live2'));
    expect(shown).toEqual(['live', 'live2']);
    open();
    await clock.advanceAsync(10);
    expect(shown).toEqual(['live', 'live2', 'm1']);
  });

  it('tries again after a failure, reporting each, and settles run() once caught up', async () => {
    const { clock, server, shown, errors, catchUp } = setup({}, { sendDeadlineMs: 300_000 });
    server.messages.push('m1');
    server.fail(new SdkError('server_error', 'busy'));
    let settled = false;
    void catchUp.run(TOPIC).then(() => {
      settled = true;
    });
    catchUp.live(TOPIC, bytes('live'));
    await clock.advanceAsync(20_000);
    expect(errors.length).toBeGreaterThan(1);
    expect(settled).toBe(false);
    expect(shown).toEqual([]);
    server.fail(undefined);
    await clock.advanceAsync(60_000);
    expect(settled).toBe(true);
    expect(shown).toEqual(['m1', 'live']);
  });

  it('gives up on a refusal and lets the held messages through', async () => {
    const { clock, server, shown, errors, catchUp } = setup();
    server.fail(new SdkError('not_authorized', 'no'));
    const done = catchUp.run(TOPIC);
    catchUp.live(TOPIC, bytes('live'));
    await clock.advanceAsync(10);
    await done;
    expect(errors).toEqual(['not_authorized']);
    expect(shown).toEqual(['live']);
    await clock.advanceAsync(120_000);
    expect(server.calls).toHaveLength(1);
  });

  it('keeps messages held when a drop cuts the catch-up short, for the next connection’s', async () => {
    const { clock, server, shown, world, catchUp } = setup();
    server.messages.push('m1');
    server.fail(new SdkError('network', 'down'));
    catchUp.connected([TOPIC]);
    catchUp.live(TOPIC, bytes('live'));
    await clock.advanceAsync(10);
    world.connected = false;
    catchUp.disconnected();
    await clock.advanceAsync(6_000);
    expect(shown).toEqual([]);
    server.fail(undefined);
    world.connected = true;
    catchUp.connected([TOPIC]);
    await clock.advanceAsync(10);
    expect(shown).toEqual(['m1', 'live']);
  });

  it('joins the run of this connection, and a newer connection replaces it', async () => {
    const { clock, server, catchUp } = setup();
    const open = server.hold();
    catchUp.connected([TOPIC]);
    const first = catchUp.run(TOPIC);
    expect(server.calls).toHaveLength(1);
    let firstSettled = false;
    void first.then(() => {
      firstSettled = true;
    });
    catchUp.connected([TOPIC]);
    await clock.advanceAsync(0);
    expect(server.calls).toHaveLength(2);
    expect(firstSettled).toBe(true);
    open();
    await clock.advanceAsync(10);
  });

  it('forgets a thread: what it held is dropped, its run settles, it is not tried again', async () => {
    const { clock, server, shown, errors, world, catchUp } = setup();
    server.fail(new SdkError('network', 'down'));
    const done = catchUp.run(TOPIC);
    catchUp.live(TOPIC, bytes('held'));
    await clock.advanceAsync(10);
    world.subscribed.delete(TOPIC);
    catchUp.forget(TOPIC);
    await done;
    const before = errors.length;
    await clock.advanceAsync(300_000);
    expect(errors.length).toBe(before);
    expect(shown).toEqual([]);
    expect(clock.pending()).toBe(0);
  });

  it('settles every run and clears every timer on dispose', async () => {
    const { clock, server, catchUp } = setup();
    server.fail(new SdkError('network', 'down'));
    const done = catchUp.run(TOPIC);
    await clock.advanceAsync(10);
    catchUp.dispose();
    await done;
    expect(clock.pending()).toBe(0);
    expect(await catchUp.run(TOPIC)).toBeUndefined();
  });

  it('catches up only thread topics on connect, and new subscriptions only when connected', async () => {
    const { clock, server, world, catchUp } = setup();
    catchUp.connected(['user/a1', 'system/a1', TOPIC]);
    await clock.advanceAsync(10);
    expect(server.calls.map((c) => c.topic)).toEqual([TOPIC]);
    world.connected = false;
    catchUp.subscribed(['org/group/g1']);
    expect(server.calls).toHaveLength(1);
    world.connected = true;
    catchUp.subscribed(['org/group/g1']);
    expect(server.calls.map((c) => c.topic)).toEqual([TOPIC, 'org/group/g1']);
  });

  it('does nothing without REST', async () => {
    const { catchUp, shown } = setup({ rest: undefined });
    await catchUp.run(TOPIC);
    catchUp.live(TOPIC, bytes('live'));
    expect(shown).toEqual(['live']);
  });
});
