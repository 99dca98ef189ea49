import { decodeMessage, encodeMessage, SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatTiming, GapEvent } from '../api.js';
import type { HistoryMessage, HistoryPage, RestTransport } from '../interfaces.js';
import { noopLogger } from '../logger.js';
import { messageFromWire } from '../message.js';
import type { Received } from '../receive/pipeline.js';
import { createFakeClock, type FakeClock } from '../testing/fake-clock.js';
import { resolveTiming } from '../timing.js';
import { type CatchUpOptions, createCatchUp, MAX_HELD_BYTES } from './driver.js';

const TOPIC = 'org/agent/a1/v1';

/** A message as the server stamped it: its createdAt is the server time it came in (epoch ms). */
const bytes = (uid: string, createdAt: number): Uint8Array =>
  encodeMessage({ uid, type: 'TEXT', content: uid, status: 'SUCCESS', createdAt: String(createdAt) });

interface Row {
  readonly uid: string;
  readonly created: number;
  updated: number;
  /** From when history lists it (the server writes in batches). */
  readonly writtenAt: number;
  deleted: boolean;
  readonly seq: number;
}

/**
 * A thread's history as the real server keeps it: newest first by updatedAt, written `lagMs`
 * after it came in, receipts moving a row up, recalls deleting it; behind a REST stub that can
 * fail, be slow, or change history between two pages.
 */
