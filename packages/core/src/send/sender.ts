/**
 * Runs the send state machine for every message of a client, each on the shared machine runner
 * (which owns its timers): a window of messages in flight per thread, published in send order
 * (so receivers see a thread in the order it was written), the outbox kept in step, results fed
 * back as events. The order rules are in the README's "Order"; the window itself is window.ts.
 */
import { encodeMessage, parseCreatedAt, SdkError, type WireMessage } from '@weiyu/protocol';
import type { ChatTiming, LocalMessage, LocalStatus, SentMessage } from '../api.js';
import type { Clock, Logger } from '../interfaces.js';
import { runMachine } from '../machine/runner.js';
import { messageToWire, withStatus } from '../message.js';
import type { Outbox } from '../outbox/outbox.js';
import { DEFAULT_SEND_WINDOW } from '../timing.js';
import { createThreadWindows } from './congestion.js';
import {
  isSettled,
  type SendAction,
  type SendContext,
  type SendEvent,
  type SendState,
  type SendTimer,
  sendStatus,
  transition,
} from './machine.js';
import { publishPacketSize } from './packet.js';
import { sentMessage, settledNow } from './sent-message.js';
import {
  connectedAgain,
  type Entry,
  fill,
  fillSoon,
  isFirst,
  lineOf,
  post,
  putBeforeUnstarted,
  retryInOrder,
  type SendQueues,
  startsAtOnce,
  waitsBehindRetry,
} from './window.js';

/** The actions the sender performs itself (the runner performs the timer actions). */
type SendEffect = Exclude<SendAction, { readonly type: 'set-timer' | 'clear-timer' }>;

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
  /**
   * Queues a new message (already built) and sends it when its turn comes. Never throws. `keep`
   * is told the message as it stands now (what `send` returns, without `done`) before it returns,
   * unless the sender was disposed.
   */
  send(message: LocalMessage, keep?: (local: LocalMessage) => void): SentMessage;
  /**
   * Sends a FAILED message again with the same uid; a RETRYING one is tried now (after the
   * RETRYING ones before it on its thread).
   */
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
  /**
   * Stops every timer, the outbox's too; in-flight results are ignored from now on. Each pending
   * message ends `FAILED` (`closed`): this client tries it no more. It stays in the outbox for the
   * next client on the store: a dispose is a reload, nothing is lost.
   */
  dispose(): void;
}

/** Creates the sender of a client. */
export function createSender(options: SenderOptions): Sender {
  const ceiling = Math.max(1, Math.floor(options.timing.sendWindow ?? DEFAULT_SEND_WINDOW));
  const q: SendQueues = {
    options,
    window: ceiling,
    windows: createThreadWindows({
      ceiling,
      echoTimeoutMs: options.timing.echoTimeoutMs,
      now: () => options.clock.now(),
    }),
    entries: new Map(),
    lines: new Map(),
    busy: new Set(),
    again: new Set(),
    soon: new Set(),
    disposed: false,
  };
  return {
    send(message, keep) {
      if (q.disposed) {
        return settledNow(withStatus(message, 'FAILED', { error: new SdkError('closed', 'the client was disposed') }));
      }
      return accept(q, message, keep);
    },
    resend(message) {
      const entry = q.entries.get(message.uid);
      if (entry) {
        const result = sent(entry);
        retryInOrder(q, entry);
        return result;
      }
      if (message.status === 'SUCCESS') return settledNow(message);
      return this.send(message);
    },
    echo(uid, createdAt) {
      const entry = q.entries.get(uid);
      if (!entry) return false;
      const time = parseCreatedAt(createdAt);
      entry.machine.send(time.ok ? { type: 'echo', createdAt: time.value } : { type: 'echo' });
      return true;
    },
    isPending: (uid) => q.entries.has(uid),
    cancel: (uid, status) => cancel(q, uid, status),
    pending: () => Array.from(q.entries.values(), (e) => e.message),
    restore: (messages) => restore(q, messages),
    connected: () => connectedAgain(q),
    dispose() {
      q.disposed = true;
      for (const entry of q.entries.values()) close(q, entry);
      options.outbox.dispose();
    },
  };
}

