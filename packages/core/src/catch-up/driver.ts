/**
 * Runs the catch-up machine (machine.ts) of every thread: counts connections (a catch-up
 * belongs to the one it started on), reads history in passes (paging.ts) through one queue of
 * at most `catchUpConcurrency` requests (read-queue.ts), holds a thread's live messages until
 * they are in order and lets them through, and keeps each thread's watermark (watermark.ts)
 * and what its passes proved.
 */
import { decodeMessage, isThreadTopic, parseTopic, SdkError, type WireMessage } from '@weiyu/protocol';
import type { ChatTiming, GapEvent } from '../api.js';
import { type AbortControllerLike, createAbortController } from '../connection/abort.js';
import type { AbortSignalLike, Clock, Logger, RestCallOptions, RestTransport } from '../interfaces.js';
import { type MachineRunner, runMachine } from '../machine/runner.js';
import type { Received } from '../receive/pipeline.js';
import { DEFAULT_CATCH_UP_CONCURRENCY } from '../timing.js';
import {
  type CatchUpAction,
  type CatchUpEvent,
  type CatchUpState,
  type CatchUpTimer,
  INITIAL_CATCH_UP,
  isHolding,
  isInOrder,
  transition,
} from './machine.js';
import { type HistoryDepth, type Pass, type PassProgress, readPass, startPass } from './paging.js';
import { createReadQueue, type ReadQueue } from './read-queue.js';
import { floorOf, raisedWatermark, serverTime } from './watermark.js';

/**
 * The most bytes of live payloads a thread holds while it is caught up (besides the count,
 * `dedupeCapacity`): a message may be of any size, and what is held is not checked yet.
 */
export const MAX_HELD_BYTES = 8_000_000;

/** What catch-up needs from the client. */
export interface CatchUpOptions {
  /** History comes from here; without REST there is no catch-up. */
  readonly rest?: RestTransport | undefined;
  readonly clock: Clock;
  readonly timing: ChatTiming;
  readonly logger: Logger;
  readonly isConnected: () => boolean;
  readonly isSubscribed: (topic: string) => boolean;
  /** The token (and signal) for a history read. */
  readonly restCall: () => RestCallOptions;
  /** Runs live bytes through the pipeline and its effects; returns what they were. */
  readonly receiveLive: (topic: string, payload: Uint8Array) => Received;
  /**
   * Runs a message from history through the pipeline and its effects; `known`: created before
   * the gap began (its status may be news, the message is not).
   */
  readonly receiveHistory: (topic: string, wire: WireMessage, known: boolean) => void;
  /** Whether a uid is one of my messages waiting for its echo: the echo is no new message, never held. */
  readonly isPending: (uid: string) => boolean;
  /** A read failed (it is tried again unless it cannot succeed). */
  readonly onError: (error: SdkError) => void;
  /** A pass ran out of budget: what may be missing. */
  readonly onGap: (gap: GapEvent) => void;
  /** A pass without a floor read the newest history of a thread this deep (scrollback goes on from there). */
  readonly onDepth?: (topic: string, depth: HistoryDepth) => void;
}

/** Catch-up for every thread of a client. */
export interface CatchUp {
  /**
   * Live bytes from the realtime link: held while their thread is caught up (at most
   * `dedupeCapacity` of a thread, {@link MAX_HELD_BYTES} bytes: one more lets them through, as
   * the hold guard does), else received.
   */
  live(topic: string, payload: Uint8Array): void;
  /** Catches a thread up, joining a run of this connection under way; resolves when it ends. */
  run(topic: string): Promise<void>;
  /** A new connection is up: each thread topic of `topics` is caught up. */
  connected(topics: readonly string[]): void;
  /** Newly subscribed topics: their threads are caught up when connected. */
  subscribed(topics: readonly string[]): void;
  /** The link is no longer up: what arrives may have a gap before it until the next catch-up. */
  disconnected(): void;
  /** Forgets a thread no longer subscribed: its run ends, what it held is dropped, not shown. */
  forget(topic: string): void;
  /** Ends every run now (each `run()` promise settles) and drops what is held. */
  dispose(): void;
}

/** A live message waiting, and since when its thread's live messages came (client clock). */
interface Held {
  readonly payload: Uint8Array;
  /** The connection's (or subscription's) start; when it came, if there was none yet. */
  readonly since: number;
}

