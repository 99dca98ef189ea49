/**
 * Runs the send state machine for every message of a client: one message in flight per thread
 * (so receivers see a thread in the order it was written), timers on the clock, the outbox kept
 * in step, results fed back as events.
 */
import { encodeMessage, parseCreatedAt, SdkError, type WireMessage } from '@weiyu/protocol';
import type { ChatTiming, LocalMessage, LocalStatus, SentMessage } from '../api.js';
import type { Clock, Logger, TimerHandle } from '../interfaces.js';
import { messageToWire, withStatus } from '../message.js';
import type { Outbox } from '../outbox/outbox.js';
import {
  isSettled,
  type SendAction,
  type SendEvent,
  type SendState,
  type SendTimer,
  sendStatus,
  transition,
} from './machine.js';
import { publishPacketSize } from './packet.js';

/** What the sender needs from the client. */
export interface SenderOptions {
  readonly clock: Clock;
  readonly timing: ChatTiming;
  readonly maxPacketBytes: number;
  readonly outbox: Outbox;
  readonly logger: Logger;
  /** Publishes at QoS 1 on the realtime link. */
  readonly publish: (topic: string, payload: Uint8Array) => Promise<void>;
  /** Sends over REST; absent when there is no REST fallback. */
  readonly post?: (message: WireMessage) => Promise<WireMessage | undefined>;
  readonly isConnected: () => boolean;
  /** A message changed (status, time, error). */
  readonly onChange: (message: LocalMessage, previous: LocalStatus) => void;
}

/** The sender of one client. */
export interface Sender {
  /** Queues a new message (already built) and sends it when its turn comes. Never throws. */
  send(message: LocalMessage): SentMessage;
  /** Sends a FAILED message again with the same uid. */
  resend(message: LocalMessage): SentMessage;
  /** The server's copy of one of our messages arrived: true when it was one waiting here. */
  echo(uid: string, createdAt: string): boolean;
  /** Whether a message is in the outbox of this client. */
  isPending(uid: string): boolean;
  /**
   * Takes a message out of the queue and the outbox without sending it any further (a recall):
   * it ends with `status`, its `done` resolves. False when it is not pending here.
   */
  cancel(uid: string, status: LocalStatus): boolean;
  /** Messages not yet confirmed, in the order they were sent. */
  pending(): LocalMessage[];
  /** Adds what an earlier client left in the outbox; returns the messages restored. */
  restore(messages: readonly LocalMessage[]): LocalMessage[];
  /** The realtime link is up (again): send what waits, in order per thread. */
  connected(): void;
  /** Stops every timer; in-flight results are ignored from now on. */
  dispose(): void;
}

interface Entry {
  message: LocalMessage;
  state: SendState;
  readonly topic: string;
  readonly wire: WireMessage;
  readonly payload: Uint8Array;
  readonly oversize: boolean;
  /** Stored in the outbox: only then may the first attempt start. */
  persisted: boolean;
  /** Left by an earlier client: waits for a connection before its first attempt. */
  readonly restored: boolean;
  readonly timers: Map<SendTimer, TimerHandle>;
  waiters: Array<(message: LocalMessage) => void>;
}