function history(clock: FakeClock) {
  const rows: Row[] = [];
  const calls: Array<{ readonly topic: string; readonly pageNumber: number }> = [];
  let failure: SdkError | undefined;
  let gate: Promise<void> | undefined;
  let lagMs = 0;
  const between: Array<{ readonly page: number; readonly change: () => void }> = [];
  const listed = (): Row[] =>
    rows.filter((r) => !r.deleted && r.writtenAt <= clock.now()).sort((a, b) => b.updated - a.updated || b.seq - a.seq);
  const rest: RestTransport = {
    sendMessage: () => Promise.reject(new Error('unused')),
    async queryTopic({ topic, pageNumber, pageSize }): Promise<HistoryPage> {
      calls.push({ topic, pageNumber });
      if (gate) await gate;
      if (failure) throw failure;
      const due = between.findIndex((b) => b.page === pageNumber);
      if (due !== -1) between.splice(due, 1)[0]?.change();
      const all = listed();
      const messages: HistoryMessage[] = all.slice(pageNumber * pageSize, (pageNumber + 1) * pageSize).map((r) => ({
        uid: r.uid,
        type: 'TEXT',
        content: r.uid,
        status: 'SUCCESS',
        createdAt: String(r.created),
        updatedAt: String(r.updated),
        channel: 'WEB',
        extra: '',
      }));
      const totalPages = Math.ceil(all.length / pageSize);
      return {
        messages,
        pageNumber,
        pageSize,
        totalPages,
        totalElements: all.length,
        last: pageNumber >= totalPages - 1,
      };
    },
  };
  return {
    rest,
    calls,
    /** The server takes a message now; returns it as it goes out live. */
    publish(uid: string): Uint8Array {
      const now = clock.now();
      rows.push({ uid, created: now, updated: now, writtenAt: now + lagMs, deleted: false, seq: rows.length });
      return bytes(uid, now);
    },
    /** A receipt (or any change) moves a row up. */
    bump(uid: string): void {
      const row = rows.find((r) => r.uid === uid);
      if (row) row.updated = clock.now();
    },
    recall(uid: string): void {
      const row = rows.find((r) => r.uid === uid);
      if (row) row.deleted = true;
    },
    lag(ms: number): void {
      lagMs = ms;
    },
    /** Runs `change` once, before page `page` is next answered. */
    beforePage(page: number, change: () => void): void {
      between.push({ page, change });
    },
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
  const server = history(clock);
  const shown: string[] = [];
  const errors: string[] = [];
  const gaps: GapEvent[] = [];
  const pending = new Set<string>();
  const world = { connected: false, subscribed: new Set([TOPIC]) };
  const catchUp = createCatchUp({
    rest: server.rest,
    clock,
    timing: resolveTiming({ catchUpPageSize: 2, catchUpMaxPages: 5, historyLagMs: 0, ...timing }),
    logger: noopLogger,
    isConnected: () => world.connected,
    isSubscribed: (topic) => world.subscribed.has(topic),
    restCall: () => ({}),
    receiveLive: (_topic, payload): Received => {
      const decoded = decodeMessage(payload);
      if (!decoded.ok) return { kind: 'error', error: decoded.error };
      const uid = decoded.value.uid;
      if (shown.includes(uid)) return { kind: 'dropped', reason: 'duplicate', uid };
      shown.push(uid);
      return { kind: 'message', message: messageFromWire(decoded.value, { selfUid: 'me', now: clock.now() }) };
    },
    receiveHistory: (_topic, message) => {
      if (!shown.includes(message.uid)) shown.push(message.uid);
    },
    isPending: (uid) => pending.has(uid),
    onError: (error) => errors.push(error.code),
    onGap: (gap) => gaps.push(gap),
    ...over,
  });
  /** The link comes up: a new connection, and each topic caught up. */
  const connect = (): void => {
    world.connected = true;
    catchUp.connected([TOPIC]);
  };
  const drop = (): void => {
    world.connected = false;
    catchUp.disconnected();
  };
  /** The server takes a message and it reaches this client live. */
  const live = (uid: string): void => catchUp.live(TOPIC, server.publish(uid));
  return { clock, server, shown, errors, gaps, pending, world, catchUp, connect, drop, live };
}

describe('catch-up driver', () => {
  it('holds live messages while history is read, then lets them through after what was missed', async () => {
    const { clock, server, shown, connect, live } = setup();
    server.publish('m1');
    server.publish('m2');
    const open = server.hold();
    connect();
    live('live');
    await clock.advanceAsync(10);
    expect(shown).toEqual([]);
    open();
    await clock.advanceAsync(10);
    expect(shown).toEqual(['m1', 'm2', 'live']);
  });

  it('never holds the echo of one of my pending messages', async () => {
    const { clock, server, shown, pending, connect, live } = setup();
    const open = server.hold();
    pending.add('mine');
    connect();
    live('mine');
    live('theirs');
    expect(shown).toEqual(['mine']);
    open();
    await clock.advanceAsync(10);
    expect(shown).toEqual(['mine', 'theirs']);
  });

  it('never holds a typing or preview signal: history never has them, so they have no place to wait for', async () => {
    const { clock, server, shown, catchUp, connect } = setup();
    const open = server.hold();
    connect();
    const signal = (uid: string, type: string): Uint8Array =>
      encodeMessage({ uid, type, content: '', status: 'SUCCESS', createdAt: String(clock.now()) });
    catchUp.live(TOPIC, signal('typing', 'TYPING'));
    catchUp.live(TOPIC, signal('preview', 'PREVIEW'));
    catchUp.live(TOPIC, signal('read', 'READ'));
    expect(shown).toEqual(['typing', 'preview']);
    open();
    await clock.advanceAsync(10);
    expect(shown).toEqual(['typing', 'preview', 'read']);
  });

  it('reads back only to the watermark: the newest message known while the thread was in order', async () => {
    const { clock, server, shown, connect, drop, live } = setup();
    for (const uid of ['m1', 'm2', 'm3']) {
      server.publish(uid);
      await clock.advanceAsync(1_000);
    }
    connect();
    await clock.advanceAsync(10);
    await clock.advanceAsync(60_000);
    live('live1');
    // Away, then back a minute later: history has more, read back only as far as live1 (less the margin).
    drop();
    await clock.advanceAsync(60_000);
    for (const uid of ['m4', 'm5', 'm6']) {
      server.publish(uid);
      await clock.advanceAsync(1_000);
    }
    const reads = server.calls.length;
    connect();
    await clock.advanceAsync(10);
    expect(shown).toEqual(['m1', 'm2', 'm3', 'live1', 'm4', 'm5', 'm6']);
    // Pages of 2: m6 m5 | m4 live1 — live1 is at the watermark, so one more page down to what is older.
    expect(server.calls.length - reads).toBe(3);
  });

  it('does not stop at an old message read while it was away: newer ones it never saw still come', async () => {
    const { clock, server, shown, connect, drop, live } = setup();
    connect();
    await clock.advanceAsync(10);
    live('old');
    await clock.advanceAsync(60_000);
    drop();
    for (const uid of ['new1', 'new2', 'new3']) {
      await clock.advanceAsync(1_000);
      server.publish(uid);
    }
    // The visitor's READ for 'old' (sent while we were away) puts it first in history.
    await clock.advanceAsync(1_000);
    server.bump('old');
    connect();
    await clock.advanceAsync(10);
    expect(shown).toEqual(['old', 'new1', 'new2', 'new3']);
  });

  it('takes no live message as the watermark while the thread may have a gap', async () => {
    const { clock, server, shown, connect, drop, live } = setup();
    server.publish('m1');
    connect();
    await clock.advanceAsync(10);
    drop();
    await clock.advanceAsync(60_000);
    server.publish('gap');
    await clock.advanceAsync(60_000);
    // Back, but history refuses this time: the catch-up is given up, the thread may have a gap.
    server.fail(new SdkError('not_authorized', 'not now'));
    connect();
    await clock.advanceAsync(10);
    live('late');
    expect(shown).toEqual(['m1', 'late']);
    server.fail(undefined);
    drop();
    connect();
    await clock.advanceAsync(10);
    // Read past 'late' (two minutes newer) down to m1: 'gap' is found.
    expect(shown).toEqual(['m1', 'late', 'gap']);
  });

  it('lets held messages through after sendDeadlineMs when history is slow; what was missed follows', async () => {
    const { clock, server, shown, connect, live } = setup();
    server.publish('m1');
    const open = server.hold();
    connect();
    live('live');
    await clock.advanceAsync(29_999);
    expect(shown).toEqual([]);
    await clock.advanceAsync(1);
    expect(shown).toEqual(['live']);
    live('live2');
    expect(shown).toEqual(['live', 'live2']);
    open();
    await clock.advanceAsync(10);
    expect(shown).toEqual(['live', 'live2', 'm1']);
  });

  it('holds at most dedupeCapacity live messages: past that they show at once, and what was missed follows', async () => {
    const { clock, server, shown, connect, drop, live } = setup({}, { dedupeCapacity: 10, catchUpMaxPages: 20 });
    server.publish('m1');
    const open = server.hold();
    connect();
    // Anyone may post into a thread as fast as the server relays: what waits for history is bounded.
    for (let i = 1; i <= 10; i++) live(`live${i}`);
    await clock.advanceAsync(10);
    expect(shown).toEqual([]);
    live('live11');
    const flood = Array.from({ length: 11 }, (_, i) => `live${i + 1}`);
    expect(shown).toEqual(flood);
    live('live12');
    expect(shown).toEqual([...flood, 'live12']);
    open();
    await clock.advanceAsync(10);
    expect(shown).toEqual([...flood, 'live12', 'm1']);
    // The guard's timer, set when the holding began, changes nothing when it comes.
    await clock.advanceAsync(60_000);
    expect(shown).toEqual([...flood, 'live12', 'm1']);
    // Before the next connection's catch-up begins (subscribing), what comes waits too, as much.
    drop();
    for (let i = 1; i <= 11; i++) live(`next${i}`);
    expect(shown.slice(13)).toEqual(Array.from({ length: 11 }, (_, i) => `next${i + 1}`));
  });

  it('holds at most MAX_HELD_BYTES of live payloads: a message may be of any size, and held ones are not checked yet', async () => {
    const { clock, server, shown, connect, catchUp } = setup({}, { catchUpMaxPages: 20 });
    const open = server.hold();
    connect();
    const big = (uid: string): Uint8Array =>
      encodeMessage({ uid, type: 'TEXT', content: 'x'.repeat(MAX_HELD_BYTES / 4 - 100), status: 'SUCCESS' });
    // Four quarters are held; the fifth would be over: they all go, in order.
    for (let i = 1; i <= 4; i++) catchUp.live(TOPIC, big(`b${i}`));
    expect(shown).toEqual([]);
    catchUp.live(TOPIC, big('b5'));
    expect(shown).toEqual(['b1', 'b2', 'b3', 'b4', 'b5']);
    open();
    await clock.advanceAsync(10);
  });

  it('counts the hold guard in connected time only: held messages wait through outages, and no longer than the guard while connected', async () => {
    const { clock, server, shown, connect, drop, live } = setup({}, { historyLagMs: 5_000 });
    server.publish('missed');
    server.fail(new SdkError('network', 'history is down'));
    connect();
    live('live');
    // Connected 5 s, then offline 10 s, again and again: 30 s connected in 90 s.
    for (let i = 0; i < 6; i++) {
      await clock.advanceAsync(5_000);
      drop();
      await clock.advanceAsync(10_000);
      connect();
    }
    expect(shown).toEqual([]);
    // The guard (sendDeadlineMs 30 s + historyLagMs 5 s) has 5 s of connected time left.
    await clock.advanceAsync(4_990);
    expect(shown).toEqual([]);
    await clock.advanceAsync(20);
    expect(shown).toEqual(['live']);
  });

  it('goes on with a pass from the page that failed: a long pass gets through history that fails every third call', async () => {
    // A fresh client's first pass of 20 pages (no watermark: the budget), history failing every third request.
    const { clock, server, shown, errors, connect, live } = setup(
      {},
      { catchUpMaxPages: 60, historyLagMs: 0, retryBaseMs: 200, retryMaxMs: 1_000 },
    );
    const texts = Array.from({ length: 40 }, (_, i) => `m${i}`);
    for (const uid of texts) server.publish(uid);
    const queryTopic = server.rest.queryTopic.bind(server.rest);
    let calls = 0;
    server.rest.queryTopic = (query, options) =>
      ++calls % 3 === 0 ? Promise.reject(new SdkError('server_error', 'busy')) : queryTopic(query, options);
    connect();
    live('live');
    // Well within the hold guard (35 s), though the pass needs 21 pages and at most 2 get through at a time.
    await clock.advanceAsync(20_000);
    expect(errors.length).toBeGreaterThan(5);
    expect(shown).toEqual([...texts, 'live']);
  });

  it('starts its backoff again once a page gets through: a pass that failed, then made progress, waits the first delay', async () => {
    const { clock, server, shown, connect } = setup(
      {},
      { catchUpMaxPages: 60, retryBaseMs: 200, retryMaxMs: 60_000, sendDeadlineMs: 300_000 },
    );
    const texts = Array.from({ length: 10 }, (_, i) => `m${i}`);
    for (const uid of texts) server.publish(uid);
    const queryTopic = server.rest.queryTopic.bind(server.rest);
    // Page 0 fails four times in a row (the waits grow), then pages 0–2 get through and page 3 fails once.
    const calls: Array<{ readonly page: number; readonly at: number; readonly failed: boolean }> = [];
    let failures = 0;
    server.rest.queryTopic = (query, options) => {
      const failed = (query.pageNumber === 0 && failures < 4) || (query.pageNumber === 3 && failures === 4);
      calls.push({ page: query.pageNumber, at: clock.now(), failed });
      if (!failed) return queryTopic(query, options);
      failures++;
      return Promise.reject(new SdkError('server_error', 'busy'));
    };
    connect();
    await clock.advanceAsync(20_000);
    expect(shown).toEqual(texts);
    const waits = (page: number): number[] =>
      calls.flatMap((c, i) => (c.page === page && c.failed ? [(calls[i + 1]?.at ?? Number.NaN) - c.at] : []));
    expect(waits(0)).toEqual([200, 400, 800, 1_600]);
    // Not 3,200: the failures were not in a row.
    expect(waits(3)).toEqual([200]);
  });

  it('tries again after a failure, reporting each, and settles run() once caught up', async () => {
    const { clock, server, shown, errors, catchUp, connect, live } = setup({}, { sendDeadlineMs: 300_000 });
    connect();
    await clock.advanceAsync(10);
    server.publish('m1');
    server.fail(new SdkError('server_error', 'busy'));
    let settled = false;
    void catchUp.run(TOPIC).then(() => {
      settled = true;
    });
    live('live');
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
    const { clock, server, shown, errors, catchUp, connect, live } = setup();
    connect();
    await clock.advanceAsync(10);
    server.fail(new SdkError('not_authorized', 'no'));
    const done = catchUp.run(TOPIC);
    live('live');
    await clock.advanceAsync(10);
    await done;
    expect(errors).toEqual(['not_authorized']);
    expect(shown).toEqual(['live']);
    await clock.advanceAsync(120_000);
    expect(server.calls).toHaveLength(2);
  });

  it('keeps messages held when a drop cuts the catch-up short, for the next connection’s', async () => {
    const { clock, server, shown, connect, drop, live } = setup();
    server.publish('m1');
    server.fail(new SdkError('network', 'down'));
    connect();
    live('live');
    await clock.advanceAsync(10);
    drop();
    await clock.advanceAsync(6_000);
    expect(shown).toEqual([]);
    server.fail(undefined);
    connect();
    await clock.advanceAsync(10);
    expect(shown).toEqual(['m1', 'live']);
  });

  it('holds what comes before the catch-up of the connection being set up', async () => {
    const { clock, server, shown, catchUp, connect, drop } = setup();
    connect();
    await clock.advanceAsync(10);
    drop();
    server.publish('missed');
    await clock.advanceAsync(1_000);
    // Subscribed again, the link delivers before the client counts itself connected.
    catchUp.live(TOPIC, server.publish('early'));
    expect(shown).toEqual([]);
    connect();
    await clock.advanceAsync(10);
    expect(shown).toEqual(['missed', 'early']);
  });

  it('joins the run of this connection, and a newer connection replaces it', async () => {
    const { clock, server, catchUp, connect } = setup();
    const open = server.hold();
    connect();
    const first = catchUp.run(TOPIC);
    expect(server.calls).toHaveLength(1);
    let firstSettled = false;
    void first.then(() => {
      firstSettled = true;
    });
    connect();
    await clock.advanceAsync(0);
    expect(firstSettled).toBe(true);
    // The newer run reads once the pass under way is over (one pass per thread at a time).
    expect(server.calls).toHaveLength(1);
    open();
    await clock.advanceAsync(10);
    expect(server.calls).toHaveLength(2);
  });

  it('reads one pass per thread at a time: a reconnect while a pass is read waits for it, and then reads what came meanwhile', async () => {
    const { clock, server, shown, connect, drop, live } = setup();
    let reading = 0;
    let most = 0;
    const queryTopic = server.rest.queryTopic.bind(server.rest);
    server.rest.queryTopic = async (query, options) => {
      most = Math.max(most, ++reading);
      try {
        return await queryTopic(query, options);
      } finally {
        reading--;
      }
    };
    for (const uid of ['m1', 'm2', 'm3', 'm4', 'm5']) server.publish(uid);
    const open = server.hold();
    connect();
    await clock.advanceAsync(10);
    // Dropped and back (three times) while the first pass waits for history.
    for (let i = 0; i < 3; i++) {
      drop();
      await clock.advanceAsync(100);
      server.publish(`between-${i}`);
      connect();
      await clock.advanceAsync(10);
    }
    live('live');
    open();
    await clock.advanceAsync(1_000);
    expect(most).toBe(1);
    expect(shown).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'between-0', 'between-1', 'between-2', 'live']);
  });

  it('stops the pass of a replaced run: a history call that hangs does not hold up the reconnect’s catch-up', async () => {
    const { clock, server, shown, errors, connect, drop, live } = setup();
    const queryTopic = server.rest.queryTopic.bind(server.rest);
    let hang = true;
    server.rest.queryTopic = (query, options) => {
      if (!hang) return queryTopic(query, options);
      hang = false;
      // Never answers; only its signal ends it.
      return new Promise((_resolve, reject) => {
        options?.signal?.addEventListener('abort', () => reject(options.signal?.reason));
      });
    };
    server.publish('m1');
    connect();
    live('live');
    await clock.advanceAsync(10);
    drop();
    connect();
    await clock.advanceAsync(10);
    expect(shown).toEqual(['m1', 'live']);
    // Stopped by the client, so no error to tell.
    expect(errors).toEqual([]);
  });

  it('forgets a thread: what it held is dropped, its run settles, it is not tried again', async () => {
    const { clock, server, shown, errors, world, catchUp, connect, live } = setup();
    server.fail(new SdkError('network', 'down'));
    connect();
    const done = catchUp.run(TOPIC);
    live('held');
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
    world.connected = true;
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
    const { catchUp, shown, server } = setup({ rest: undefined });
    await catchUp.run(TOPIC);
    catchUp.live(TOPIC, server.publish('live'));
    expect(shown).toEqual(['live']);
  });
});

