import type { LocalMessage } from '../api.js';

/**
 * The messages a client knows, per thread topic, oldest first by server time (`createdAt`).
 * What arrives in order is appended; what arrives late (a catch-up, a message whose time moved)
 * goes to its place; what is loaded from older history goes before. Each thread keeps at most
 * `capacity` messages, plus as many as were loaded older on purpose (the app asked for them);
 * past that the oldest go first. A thread's list is a snapshot: the same frozen array until the
 * thread changes.
 */
export interface Timeline {
  get(uid: string): LocalMessage | undefined;
  /**
   * Adds a message after every message of its thread with a time at or before its own, or
   * replaces the one with its uid (keeping its place, unless its time changed).
   */
  put(message: LocalMessage): void;
  /**
   * Adds a message loaded from older history: before every message of its thread with a time at
   * or after its own (a page is put newest first, so one second's messages keep history's
   * order), beyond the capacity. A known uid is replaced as by `put`.
   */
  putOlder(message: LocalMessage): void;
  /** The messages of a thread, oldest first: the same frozen array until the thread changes. */
  list(topic: string): readonly LocalMessage[];
  /** Forgets a thread and every message in it (after an unsubscribe). */
  dropThread(topic: string): void;
}

/** What a timeline tells. */
export interface TimelineEvents {
  /** Something in the thread changed: its list is another array now. */
  readonly onChange?: (topic: string) => void;
  /** The capacity pushed the thread's oldest message out. */
  readonly onEvict?: (topic: string, evicted: LocalMessage) => void;
}

/**
 * One thread's messages by uid, and their uids oldest first (from `head`, for the oldest in O(1)),
 * with each one's time beside it in `times`: the order is sorted by time, so a place is a binary search.
 * A message whose time moved leaves a hole (`HOLE`, its old time kept, so the order stays sorted)
 * instead of closing the gap: every message sent moves once (its echo brings the server's time),
 * and closing the gap cost a copy of all that was sent after it.
 */
interface ThreadLine {
  readonly byUid: Map<string, LocalMessage>;
  order: string[];
  times: number[];
  head: number;
  /** Holes in `order` from `head` on: past half of it, the order is packed again. */
  holes: number;
  /** Messages loaded older on purpose: the thread may hold this many beyond the capacity. */
  allowance: number;
  snapshot: readonly LocalMessage[] | undefined;
}

const EMPTY: readonly LocalMessage[] = Object.freeze([]);

/** The place of a message that moved: no uid is empty (the pipeline drops such messages). */
const HOLE = '';

/** Drops what is before `head` and the holes. */
function pack(thread: ThreadLine): void {
  const order: string[] = [];
  const times: number[] = [];
  for (let i = thread.head; i < thread.order.length; i++) {
    const uid = thread.order[i] as string;
    if (uid === HOLE) continue;
    order.push(uid);
    times.push(thread.times[i] as number);
  }
  thread.order = order;
  thread.times = times;
  thread.head = 0;
  thread.holes = 0;
}