interface Thread {
  readonly topic: string;
  readonly runner: MachineRunner<CatchUpState, CatchUpEvent, CatchUpTimer>;
  /** Live payloads waiting until they are in order, oldest first. */
  held: Held[];
  /** Their bytes. */
  heldBytes: number;
  /** The `run()` callers waiting for the run under way. */
  waiters: Array<() => void>;
  /** Server time: every message not known has an `updatedAt` after it, less a margin (watermark.ts). */
  watermark: number | undefined;
  /**
   * Client time: held messages whose live messages began by then are in order (a clean pass
   * started a lag later, when everything from before was in history).
   */
  provenUpTo: number;
  /** Client time of the subscription, when it came after the connect. */
  subscribedAt: number;
  /** The pass being read, to stop it when a newer run replaces its run (or the thread is closed). */
  pass: AbortControllerLike | undefined;
  /** Whether the run under way asked for a pass while one was being read: it follows that one. */
  queued: boolean;
  /**
   * A pass broken off (a page failed, or a newer run stopped it), to go on with while the floor
   * is the same: with its start (client time), which is what it proves from.
   */
  partial:
    | { readonly progress: PassProgress; readonly floor: number | undefined; readonly startedAt: number }
    | undefined;
}

/** What the threads of one client share. */
interface Shared {
  readonly options: CatchUpOptions;
  readonly threads: Map<string, Thread>;
  /** Every thread's history requests: at most `catchUpConcurrency` at once. */
  readonly reads: ReadQueue;
  /** Counts connections: a catch-up belongs to the connection it started on. */
  epoch: number;
  /** Client time the current connection came up; undefined while there is none. */
  connectedAt: number | undefined;
  disposed: boolean;
}

/** Creates the catch-up of a client. */
export function createCatchUp(options: CatchUpOptions): CatchUp {
  const reads = createReadQueue(options.timing.catchUpConcurrency ?? DEFAULT_CATCH_UP_CONCURRENCY);
  const shared: Shared = { options, threads: new Map(), reads, epoch: 0, connectedAt: undefined, disposed: false };
  const startAll = (topics: readonly string[]): void => {
    for (const topic of topics) if (isCatchUpTopic(topic)) void run(shared, topic);
  };
  return {
    live(topic, payload) {
      if (shared.disposed) return;
      const thread = shared.threads.get(topic);
      if (thread && isHolding(thread.runner.state, options.isConnected()) && !isNeverHeld(shared, payload)) {
        if (thread.held.length < options.timing.dedupeCapacity && thread.heldBytes + payload.length <= MAX_HELD_BYTES) {
          thread.held.push({ payload, since: liveSince(shared, thread) ?? options.clock.now() });
          thread.heldBytes += payload.length;
          return;
        }
        // Anyone may flood a thread, and more than its timeline keeps is no order worth waiting for:
        // as at the hold guard, live messages show and what was missed follows.
        options.logger.warn('catch-up: too many live messages held, let through', { topic, held: thread.held.length });
        thread.runner.send({ type: 'hold-expired' });
        // Before this connection's catch-up began there is no guard to expire: they go, in the order they came.
        release(shared, thread, thread.held.length);
      }
      deliver(shared, topic, payload);
    },
    run: (topic) => run(shared, topic),
    connected(topics) {
      if (shared.disposed) return;
      shared.epoch += 1;
      shared.connectedAt = options.clock.now();
      startAll(topics);
    },
    subscribed(topics) {
      if (!options.isConnected() || !options.rest || shared.disposed) return;
      const now = options.clock.now();
      for (const topic of topics) if (isCatchUpTopic(topic)) open(shared, topic).subscribedAt = now;
      startAll(topics);
    },
    disconnected() {
      shared.connectedAt = undefined;
      for (const thread of shared.threads.values()) thread.runner.send({ type: 'disconnected' });
    },
    forget(topic) {
      const thread = shared.threads.get(topic);
      shared.threads.delete(topic);
      if (thread) close(thread);
    },
    dispose() {
      shared.disposed = true;
      for (const thread of shared.threads.values()) close(thread);
      shared.threads.clear();
    },
  };
}

function run(shared: Shared, topic: string): Promise<void> {
  if (!shared.options.rest || shared.disposed) return Promise.resolve();
  const thread = open(shared, topic);
  thread.runner.send({ type: 'start' });
  if (thread.runner.state.status === 'live' || thread.runner.state.status === 'holding') return Promise.resolve();
  return new Promise<void>((resolve) => {
    thread.waiters.push(resolve);
  });
}

