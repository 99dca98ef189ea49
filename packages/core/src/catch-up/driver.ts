/**
 * Runs the catch-up machine (machine.ts) of every thread: counts connections (a catch-up
 * belongs to the one it started on), reads history (paging.ts), holds a thread's live
 * messages while it is caught up and lets them through after, and keeps the stop points.
 */
import { isThreadTopic, parseTopic, SdkError, type WireMessage } from '@weiyu/protocol';
import type { ChatTiming } from '../api.js';
import type { Clock, Logger, RestCallOptions, RestTransport } from '../interfaces.js';
import { type MachineRunner, runMachine } from '../machine/runner.js';
import type { Received } from '../receive/pipeline.js';
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
import { fetchMissed } from './paging.js';
import { arrivedUid, createStopPoints, type StopPoints } from './stop-points.js';

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
  /** Runs a message from history through the pipeline and its effects. */
  readonly receiveHistory: (topic: string, wire: WireMessage) => void;
  /** Whether live bytes are the echo of one of my pending messages: no new message, never held. */
  readonly isEchoOfPending: (payload: Uint8Array) => boolean;
  /** A read failed (it is tried again unless it cannot succeed). */
  readonly onError: (error: SdkError) => void;
  /**
   * Whether paging back through a thread's history may stop at `uid`: nothing is missing
   * before it. The one place that decides where a gap ends; by default, a recorded stop point.
   */
  readonly isSafeStop?: (topic: string, uid: string, stopPoints: StopPoints) => boolean;
}