describe('catch-up driver: history lags behind the live link', () => {
  const LAG = 5_000;

  it('reads again once the lag has passed: what came just before the connect arrives, before the live messages held meanwhile', async () => {
    const { clock, server, shown, catchUp, connect, drop, live } = setup({}, { historyLagMs: LAG });
    server.lag(LAG);
    connect();
    await clock.advanceAsync(LAG + 100);
    live('before');
    drop();
    await clock.advanceAsync(2_000);
    // Published 1 s before the reconnect: history will not have it for 5 s.
    server.publish('just-before');
    await clock.advanceAsync(1_000);
    let settled = false;
    connect();
    void catchUp.run(TOPIC).then(() => {
      settled = true;
    });
    live('after');
    await clock.advanceAsync(100);
    expect(shown).toEqual(['before']);
    expect(settled).toBe(false);
    await clock.advanceAsync(LAG);
    expect(shown).toEqual(['before', 'just-before', 'after']);
    expect(settled).toBe(true);
    // Caught up: live messages flow at once again.
    live('later');
    expect(shown).toEqual(['before', 'just-before', 'after', 'later']);
  });

  it('keeps order while connections last less than the lag: what is held shows once a later read covers it', async () => {
    const { clock, server, shown, connect, drop, live } = setup({}, { historyLagMs: LAG });
    server.lag(LAG);
    connect();
    await clock.advanceAsync(LAG + 100);
    const sent: string[] = [];
    // Twelve connections of 1.5 s; while each is down, one message goes to history only.
    for (let i = 0; i < 12; i++) {
      live(`live-${i}`);
      sent.push(`live-${i}`);
      drop();
      await clock.advanceAsync(500);
      server.publish(`away-${i}`);
      sent.push(`away-${i}`);
      await clock.advanceAsync(500);
      connect();
      await clock.advanceAsync(500);
    }
    // Progress while it flaps: what came more than a lag ago is shown, in order.
    expect(shown.length).toBeGreaterThan(10);
    expect(shown).toEqual(sent.slice(0, shown.length));
    await clock.advanceAsync(LAG + 100);
    expect(shown).toEqual(sent);
  });

  it('keeps holding through the lag and a REST outage shorter than sendDeadlineMs while connections flap (chaos, distilled)', async () => {
    const { clock, server, shown, connect, drop, live } = setup({}, { historyLagMs: LAG, sendDeadlineMs: 8_000 });
    server.lag(LAG);
    connect();
    await clock.advanceAsync(LAG + 100);
    drop();
    server.publish('away');
    await clock.advanceAsync(500);
    connect();
    live('live');
    // History is down, and the links last a second: 8.5 s without a pass read.
    server.fail(new SdkError('server_error', 'down'));
    for (let i = 0; i < 8; i++) {
      await clock.advanceAsync(1_000);
      drop();
      await clock.advanceAsync(60);
      connect();
    }
    await clock.advanceAsync(500);
    expect(shown).toEqual([]);
    server.fail(undefined);
    drop();
    connect();
    await clock.advanceAsync(100);
    expect(shown).toEqual(['away', 'live']);
  });

  it('finds a row a receipt moved up while it paged past, with the next pass', async () => {
    const { clock, server, shown, connect, drop, live } = setup({}, { historyLagMs: LAG });
    connect();
    await clock.advanceAsync(LAG + 100);
    live('known');
    drop();
    for (let i = 0; i < 6; i++) {
      await clock.advanceAsync(10_000);
      server.publish(`away-${i}`);
    }
    await clock.advanceAsync(10_000);
    // While page 0 (away-5, away-4) is read, someone else reads away-1: it jumps to the top.
    server.beforePage(1, () => server.bump('away-1'));
    connect();
    await clock.advanceAsync(100);
    expect(shown).not.toContain('away-1');
    await clock.advanceAsync(LAG);
    expect(shown.slice(1).sort()).toEqual(['away-0', 'away-1', 'away-2', 'away-3', 'away-4', 'away-5']);
  });

  it('reads again when history shrank while it paged (a recall moved a row past it), and raises no watermark on it', async () => {
    const { clock, server, shown, connect, drop, live } = setup();
    connect();
    await clock.advanceAsync(10);
    live('known');
    drop();
    for (let i = 0; i < 6; i++) {
      await clock.advanceAsync(10_000);
      server.publish(`away-${i}`);
    }
    // Before page 1, away-5 (on page 0) is recalled: away-3 moves onto page 0, already read.
    server.beforePage(1, () => server.recall('away-5'));
    const reads = server.calls.length;
    connect();
    await clock.advanceAsync(10);
    expect(shown).toEqual(['known', 'away-0', 'away-1', 'away-2', 'away-4', 'away-5', 'away-3']);
    // A second pass, from the old watermark (pages of 2: 5 rows and the one at the watermark).
    expect(server.calls.length - reads).toBe(3 + 3);
  });
});

