/**
 * Chaos over real sockets: the SDK's promise under random faults — it never loses a message,
 * never shows one twice, never leaves one in SENDING, settles `done` only with an outcome (a
 * message waiting for a retry is RETRYING, and its done resolves SUCCESS once it gets through),
 * and recovers by itself.
 *
 * An agent and a visitor talk on the demo thread at random small intervals while a seeded
 * driver drops connections, takes MQTT down for a moment, restarts the broker (once, and every
 * 20–40 s in longer runs), makes REST fail (HTTP 503, envelope code 500, slow answers) and holds
 * the server's echoes. The broker is the real server as it is (history by `updatedAt`, written
 * ~5 s late). Then every fault is cleared and the test checks, with deadlines only, where every
 * message ended.
 *
 * Seeded: the seed is printed; `CHAOS_SEED=<n>` replays a run's choices (the timing of real
 * sockets still varies from run to run). `CHAOS_MESSAGES=<n>` sets how many messages both sides
 * send in all (default 250, about a minute for the whole file; the figures in the README are of
 * 10,000). A failing run prints the receiver's trace: connection states, errors, messages shown,
 * and messages as they came off the wire.
 *
 * The session-mode run asserts "exactly once" but only notes the order: aedes may deliver a
 * persistent session's queued messages after newer live ones (see the README). The order is
 * asserted in the bytedesk run, where only the SDK decides it.
 *
 * In both runs the visitor's page reloads now and then (a few seconds in, then every 15–40 s): the
 * old client goes without waiting for anything and a new one starts on the same outbox, device
 * and token. The new one must deliver what the old one left, and shows the thread's history
 * afresh: each client shows each message once, in send order, and together they show everything.
 * A message that FAILED for good on a page reloaded before the app resent it is the app's (the new
 * page does not know it): counted, not sent. A third run reloads the visitor once, in detail.
 *
 * "chaos, distilled" holds, on their own and without randomness, the two losses the chaos runs
 * found in core; both are fixed, and these tests keep them fixed:
 * - a catch-up that failed 3 times while connected was given up until the next reconnect: the
 *   messages missed stayed missing, and the live messages held meanwhile were let through before
 *   them (out of order);
 * - a catch-up still running from before a drop was reused after the reconnect: what was
 *   published while the client was away in between was never fetched, and was lost for good.
 */