/** A new message: into the outbox, then its turn on the thread; FAILED at once when the outbox is full. */
function accept(q: SendQueues, message: LocalMessage, keep: ((local: LocalMessage) => void) | undefined): SentMessage {
  const { outbox, timing } = q.options;
  if (outbox.count() >= timing.outboxLimit && !outbox.has(message.uid)) {
    const failed = withStatus(message, 'FAILED', {
      error: new SdkError('outbox_full', `the outbox holds ${timing.outboxLimit} messages; wait for them to go`, {
        details: { limit: timing.outboxLimit },
      }),
    });
    keep?.(failed);
    return settledNow(failed);
  }
  const entry = makeEntry(q, message, false);
  q.entries.set(message.uid, entry);
  lineOf(q, entry.topic).add(entry);
  // Its attempt starts as soon as it is stored (within the window, nothing failed before it): the app sees SENDING.
  const status = startsAtOnce(q, entry) ? 'SENDING' : 'QUEUED';
  // A new message is SENDING with no error already: no copy then (one a message, in a burst).
  if (status !== message.status || message.error || message.retryAt !== undefined) {
    entry.message = withStatus(message, status);
  }
  keep?.(entry.message);
  const result = sent(entry);
  // Persist before the first attempt: a crash after this point loses nothing (unless the store failed: reported).
  const added = outbox.add(entry.wire);
  // An outbox that writes nothing has the message at once: no promise to wait for per message.
  if (outbox.volatile) persisted(q, entry);
  else void added.then(() => persisted(q, entry));
  return result;
}

/** The message is in the outbox (or the store gave up on it): its first attempt may start. */
function persisted(q: SendQueues, entry: Entry): void {
  entry.persisted = true;
  fillSoon(q, entry.topic);
}

/** A message on its own send machine, run by the shared runner on the sender's clock. */
function makeEntry(q: SendQueues, message: LocalMessage, restored: boolean): Entry {
  const { options } = q;
  const wire = messageToWire(message);
  const payload = encodeMessage(wire);
  const oversize = publishPacketSize(message.thread.topic, payload.length) > options.maxPacketBytes;
  const context: SendContext = {
    get connected() {
      return options.isConnected();
    },
    hasRest: options.post !== undefined,
    oversize,
    timing: options.timing,
  };
  const entry: Entry = {
    message,
    machine: runMachine<SendState, SendEvent, SendEffect, SendTimer>(
      {
        transition(state, event) {
          // A retry waits for the RETRYING messages before it on its thread: retries go in send order.
          if (event.type === 'retry' && state.status === 'retry-wait' && waitsBehindRetry(q, entry)) {
            entry.held = true;
            return { state, actions: [] };
          }
          return transition(state, event, context);
        },
        timerEvent,
        perform: (action, state) => perform(q, entry, action, state.attempt),
        onChange: (_state, previous) => update(q, entry, previous),
      },
      { status: 'queued', attempt: 0 },
      options.clock,
    ),
    topic: message.thread.topic,
    wire,
    payload,
    oversize,
    persisted: restored,
    restored,
    held: false,
    retryDue: 0,
    postDue: undefined,
    sentAt: 0,
    waiters: [],
  };
  return entry;
}

/** The machine moved: the message follows (status, time, error, retry time), the app is told, the thread goes on. */
function update(q: SendQueues, entry: Entry, previousState: SendState): void {
  const state = entry.machine.state;
  const previous = entry.message.status;
  const status = sendStatus(state);
  const error = state.status === 'retry-wait' || state.status === 'failed' ? state.error : undefined;
  const createdAt = state.status === 'succeeded' ? state.createdAt : undefined;
  const waits = state.status === 'retry-wait';
  if (waits) entry.retryDue = q.options.clock.now() + state.waitMs;
  if (state.status === 'publishing') entry.sentAt = q.options.clock.now();
  const retryAt = waits ? retryTime(q, entry) : undefined;
  const changed =
    status !== previous ||
    error !== entry.message.error ||
    createdAt !== undefined ||
    retryAt !== entry.message.retryAt;
  if (changed) entry.message = withStatus(entry.message, status, { error, createdAt, retryAt });
  if (state.status !== 'retry-wait') entry.held = false;
  if (state.status !== 'posting' || state.attempt !== entry.postDue) entry.postDue = undefined;
  if (status !== previous) {
    q.options.logger.debug('message status', { uid: entry.message.uid, from: previousState.status, to: state.status });
  }
  q.windows.observe(entry.topic, previousState, state, entry.sentAt);
  const settled = isSettled(state);
  if (settled) finish(q, entry);
  if (changed) q.options.onChange(entry.message, previous);
  // Only a final outcome settles `done`: a RETRYING message is still on its way.
  if (settled) settle(entry);
  // A confirmed message makes room in the window; one retried again lets the window fill behind it.
  if (settled) fillSoon(q, entry.topic);
  else if (previousState.status === 'retry-wait') fill(q, entry.topic);
  // The RETRYING messages behind it wait for it: their retry times follow its own.
  if (waits || previousState.status === 'retry-wait') refreshRetryTimes(q, entry.topic);
}

/**
 * When a RETRYING message is tried next: at its own retry time, or later when one before it on
 * its thread is due later (retries go in send order: it waits for that one).
 */
function retryTime(q: SendQueues, entry: Entry): number {
  let at = entry.retryDue;
  for (const before of q.lines.get(entry.topic) ?? []) {
    if (before === entry) break;
    if (before.machine.state.status === 'retry-wait') at = Math.max(at, before.retryDue);
  }
  return at;
}