/** The thread of a topic, with its machine at `live` the first time. */
function open(shared: Shared, topic: string): Thread {
  const existing = shared.threads.get(topic);
  if (existing) return existing;
  const { options } = shared;
  const timerEvents: Record<CatchUpTimer, CatchUpEvent> = {
    hold: { type: 'hold-expired' },
    retry: { type: 'retry' },
    lag: { type: 'lag-passed' },
  };
  const thread: Thread = {
    topic,
    held: [],
    heldBytes: 0,
    waiters: [],
    watermark: undefined,
    provenUpTo: -Infinity,
    subscribedAt: 0,
    pass: undefined,
    queued: false,
    partial: undefined,
    runner: runMachine<CatchUpState, CatchUpEvent, CatchUpAction, CatchUpTimer>(
      {
        transition: (state, event) =>
          transition(state, event, {
            epoch: shared.epoch,
            connected: options.isConnected(),
            subscribed: options.isSubscribed(topic),
            liveSince: liveSince(shared, thread),
            now: options.clock.now(),
            timing: options.timing,
          }),
        timerEvent: (timer) => timerEvents[timer],
        perform: (action) => perform(shared, thread, action),
      },
      INITIAL_CATCH_UP,
      options.clock,
    ),
  };
  shared.threads.set(topic, thread);
  return thread;
}

function perform(shared: Shared, thread: Thread, action: CatchUpAction): void {
  switch (action.type) {
    case 'fetch':
      fetch(shared, thread);
      return;
    case 'release':
      release(shared, thread, thread.held.length);
      return;
    case 'release-proven':
      release(shared, thread, provenCount(thread));
      return;
    case 'settle':
      settle(thread);
      return;
    default:
      return;
  }
}

/** Broadcast only, never in history (SPEC §2): there is no order with what history holds to keep. */
const NOT_IN_HISTORY: ReadonlySet<string> = new Set(['TYPING', 'PROCESSING', 'PREVIEW', 'CONTINUE']);

/**
 * Live bytes that never wait: the echo of one of my pending messages (no new message), and a
 * signal history never has (a typing indicator held back would show late).
 */
function isNeverHeld(shared: Shared, payload: Uint8Array): boolean {
  const decoded = decodeMessage(payload);
  return decoded.ok && (shared.options.isPending(decoded.value.uid) || NOT_IN_HISTORY.has(decoded.value.type));
}

/** When the thread's live messages began on this connection (its connect, or a later subscription). */
function liveSince(shared: Shared, thread: Thread): number | undefined {
  return shared.connectedAt === undefined ? undefined : Math.max(shared.connectedAt, thread.subscribedAt);
}

/** How many of the held messages, from the first, are in order: those of connections a clean pass started a lag after. */
function provenCount(thread: Thread): number {
  const first = thread.held.findIndex((held) => held.since > thread.provenUpTo);
  return first === -1 ? thread.held.length : first;
}

/** Lets the first `count` held messages through, in the order they came. */
function release(shared: Shared, thread: Thread, count: number): void {
  const released = thread.held.slice(0, count);
  thread.held = thread.held.slice(count);
  for (const held of released) thread.heldBytes -= held.payload.length;
  // Straight to the pipeline: a catch-up started meanwhile must not hold them again.
  for (const held of released) deliver(shared, thread.topic, held.payload);
}

/**
 * Reads a pass for the run under way, one pass per thread at a time. A pass still being read
 * belongs to a run this one replaced (a reconnect meanwhile): it is stopped, and this run's pass
 * starts once it is over. Two at once would let what they found through in the order they
 * happened to end, and ask history twice; waiting for it instead would wait for a hung call.
 */
function fetch(shared: Shared, thread: Thread): void {
  if (thread.pass) {
    thread.queued = true;
    stopPass(thread);
    return;
  }
  const state = thread.runner.state;
  if (state.status !== 'paging') return;
  const pass = createAbortController();
  thread.pass = pass;
  void read(shared, thread, state.epoch, state.attempt, pass.signal).finally(() => {
    thread.pass = undefined;
    if (!thread.queued) return;
    thread.queued = false;
    if (isOpen(shared, thread)) fetch(shared, thread);
  });
}