describe('catch-up driver: the budget', () => {
  it('names what may be missing beyond catchUpPageSize × catchUpMaxPages — never a silent loss', async () => {
    const { clock, server, shown, gaps, connect, drop, live } = setup({}, { catchUpPageSize: 2, catchUpMaxPages: 3 });
    connect();
    await clock.advanceAsync(10);
    live('known');
    drop();
    const t0 = clock.now();
    for (let i = 0; i < 10; i++) {
      await clock.advanceAsync(10_000);
      server.publish(`away-${i}`);
    }
    connect();
    await clock.advanceAsync(10);
    // The newest six arrive; away-0…away-3 (and 'known') are past the budget.
    expect(shown).toEqual(['known', 'away-4', 'away-5', 'away-6', 'away-7', 'away-8', 'away-9']);
    expect(gaps).toEqual([{ topic: TOPIC, from: t0 - 2_000, to: t0 + 50_000, atMost: 5 }]);
    // Reported once: the next catch-up starts from what arrived.
    drop();
    connect();
    await clock.advanceAsync(10);
    expect(gaps).toHaveLength(1);
  });

  it('reports no gap for a thread it never caught up: older history was not missed', async () => {
    const { clock, server, shown, gaps, connect } = setup({}, { catchUpPageSize: 2, catchUpMaxPages: 3 });
    for (let i = 0; i < 10; i++) server.publish(`old-${i}`);
    connect();
    await clock.advanceAsync(10);
    expect(shown).toHaveLength(6);
    expect(gaps).toEqual([]);
  });

  it('counts a thread that was empty as known from its beginning: a flood while away is all read, or reported', async () => {
    const { clock, server, shown, gaps, connect, drop } = setup({}, { catchUpPageSize: 2, catchUpMaxPages: 3 });
    connect();
    await clock.advanceAsync(10);
    drop();
    for (let i = 0; i < 10; i++) {
      await clock.advanceAsync(1_000);
      server.publish(`away-${i}`);
    }
    connect();
    await clock.advanceAsync(10);
    expect(shown).toHaveLength(6);
    expect(gaps).toEqual([expect.objectContaining({ topic: TOPIC, from: -2_000, atMost: 4 })]);
  });
});