/** Brings the shown retry time of each RETRYING message of a thread up to date, telling the app of each change. */
function refreshRetryTimes(q: SendQueues, topic: string): void {
  let at = 0;
  let position = 0;
  // Only the first `window` messages of a thread ever started.
  for (const entry of q.lines.get(topic) ?? []) {
    if (position++ >= q.window) return;
    if (entry.machine.state.status !== 'retry-wait') continue;
    at = Math.max(at, entry.retryDue);
    if (entry.message.retryAt === at) continue;
    entry.message = withStatus(entry.message, 'RETRYING', { error: entry.message.error, retryAt: at });
    q.options.onChange(entry.message, 'RETRYING');
  }
}

/** Takes a settled message out of its thread (the outbox entry goes with the `forget` action). */
function finish(q: SendQueues, entry: Entry): void {
  entry.machine.stop();
  q.entries.delete(entry.message.uid);
  const line = q.lines.get(entry.topic);
  if (!line) return;
  line.delete(entry);
  if (line.size === 0) q.lines.delete(entry.topic);
}

/** Performs an action of attempt `attempt`; its result comes back as an event of that attempt. */
function perform(q: SendQueues, entry: Entry, action: SendEffect, attempt: number): void {
  switch (action.type) {
    case 'publish':
      q.options.publish(entry.topic, entry.payload).then(
        () => entry.machine.send({ type: 'published', attempt }),
        (reason: unknown) =>
          entry.machine.send({ type: 'publish-failed', attempt, error: SdkError.from(reason, 'network') }),
      );
      return;
    case 'post':
      // REST calls are not ordered among themselves or with MQTT: one goes only first in its thread.
      if (isFirst(q, entry)) post(q, entry, attempt);
      else entry.postDue = attempt;
      return;
    case 'forget':
      void q.options.outbox.remove(entry.message.uid);
      return;
  }
}

/** Takes a pending message out without sending it any further; it ends with `status`. */
function cancel(q: SendQueues, uid: string, status: LocalStatus): boolean {
  const entry = q.entries.get(uid);
  if (!entry) return false;
  const previous = entry.message.status;
  finish(q, entry);
  void q.options.outbox.remove(uid);
  entry.message = withStatus(entry.message, status);
  q.options.onChange(entry.message, previous);
  settle(entry);
  fill(q, entry.topic);
  refreshRetryTimes(q, entry.topic);
  return true;
}

/** The sender is disposed: the message goes no further here; `done` settles FAILED (`closed`), as the API names. */
function close(q: SendQueues, entry: Entry): void {
  entry.machine.stop();
  const previous = entry.message.status;
  entry.message = withStatus(entry.message, 'FAILED', {
    error: new SdkError('closed', 'the client was disposed; the message stays in the outbox for the next client'),
  });
  q.options.onChange(entry.message, previous);
  settle(entry);
}

/** Puts what an earlier client left before the newer messages of its thread, oldest first. */
function restore(q: SendQueues, messages: readonly LocalMessage[]): LocalMessage[] {
  const byTopic = new Map<string, Entry[]>();
  const restored: LocalMessage[] = [];
  for (const message of messages) {
    if (q.entries.has(message.uid)) continue;
    const entry = makeEntry(q, withStatus(message, 'QUEUED'), true);
    q.entries.set(message.uid, entry);
    restored.push(entry.message);
    const list = byTopic.get(entry.topic);
    if (list) list.push(entry);
    else byTopic.set(entry.topic, [entry]);
  }
  for (const [topic, list] of byTopic) {
    // A new message shown SENDING is now behind restored ones, which may wait for the connection.
    for (const behind of putBeforeUnstarted(q, topic, list)) {
      if (behind.restored || behind.message.status !== 'SENDING') continue;
      behind.message = withStatus(behind.message, 'QUEUED');
      q.options.onChange(behind.message, 'SENDING');
    }
  }
  for (const topic of byTopic.keys()) fill(q, topic);
  return restored;
}

function sent(entry: Entry): SentMessage {
  const done = new Promise<LocalMessage>((resolve) => {
    entry.waiters.push(resolve);
  });
  return sentMessage(entry.message, done);
}

/** Resolves every `done` waiting on the message with what it is now. */
function settle(entry: Entry): void {
  const waiters = entry.waiters;
  if (waiters.length === 0) return;
  entry.waiters = [];
  for (const resolve of waiters) resolve(entry.message);
}

/** The event a fired timer delivers, for the attempt that set it. */
function timerEvent(timer: SendTimer, { attempt }: SendState): SendEvent {
  switch (timer) {
    case 'echo':
      return { type: 'echo-timeout', attempt };
    case 'deadline':
      return { type: 'deadline', attempt };
    case 'retry':
      return { type: 'retry' };
  }
}
