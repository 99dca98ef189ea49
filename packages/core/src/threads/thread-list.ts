/**
 * The thread list of a client (an agent's conversations): loaded from the server's list, kept
 * current by what the client shows (new threads, last messages, state and transfer changes,
 * unread counts), and offered to a UI as a snapshot that keeps its identity until it changes.
 */
import { SdkError } from '@weiyu/protocol';
import type { ChatThread, LoadedThreads, LoadThreadsOptions, LocalMessage, ThreadSummary } from '../api.js';
import type { Logger, RestCallOptions, RestTransport } from '../interfaces.js';
import {
  applyMarkRead,
  applyMessage,
  applyPage,
  applyStatus,
  MAX_THREADS,
  namesAsOwner,
  sortedSummaries,
} from './apply.js';
import { type Entry, summaryOf } from './entry.js';

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
  /** Lets topics go as the app's `unsubscribe` does (its timeline, catch-up and the rest dropped). */
  readonly unsubscribe: (topics: readonly string[]) => Promise<void>;
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
  /**
   * Bytes came on a topic not subscribed (the server delivers a new thread to its owner): take it
   * in when it names this user. At {@link MAX_THREADS} taken in so and still subscribed, the one
   * whose last message shown is the oldest is let go first (unsubscribed, out of the list).
   */
  adopt(topic: string): void;
  /** The app subscribed these topics itself: never let go unasked. */
  asked(topics: readonly string[]): void;
  /** The app unsubscribed a topic: a thread taken in unasked no longer counts against the cap. */
  forget(topic: string): void;
  /** No more changes, no more listeners. */
  dispose(): void;
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

/** Creates the thread list of a client: its state and listeners; the rules are apply.ts's steps. */
export function createThreadList(options: ThreadListOptions): ThreadList {
  const entries = new Map<string, Entry>();
  let listeners: ReadonlyArray<() => void> = [];
  let snapshot: readonly ThreadSummary[] | undefined;
  /** A load asked to subscribe: new threads of this user are taken in as they come. */
  let following = false;
  /** Changes so far: a thread's last change in this order decides between equal server times. */
  let touches = 0;
  let disposed = false;
  /**
   * Topics taken in unasked, still subscribed, the stalest first: a message shown moves its topic
   * last. Anyone may open threads naming this user, and what they post need not show (a uid over its
   * limit, a duplicate): such a thread stays where it came in, the first to go.
   */
  const adopted = new Set<string>();

  const changed = (yes = true): void => {
    if (!yes) return;
    snapshot = undefined;
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        options.onListenerError(error);
      }
    }
  };
  const take = (message: LocalMessage): void => {
    if (adopted.delete(message.thread.topic)) adopted.add(message.thread.topic);
    const entry = disposed ? undefined : applyMessage(entries, message, options.selfUid);
    if (!entry) return;
    entry.touched = ++touches;
    changed();
  };
  /** The app asked for these topics: none of them is let go unasked. */
  const asked = (topics: readonly string[]): void => {
    for (const topic of topics) adopted.delete(topic);
  };
  /** Lets go of the stalest thread taken in unasked: unsubscribed, and out of the list (told). */
  const letGoStalest = (): void => {
    const [stalest] = adopted;
    if (stalest === undefined) return;
    adopted.delete(stalest);
    options.logger.debug('threads: let go of the stalest thread taken in unasked', { topic: stalest });
    options.unsubscribe([stalest]).catch((reason: unknown) => options.onError(SdkError.from(reason)));
    changed(entries.delete(stalest));
  };
  const follow = (topics: readonly string[]): void => {
    following = true;
    asked(topics);
    const fresh = topics.filter((topic) => !options.wants(topic));
    if (fresh.length === 0) return;
    options.subscribe(fresh).catch((reason: unknown) => options.onError(SdkError.from(reason)));
  };

  return {
    async load(loadOptions = {}) {
      const rest = options.rest;
      const query = pageQuery(loadOptions);
      if (!rest?.queryThreads) throw new SdkError('invalid_argument', 'no REST transport with queryThreads');
      if (disposed) throw new SdkError('closed', 'the client was disposed');
      const page = await rest.queryThreads(query, options.restCall());
      if (disposed) throw new SdkError('closed', 'the client was disposed');
      touches += page.threads.length;
      const loaded = applyPage(entries, page, touches, options.logger);
      changed();
      if (loadOptions.subscribe !== false) follow(loaded.map((entry) => entry.thread.topic));
      return {
        threads: loaded.filter((entry) => entries.has(entry.thread.topic)).map(summaryOf),
        hasMore: !page.last,
        totalElements: page.totalElements,
      };
    },
    snapshot() {
      snapshot ??= sortedSummaries(entries);
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
      if (message.mine) take(message);
      else if (!disposed) changed(applyStatus(entries, message));
    },
    markRead(thread, uid) {
      const entry = entries.get(thread.topic);
      if (entry && !disposed) changed(applyMarkRead(entry, uid));
    },
    adopt(topic) {
      if (!following || disposed || options.wants(topic)) return;
      if (!namesAsOwner(topic, options.selfUid)) return;
      if (adopted.size >= MAX_THREADS) letGoStalest();
      adopted.add(topic);
      options.logger.info('threads: a new thread of mine', { topic });
      options.subscribe([topic]).catch((reason: unknown) => {
        adopted.delete(topic);
        options.onError(SdkError.from(reason));
      });
    },
    asked,
    forget(topic) {
      adopted.delete(topic);
    },
    dispose() {
      disposed = true;
      listeners = [];
    },
  };
}

/** The page `loadThreads` asks for: whole numbers in range, else `invalid_argument`. */
function pageQuery(options: LoadThreadsOptions): { pageNumber: number; pageSize: number } {
  return {
    pageNumber: wholeNumber('pageNumber', options.pageNumber ?? 0, 0, Number.MAX_SAFE_INTEGER),
    pageSize: wholeNumber('pageSize', options.pageSize ?? DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
  };
}

/** `value` when it is a whole number from `min` to `max`; else `invalid_argument`. */
function wholeNumber(name: string, value: number, min: number, max: number): number {
  if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
  throw new SdkError('invalid_argument', `${name} must be a whole number from ${min} to ${max}, got ${value}`);
}
