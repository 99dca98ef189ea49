/**
 * Runs the send state machine for every message of a client, each on the shared machine runner
 * (which owns its timers): one message in flight per thread (so receivers see a thread in the
 * order it was written), the outbox kept in step, results fed back as events.
 */
import { encodeMessage, parseCreatedAt, SdkError, type WireMessage } from '@weiyu/protocol';
import type { ChatTiming, LocalMessage, LocalStatus, SentMessage } from '../api.js';
import type { Clock, Logger } from '../interfaces.js';
import { type MachineRunner, runMachine } from '../machine/runner.js';
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

/** The actions the sender performs itself (the runner performs the timer actions). */
type SendEffect = Exclude<SendAction, { readonly type: 'set-timer' | 'clear-timer' }>;

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
  /**
   * Stops every timer, the outbox's too; in-flight results are ignored from now on. Each pending
   * message ends `FAILED` (`closed`) unless it already was, and stays in the outbox for the next
   * client on the store: a dispose is a reload, nothing is lost.
   */
  dispose(): void;
}

interface Entry {
  message: LocalMessage;
  /** The message's send machine; stopped once it settled, was cancelled, or the sender disposed. */
  readonly machine: MachineRunner<SendState, SendEvent, SendTimer>;
  readonly topic: string;
  readonly wire: WireMessage;
  readonly payload: Uint8Array;
  /** Stored in the outbox: only then may the first attempt start. */
  persisted: boolean;
  /** Left by an earlier client: waits for a connection before its first attempt. */
  readonly restored: boolean;
  waiters: Array<(message: LocalMessage) => void>;
}

/** What every step of the sender works on: the options, the messages and one queue per thread. */
interface SendQueues {
  readonly options: SenderOptions;
  /** Pending messages by uid. */
  readonly entries: Map<string, Entry>;
  /** Pending messages per thread topic, in the order they go out. */
  readonly queues: Map<string, Entry[]>;
  disposed: boolean;
}