import {
  type ChatThread,
  createChatClient,
  createMemoryStore,
  type LocalMessage,
  type RestTransport,
  type SentMessage,
} from '@weiyu/core';
import { AGENT, DEMO_THREAD, startTestBroker, type TestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import { decodeMessage } from '@weiyu/protocol';
import { createHttpTransport } from '@weiyu/transport-http';
import { createMqttTransport } from '@weiyu/transport-mqtt';
import { describe, expect, test } from 'vitest';
import { createTestClient, TEST_TIMING, type TestClient } from './harness/client.js';
import { DEMO_THREAD_FOR_AGENT, DEMO_THREAD_FOR_VISITOR, text } from './harness/fixtures.js';
import { createPrng, type Prng, pause, seedFromEnv } from './harness/prng.js';
import { recordEvents } from './harness/recorder.js';
import { DEFAULT_WAIT_MS, waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD.topic;
const DEFAULT_SEED = 20_240_611;
const SEED = seedFromEnv(process.env.CHAOS_SEED, DEFAULT_SEED);
/** Statuses that mean "the server has it" (receipts move SUCCESS further). */
const CONFIRMED: ReadonlySet<string> = new Set(['SUCCESS', 'DELIVERED', 'READ']);
/** Messages both sides send in a chaos run, in all. */
const MESSAGES = messagesFromEnv(process.env.CHAOS_MESSAGES, 250);
/** Deadlines after the chaos: longer for longer runs (more to drain), never a sleep. */
const CALM_MS = 20_000 + MESSAGES * 4;

/** A positive message count from an environment variable, else `fallback`. */
function messagesFromEnv(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const parsed = Number(value.trim());
  if (!Number.isInteger(parsed) || parsed < 2) throw new Error(`CHAOS_MESSAGES must be an integer ≥ 2, got ${value}`);
  return parsed;
}

console.log(
  `[chaos] seed ${SEED}${process.env.CHAOS_SEED ? ' (from CHAOS_SEED)' : ' (default; CHAOS_SEED=<n> to change)'}, ${MESSAGES} messages${process.env.CHAOS_MESSAGES ? ' (from CHAOS_MESSAGES)' : ' (default; CHAOS_MESSAGES=<n> to change)'}`,
);

type Compat = 'session' | 'bytedesk';

/** One side of the conversation and what it sent, in the order it called send(). */
interface Side {
  readonly name: 'agent' | 'visitor';
  readonly uid: string;
  readonly thread: ChatThread;
  /** The client now (the visitor's is replaced when its page reloads). */
  tc: TestClient;
  /** Every client this side had, oldest first, each with how many messages were sent before it came. */
  readonly instances: Array<{ readonly tc: TestClient; readonly sentBefore: number }>;
  /** While the page reloads: the old client is going, the new one not there yet. */
  reloading: boolean;
  /** Which client each message last FAILED for good on. */
  readonly failedOn: Map<string, TestClient>;
  /**
   * Messages in the outbox when the page reloaded: the old page's `done` settled FAILED `closed`
   * (as dispose() says), and the new page sent them from the outbox.
   */
  readonly carried: Set<string>;
  readonly sent: SentMessage[];
  /** What this side saw, in order, for failure messages: connection states, errors, messages. */
  readonly trace: string[];
  /** Content messages of the other side as they came off the wire (before the SDK), for failure messages. */
  readonly wire: string[];
  /**
   * The latest local copy of each message this side sent, by uid: as send() returned it, then
   * each `status` event (the timeline keeps only the latest `dedupeCapacity` messages of a thread).
   */
  readonly own: Map<string, LocalMessage>;
  /** Messages the app sent again (same uid) after they FAILED for good. */
  resent: number;
  /** What each `done` resolved with, by uid: the first send's, and each resend's after it. */
  readonly outcomes: Map<string, string[]>;
}

/** What the chaos driver did, with the time since it started (for the log, never asserted). */
interface ChaosLog {
  readonly started: number;
  readonly lines: string[];
  readonly counts: Map<string, number>;
}

/** Records a client's connection states, errors and received messages with the time since `started`. */
function traceSide(side: Side, tc: TestClient, started: number): void {
  const at = (): string => ((Date.now() - started) / 1000).toFixed(2);
  tc.client.on('status', ({ message }) => {
    if (message.user.uid !== side.uid) return;
    side.own.set(message.uid, message);
    if (message.status === 'FAILED' && message.error?.retryable === false) side.failedOn.set(message.uid, tc);
  });
  tc.client.on('connection', (s) => side.trace.push(`${at()}s [${s.status}]`));
  tc.client.on('error', (e) => side.trace.push(`${at()}s [error ${e.code}: ${e.message.slice(0, 60)}]`));
  tc.client.on('message', (m) => side.trace.push(`${at()}s ${m.content}`));
  tc.realtime.on((event) => {
    if (event.type !== 'message' || event.topic !== TOPIC) return;
    const decoded = decodeMessage(event.payload);
    if (decoded.ok && decoded.value.type === 'TEXT' && decoded.value.user?.uid !== side.uid) {
      side.wire.push(`${at()}s ${decoded.value.content}`);
    }
  });
}

/** A trace with runs of consecutive messages folded (`agent-3..agent-9`). */
function foldTrace(trace: readonly string[]): string {
  const out: string[] = [];
  let run: { first: string; last: string; prefix: string; n: number } | undefined;
  const flush = (): void => {
    if (run) out.push(run.first === run.last ? run.first : `${run.first} .. ${run.last}`);
    run = undefined;
  };
  for (const line of trace) {
    const m = /^(\S+) (agent|visitor)-(\d+)$/.exec(line);
    if (m?.[2] !== undefined && m[3] !== undefined) {
      const n = Number(m[3]);
      if (run && run.prefix === m[2] && n === run.n + 1) {
        run.last = line;
        run.n = n;
        continue;
      }
      flush();
      run = { first: line, last: line, prefix: m[2], n };
      continue;
    }
    flush();
    out.push(line);
  }
  flush();
  return out.join('\n    ');
}

function note(log: ChaosLog, what: string): void {
  log.lines.push(`${((Date.now() - log.started) / 1000).toFixed(2)}s ${what}`);
  const kind = what.split(' ')[0] ?? what;
  log.counts.set(kind, (log.counts.get(kind) ?? 0) + 1);
}

/** waitFor whose failure message is computed at the deadline (what is still missing). */
async function waitOrExplain(predicate: () => boolean, timeoutMs: number, explain: () => string): Promise<void> {
  try {
    await waitFor(predicate, { timeoutMs, message: 'see below' });
  } catch (error) {
    throw new Error(`deadline ${timeoutMs} ms passed: ${explain()}`, { cause: error });
  }
}

/** Keeps what a send's (or resend's) `done` resolves with. */
function recordOutcome(side: Side, sent: SentMessage): void {
  void sent.done.then((m) => {
    const list = side.outcomes.get(sent.uid) ?? [];
    list.push(m.status);
    side.outcomes.set(sent.uid, list);
  });
}

/**
 * Sends `count` TEXT messages at random small intervals; with `reload`, the page reloads (between
 * two sends, as a user pressing F5 would) a few seconds in, then every 15–40 s.
 */
async function sendLoop(side: Side, count: number, rng: Prng, reload?: () => Promise<void>): Promise<void> {
  let reloadAt = Date.now() + rng.int(3_000, 12_000);
  for (let i = 0; i < count; i++) {
    if (reload && Date.now() >= reloadAt) {
      await reload();
      reloadAt = Date.now() + rng.int(15_000, 40_000);
    }
    const sent = side.tc.client.send(side.thread, text(`${side.name}-${i}`));
    side.sent.push(sent);
    recordOutcome(side, sent);
    // A status event may have come within send() already: it is newer.
    if (!side.own.has(sent.uid)) side.own.set(sent.uid, sent);
    await pause(rng.int(10, 120));
  }
}

/**
 * As an app would: a message that FAILED for good (the server answered REST with code 500) is
 * sent again with the same uid a moment later, while it is still in the timeline (10,000
 * messages are more than it keeps).
 */
function resendWhenFailed(side: Side, tc: TestClient, rng: Prng, stop: { readonly done: boolean }): void {
  tc.client.on('status', ({ message }) => {
    if (message.user.uid !== side.uid || message.status !== 'FAILED' || message.error?.retryable !== false) return;
    void pause(rng.int(500, 2_000)).then(() => {
      // Once the chaos is over, what is still FAILED is resent by the checks below; a page
      // reloaded meanwhile is gone with its FAILED messages (the app's now).
      if (stop.done || side.tc !== tc || side.reloading || side.own.get(message.uid)?.status !== 'FAILED') return;
      side.resent++;
      recordOutcome(side, tc.client.resend(message.uid));
    });
  });
}

/**
 * Messages that FAILED for good on a client since reloaded away, before the app resent them: the
 * new page has them neither in its outbox nor in its timeline, so it cannot send them again; the
 * app was told (their `status` event) and has them. Not sent, so nobody is expected to show them.
 */
function leftToApp(side: Side): Set<string> {
  const left = new Set<string>();
  for (const [uid, tc] of side.failedOn) if (tc !== side.tc && side.own.get(uid)?.status === 'FAILED') left.add(uid);
  return left;
}

/** Connection faults: drops, short outages, and broker restarts (one early, then one every 20–40 s). */
async function connectionLane(broker: TestBroker, rng: Prng, stop: { done: boolean }, log: ChaosLog): Promise<void> {
  let restartAt = log.started + rng.int(2_000, 4_500);
  let restarted = false;
  while (!stop.done) {
    await pause(rng.int(250, 1_200));
    if (stop.done) break;
    if (Date.now() >= restartAt) {
      restarted = true;
      restartAt = Date.now() + rng.int(20_000, 40_000);
      note(log, 'restart');
      await broker.restart();
      continue;
    }
    const kind = rng.pick(['drop-agent', 'drop-visitor', 'drop-both', 'outage'] as const);
    switch (kind) {
      case 'drop-agent':
        note(log, `drop-agent (${broker.faults.drop({ userUid: AGENT.uid })})`);
        break;
      case 'drop-visitor':
        note(log, `drop-visitor (${broker.faults.drop({ userUid: VISITOR.uid })})`);
        break;
      case 'drop-both':
        note(log, `drop-both (${broker.faults.drop({})})`);
        break;
      case 'outage': {
        const ms = rng.int(200, 1_500);
        note(log, `outage ${ms}ms`);
        broker.faults.outage(ms);
        await pause(ms);
        break;
      }
    }
  }
  if (!restarted) {
    note(log, 'restart (late)');
    await broker.restart();
  }
}

/** Service faults, one at a time for a while each: REST 503 / code 500 / slow, held echoes. */
async function serviceLane(broker: TestBroker, rng: Prng, stop: { done: boolean }, log: ChaosLog): Promise<void> {
  while (!stop.done) {
    await pause(rng.int(200, 1_000));
    if (stop.done) break;
    const ms = rng.int(300, 2_000);
    const rate = rng.pick([1, 1, 0.5] as const);
    const kind = rng.pick(['rest-503', 'rest-500', 'rest-slow', 'hold-echoes', 'hold-echoes+rest-503'] as const);
    switch (kind) {
      case 'rest-503':
        broker.faults.rest({ status: 503, message: 'chaos: unavailable', rate });
        note(log, `rest-503 rate ${rate} for ${ms}ms`);
        break;
      case 'rest-500':
        broker.faults.rest({ code: 500, message: 'chaos: server error', rate });
        note(log, `rest-500 rate ${rate} for ${ms}ms`);
        break;
      case 'rest-slow': {
        // Over 3,000 ms the harness's REST transport times out.
        const delayMs = rng.int(300, 3_500);
        broker.faults.rest({ delayMs });
        note(log, `rest-slow ${delayMs}ms for ${ms}ms`);
        break;
      }
      case 'hold-echoes':
        broker.faults.holdEchoes(true);
        note(log, `hold-echoes for ${ms}ms`);
        break;
      case 'hold-echoes+rest-503':
        broker.faults.holdEchoes(true);
        broker.faults.rest({ status: 503, message: 'chaos: unavailable', rate });
        note(log, `hold-echoes+rest-503 rate ${rate} for ${ms}ms`);
        break;
    }
    await pause(ms);
    broker.faults.rest(undefined);
    broker.faults.holdEchoes(false);
  }
}

/** The latest local copy of each message a side sent, by uid (see {@link Side.own}). */
function ownMessages(side: Side): ReadonlyMap<string, LocalMessage> {
  return side.own;
}

/** Uids that ended FAILED for good at some point, on any of the side's clients (handed back to the app: no order promise). */
function failedForGood(side: Side): Set<string> {
  const uids = new Set<string>();
  for (const s of side.instances.flatMap((i) => i.tc.events.of('status'))) {
    if (s.message.status === 'FAILED' && s.message.error !== undefined && !s.message.error.retryable) {
      uids.add(s.message.uid);
    }
  }
  return uids;
}

/** `message` events at one client from `from`, as uids in arrival order. */
function receivedBy(tc: TestClient, from: Side): string[] {
  return tc.events
    .messages(TOPIC)
    .filter((m) => m.user.uid === from.uid)
    .map((m) => m.uid);
}

/** `message` events at the receiver's current client from `from`, as uids in arrival order. */
function receivedFrom(receiver: Side, from: Side): string[] {
  return receivedBy(receiver.tc, from);
}

/** What any of the receiver's clients showed of `from`'s messages. */
function shownByAny(receiver: Side, from: Side): Set<string> {
  return new Set(receiver.instances.flatMap((i) => receivedBy(i.tc, from)));
}

/** `a×2 b×1`: how often each value occurs. */
function summarize(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k}×${n}`).join(' ') || 'none';
}

function duplicates(uids: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const uid of uids) {
    if (seen.has(uid)) twice.add(uid);
    seen.add(uid);
  }
  return [...twice];
}

function describeMissing(receiver: Side, from: Side): string {
  const got = shownByAny(receiver, from);
  const left = leftToApp(from);
  const missing = from.sent.filter((s) => !got.has(s.uid) && !left.has(s.uid)).map((s) => s.content);
  return `${receiver.name} misses ${missing.length} of ${from.name}'s: ${missing.slice(0, 20).join(',')}`;
}

function hasAll(receiver: Side, from: Side): boolean {
  const got = shownByAny(receiver, from);
  const left = leftToApp(from);
  return from.sent.every((s) => got.has(s.uid) || left.has(s.uid));
}

async function runChaos(compat: Compat): Promise<void> {
  const rng = createPrng(SEED).fork(compat);
  await using broker = await startTestBroker({ compat });
  // Links dropped every second or so look like a clientId taken over elsewhere (closed soon after
  // each connect, again and again): that rule has its own test (takeover.test.ts).
  const timing = { ...TEST_TIMING, takeoverLimit: 0 };
  await using agentClient = await createTestClient(broker, {
    ...AGENT,
    deviceUid: 'agent-chaos',
    topics: [TOPIC],
    timing,
  });
  // The visitor's outbox outlives its page: each reload starts a new client on it.
  const store = createMemoryStore();
  const visitorClient = await createTestClient(broker, {
    ...VISITOR,
    deviceUid: 'visitor-chaos',
    topics: [TOPIC],
    timing,
    store,
  });
  const agent: Side = {
    name: 'agent',
    uid: AGENT.uid,
    thread: DEMO_THREAD_FOR_AGENT,
    tc: agentClient,
    instances: [{ tc: agentClient, sentBefore: 0 }],
    reloading: false,
    failedOn: new Map(),
    carried: new Set(),
    sent: [],
    trace: [],
    wire: [],
    own: new Map(),
    resent: 0,
    outcomes: new Map(),
  };
  const visitor: Side = {
    name: 'visitor',
    uid: VISITOR.uid,
    thread: DEMO_THREAD_FOR_VISITOR,
    tc: visitorClient,
    instances: [{ tc: visitorClient, sentBefore: 0 }],
    reloading: false,
    failedOn: new Map(),
    carried: new Set(),
    sent: [],
    trace: [],
    wire: [],
    own: new Map(),
    resent: 0,
    outcomes: new Map(),
  };
  // Every client the visitor had is disposed at the end (dispose is idempotent).
  await using _visitorClients = {
    [Symbol.asyncDispose]: async () => {
      for (const instance of visitor.instances) await instance.tc.dispose();
    },
  };
  const sides = [agent, visitor] as const;
  const log: ChaosLog = { started: Date.now(), lines: [], counts: new Map() };
  for (const side of sides) traceSide(side, side.tc, log.started);

  const notes: string[] = [];
  const remark = (line: string): void => {
    notes.push(line);
    console.log(`[chaos ${compat}] ${line}`);
  };

  // ---- chaos: both sides send while the driver breaks things ---------------------------------
  const agentCount = rng.int(Math.floor(MESSAGES * 0.4), Math.ceil(MESSAGES * 0.6));
  const visitorCount = MESSAGES - agentCount;
  const stop = { done: false };
  for (const side of sides) resendWhenFailed(side, side.tc, rng.fork(`${side.name}-resend`), stop);
  // The visitor's page reloads: the old client goes without waiting for anything; the new one
  // starts on the same outbox and device, with the token it has (login is REST, which may be down).
  const reload = async (): Promise<void> => {
    // As a user would, the app's resends of what FAILED for good go first (for a few seconds at most:
    // what is still FAILED then is the app's, and the new page cannot send it).
    const failing = (): boolean =>
      visitor.sent.some(
        (m) => visitor.own.get(m.uid)?.status === 'FAILED' && visitor.failedOn.get(m.uid) === visitor.tc,
      );
    await waitFor(() => !failing(), { timeoutMs: 5_000, message: 'resends done' }).catch(() => undefined);
    visitor.reloading = true;
    const old = visitor.tc;
    note(log, `reload (${old.client.pending().length} pending)`);
    for (const m of old.client.pending()) visitor.carried.add(m.uid);
    const disposing = old.dispose();
    const next = await createTestClient(broker, {
      username: VISITOR.username,
      uid: VISITOR.uid,
      accessToken: old.accessToken,
      deviceUid: 'visitor-chaos',
      topics: [TOPIC],
      timing,
      store,
      connect: false,
    });
    await disposing;
    visitor.tc = next;
    visitor.instances.push({ tc: next, sentBefore: visitor.sent.length });
    traceSide(visitor, next, log.started);
    resendWhenFailed(visitor, next, rng.fork(`visitor-resend-${visitor.instances.length}`), stop);
    visitor.reloading = false;
    await next.client.connect();
  };
  const lanes = Promise.all([
    connectionLane(broker, rng.fork('connection'), stop, log),
    serviceLane(broker, rng.fork('service'), stop, log),
  ]);
  await Promise.all([
    sendLoop(agent, agentCount, rng.fork('agent-send')),
    sendLoop(visitor, visitorCount, rng.fork('visitor-send'), reload),
  ]);
  stop.done = true;
  await lanes;
  broker.faults.reset();
  note(log, 'reset');
  console.log(
    `[chaos ${compat}] seed ${SEED}: agent ${agentCount}, visitor ${visitorCount} messages\n  ${log.lines.join('\n  ')}`,
  );

  // Nothing was refused outright at send(): every message got a chance.
  for (const side of sides) {
    expect(
      side.sent.filter((s) => s.status === 'FAILED').map((s) => s.error?.code),
      `${side.name}: refused at send()`,
    ).toEqual([]);
  }

  // ---- calm: both connected, every outbox drained by itself -----------------------------------
  await waitOrExplain(
    () => agent.tc.client.isConnected() && visitor.tc.client.isConnected(),
    10_000,
    () => `both connected (agent ${agent.tc.client.state.status}, visitor ${visitor.tc.client.state.status})`,
  );
  await waitOrExplain(
    () => sides.every((s) => s.tc.client.pending().length === 0),
    CALM_MS,
    () =>
      sides
        .map(
          (s) =>
            `${s.name} pending ${s.tc.client
              .pending()
              .map((m) => `${m.content}:${m.status}:${m.error?.code ?? ''}`)
              .join(',')}`,
        )
        .join('; '),
  );

  // No message is left QUEUED/SENDING/RETRYING; a FAILED one failed for good, with a reason.
  const failedBeforeResend: Array<{ side: Side; message: LocalMessage }> = [];
  const left = new Map(sides.map((side) => [side, leftToApp(side)]));
  for (const side of sides) {
    const own = ownMessages(side);
    for (const sent of side.sent) {
      const message = own.get(sent.uid);
      if (left.get(side)?.has(sent.uid)) {
        // FAILED for good on a page since reloaded: the app's (checked like the others, not resent).
        expect(message?.error?.code, `${side.name}: ${sent.content} left to the app`).toBe('server_error');
        continue;
      }
      expect(message, `${side.name}: ${sent.content} is known`).toBeDefined();
      if (message === undefined) continue;
      if (CONFIRMED.has(message.status)) continue;
      expect(message.status, `${side.name}: ${sent.content} is settled`).toBe('FAILED');
      expect(message.error?.code, `${side.name}: ${sent.content} FAILED with a reason`).toBeTypeOf('string');
      expect(message.error?.retryable, `${side.name}: ${sent.content} is out of the outbox`).toBe(false);
      failedBeforeResend.push({ side, message });
    }
  }
  const failedCodes = [...new Set(failedBeforeResend.map((f) => f.message.error?.code))];
  // The only fault that fails a message for good is the envelope code 500 (server_error).
  expect(failedCodes.filter((c) => c !== 'server_error')).toEqual([]);
  const leftCount = [...left.values()].reduce((n, uids) => n + uids.size, 0);
  remark(
    `FAILED for good before resend: ${failedBeforeResend.length} (${failedCodes.join(',') || 'none'}); left to the app by a reload: ${leftCount}`,
  );

  // ---- the app resends what failed for good; then nothing is FAILED ----------------------------
  for (const { side, message } of failedBeforeResend) recordOutcome(side, side.tc.client.resend(message.uid));
  await waitOrExplain(
    () =>
      sides.every((side) => {
        const own = ownMessages(side);
        const mine = left.get(side);
        return (
          side.tc.client.pending().length === 0 &&
          side.sent.every((s) => mine?.has(s.uid) || CONFIRMED.has(own.get(s.uid)?.status ?? ''))
        );
      }),
    CALM_MS,
    () =>
      sides
        .map((side) => {
          const own = ownMessages(side);
          const open = side.sent.filter(
            (s) => !left.get(side)?.has(s.uid) && !CONFIRMED.has(own.get(s.uid)?.status ?? ''),
          );
          return `${side.name}: ${open.map((s) => `${s.content}:${own.get(s.uid)?.status ?? '?'}`).join(',')}`;
        })
        .join('; '),
  );

  // ---- done settled only with outcomes ---------------------------------------------------------
  // FAILED means no more automatic attempts: never with a reason a retry may mend. A message
  // waiting for a retry is RETRYING, with when its next attempt is.
  for (const side of sides) {
    const statuses = side.instances.flatMap((i) => i.tc.events.of('status').map((s) => s.message));
    // Carried over a reload: the old page's dispose settled it FAILED closed (the new page sent it).
    const failed = statuses.filter(
      (m) =>
        m.user.uid === side.uid && m.status === 'FAILED' && !(side.carried.has(m.uid) && m.error?.code === 'closed'),
    );
    expect(
      failed.filter((m) => m.error?.retryable !== false).map((m) => m.error?.code),
      `${side.name}: FAILED only for good`,
    ).toEqual([]);
    const retrying = statuses.filter((m) => m.status === 'RETRYING');
    expect(
      retrying.filter((m) => typeof m.retryAt !== 'number' || m.error === undefined).map((m) => m.content),
      `${side.name}: each RETRYING with its next attempt and why`,
    ).toEqual([]);
    const waited = new Set(retrying.map((m) => m.uid));
    const exempt = failedForGood(side);
    // Each done settled once the message was settled; one that only waited for retries resolved SUCCESS.
    await waitOrExplain(
      () => side.sent.every((s) => side.outcomes.has(s.uid)),
      CALM_MS,
      () =>
        `${side.name}: done pending for ${side.sent.filter((s) => !side.outcomes.has(s.uid)).map((s) => s.content)}`,
    );
    for (const sent of side.sent) {
      const outcomes = side.outcomes.get(sent.uid) ?? [];
      if (exempt.has(sent.uid) || side.carried.has(sent.uid)) {
        // Its first done said FAILED (for good, or closed with the page that sent it); each
        // resend's done an outcome of its own.
        expect(outcomes[0], `${side.name}: ${sent.content}'s first done`).toBe('FAILED');
        expect(
          outcomes.filter((o) => o !== 'FAILED' && o !== 'SUCCESS'),
          `${side.name}: ${sent.content}`,
        ).toEqual([]);
      } else {
        expect(outcomes, `${side.name}: ${sent.content}'s done`).toEqual(['SUCCESS']);
      }
    }
    remark(
      `${side.name}: ${waited.size} messages waited for a retry (RETRYING, ${retrying.length} status events), their done SUCCESS`,
    );
  }

  // ---- every receiver has everything, by itself ------------------------------------------------
  const pairs = [
    [visitor, agent],
    [agent, visitor],
  ] as const;
  for (const [receiver, from] of pairs) {
    try {
      await waitFor(() => hasAll(receiver, from), { timeoutMs: CALM_MS, message: 'all' });
    } catch (error) {
      console.log(
        `[chaos ${compat}] ${receiver.name}'s trace:\n    ${foldTrace(receiver.trace)}\n  off the wire:\n    ${foldTrace(receiver.wire)}`,
      );
      throw new Error(`${describeMissing(receiver, from)} (lost: it never came by itself)`, { cause: error });
    }
  }

  // A marker from each side closes the window: what comes after it cannot be a late duplicate.
  for (const side of sides) side.sent.push(side.tc.client.send(side.thread, text(`${side.name}-marker`)));
  for (const [receiver, from] of pairs) {
    const marker = from.sent.at(-1);
    expect(marker).toBeDefined();
    if (marker === undefined) continue;
    expect(CONFIRMED.has((await marker.done).status), `${from.name}'s marker confirmed`).toBe(true);
    await waitOrExplain(
      () => receivedFrom(receiver, from).includes(marker.uid),
      CALM_MS,
      () => `${receiver.name} gets ${from.name}'s marker`,
    );
  }

  // ---- exactly once, in per-sender order -------------------------------------------------------
  // Each client the receiver had shows each message once, in send order; together they show
  // every message of the sender (but those left to the app), and nothing else. A client after a
  // reload shows the thread's history afresh, as a new page does.
  for (const [receiver, from] of pairs) {
    const exempt = new Set([...failedForGood(from), ...(left.get(from) ?? [])]);
    const all = shownByAny(receiver, from);
    expect([...all].sort(), `${receiver.name} shows every message of ${from.name}, nothing else`).toEqual(
      from.sent
        .filter((s) => !left.get(from)?.has(s.uid) || all.has(s.uid))
        .map((s) => s.uid)
        .sort(),
    );
    for (const [n, { tc }] of receiver.instances.entries()) {
      const got = receivedBy(tc, from);
      const who = receiver.instances.length > 1 ? `${receiver.name} (page ${n + 1})` : receiver.name;
      expect(duplicates(got), `${who} shows none of ${from.name}'s twice`).toEqual([]);
      // Order: every message the SDK delivered by itself, in the order send() was called (those
      // that failed for good and were resent by the app went out later, by the app's choice).
      const contentOf = new Map(from.sent.map((s) => [s.uid, s.content]));
      const shown = new Set(got);
      const expected = from.sent.filter((s) => !exempt.has(s.uid) && shown.has(s.uid)).map((s) => s.content);
      const actual = got.filter((uid) => !exempt.has(uid)).map((uid) => contentOf.get(uid) ?? uid);
      if (compat === 'bytedesk') {
        if (actual.join() !== expected.join()) {
          const at = actual.findIndex((c, i) => c !== expected[i]);
          console.log(
            `[chaos ${compat}] ${who} got ${from.name}'s messages out of send order from #${at}: ` +
              `${actual.slice(Math.max(0, at - 2), at + 6).join(',')} (expected ${expected.slice(Math.max(0, at - 2), at + 6).join(',')})`,
          );
          console.log(
            `[chaos ${compat}] ${receiver.name}'s trace:\n    ${foldTrace(receiver.trace)}\n  off the wire:\n    ${foldTrace(receiver.wire)}`,
          );
        }
        expect(actual, `${who} shows ${from.name}'s messages in send order`).toEqual(expected);
      } else if (actual.join() !== expected.join()) {
        // aedes may deliver a persistent session's queued messages after newer live ones (see the
        // README); the order is asserted in the bytedesk run, where only the SDK decides it.
        const at = actual.findIndex((c, i) => c !== expected[i]);
        remark(
          `session mode: ${who} got ${from.name}'s messages out of send order from #${at} ` +
            `(${actual.slice(at, at + 4).join(',')} vs ${expected.slice(at, at + 4).join(',')}); order asserted in bytedesk mode`,
        );
      }
    }
  }
  // The sender's own messages are shown from send(): never again as `message` events — but a page
  // after a reload shows what earlier pages sent as history (once each).
  for (const side of sides) {
    for (const { tc, sentBefore } of side.instances) {
      const own = receivedBy(tc, side);
      const before = new Set(side.sent.slice(0, sentBefore).map((s) => s.uid));
      expect(duplicates(own), `${side.name} is shown none of its own twice`).toEqual([]);
      expect(
        own.filter((uid) => !before.has(uid)),
        `${side.name} is not shown its own messages again`,
      ).toEqual([]);
    }
  }

  // ---- the server holds each uid once, in per-sender order ------------------------------------
  const history = broker.history(TOPIC).map((m) => m.uid);
  expect(duplicates(history), 'history holds each uid once').toEqual([]);
  const stored = new Set(history);
  expect([...history].sort(), 'history holds every message, nothing else').toEqual(
    [...agent.sent, ...visitor.sent]
      .filter((s) => stored.has(s.uid) || ![agent, visitor].some((side) => left.get(side)?.has(s.uid)))
      .map((s) => s.uid)
      .sort(),
  );
  for (const side of sides) {
    const exempt = new Set([...failedForGood(side), ...(left.get(side) ?? [])]);
    const mine = new Set(side.sent.map((s) => s.uid));
    expect(
      history.filter((uid) => mine.has(uid) && !exempt.has(uid)),
      `history holds ${side.name}'s messages in send order`,
    ).toEqual(side.sent.filter((s) => !exempt.has(s.uid)).map((s) => s.uid));
  }

  // Recovered by itself: both still connected, nothing pending.
  for (const side of sides) {
    expect(side.tc.client.isConnected(), `${side.name} connected`).toBe(true);
    expect(side.tc.client.pending(), `${side.name} pending`).toEqual([]);
  }
  const faults = [...log.counts].map(([k, n]) => `${k}×${n}`).join(' ');
  const errorsOf = (side: Side): string[] => side.instances.flatMap((i) => i.tc.events.errors().map((e) => e.code));
  const errors = sides.map((s) => `${s.name} ${summarize(errorsOf(s))}`).join('; ');
  console.log(`[chaos ${compat}] seed ${SEED}: faults ${faults}; error events ${errors}\n  ${notes.join('\n  ')}`);
  // The line the README's figures come from (every assertion above held: 0 lost, 0 twice, 0 stuck).
  const faultCount = [...log.counts].filter(([k]) => k !== 'reset').reduce((n, [, c]) => n + c, 0);
  const gaps = sides.reduce((n, side) => n + side.instances.reduce((m, i) => m + i.tc.events.of('gap').length, 0), 0);
  console.log(
    `[chaos ${compat}] figures: seed ${SEED}, ${agent.sent.length + visitor.sent.length} messages ` +
      `(agent ${agent.sent.length}, visitor ${visitor.sent.length}, markers included), ${faultCount} faults, ` +
      `${((Date.now() - log.started) / 1000).toFixed(0)} s, lost 0, twice 0, stuck 0, ` +
      `order ${compat === 'bytedesk' ? 'kept' : 'noted only'}, FAILED for good then resent ${agent.resent + visitor.resent + failedBeforeResend.length}, ` +
      `visitor reloads ${log.counts.get('reload') ?? 0} (left to the app ${leftCount}), gap events ${gaps}`,
  );
}

/** A chaos run's deadline: the sending takes about 65 ms a message per side, then the calm. */
const RUN_TIMEOUT_MS = 45_000 + MESSAGES * 70 + 5 * CALM_MS;

describe('chaos over real sockets', () => {
  test(
    'the real server (no MQTT session, history by updatedAt written ~5 s late): nothing lost, nothing twice, in order, recovered',
    async () => {
      await runChaos('bytedesk');
    },
    RUN_TIMEOUT_MS,
  );

  test(
    'session mode (aedes persistent sessions): nothing lost, nothing twice, recovered',
    async () => {
      await runChaos('session');
    },
    RUN_TIMEOUT_MS,
  );

  test('reload during chaos: a new client on the same outbox delivers what the old one left, exactly once', async () => {
    const rng = createPrng(SEED).fork('reload');
    await using broker = await startTestBroker({ compat: 'bytedesk' });
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    const store = createMemoryStore();
    const first = await createTestClient(broker, { ...VISITOR, deviceUid: 'visitor-tab', store, topics: [TOPIC] });
    let pendingAtReload: string[] = [];
    const sentUids: string[] = [];
    const contentOf = new Map<string, string>();
    let second: TestClient | undefined;
    try {
      const before = first.client.send(DEMO_THREAD_FOR_VISITOR, text('before'));
      expect((await before.done).status).toBe('SUCCESS');
      sentUids.push(before.uid);
      contentOf.set(before.uid, 'before');

      // REST fails and echoes are held: nothing can be confirmed any more.
      broker.faults.rest({ status: 503, message: 'chaos: unavailable' });
      broker.faults.holdEchoes(true);
      const count = rng.int(5, 12);
      for (let i = 0; i < count; i++) {
        const sent = first.client.send(DEMO_THREAD_FOR_VISITOR, text(`in-flight-${i}`));
        sentUids.push(sent.uid);
        contentOf.set(sent.uid, `in-flight-${i}`);
        await pause(rng.int(0, 60));
      }
      const dropFirst = rng.chance(0.5);
      if (dropFirst) broker.faults.drop({ userUid: VISITOR.uid });
      await pause(rng.int(0, 1_800)); // mid-flight: before, during or after the first echo timeout
      pendingAtReload = first.client.pending().map((m) => m.uid);
      console.log(
        `[chaos reload] seed ${SEED}: ${count} in flight, dropped first: ${dropFirst}, pending at reload ${pendingAtReload.length}`,
      );
      expect(pendingAtReload).toEqual(sentUids.slice(1));

      // The reload: the old page goes away without waiting for anything; the new one starts on
      // the same store (and the same device), with the token it already has (login is REST).
      const disposing = first.dispose();
      second = await createTestClient(broker, {
        username: VISITOR.username,
        uid: VISITOR.uid,
        accessToken: first.accessToken,
        deviceUid: 'visitor-tab',
        store,
        topics: [TOPIC],
      });
      await disposing;
      const reloaded = second;
      await waitOrExplain(
        () => reloaded.client.pending().length >= pendingAtReload.length,
        5_000,
        () => `the new client restored the outbox (has ${reloaded.client.pending().length})`,
      );
      const after = reloaded.client.send(DEMO_THREAD_FOR_VISITOR, text('after-reload'));
      sentUids.push(after.uid);
      contentOf.set(after.uid, 'after-reload');

      broker.faults.reset();
      await waitOrExplain(
        () => reloaded.client.pending().length === 0,
        15_000,
        () =>
          `the new client's outbox drained (left ${reloaded.client
            .pending()
            .map((m) => `${m.content}:${m.status}:${m.error?.code ?? ''}`)
            .join(',')})`,
      );
      const own = new Map(reloaded.client.messages(TOPIC).map((m) => [m.uid, m]));
      for (const uid of [...pendingAtReload, after.uid]) {
        expect(own.get(uid)?.status, `${contentOf.get(uid)} confirmed after the reload`).toSatisfy(
          (s: string | undefined) => s !== undefined && CONFIRMED.has(s),
        );
      }

      const marker = reloaded.client.send(DEMO_THREAD_FOR_VISITOR, text('marker'));
      sentUids.push(marker.uid);
      contentOf.set(marker.uid, 'marker');
      expect(CONFIRMED.has((await marker.done).status)).toBe(true);
      const fromVisitor = (): string[] =>
        agent.events
          .messages(TOPIC)
          .filter((m) => m.user.uid === VISITOR.uid)
          .map((m) => m.uid);
      await waitOrExplain(
        () => fromVisitor().includes(marker.uid),
        10_000,
        () =>
          `the agent gets the marker (has ${fromVisitor()
            .map((u) => contentOf.get(u) ?? u)
            .join(',')})`,
      );

      // Exactly once each, in the order they were written, at the agent and at the server.
      const names = (uids: readonly string[]): string[] => uids.map((u) => contentOf.get(u) ?? u);
      expect(names(fromVisitor())).toEqual(names(sentUids));
      expect(names(broker.history(TOPIC).map((m) => m.uid))).toEqual(names(sentUids));
      expect(reloaded.client.pending()).toEqual([]);
    } finally {
      await first.dispose();
      await second?.dispose();
    }
  }, 30_000);
});

// What the chaos runs above found, each on its own and without randomness (fixed; kept as regressions).
describe('chaos, distilled', () => {
  test('§1.14 a catch-up that fails while REST is down is not given up: what was missed comes by itself once REST is back, before newer live messages', async () => {
    await using broker = await startTestBroker({ compat: 'bytedesk' });
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, { ...VISITOR, deviceUid: 'visitor-tab', topics: [TOPIC] });
    const offTheWire: string[] = [];
    visitor.realtime.on((event) => {
      if (event.type !== 'message' || event.topic !== TOPIC) return;
      const decoded = decodeMessage(event.payload);
      if (decoded.ok && decoded.value.type === 'TEXT') offTheWire.push(decoded.value.content);
    });
    const before = agent.client.send(DEMO_THREAD_FOR_AGENT, text('before'));
    await visitor.events.waitFor('message', (m) => m.uid === before.uid);

    // The visitor is away while the agent writes (bytedesk: only history has these).
    await visitor.client.disconnect();
    const missed = ['missed-1', 'missed-2', 'missed-3'];
    for (const t of missed)
      expect((await agent.client.send(DEMO_THREAD_FOR_AGENT, text(t)).done).status).toBe('SUCCESS');

    // It comes back while REST (history) is down: the catch-up after the connect fails.
    broker.faults.rest({ status: 503, message: 'history is down' });
    await visitor.client.connect();
    await waitFor(() => visitor.client.isConnected(), { timeoutMs: 8_000, message: 'visitor connected' });
    const historyErrors = (): number =>
      visitor.events.errors().filter((e) => e.message.includes('/message/query/topic')).length;
    await waitFor(() => historyErrors() >= 3, { timeoutMs: 5_000, message: 'three failed catch-up attempts' });

    // A new live message reaches the visitor's socket while the gap is still open.
    const live = agent.client.send(DEMO_THREAD_FOR_AGENT, text('live'));
    expect((await live.done).status).toBe('SUCCESS');
    await waitFor(() => offTheWire.includes('live'), { message: 'the live message reached the visitor' });

    // REST is back. No reconnect, no explicit catchUp(): the SDK fills the gap by itself. The
    // missed messages were sent just before the connect, so history has them a lag after it (the
    // pass then, ~5 s after the connect, finds them): the deadline is the lag and 5 s more, not
    // 6 s from now (which left 1.6 s for that pass, and failed under load).
    broker.faults.rest(undefined);
    await waitOrExplain(
      () => missed.every((t) => visitor.events.contents(TOPIC).includes(t)),
      DEFAULT_WAIT_MS,
      () =>
        `the visitor never got what it missed by itself (shown: ${visitor.events.contents(TOPIC).join(',')}; ` +
        `${historyErrors()} failed history calls; the client stayed connected: ${visitor.client.isConnected()})`,
    );
    expect(visitor.events.contents(TOPIC)).toEqual(['before', ...missed, 'live']);
  }, 30_000);

  test('§1.14 a catch-up still running from before a drop is not taken for the catch-up after the reconnect: what was published in between is not lost', async () => {
    await using broker = await startTestBroker({ compat: 'bytedesk' });
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    // The visitor is built by hand to see (and hold back) its history calls; small pages so
    // that a catch-up takes several calls.
    const http = createHttpTransport({ baseUrl: broker.httpUrl, timeoutMs: 3_000 });
    let gate: Promise<void> | undefined;
    let openGate = (): void => {};
    const pagesAsked: number[] = [];
    // History calls under way at once, and the most there ever were: one pass per thread at a time.
    let reading = 0;
    let most = 0;
    const rest: RestTransport = {
      sendMessage: (message, options) => http.sendMessage(message, options),
      queryTopic: async (query, options) => {
        pagesAsked.push(query.pageNumber);
        most = Math.max(most, ++reading);
        try {
          if (query.pageNumber > 0 && gate) await gate;
          return await http.queryTopic(query, options);
        } finally {
          reading--;
        }
      },
    };
    const login = broker.login(VISITOR.username, VISITOR.password);
    const client = createChatClient({
      user: { uid: login.user.uid },
      realtime: createMqttTransport({ url: broker.mqttUrl, connectTimeoutMs: 3_000, deviceUid: 'visitor-tab' }),
      rest,
      auth: { username: VISITOR.username, accessToken: login.accessToken },
      timing: { ...TEST_TIMING, catchUpPageSize: 2 },
    });
    const events = recordEvents(client);
    try {
      await client.subscribe([TOPIC]);
      await client.connect();
      await waitFor(() => client.isConnected(), { timeoutMs: 8_000, message: 'visitor connected' });
      const before = agent.client.send(DEMO_THREAD_FOR_AGENT, text('before'));
      await events.waitFor('message', (m) => m.uid === before.uid);

      // Away while the agent writes six messages: the catch-up on return takes several pages.
      await client.disconnect();
      const away = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
      for (const t of away)
        expect((await agent.client.send(DEMO_THREAD_FOR_AGENT, text(t)).done).status).toBe('SUCCESS');
      gate = new Promise<void>((resolve) => {
        openGate = resolve;
      });
      const asked = pagesAsked.length;
      await client.connect();
      await waitFor(() => pagesAsked.slice(asked).some((p) => p > 0), { message: 'page 0 read, page 1 asked' });

      // While that catch-up waits for its second page, the connection drops and the agent
      // writes one more message (bytedesk: the visitor will only find it in history).
      broker.faults.outage(60_000);
      await waitFor(() => !client.isConnected(), { message: 'visitor offline' });
      const between = agent.client.send(DEMO_THREAD_FOR_AGENT, text('between'));
      expect((await between.done).status).toBe('SUCCESS');
      broker.faults.reset();
      await waitFor(() => client.isConnected(), { timeoutMs: 8_000, message: 'visitor back' });
      openGate();

      await waitOrExplain(
        () => events.contents(TOPIC).includes('between'),
        6_000,
        () =>
          `the message published between the drop and the reconnect never reached the visitor (shown: ` +
          `${events.contents(TOPIC).join(',')}; history pages asked since the reconnect: ${pagesAsked.slice(asked).join(',')})`,
      );
      const marker = agent.client.send(DEMO_THREAD_FOR_AGENT, text('marker'));
      await events.waitFor('message', (m) => m.uid === marker.uid);
      expect(events.contents(TOPIC)).toEqual(['before', ...away, 'between', 'marker']);
      // The reconnect's catch-up waited for the pass still reading (two at once let through what
      // they found in the order they happened to end).
      expect(most).toBe(1);
    } finally {
      openGate();
      await client.dispose();
      events.stop();
    }
  }, 30_000);
});
