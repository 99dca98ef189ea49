/**
 * The window of each thread: which of its pending messages may be on their way now. A thread's
 * messages wait in send order; the first `windows.size(topic)` of them may be in flight at once
 * (it adapts to the link, up to `sendWindow`: congestion.ts), so a thread no longer pays a round
 * trip per message. The order rules (README, "Order"):
 * - first attempts start in send order, and over MQTT they are published in that order;
 * - a message waiting to be retried (RETRYING, kept) closes the window behind it, and the retries
 *   of a thread go in send order;
 * - a message on REST closes the window behind it, and goes only once it is first in its thread
 *   (REST calls are not ordered among themselves or with MQTT).
 * With a window of 1 each message is confirmed before the next starts, as before the window.
 */
import { parseCreatedAt, SdkError, type WireMessage } from '@weiyu/protocol';
import type { LocalMessage } from '../api.js';
import type { MachineRunner } from '../machine/runner.js';
import type { ThreadWindows } from './congestion.js';
import type { SendEvent, SendState, SendTimer } from './machine.js';
import type { SenderOptions } from './sender.js';

/** One pending message of the sender. */
export interface Entry {
  message: LocalMessage;
  /** The message's send machine; stopped once it settled, was cancelled, or the sender disposed. */
  readonly machine: MachineRunner<SendState, SendEvent, SendTimer>;
  readonly topic: string;
  readonly wire: WireMessage;
  readonly payload: Uint8Array;
  /** Too big for one MQTT packet: it can only go over REST. */
  readonly oversize: boolean;
  /**
   * Stored in the outbox, or the store failed or let its deadline pass (`storeTimeoutMs`): only
   * then may the first attempt start. Sending unkept beats never sending.
   */
  persisted: boolean;
  /** Left by an earlier client: waits for a connection before its first attempt. */
  readonly restored: boolean;
  /** Its retry came while a message before it still waited for its own: it goes after that one. */
  held: boolean;
  /** While it waits to be retried: when its own retry is due (epoch ms; `Infinity`: once connected). */
  retryDue: number;
  /** The attempt whose REST call waits for the messages before it to be confirmed. */
  postDue: number | undefined;
  /** When its current MQTT attempt was published (clock ms): the window times its echo from it. */
  sentAt: number;
  waiters: Array<(message: LocalMessage) => void>;
}

/** What every step of the sender works on: the options, the messages and one line per thread. */
export interface SendQueues {
  readonly options: SenderOptions;
  /** The most messages of a thread that may ever be on their way at once (≥ 1: `sendWindow`). */
  readonly window: number;
  /** How many of them may be on their way now, thread by thread. */
  readonly windows: ThreadWindows;
  /** Pending messages by uid. */
  readonly entries: Map<string, Entry>;
  /** Pending messages per thread topic, in the order they go out (a Set: O(1) removal, in order). */
  readonly lines: Map<string, Set<Entry>>;
  /** Threads being filled now, and those to fill again once that is done (a step may settle a message). */
  readonly busy: Set<string>;
  readonly again: Set<string>;
  /** Threads to fill once the current task's work is done (`fillSoon`): one pass for many echoes. */
  readonly soon: Set<string>;
  disposed: boolean;
}

/** The line of a thread, made when it has none. */
export function lineOf(q: SendQueues, topic: string): Set<Entry> {
  let line = q.lines.get(topic);
  if (!line) {
    line = new Set();
    q.lines.set(topic, line);
  }
  return line;
}

/** Whether nothing before the message is pending on its thread. */
export function isFirst(q: SendQueues, entry: Entry): boolean {
  return q.lines.get(entry.topic)?.values().next().value === entry;
}

/**
 * Whether a message just added will start as soon as it is stored: within the window, with
 * nothing before it that closes the window (a retry wait, REST now or soon, a restored message).
 */
export function startsAtOnce(q: SendQueues, entry: Entry): boolean {
  const line = q.lines.get(entry.topic);
  if (!line || line.size > q.windows.size(entry.topic)) return false;
  const connected = q.options.isConnected();
  for (const before of line) {
    if (before === entry) return true;
    if (closesBehind(before, connected)) return false;
  }
  return true;
}

/** Whether a pending message keeps the ones behind it from starting (now, or once it starts). */
function closesBehind(entry: Entry, connected: boolean): boolean {
  switch (entry.machine.state.status) {
    case 'retry-wait':
    case 'posting':
      return true;
    case 'queued':
      return entry.restored || !connected || entry.oversize;
    default:
      return false;
  }
}

/** Whether a message before this one on its thread is waiting to be retried. */
export function waitsBehindRetry(q: SendQueues, entry: Entry): boolean {
  const line = q.lines.get(entry.topic);
  if (!line) return false;
  for (const before of line) {
    if (before === entry) return false;
    if (before.machine.state.status === 'retry-wait') return true;
  }
  return false;
}