/** Creates the sender of a client. */
export function createSender(options: SenderOptions): Sender {
  const q: SendQueues = { options, entries: new Map(), queues: new Map(), disposed: false };
  return {
    send(message) {
      if (q.disposed) {
        return settledNow(withStatus(message, 'FAILED', { error: new SdkError('closed', 'the client was disposed') }));
      }
      return accept(q, message);
    },
    resend(message) {
      const entry = q.entries.get(message.uid);
      if (entry) {
        const result = sent(entry);
        entry.machine.send({ type: 'resend' });
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
    pending: () => [...q.entries.values()].map((e) => e.message),
    restore: (messages) => restore(q, messages),
    connected() {
      for (const [topic, queue] of [...q.queues]) {
        const head = queue[0];
        if (head?.machine.state.status === 'retry-wait') head.machine.send({ type: 'retry' });
        else pump(q, topic);
      }
    },
    dispose() {
      q.disposed = true;
      for (const entry of q.entries.values()) close(q, entry);
      options.outbox.dispose();
    },
  };
}

/** A new message: into the outbox, then its turn on the thread; FAILED at once when the outbox is full. */
function accept(q: SendQueues, message: LocalMessage): SentMessage {
  const { outbox, timing } = q.options;
  if (outbox.count() >= timing.outboxLimit && !outbox.has(message.uid)) {
    const failed = withStatus(message, 'FAILED', {
      error: new SdkError('outbox_full', `the outbox holds ${timing.outboxLimit} messages; wait for them to go`, {
        details: { limit: timing.outboxLimit },
      }),
    });
    return settledNow(failed);
  }
  const entry = makeEntry(q, withStatus(message, 'QUEUED'), false);
  enqueue(q, entry);
  // First in its thread: its attempt starts as soon as it is stored, so the app sees SENDING.
  if (q.queues.get(entry.topic)?.[0] === entry) entry.message = withStatus(entry.message, 'SENDING');
  const result = sent(entry);
  // Persist before the first attempt: a crash after this point loses nothing.
  void outbox.add(entry.wire).then(() => {
    entry.persisted = true;
    pump(q, entry.topic);
  });
  return result;
}

/** A message on its own send machine, run by the shared runner on the sender's clock. */
function makeEntry(q: SendQueues, message: LocalMessage, restored: boolean): Entry {
  const { options } = q;
  const wire = messageToWire(message);
  const payload = encodeMessage(wire);
  const oversize = publishPacketSize(message.thread.topic, payload.length) > options.maxPacketBytes;
  const entry: Entry = {
    message,
    machine: runMachine<SendState, SendEvent, SendEffect, SendTimer>(
      {
        transition: (state, event) =>
          transition(state, event, {
            connected: options.isConnected(),
            hasRest: options.post !== undefined,
            oversize,
            timing: options.timing,
          }),
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
    persisted: restored,
    restored,
    waiters: [],
  };
  return entry;
}

function enqueue(q: SendQueues, entry: Entry, atFront = false): void {
  q.entries.set(entry.message.uid, entry);
  const queue = q.queues.get(entry.topic) ?? [];
  if (atFront) queue.unshift(entry);
  else queue.push(entry);
  q.queues.set(entry.topic, queue);
}

/** Starts the head of a thread's queue when it is waiting for its turn. */
function pump(q: SendQueues, topic: string): void {
  if (q.disposed) return;
  const head = q.queues.get(topic)?.[0];
  if (!head?.persisted || head.machine.state.status !== 'queued') return;
  // Left by an earlier client: give the connection a chance first, unless REST can take it now.
  if (head.restored && !q.options.isConnected() && !q.options.post) return;
  head.machine.send({ type: 'start' });
}

/** The machine moved: the message follows (status, time, error), the app is told, the thread goes on. */
function update(q: SendQueues, entry: Entry, previousState: SendState): void {
  const state = entry.machine.state;
  const previous = entry.message.status;
  const status = sendStatus(state);
  const error = state.status === 'retry-wait' || state.status === 'failed' ? state.error : undefined;
  const changes: { createdAt?: number; error?: SdkError } = {};
  if (error) changes.error = error;
  if (state.status === 'succeeded' && state.createdAt !== undefined) changes.createdAt = state.createdAt;
  const changed = status !== previous || error !== entry.message.error || changes.createdAt !== undefined;
  if (changed) entry.message = withStatus(entry.message, status, changes);
  if (status !== previous) {
    q.options.logger.debug('message status', { uid: entry.message.uid, from: previousState.status, to: state.status });
  }
  if (isSettled(state)) finish(q, entry);
  if (changed) q.options.onChange(entry.message, previous);
  if (status === 'SUCCESS' || status === 'FAILED') settle(entry);
  if (isSettled(state)) pump(q, entry.topic);
}

/** Takes a settled message out of the queue (the outbox entry goes with the `forget` action). */
function finish(q: SendQueues, entry: Entry): void {
  entry.machine.stop();
  q.entries.delete(entry.message.uid);
  const queue = q.queues.get(entry.topic);
  if (!queue) return;
  const i = queue.indexOf(entry);
  if (i >= 0) queue.splice(i, 1);
  if (queue.length === 0) q.queues.delete(entry.topic);
}

/** Performs an action of attempt `attempt`; its result comes back as an event of that attempt. */
function perform(q: SendQueues, entry: Entry, action: SendEffect, attempt: number): void {
  const send = (event: SendEvent): void => entry.machine.send(event);
  switch (action.type) {
    case 'publish':
      q.options.publish(entry.topic, entry.payload).then(
        () => send({ type: 'published', attempt }),
        (reason: unknown) => send({ type: 'publish-failed', attempt, error: SdkError.from(reason, 'network') }),
      );
      return;
    case 'post': {
      const post = q.options.post;
      if (!post) return;
      post(entry.wire).then(
        (answer) => {
          const time = answer ? parseCreatedAt(answer.createdAt) : undefined;
          send(time?.ok ? { type: 'rest-ok', attempt, createdAt: time.value } : { type: 'rest-ok', attempt });
        },
        (reason: unknown) => send({ type: 'rest-failed', attempt, error: SdkError.from(reason, 'network') }),
      );
      return;
    }
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
  pump(q, entry.topic);
  return true;
}

/** The sender is disposed: the message goes no further here; `done` settles FAILED (`closed`), as the API names. */
function close(q: SendQueues, entry: Entry): void {
  entry.machine.stop();
  const previous = entry.message.status;
  if (previous !== 'FAILED') {
    entry.message = withStatus(entry.message, 'FAILED', {
      error: new SdkError('closed', 'the client was disposed; the message stays in the outbox for the next client'),
    });
    q.options.onChange(entry.message, previous);
  }
  settle(entry);
}

/** Puts what an earlier client left in front of its thread's queue, oldest first. */
function restore(q: SendQueues, messages: readonly LocalMessage[]): LocalMessage[] {
  const restored: LocalMessage[] = [];
  // Oldest first: put them in front of newer messages of the same thread, keeping their order.
  for (const message of [...messages].reverse()) {
    if (q.entries.has(message.uid)) continue;
    const entry = makeEntry(q, withStatus(message, 'QUEUED'), true);
    enqueue(q, entry, true);
    restored.unshift(entry.message);
  }
  // A new message shown SENDING as the head of its thread is now behind restored ones.
  for (const queue of q.queues.values()) {
    for (const entry of queue.slice(1)) {
      if (entry.machine.state.status !== 'queued' || entry.message.status !== 'SENDING') continue;
      entry.message = withStatus(entry.message, 'QUEUED');
      q.options.onChange(entry.message, 'SENDING');
    }
  }
  for (const topic of [...q.queues.keys()]) pump(q, topic);
  return restored;
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

/** Resolves every `done` waiting on the message with what it is now. */
function settle(entry: Entry): void {
  const waiters = entry.waiters;
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