/** Reads one pass back to the watermark and lets what was missed through, oldest first. */
async function read(
  shared: Shared,
  thread: Thread,
  runEpoch: number,
  attempt: number,
  signal: AbortSignalLike,
): Promise<void> {
  const { options } = shared;
  const { topic } = thread;
  if (!options.rest) return;
  const { catchUpPageSize: pageSize, catchUpMaxPages: maxPages, historyLagMs } = options.timing;
  const floor = floorOf(thread.watermark, historyLagMs);
  // A pass a failure (or a newer run) broke off goes on from its page, as of when it started.
  const kept = thread.partial;
  const partial =
    kept !== undefined && kept.floor === floor
      ? kept
      : { progress: startPass(), floor, startedAt: options.clock.now() };
  thread.partial = partial;
  const { startedAt, progress } = partial;
  // Rows read on this attempt, however the pages were cut.
  const firstRow = progress.read;
  try {
    const call = { ...options.restCall(), signal };
    const rest = queued(shared, thread, options.rest);
    const pass = await readPass({ rest, topic, pageSize, maxPages, floor, call, progress });
    thread.partial = undefined;
    if (!isOpen(shared, thread)) return;
    options.logger.debug('history read', { topic, found: pass.messages.length, pages: pass.pages, clean: pass.clean });
    // What an earlier connection's run read is real history too: it goes through.
    for (const wire of pass.known) options.receiveHistory(topic, wire, true);
    for (const wire of pass.messages) options.receiveHistory(topic, wire, false);
    if (!pass.complete && floor !== undefined) reportGap(shared, topic, floor, pass);
    // An empty history may only be one not written yet (the lag): it says nothing of older messages.
    if (floor === undefined && !pass.empty) options.onDepth?.(topic, depthOf(pass));
    if (pass.clean) {
      thread.watermark = raisedWatermark(thread.watermark, pass);
      thread.provenUpTo = Math.max(thread.provenUpTo, startedAt - historyLagMs);
    }
    thread.runner.send({ type: 'fetched', epoch: runEpoch, startedAt, clean: pass.clean });
  } catch (reason) {
    // Stopped: replaced by a newer run's pass, or the thread closed.
    if (!isOpen(shared, thread) || signal.aborted) return;
    const error = SdkError.from(reason, 'network');
    options.logger.warn('catch-up failed', { topic, code: error.code, attempt });
    options.onError(error);
    // A page read on this attempt: the backoff starts again (a long pass on a flaky server goes on at its pace).
    thread.runner.send({ type: 'failed', epoch: runEpoch, error, progressed: progress.read > firstRow });
  }
}

/**
 * History requests of a thread through the shared queue, a page at a time: a long pass takes
 * its turn per page, so the threads behind it are not kept waiting to its end. A pass stopped
 * (replaced, or its thread forgotten) while its request waits leaves the queue and makes none.
 */
function queued(shared: Shared, thread: Thread, rest: RestTransport): Pick<RestTransport, 'queryTopic'> {
  return {
    queryTopic: (query, call) =>
      shared.reads.run(
        () =>
          isOpen(shared, thread)
            ? rest.queryTopic(query, call)
            : Promise.reject(new SdkError('closed', 'the thread is no longer caught up')),
        call?.signal,
      ),
  };
}

function depthOf(pass: Pass): HistoryDepth {
  return { rows: pass.rows, reached: pass.reached, reachedUid: pass.reachedUid, end: pass.complete };
}

/** The budget ran out before the floor: say what may be missing instead of losing it quietly. */
function reportGap(shared: Shared, topic: string, floor: number, pass: Pass): void {
  const gap: GapEvent = { topic, from: floor, to: pass.reached ?? floor, atMost: pass.unread };
  shared.options.logger.warn('catch-up budget exhausted', { ...gap, pages: pass.pages });
  shared.options.onGap(gap);
}

/** Whether a thread is still wanted: not forgotten since, and the client not disposed. */
function isOpen(shared: Shared, thread: Thread): boolean {
  return !shared.disposed && shared.threads.get(thread.topic) === thread;
}

/** A live message goes through; while its thread is in order, its server time moves the watermark. */
function deliver(shared: Shared, topic: string, payload: Uint8Array): void {
  const received = shared.options.receiveLive(topic, payload);
  const thread = shared.threads.get(topic);
  if (!thread || !isInOrder(thread.runner.state)) return;
  const time = arrivedTime(received, payload);
  if (time !== undefined) thread.watermark = Math.max(thread.watermark ?? time, time);
}

/** The server's `createdAt` of a new message or of the echo of mine; signals and errors have none. */
function arrivedTime(received: Received, payload: Uint8Array): number | undefined {
  if (received.kind === 'echo') return serverTime(received.wire.createdAt);
  if (received.kind !== 'message') return undefined;
  // The message's own createdAt falls back to the local time: the server's is read off the wire.
  if (received.wire) return serverTime(received.wire.createdAt);
  const decoded = decodeMessage(payload);
  return decoded.ok ? serverTime(decoded.value.createdAt) : undefined;
}

function settle(thread: Thread): void {
  for (const resolve of thread.waiters.splice(0)) resolve();
}

/** Stops the pass being read, if any: its calls end at once (no error is told). */
function stopPass(thread: Thread): void {
  thread.pass?.abort(new SdkError('closed', 'catch-up stopped'));
}

/** Stops a thread's machine and timers (and its pass); what it held is dropped, its callers settle. */
function close(thread: Thread): void {
  thread.runner.stop();
  stopPass(thread);
  thread.held = [];
  thread.heldBytes = 0;
  settle(thread);
}

/** Only thread topics are caught up: this user's own `user/` and `system/` topics have no history. */
function isCatchUpTopic(topic: string): boolean {
  const parsed = parseTopic(topic);
  return parsed.ok ? isThreadTopic(parsed.value) : !topic.startsWith('user/') && !topic.startsWith('system/');
}
