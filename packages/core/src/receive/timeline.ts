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
 * One thread's uids oldest first (from `head`, for the oldest in O(1)), with each one's time beside
 * it in `times`: the order is sorted by time, so a place is a binary search. The messages
 * themselves are in the timeline's one map by uid ({@link Slot}), which also says whose thread a uid is.
 * A message whose time moved leaves a hole (`HOLE`, its old time kept, so the order stays sorted)
 * instead of closing the gap: every message sent moves once (its echo brings the server's time),
 * and closing the gap cost a copy of all that was sent after it.
 */
interface ThreadLine {
  /** How many messages the thread holds (the uids in `order` from `head` that are no hole). */
  size: number;
  order: string[];
  times: number[];
  head: number;
  /** Holes in `order` from `head` on: past half of it, the order is packed again. */
  holes: number;
  /** Messages loaded older on purpose: the thread may hold this many beyond the capacity. */
  allowance: number;
  /** What the thread holds, in characters ({@link weightOf}; a streamed answer's content holds its text). */
  chars: number;
  /** What was loaded older on purpose weighs: the thread may hold this much beyond {@link MAX_THREAD_CHARS}. */
  charAllowance: number;
  snapshot: readonly LocalMessage[] | undefined;
}

/** A known message and the thread it is in: one map lookup per uid, whatever is asked. */
interface Slot {
  message: LocalMessage;
  readonly topic: string;
  readonly line: ThreadLine;
}

const EMPTY: readonly LocalMessage[] = Object.freeze([]);

/**
 * The most content a thread keeps, in characters ({@link weightOf}), besides what was loaded older on purpose:
 * anyone may post messages of any size (the server relays what REST took), and a count alone
 * bounds nothing then. 5,000 messages of 1,600 characters; past it the oldest go first.
 */
export const MAX_THREAD_CHARS = 8_000_000;

/** What a message weighs in its thread, in characters: its content, and the nicknames and avatars with it. */
function weightOf({ content, user, thread }: LocalMessage): number {
  const profile = (u: LocalMessage['user'] | undefined): number =>
    (u?.nickname?.length ?? 0) + (u?.avatar?.length ?? 0);
  return content.length + profile(user) + profile(thread.user);
}

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

/**
 * The first place from `head` whose time is after `t`: where a message of time `t` goes, after
 * every one at or before it. `orAt`: at or after `t`, where an older one goes, before every one at or after it.
 */
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
  for (let i = firstAfter(thread, t, true); i < thread.order.length && thread.times[i] === t; i++) {
    if (thread.order[i] === uid) return i;
  }
  return thread.order.lastIndexOf(uid);
}

/**
 * Moves a known message to the place of its new time `t`: where it is, when that is its place
 * still (a message of mine confirmed with the server's time, before the ones sent after it),
 * else leaving a hole where it was.
 */
function move(thread: ThreadLine, uid: string, from: number, t: number): void {
  const at = placeOf(thread, uid, from);
  const to = firstAfter(thread, t, false);
  if (at < thread.head) {
    insert(thread, to, uid, t);
    return;
  }
  // Its new place is next to its old one: nothing between them moves, only its time changes.
  if (to === at || to === at + 1) {
    thread.times[at] = t;
    return;
  }
  thread.order[at] = HOLE;
  thread.holes += 1;
  insert(thread, to, uid, t);
  if (thread.holes > 64 && thread.holes * 2 > thread.order.length - thread.head) pack(thread);
}

/** Creates an empty timeline; `maxChars` is {@link MAX_THREAD_CHARS} but in tests. */
export function createTimeline(capacity: number, events: TimelineEvents = {}, maxChars = MAX_THREAD_CHARS): Timeline {
  const limit = Math.max(1, Math.floor(capacity));
  const threads = new Map<string, ThreadLine>();
  const slots = new Map<string, Slot>();
  const changed = (topic: string, thread: ThreadLine): void => {
    thread.snapshot = undefined;
    events.onChange?.(topic);
  };
  const dropOldest = (topic: string, thread: ThreadLine): void => {
    const oldest = thread.order[thread.head] as string;
    thread.head += 1;
    // No message has the empty uid of a hole.
    const slot = slots.get(oldest);
    if (slot) {
      slots.delete(oldest);
      thread.size -= 1;
      thread.chars -= weightOf(slot.message);
    } else thread.holes -= 1;
    if (thread.head > 1_024 && thread.head * 2 > thread.order.length) pack(thread);
    if (slot) events.onEvict?.(topic, slot.message);
  };
  const lineOf = (topic: string): ThreadLine => {
    let thread = threads.get(topic);
    if (!thread) {
      thread = {
        size: 0,
        order: [],
        times: [],
        head: 0,
        holes: 0,
        allowance: 0,
        chars: 0,
        charAllowance: 0,
        snapshot: undefined,
      };
      threads.set(topic, thread);
    }
    return thread;
  };
  /** Drops the oldest while the thread holds more than its capacity or its content budget (but one message). */
  const trim = (topic: string, thread: ThreadLine): void => {
    const over = (): boolean =>
      thread.size > limit + thread.allowance || (thread.chars > maxChars + thread.charAllowance && thread.size > 1);
    while (over() && thread.head < thread.order.length) dropOldest(topic, thread);
  };
  /** Replaces a known message; one whose time changed moves to its new place. */
  const replace = (slot: Slot, message: LocalMessage): void => {
    const before = slot.message;
    slot.message = message;
    slot.line.chars += weightOf(message) - weightOf(before);
    if (before.createdAt !== message.createdAt) move(slot.line, message.uid, before.createdAt, message.createdAt);
    // A streamed answer grows in place.
    trim(slot.topic, slot.line);
    changed(slot.topic, slot.line);
  };
  const add = (message: LocalMessage, older: boolean): void => {
    if (message.uid === HOLE) return; // never shown: the pipeline and the sender drop such messages
    const known = slots.get(message.uid);
    if (known) {
      replace(known, message);
      return;
    }
    const topic = message.thread.topic;
    const thread = lineOf(topic);
    insert(thread, firstAfter(thread, message.createdAt, older), message.uid, message.createdAt);
    slots.set(message.uid, { message, topic, line: thread });
    thread.size += 1;
    const weight = weightOf(message);
    thread.chars += weight;
    if (older) {
      thread.allowance += 1;
      thread.charAllowance += weight;
    }
    trim(topic, thread);
    changed(topic, thread);
  };
  return {
    get: (uid) => slots.get(uid)?.message,
    put: (message) => add(message, false),
    putOlder: (message) => add(message, true),
    list(topic) {
      const thread = threads.get(topic);
      if (!thread || thread.size === 0) return EMPTY;
      thread.snapshot ??= Object.freeze(messagesOf(thread, slots));
      return thread.snapshot;
    },
    dropThread(topic) {
      const thread = threads.get(topic);
      if (!thread) return;
      threads.delete(topic);
      for (let i = thread.head; i < thread.order.length; i++) slots.delete(thread.order[i] as string);
      events.onChange?.(topic);
    },
  };
}

/** The messages of a thread, oldest first. */
function messagesOf(thread: ThreadLine, slots: ReadonlyMap<string, Slot>): LocalMessage[] {
  const messages: LocalMessage[] = [];
  for (let i = thread.head; i < thread.order.length; i++) {
    const slot = slots.get(thread.order[i] as string);
    if (slot) messages.push(slot.message);
  }
  return messages;
}
