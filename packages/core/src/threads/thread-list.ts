/**
 * The thread list of a client (an agent's conversations): loaded from the server's list, kept
 * current by what the client shows (new threads, last messages, state and transfer changes,
 * unread counts), and offered to a UI as a snapshot that keeps its identity until it changes.
 */
import {
  parseTopic,
  SdkError,
  type TransferStatus,
  transferStatusAfter,
  transferTopic,
  validateTopic,
} from '@weiyu/protocol';
import type { ChatThread, LoadedThreads, LoadThreadsOptions, LocalMessage, ThreadSummary } from '../api.js';
import type { Logger, RestCallOptions, RestTransport } from '../interfaces.js';
import {
  type Entry,
  entryFromMessage,
  entryFromRest,
  refreshFromRest,
  summaryOf,
  takeMessage,
  takeTransfer,
} from './entry.js';
import { countsAsUnread, movesThread } from './rules.js';

/** What the thread list needs from the client. */
export interface ThreadListOptions {
  /** This client's user. */
  readonly selfUid: string;
  readonly logger: Logger;
  readonly rest: RestTransport | undefined;
  /** The token and the client's abort signal, for each REST call. */
  readonly restCall: () => RestCallOptions;
  /** Subscribes topics as the app's `subscribe` does (kept across reconnects, caught up). */
  readonly subscribe: (topics: readonly string[]) => Promise<void>;
  /** Whether a topic is subscribed. */
  readonly wants: (topic: string) => boolean;
  /** A failure in the background (a subscription of the threads loaded). */
  readonly onError: (error: SdkError) => void;
  /** A listener threw. */
  readonly onListenerError: (error: unknown) => void;
}

/** The thread list of one client. */
export interface ThreadList {
  /** `loadThreads`. */
  load(options?: LoadThreadsOptions): Promise<LoadedThreads>;
  /** The list now: the same array until it changes. */
  snapshot(): readonly ThreadSummary[];
  /** Calls `listener` after each change; returns a function that stops. */
  subscribe(listener: () => void): () => void;
  /** A new message the client shows (live or caught up). */
  message(message: LocalMessage): void;
  /** A shown message's status changed (mine sent or confirmed; another's READ or recalled). */
  status(message: LocalMessage): void;
  /** The app marked a message (and what is older) or a whole thread read. */
  markRead(thread: ChatThread, uid?: string): void;
  /** Bytes came on a topic not subscribed (the server delivers a new thread to its owner): take it in when it names this user. */
  adopt(topic: string): void;
  /** No more changes, no more listeners. */
  dispose(): void;
}

/** The most threads the list keeps: the ones changed last. */
export const MAX_THREADS = 1_000;

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