/** The first place from `head` whose time is after `t` (`orAt`: at or after `t`). */
function firstAfter(thread: ThreadLine, t: number, orAt: boolean): number {
  let lo = thread.head;
  let hi = thread.times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = thread.times[mid] as number;
    if (at < t || (!orAt && at === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Where a message with time `t` goes: after the last one at or before it. */
function newerPlace(thread: ThreadLine, t: number): number {
  return firstAfter(thread, t, false);
}

/** Where an older message with time `t` goes: before the first one at or after it. */
function olderPlace(thread: ThreadLine, t: number): number {
  return firstAfter(thread, t, true);
}

function insert(thread: ThreadLine, index: number, uid: string, t: number): void {
  if (index === thread.order.length) {
    thread.order.push(uid);
    thread.times.push(t);
  } else {
    thread.order.splice(index, 0, uid);
    thread.times.splice(index, 0, t);
  }
}

/** Where a known uid is, among the messages of its time `t`. */
function placeOf(thread: ThreadLine, uid: string, t: number): number {
  for (let i = olderPlace(thread, t); i < thread.order.length && thread.times[i] === t; i++) {
    if (thread.order[i] === uid) return i;
  }
  return thread.order.lastIndexOf(uid);
}

/** Moves a known message to the place of its new time `t`, leaving a hole where it was. */
function move(thread: ThreadLine, uid: string, from: number, t: number): void {
  const at = placeOf(thread, uid, from);
  if (at >= thread.head) {
    thread.order[at] = HOLE;
    thread.holes += 1;
  }
  insert(thread, newerPlace(thread, t), uid, t);
  if (thread.holes > 64 && thread.holes * 2 > thread.order.length - thread.head) pack(thread);
}

/** Creates an empty timeline. */
export function createTimeline(capacity: number, events: TimelineEvents = {}): Timeline {
  const limit = Math.max(1, Math.floor(capacity));
  const threads = new Map<string, ThreadLine>();
  const topicOf = new Map<string, string>();
  const changed = (topic: string, thread: ThreadLine): void => {
    thread.snapshot = undefined;
    events.onChange?.(topic);
  };
  const dropOldest = (topic: string, thread: ThreadLine): void => {
    const oldest = thread.order[thread.head];
    thread.head += 1;
    const evicted = oldest === undefined ? undefined : thread.byUid.get(oldest);
    if (oldest !== undefined) {
      thread.byUid.delete(oldest);
      topicOf.delete(oldest);
    }
    if (oldest === HOLE) thread.holes -= 1;
    if (thread.head > 1_024 && thread.head * 2 > thread.order.length) pack(thread);
    if (evicted) events.onEvict?.(topic, evicted);
  };
  const lineOf = (topic: string): ThreadLine => {
    let thread = threads.get(topic);
    if (!thread) {
      thread = { byUid: new Map(), order: [], times: [], head: 0, holes: 0, allowance: 0, snapshot: undefined };
      threads.set(topic, thread);
    }
    return thread;
  };
  /** Replaces a known message; one whose time changed moves to its new place. */
  const replace = (topic: string, thread: ThreadLine, message: LocalMessage, before: LocalMessage): void => {
    thread.byUid.set(message.uid, message);
    if (before.createdAt !== message.createdAt) move(thread, message.uid, before.createdAt, message.createdAt);
    changed(topic, thread);
  };
  const add = (message: LocalMessage, older: boolean): void => {
    if (message.uid === HOLE) return; // never shown: the pipeline and the sender drop such messages
    const topic = topicOf.get(message.uid) ?? message.thread.topic;
    const thread = lineOf(topic);
    const before = thread.byUid.get(message.uid);
    if (before) {
      replace(topic, thread, message, before);
      return;
    }
    const place = older ? olderPlace(thread, message.createdAt) : newerPlace(thread, message.createdAt);
    insert(thread, place, message.uid, message.createdAt);
    thread.byUid.set(message.uid, message);
    topicOf.set(message.uid, topic);
    if (older) thread.allowance += 1;
    while (thread.byUid.size > limit + thread.allowance) dropOldest(topic, thread);
    changed(topic, thread);
  };
  return {
    get(uid) {
      const topic = topicOf.get(uid);
      return topic === undefined ? undefined : threads.get(topic)?.byUid.get(uid);
    },
    put: (message) => add(message, false),
    putOlder: (message) => add(message, true),
    list(topic) {
      const thread = threads.get(topic);
      if (!thread || thread.byUid.size === 0) return EMPTY;
      thread.snapshot ??= Object.freeze(
        thread.order.slice(thread.head).flatMap((uid) => {
          const message = thread.byUid.get(uid);
          return message ? [message] : [];
        }),
      );
      return thread.snapshot;
    },
    dropThread(topic) {
      const thread = threads.get(topic);
      if (!thread) return;
      threads.delete(topic);
      for (const uid of thread.byUid.keys()) if (topicOf.get(uid) === topic) topicOf.delete(uid);
      events.onChange?.(topic);
    },
  };
}