/** Creates the sender of a client. */
export function createSender(options: SenderOptions): Sender {
  const { clock, timing, outbox, logger } = options;
  const entries = new Map<string, Entry>();
  const queues = new Map<string, Entry[]>();
  let disposed = false;

  function makeEntry(message: LocalMessage, restored: boolean): Entry {
    const wire = messageToWire(message);
    const payload = encodeMessage(wire);
    const size = publishPacketSize(message.thread.topic, payload.length);
    return {
      message,
      state: { status: 'queued', attempt: 0 },
      topic: message.thread.topic,
      wire,
      payload,
      oversize: size > options.maxPacketBytes,
      persisted: restored,
      restored,
      timers: new Map(),
      waiters: [],
    };
  }

  function sent(entry: Entry): SentMessage {
    const done = new Promise<LocalMessage>((resolve) => {
      entry.waiters.push(resolve);
    });
    return { ...entry.message, done };
  }

  function settledNow(message: LocalMessage): SentMessage {
    return { ...message, done: Promise.resolve(message) };
  }

  function enqueue(entry: Entry, atFront = false): void {
    entries.set(entry.message.uid, entry);
    const queue = queues.get(entry.topic) ?? [];
    if (atFront) queue.unshift(entry);
    else queue.push(entry);
    queues.set(entry.topic, queue);
  }

  function accept(message: LocalMessage): SentMessage {
    if (outbox.count() >= timing.outboxLimit && !outbox.has(message.uid)) {
      const failed = withStatus(message, 'FAILED', {
        error: new SdkError('outbox_full', `the outbox holds ${timing.outboxLimit} messages; wait for them to go`, {
          details: { limit: timing.outboxLimit },
        }),
      });
      return settledNow(failed);
    }
    const entry = makeEntry(withStatus(message, 'QUEUED'), false);
    enqueue(entry);
    // First in its thread: its attempt starts as soon as it is stored, so the app sees SENDING.
    if (queues.get(entry.topic)?.[0] === entry) entry.message = withStatus(entry.message, 'SENDING');
    const result = sent(entry);
    // Persist before the first attempt: a crash after this point loses nothing.
    void outbox.add(entry.wire).then(() => {
      entry.persisted = true;
      if (!disposed) pump(entry.topic);
    });
    return result;
  }

  /** Starts the head of a thread's queue when it is waiting for its turn. */
  function pump(topic: string): void {
    const head = queues.get(topic)?.[0];
    if (!head?.persisted || head.state.status !== 'queued') return;
    // Left by an earlier client: give the connection a chance first, unless REST can take it now.
    if (head.restored && !options.isConnected() && !options.post) return;
    dispatch(head, { type: 'start' });
  }

  function dispatch(entry: Entry, event: SendEvent): void {
    if (disposed || entries.get(entry.message.uid) !== entry) return;
    const previousState = entry.state;
    const result = transition(previousState, event, {
      connected: options.isConnected(),
      hasRest: options.post !== undefined,
      oversize: entry.oversize,
      timing,
    });
    if (result.state === previousState) return;
    entry.state = result.state;
    for (const action of result.actions) run(entry, action);
    update(entry, previousState);
  }

  function update(entry: Entry, previousState: SendState): void {
    const state = entry.state;
    const previous = entry.message.status;
    const status = sendStatus(state);
    const error = state.status === 'retry-wait' || state.status === 'failed' ? state.error : undefined;
    const changes: { createdAt?: number; error?: SdkError } = {};
    if (error) changes.error = error;
    if (state.status === 'succeeded' && state.createdAt !== undefined) changes.createdAt = state.createdAt;
    const changed = status !== previous || error !== entry.message.error || changes.createdAt !== undefined;
    if (changed) entry.message = withStatus(entry.message, status, changes);
    if (status !== previous) {
      logger.debug('message status', { uid: entry.message.uid, from: previousState.status, to: state.status });
    }
    if (isSettled(state)) finish(entry);
    if (changed) options.onChange(entry.message, previous);
    if (status === 'SUCCESS' || status === 'FAILED') {
      const waiters = entry.waiters;
      entry.waiters = [];
      for (const resolve of waiters) resolve(entry.message);
    }
    if (isSettled(state)) pump(entry.topic);
  }

  /** Takes a settled message out of the queue (the outbox entry goes with the `forget` action). */
  function finish(entry: Entry): void {
    clearTimers(entry);
    entries.delete(entry.message.uid);
    const queue = queues.get(entry.topic);
    if (!queue) return;
    const i = queue.indexOf(entry);
    if (i >= 0) queue.splice(i, 1);
    if (queue.length === 0) queues.delete(entry.topic);
  }

  function run(entry: Entry, action: SendAction): void {
    switch (action.type) {
      case 'publish': {
        const attempt = entry.state.attempt;
        options.publish(entry.topic, entry.payload).then(
          () => dispatch(entry, { type: 'published', attempt }),
          (reason: unknown) =>
            dispatch(entry, { type: 'publish-failed', attempt, error: SdkError.from(reason, 'network') }),
        );
        return;
      }
      case 'post': {
        const post = options.post;
        const attempt = entry.state.attempt;
        if (!post) return;
        post(entry.wire).then(
          (answer) => {
            const time = answer ? parseCreatedAt(answer.createdAt) : undefined;
            dispatch(
              entry,
              time?.ok ? { type: 'rest-ok', attempt, createdAt: time.value } : { type: 'rest-ok', attempt },
            );
          },
          (reason: unknown) =>
            dispatch(entry, { type: 'rest-failed', attempt, error: SdkError.from(reason, 'network') }),
        );
        return;
      }
      case 'set-timer': {
        clearTimer(entry, action.timer);
        const attempt = entry.state.attempt;
        const handle = clock.setTimeout(() => {
          entry.timers.delete(action.timer);
          dispatch(entry, timerEvent(action.timer, attempt));
        }, action.ms);
        entry.timers.set(action.timer, handle);
        return;
      }
      case 'clear-timer':
        clearTimer(entry, action.timer);
        return;
      case 'forget':
        void outbox.remove(entry.message.uid);
        return;
    }
  }

  function clearTimer(entry: Entry, timer: SendTimer): void {
    const handle = entry.timers.get(timer);
    if (handle === undefined) return;
    clock.clearTimeout(handle);
    entry.timers.delete(timer);
  }

  function clearTimers(entry: Entry): void {
    for (const timer of [...entry.timers.keys()]) clearTimer(entry, timer);
  }

  return {
    send(message) {
      if (disposed) {
        return settledNow(withStatus(message, 'FAILED', { error: new SdkError('closed', 'the client was disposed') }));
      }
      return accept(message);
    },
    resend(message) {
      const entry = entries.get(message.uid);
      if (entry) {
        const result = sent(entry);
        dispatch(entry, { type: 'resend' });
        return result;
      }
      if (message.status === 'SUCCESS') return settledNow(message);
      return this.send(message);
    },
    echo(uid, createdAt) {
      const entry = entries.get(uid);
      if (!entry) return false;
      const time = parseCreatedAt(createdAt);
      dispatch(entry, time.ok ? { type: 'echo', createdAt: time.value } : { type: 'echo' });
      return true;
    },
    isPending: (uid) => entries.has(uid),
    cancel(uid, status) {
      const entry = entries.get(uid);
      if (!entry) return false;
      const previous = entry.message.status;
      finish(entry);
      void outbox.remove(uid);
      entry.message = withStatus(entry.message, status);
      options.onChange(entry.message, previous);
      const waiters = entry.waiters;
      entry.waiters = [];
      for (const resolve of waiters) resolve(entry.message);
      if (!disposed) pump(entry.topic);
      return true;
    },
    pending: () => [...entries.values()].map((e) => e.message),
    restore(messages) {
      const restored: LocalMessage[] = [];
      // Oldest first: put them in front of newer messages of the same thread, keeping their order.
      for (const message of [...messages].reverse()) {
        if (entries.has(message.uid)) continue;
        const entry = makeEntry(withStatus(message, 'QUEUED'), true);
        enqueue(entry, true);
        restored.unshift(entry.message);
      }
      // A new message shown SENDING as the head of its thread is now behind restored ones.
      for (const queue of queues.values()) {
        for (const entry of queue.slice(1)) {
          if (entry.state.status !== 'queued' || entry.message.status !== 'SENDING') continue;
          entry.message = withStatus(entry.message, 'QUEUED');
          options.onChange(entry.message, 'SENDING');
        }
      }
      for (const topic of [...queues.keys()]) pump(topic);
      return restored;
    },
    connected() {
      for (const [topic, queue] of [...queues]) {
        const head = queue[0];
        if (head?.state.status === 'retry-wait') dispatch(head, { type: 'retry' });
        else pump(topic);
      }
    },
    dispose() {
      disposed = true;
      for (const entry of entries.values()) {
        clearTimers(entry);
        const waiters = entry.waiters;
        entry.waiters = [];
        for (const resolve of waiters) resolve(entry.message);
      }
    },
  };
}

function timerEvent(timer: SendTimer, attempt: number): SendEvent {
  switch (timer) {
    case 'echo':
      return { type: 'echo-timeout', attempt };
    case 'deadline':
      return { type: 'deadline', attempt };
    case 'retry':
      return { type: 'retry' };
  }
}