/** Creates the thread list of a client. */
export function createThreadList(options: ThreadListOptions): ThreadList {
  const entries = new Map<string, Entry>();
  let listeners: ReadonlyArray<() => void> = [];
  let snapshot: readonly ThreadSummary[] | undefined;
  /** A load asked to subscribe: new threads of this user are taken in as they come. */
  let following = false;
  /** Changes so far: a thread's last change in this order decides between equal server times. */
  let touches = 0;
  let disposed = false;

  const changed = (): void => {
    snapshot = undefined;
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        options.onListenerError(error);
      }
    }
  };

  /** A new thread, from its first message (the one changed longest ago dropped past the cap). */
  const add = (message: LocalMessage): Entry => {
    const entry = entryFromMessage(message, options.selfUid);
    entries.set(entry.thread.topic, entry);
    trim();
    return entry;
  };

  const trim = (): void => {
    if (entries.size <= MAX_THREADS) return;
    const oldest = [...entries.values()].sort((a, b) => a.updatedAt - b.updatedAt).slice(0, entries.size - MAX_THREADS);
    for (const entry of oldest) entries.delete(entry.thread.topic);
  };

  /** A transfer message: the thread it is about (when listed) gets its transfer status. */
  const transfer = (message: LocalMessage, status: TransferStatus): boolean => {
    const target = entries.get(transferTopic(message.content, message.thread.topic));
    return target !== undefined && takeTransfer(target, status, message.createdAt);
  };

  /** A message from someone else that is read (READ: with what is older) or recalled no longer counts. */
  const read = (entry: Entry, message: LocalMessage): boolean => {
    if (!countsAsUnread(message)) return false;
    if (message.status === 'READ') return entry.unread.read(message.uid, message.createdAt, true);
    if (message.status === 'RECALL') return entry.unread.read(message.uid, message.createdAt, false);
    return false;
  };

  /** A new message from someone else counts, unless its status says it is read. */
  const count = (entry: Entry, message: LocalMessage): boolean => {
    if (!countsAsUnread(message)) return false;
    if (message.status === 'READ' || message.status === 'RECALL') return read(entry, message);
    return entry.unread.add(message.uid, message.createdAt);
  };

  const take = (message: LocalMessage): void => {
    if (disposed || !movesThread(message)) return;
    const { topic } = message.thread;
    const known = entries.get(topic);
    if (!known && !isListTopic(topic)) return;
    const entry = known ?? add(message);
    let moved = takeMessage(entry, message);
    const status = transferStatusAfter(message.type);
    if (status && transfer(message, status)) moved = true;
    if (count(entry, message)) moved = true;
    if (moved || !known) {
      entry.summary = undefined;
      entry.touched = ++touches;
      changed();
    }
  };

  const load = async (loadOptions: LoadThreadsOptions = {}): Promise<LoadedThreads> => {
    const pageNumber = wholeNumber('pageNumber', loadOptions.pageNumber ?? 0, 0, Number.MAX_SAFE_INTEGER);
    const pageSize = wholeNumber('pageSize', loadOptions.pageSize ?? DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    const rest = options.rest;
    if (!rest?.queryThreads) throw new SdkError('invalid_argument', 'no REST transport with queryThreads');
    if (disposed) throw new SdkError('closed', 'the client was disposed');
    const page = await rest.queryThreads({ pageNumber, pageSize }, options.restCall());
    if (disposed) throw new SdkError('closed', 'the client was disposed');
    const loaded: Entry[] = [];
    // The server's order (the one changed last first) stands between equal times.
    touches += page.threads.length;
    let rank = touches;
    for (const item of page.threads) {
      if (!validateTopic(item.topic).ok || !isListTopic(item.topic)) {
        options.logger.warn('threads: skipped a thread whose topic is no thread', { uid: item.uid });
        continue;
      }
      const known = entries.get(item.topic);
      if (known) refreshFromRest(known, item);
      else entries.set(item.topic, entryFromRest(item));
      const entry = entries.get(item.topic);
      if (!entry || loaded.includes(entry)) continue;
      entry.touched = rank--;
      loaded.push(entry);
    }
    trim();
    changed();
    if (loadOptions.subscribe !== false) follow(loaded.map((entry) => entry.thread.topic));
    return {
      threads: loaded.filter((entry) => entries.has(entry.thread.topic)).map(summaryOf),
      hasMore: !page.last,
      totalElements: page.totalElements,
    };
  };

  const follow = (topics: readonly string[]): void => {
    following = true;
    const fresh = topics.filter((topic) => !options.wants(topic));
    if (fresh.length === 0) return;
    options.subscribe(fresh).catch((reason: unknown) => options.onError(SdkError.from(reason)));
  };

  return {
    load,
    snapshot() {
      if (!snapshot) {
        const list = [...entries.values()].sort((a, b) => b.updatedAt - a.updatedAt || b.touched - a.touched);
        snapshot = Object.freeze(list.map(summaryOf));
      }
      return snapshot;
    },
    subscribe(listener) {
      const entry = (): void => listener();
      listeners = [...listeners, entry];
      return () => {
        listeners = listeners.filter((l) => l !== entry);
      };
    },
    message: take,
    status(message) {
      if (disposed) return;
      if (message.mine) {
        take(message);
        return;
      }
      const entry = entries.get(message.thread.topic);
      if (!entry) return;
      // The last message's own copy follows its status; the unread count what is read or recalled.
      const last = entry.lastMessage?.uid === message.uid && takeMessage(entry, message);
      if (read(entry, message) || last) {
        entry.summary = undefined;
        changed();
      }
    },
    markRead(thread, uid) {
      const entry = entries.get(thread.topic);
      if (!entry || disposed) return;
      const before = entry.unread.count();
      if (uid !== undefined) {
        entry.unread.read(uid, undefined, true);
      } else {
        // The READ went with the receipt rule (signals.readThread); what the server's list showed is read too.
        entry.unread.clear(entry.lastMessage ? Number.NEGATIVE_INFINITY : entry.lastAt);
      }
      if (entry.unread.count() === before) return;
      entry.summary = undefined;
      changed();
    },
    adopt(topic) {
      if (!following || disposed || entries.size >= MAX_THREADS || options.wants(topic)) return;
      if (!namesAsOwner(topic, options.selfUid)) return;
      options.logger.info('threads: a new thread of mine', { topic });
      options.subscribe([topic]).catch((reason: unknown) => options.onError(SdkError.from(reason)));
    },
    dispose() {
      disposed = true;
      listeners = [];
    },
  };
}

/** `value` when it is a whole number from `min` to `max`; else `invalid_argument`. */
function wholeNumber(name: string, value: number, min: number, max: number): number {
  if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
  throw new SdkError('invalid_argument', `${name} must be a whole number from ${min} to ${max}, got ${value}`);
}

/** A conversation's topic (not the user's own `user/`, `system/` or `org/` topic, nor a side channel). */
function isListTopic(topic: string): boolean {
  if (topic.endsWith('_internal')) return false;
  const parsed = parseTopic(topic);
  if (parsed.ok) return parsed.value.kind !== 'user' && parsed.value.kind !== 'system' && parsed.value.kind !== 'org';
  return topic.startsWith('org/');
}

/** Whether a topic names this user as its owner: the agent of a visitor's thread, this member's side. */
function namesAsOwner(topic: string, selfUid: string): boolean {
  const parsed = parseTopic(topic);
  if (!parsed.ok) return false;
  const t = parsed.value;
  return (t.kind === 'agent' && t.agentUid === selfUid) || (t.kind === 'member' && t.selfUid === selfUid);
}