/** Catch-up for every thread of a client. */
export interface CatchUp {
  /** Live bytes from the realtime link: held while their thread is caught up, else received. */
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

interface Thread {
  readonly topic: string;
  readonly runner: MachineRunner<CatchUpState, CatchUpEvent, CatchUpTimer>;
  /** Live payloads waiting while the thread is caught up, oldest first. */
  held: Uint8Array[];
  /** The `run()` callers waiting for the run under way. */
  waiters: Array<() => void>;
}

/** What the threads of one client share. */
interface Shared {
  readonly options: CatchUpOptions;
  readonly threads: Map<string, Thread>;
  readonly stopPoints: StopPoints;
  readonly isSafeStop: (topic: string, uid: string) => boolean;
  /** Counts connections: a catch-up belongs to the connection it started on. */
  epoch: number;
  disposed: boolean;
}

/** Creates the catch-up of a client. */
export function createCatchUp(options: CatchUpOptions): CatchUp {
  const { timing } = options;
  const stopPoints = createStopPoints(timing.catchUpPageSize * timing.catchUpMaxPages + 1);
  const rule = options.isSafeStop ?? ((topic, uid, points) => points.has(topic, uid));
  const shared: Shared = {
    options,
    threads: new Map(),
    stopPoints,
    isSafeStop: (topic, uid) => rule(topic, uid, stopPoints),
    epoch: 0,
    disposed: false,
  };
  const startAll = (topics: readonly string[]): void => {
    for (const topic of topics) if (isCatchUpTopic(topic)) void run(shared, topic);
  };
  return {
    live(topic, payload) {
      if (shared.disposed) return;
      const thread = shared.threads.get(topic);
      // The echo of one of my pending messages is no new message: it must not wait.
      if (thread && isHolding(thread.runner.state) && !options.isEchoOfPending(payload)) {
        thread.held.push(payload);
        return;
      }
      deliver(shared, topic, payload);
    },
    run: (topic) => run(shared, topic),
    connected(topics) {
      if (shared.disposed) return;
      shared.epoch += 1;
      startAll(topics);
    },
    subscribed(topics) {
      if (options.isConnected()) startAll(topics);
    },
    disconnected() {
      for (const thread of shared.threads.values()) thread.runner.send({ type: 'disconnected' });
    },
    forget(topic) {
      const thread = shared.threads.get(topic);
      shared.threads.delete(topic);
      if (thread) close(thread);
      stopPoints.forget(topic);
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
  const state = thread.runner.state;
  if (state.status !== 'paging' && state.status !== 'waiting') return Promise.resolve();
  return new Promise<void>((resolve) => {
    thread.waiters.push(resolve);
  });
}

/** The thread of a topic, with its machine at `live` the first time. */
function open(shared: Shared, topic: string): Thread {
  const existing = shared.threads.get(topic);
  if (existing) return existing;
  const { options } = shared;
  const thread: Thread = {
    topic,
    held: [],
    waiters: [],
    runner: runMachine<CatchUpState, CatchUpEvent, CatchUpAction, CatchUpTimer>(
      {
        transition: (state, event) =>
          transition(state, event, {
            epoch: shared.epoch,
            connected: options.isConnected(),
            subscribed: options.isSubscribed(topic),
            timing: options.timing,
          }),
        timerEvent: (timer) => (timer === 'hold' ? { type: 'hold-expired' } : { type: 'retry' }),
        perform: (action, state) => perform(shared, thread, action, state),
      },
      INITIAL_CATCH_UP,
      options.clock,
    ),
  };
  shared.threads.set(topic, thread);
  return thread;
}

function perform(shared: Shared, thread: Thread, action: CatchUpAction, state: CatchUpState): void {
  switch (action.type) {
    case 'fetch':
      if (state.status === 'paging') void read(shared, thread, state.epoch, state.attempt);
      return;
    case 'release': {
      const held = thread.held;
      thread.held = [];
      // Straight to the pipeline: a catch-up started meanwhile must not hold them again.
      for (const payload of held) deliver(shared, thread.topic, payload);
      return;
    }
    case 'settle':
      settle(thread);
      return;
    default:
      return;
  }
}

/** Reads back to a stop point and lets what was missed through, oldest first. */
async function read(shared: Shared, thread: Thread, runEpoch: number, attempt: number): Promise<void> {
  const { options, stopPoints } = shared;
  const { topic } = thread;
  if (!options.rest) return;
  try {
    const missed = await fetchMissed({
      rest: options.rest,
      topic,
      pageSize: options.timing.catchUpPageSize,
      maxPages: options.timing.catchUpMaxPages,
      isKnown: (uid) => shared.isSafeStop(topic, uid),
      call: options.restCall(),
    });
    if (!isOpen(shared, thread)) return;
    options.logger.debug('caught up', { topic, missed: missed.messages.length, pages: missed.pages });
    // What an earlier connection's run read is real history too: it goes through.
    for (const wire of missed.messages) {
      options.receiveHistory(topic, wire);
      stopPoints.add(topic, wire.uid);
    }
    // The message it stopped at may have a status that moved on while this client was away.
    if (missed.boundary) options.receiveHistory(topic, missed.boundary);
    thread.runner.send({ type: 'fetched', epoch: runEpoch });
  } catch (reason) {
    if (!isOpen(shared, thread)) return;
    const error = SdkError.from(reason, 'network');
    options.logger.warn('catch-up failed', { topic, code: error.code, attempt });
    options.onError(error);
    thread.runner.send({ type: 'failed', epoch: runEpoch, error });
  }
}

/** Whether a thread is still wanted: not forgotten since, and the client not disposed. */
function isOpen(shared: Shared, thread: Thread): boolean {
  return !shared.disposed && shared.threads.get(thread.topic) === thread;
}

/** A live message goes through; while its thread is in order, it is a safe stop point. */
function deliver(shared: Shared, topic: string, payload: Uint8Array): void {
  const received = shared.options.receiveLive(topic, payload);
  const thread = shared.threads.get(topic);
  const uid = arrivedUid(received);
  if (uid !== undefined && thread && isInOrder(thread.runner.state)) shared.stopPoints.add(topic, uid);
}

function settle(thread: Thread): void {
  for (const resolve of thread.waiters.splice(0)) resolve();
}

/** Stops a thread's machine and timers; what it held is dropped, its callers settle. */
function close(thread: Thread): void {
  thread.runner.stop();
  thread.held = [];
  settle(thread);
}

/** Only thread topics are caught up: this user's own `user/` and `system/` topics have no history. */
function isCatchUpTopic(topic: string): boolean {
  const parsed = parseTopic(topic);
  return parsed.ok ? isThreadTopic(parsed.value) : !topic.startsWith('user/') && !topic.startsWith('system/');
}