/** Starts what may start on a thread now: the first attempts, retries and REST calls whose turn came. */
export function fill(q: SendQueues, topic: string): void {
  if (q.disposed) return;
  // A step may settle a message at once (oversize) and ask to fill again: do that after this pass.
  if (q.busy.has(topic)) {
    q.again.add(topic);
    return;
  }
  q.busy.add(topic);
  try {
    do {
      q.again.delete(topic);
      fillOnce(q, topic);
    } while (q.again.has(topic));
  } finally {
    q.busy.delete(topic);
  }
}

/**
 * Fills a thread once the messages arriving now are handled: the echoes that came in one read
 * of the socket make room together, and the window is walked once for all of them, not once
 * per echo (the walk passes every message in flight).
 */
export function fillSoon(q: SendQueues, topic: string): void {
  // A promise, not queueMicrotask: some mini-program engines lack it.
  if (q.soon.size === 0) void Promise.resolve().then(() => fillAllSoon(q));
  q.soon.add(topic);
}

function fillAllSoon(q: SendQueues): void {
  const topics = [...q.soon];
  q.soon.clear();
  for (const topic of topics) fill(q, topic);
}

function fillOnce(q: SendQueues, topic: string): void {
  const line = q.lines.get(topic);
  if (!line) return;
  // The window now bounds first attempts; a message that went out before goes on with its
  // retries as it would have (up to the ceiling: only that many ever started).
  const size = q.windows.size(topic);
  let position = 0;
  for (const entry of line) {
    if (position >= q.window) return;
    if (position >= size && entry.machine.state.status === 'queued') return;
    const first = position === 0;
    const open = step(q, entry, first);
    if (!line.has(entry)) continue;
    if (!open) return;
    position++;
  }
}

/** Moves one message of the window on if its turn came; false when the window closes behind it. */
function step(q: SendQueues, entry: Entry, first: boolean): boolean {
  const { machine } = entry;
  switch (machine.state.status) {
    case 'queued':
      if (!entry.persisted) return false;
      // Left by an earlier client: give the connection a chance first, unless REST can take it now.
      if (entry.restored && !q.options.isConnected() && !q.options.post) return false;
      machine.send({ type: 'start' });
      return opensBehind(machine.state);
    case 'retry-wait':
      if (!entry.held) return false;
      machine.send({ type: 'retry' });
      return opensBehind(machine.state);
    case 'posting':
      if (first && entry.postDue === machine.state.attempt) {
        entry.postDue = undefined;
        post(q, entry, machine.state.attempt);
      }
      return false;
    default:
      return true;
  }
}

/** Whether messages behind one in this state may start: it is out on MQTT, or done. */
function opensBehind(state: SendState): boolean {
  return state.status === 'publishing' || state.status === 'awaiting-echo' || state.status === 'succeeded';
}

/** Sends a message over REST for attempt `attempt`; the result comes back as an event of that attempt. */
export function post(q: SendQueues, entry: Entry, attempt: number): void {
  const send = q.options.post;
  if (!send) return;
  send(entry.wire).then(
    (answer) => {
      const time = answer ? parseCreatedAt(answer.createdAt) : undefined;
      entry.machine.send(time?.ok ? { type: 'rest-ok', attempt, createdAt: time.value } : { type: 'rest-ok', attempt });
    },
    (reason: unknown) => entry.machine.send({ type: 'rest-failed', attempt, error: SdkError.from(reason, 'network') }),
  );
}

/** The realtime link is up: every message waiting to be retried goes, in send order per thread. */
export function connectedAgain(q: SendQueues): void {
  q.windows.reset();
  // Retries may be due as far as the widest the window was (the ceiling), not only as it is now.
  for (const [topic, line] of [...q.lines]) {
    let position = 0;
    for (const entry of line) {
      if (position++ >= q.window) break;
      if (entry.machine.state.status === 'retry-wait') entry.held = true;
    }
    fill(q, topic);
  }
}

/** `resend(uid)`: the message is tried now, after the RETRYING messages before it on its thread. */
export function retryInOrder(q: SendQueues, entry: Entry): void {
  const status = entry.machine.state.status;
  if (status === 'retry-wait') {
    for (const before of [...(q.lines.get(entry.topic) ?? [])]) {
      if (before === entry) break;
      if (before.machine.state.status === 'retry-wait') before.machine.send({ type: 'resend' });
    }
  }
  entry.machine.send({ type: 'resend' });
}

/**
 * Puts restored messages (oldest first) before every message of the thread that has not
 * started yet; returns those messages, now behind them.
 */
export function putBeforeUnstarted(q: SendQueues, topic: string, restored: readonly Entry[]): Entry[] {
  const line = lineOf(q, topic);
  const started: Entry[] = [];
  const behind: Entry[] = [];
  for (const entry of line) {
    if (behind.length === 0 && entry.machine.state.status !== 'queued') started.push(entry);
    else behind.push(entry);
  }
  line.clear();
  for (const list of [started, restored, behind]) for (const entry of list) line.add(entry);
  return behind;
}
