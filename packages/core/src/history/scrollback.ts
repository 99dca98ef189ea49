/**
 * `loadOlder`: scrollback through a thread's REST history, before the oldest message it shows.
 * Where it stands per thread is a cursor (cursor.ts) that starts where catch-up's first read of
 * the thread ended (or, without one, at the oldest message shown, found in history by time);
 * what it reads goes through the receive pipeline like everything else (the same messages as
 * live ones) and into the timeline before the newer ones. One load per thread at a time; each
 * has a deadline; a failed one changes nothing.
 */
import { SdkError, type WireMessage } from '@weiyu/protocol';
import type { ChatTiming, LocalMessage, OlderMessages } from '../api.js';
import { type HistoryDepth, type HistoryRow, oldestFirst, readPass } from '../catch-up/paging.js';
import { serverTime, WATERMARK_MARGIN_MS } from '../catch-up/watermark.js';
import { createAbortController } from '../connection/abort.js';
import type { Clock, Logger, RestCallOptions, RestTransport } from '../interfaces.js';
import { type Cursor, FRESH_CURSOR, readOlder } from './cursor.js';

/** How many messages one `loadOlder` brings unless told. */
export const DEFAULT_OLDER_LIMIT = 20;

/** The most page reads of one `loadOlder` (finding its place included): what it may pass over shown rows. */
export const OLDER_MAX_PAGES = 60;

/** What scrollback needs from the client. */
export interface ScrollbackOptions {
  /** History comes from here; without REST there is no scrollback. */
  readonly rest?: RestTransport | undefined;
  readonly clock: Clock;
  readonly timing: ChatTiming;
  readonly logger: Logger;
  /** The token (and the client's signal) for a history read. */
  readonly restCall: () => RestCallOptions;
  /** A thread's timeline now, oldest first. */
  readonly list: (topic: string) => readonly LocalMessage[];
  /** Whether a uid is shown. */
  readonly isShown: (uid: string) => boolean;
  /** Whether a uid is one of my messages still on its way (its time is the local one). */
  readonly isPending: (uid: string) => boolean;
  /** Runs a row of older history through the pipeline; returns the message when it was new. */
  readonly receiveOlder: (topic: string, wire: WireMessage) => LocalMessage | undefined;
  /** A thread's `hasMore` or `loading` changed. */
  readonly onChange: (topic: string) => void;
  /** Runs `change` with the thread's change notifications held, then tells one change: a load shows as one. */
  readonly together: (topic: string, change: () => void) => void;
}

/** Scrollback for every thread of a client. */
export interface Scrollback {
  /** Loads up to `limit` older messages of a thread, joining a load under way. */
  load(topic: string, limit: number): Promise<OlderMessages>;
  /** Whether older messages may be left in a thread's history. */
  hasMore(topic: string): boolean;
  /** Whether a load of the thread is under way. */
  loading(topic: string): boolean;
  /** Catch-up read the newest history of a thread this deep: older is scrollback's. */
  depth(topic: string, depth: HistoryDepth): void;
  /** The timeline let a thread's oldest message go: it can be loaded again. */
  evicted(topic: string, message: LocalMessage): void;
  /**
   * A row of history may have moved from below the cursor to the top (a receipt for a message the
   * thread does not show): the next load reads the top of history too.
   */
  moved(topic: string): void;
  /**
   * Whether a row catch-up read as created before its gap (known) is scrollback's to show: the
   * thread was scrolled and does not show it (a receipt moved it up from below the cursor).
   */
  claims(topic: string, uid: string): boolean;
  /** Forgets a thread (unsubscribed): a load under way rejects `closed`. */
  forget(topic: string): void;
  /** Ends every load (each rejects `closed`). */
  dispose(): void;
}

interface Thread {
  cursor: Cursor;
  /** The newest server time of a message the timeline let go: what is older may come again. */
  evictedUpTo: number;
  /** How many times the timeline let messages go (a load under way then goes back for them). */
  evictions: number;
  /** A row may have moved from below the cursor to the top since the last load. */
  moved: boolean;
  loading: Promise<OlderMessages> | undefined;
  /** Ends the load under way, if any. */
  abort: ((error: SdkError) => void) | undefined;
}

/** Creates the scrollback of a client. */
export function createScrollback(options: ScrollbackOptions): Scrollback {
  const threads = new Map<string, Thread>();
  let disposed = false;
  const open = (topic: string): Thread => {
    let thread = threads.get(topic);
    if (!thread) {
      const none = -Infinity;
      thread = {
        cursor: FRESH_CURSOR,
        evictedUpTo: none,
        evictions: 0,
        moved: false,
        loading: undefined,
        abort: undefined,
      };
      threads.set(topic, thread);
    }
    return thread;
  };
  const end = (thread: Thread, error: SdkError): void => thread.abort?.(error);
  /** Moves a thread's cursor; a change of `hasMore` is told. */
  const move = (thread: Thread, topic: string, next: Cursor): void => {
    const exhausted = thread.cursor.exhausted;
    thread.cursor = next;
    if (next.exhausted !== exhausted) options.onChange(topic);
  };
  return {
    load(topic, limit) {
      if (disposed) return Promise.reject(new SdkError('closed', 'the client was disposed'));
      const { rest } = options;
      if (!rest) return Promise.reject(new SdkError('invalid_argument', 'no REST transport: no history'));
      if (!Number.isInteger(limit) || limit < 1) {
        return Promise.reject(new SdkError('invalid_argument', `limit must be a whole number from 1 (got ${limit})`));
      }
      const thread = open(topic);
      if (thread.loading) return thread.loading;
      if (thread.cursor.exhausted) return Promise.resolve({ messages: [], hasMore: false });
      const loading = load(options, { rest, topic, thread, limit, isCurrent: () => threads.get(topic) === thread });
      thread.loading = loading;
      options.onChange(topic);
      // A load that worked ends within its last change (load()); one that failed ends here.
      loading.catch(() => {
        if (thread.loading !== loading) return;
        thread.loading = undefined;
        thread.abort = undefined;
        if (threads.get(topic) === thread) options.onChange(topic);
      });
      return loading;
    },
    hasMore: (topic) => !(threads.get(topic)?.cursor.exhausted ?? false),
    loading: (topic) => threads.get(topic)?.loading !== undefined,
    depth(topic, depth) {
      const thread = open(topic);
      move(thread, topic, adopted(thread, depth, options.list(topic)));
    },
    evicted(topic, message) {
      const thread = open(topic);
      thread.evictedUpTo = Math.max(thread.evictedUpTo, message.createdAt);
      thread.evictions += 1;
      move(thread, topic, rewound(thread.cursor, thread.evictedUpTo));
    },
    moved(topic) {
      const thread = threads.get(topic);
      if (thread && thread.cursor !== FRESH_CURSOR) thread.moved = true;
    },
    claims: (topic, uid) => {
      const thread = threads.get(topic);
      return thread !== undefined && thread.cursor !== FRESH_CURSOR && !options.isShown(uid);
    },
    forget(topic) {
      const thread = threads.get(topic);
      threads.delete(topic);
      if (thread) end(thread, new SdkError('closed', `${topic} was unsubscribed`));
    },
    dispose() {
      disposed = true;
      for (const thread of threads.values()) end(thread, new SdkError('closed', 'the client was disposed'));
      threads.clear();
    },
  };
}

/**
 * The cursor after catch-up read the newest history this deep, when that is further back than
 * the cursor: from the last row it passed. Not past what the timeline let go since.
 */
function adopted(thread: Thread, depth: HistoryDepth, shown: readonly LocalMessage[]): Cursor {
  const { cursor } = thread;
  const reached = depth.end ? -Infinity : (depth.reached ?? -Infinity);
  if (cursor.exhausted || reached >= cursor.complete) return cursor;
  if (reached < thread.evictedUpTo) {
    // The timeline no longer holds all catch-up read: go on from its oldest message, found by time.
    const oldest = shown[0]?.createdAt ?? thread.evictedUpTo;
    return rewound(cursor, Math.max(oldest, thread.evictedUpTo));
  }
  const anchor = depth.reachedUid === undefined ? undefined : { uid: depth.reachedUid, time: depth.reached };
  return { position: depth.rows, anchor, complete: reached, exhausted: depth.end };
}

/** The cursor once the timeline let go of messages up to `evictedUpTo`: they are to load again, from there. */
function rewound(cursor: Cursor, evictedUpTo: number): Cursor {
  if (evictedUpTo === -Infinity || cursor.complete > evictedUpTo) return cursor;
  return { position: undefined, anchor: undefined, complete: evictedUpTo, exhausted: false };
}

/** Where a thread's scrollback starts before anything was read: its oldest message shown (mine still on their way aside). */
function startingCursor(shown: readonly LocalMessage[], isPending: (uid: string) => boolean): Cursor {
  const oldest = shown.find((m) => !isPending(m.uid));
  return oldest
    ? { position: undefined, anchor: undefined, complete: oldest.createdAt, exhausted: false }
    : FRESH_CURSOR;
}

interface Load {
  readonly rest: RestTransport;
  readonly topic: string;
  readonly thread: Thread;
  readonly limit: number;
  /** Whether the thread is still wanted (not forgotten, not disposed). */
  readonly isCurrent: () => boolean;
}

/** One load: read within the deadline, then show what it found and move the cursor. */
async function load(options: ScrollbackOptions, job: Load): Promise<OlderMessages> {
  const { topic, thread } = job;
  const { rest } = job;
  const { cursor: before, evictions } = thread;
  const cursor = before === FRESH_CURSOR ? startingCursor(options.list(topic), options.isPending) : before;
  const { catchUpPageSize, loadOlderTimeoutMs } = options.timing;
  const moved = thread.moved;
  const read = await withDeadline(options, thread, loadOlderTimeoutMs ?? 30_000, async (call) => {
    const older = readOlder(cursor, {
      rest,
      topic,
      limit: job.limit,
      pageSize: Math.min(job.limit, catchUpPageSize),
      maxPages: OLDER_MAX_PAGES,
      isShown: options.isShown,
      call,
    });
    const top = moved ? movedUp(options, rest, topic, cursor, call) : Promise.resolve([]);
    const [found, up] = await Promise.all([older, top]);
    return {
      ...found,
      rows: [...up.filter((row) => !found.rows.some((r) => r.message.uid === row.message.uid)), ...found.rows],
    };
  });
  if (!job.isCurrent()) throw new SdkError('closed', `${topic} was unsubscribed`);
  let messages: LocalMessage[] = [];
  // The messages, the cursor and the end of the load: one change of the thread.
  options.together(topic, () => {
    messages = show(options, topic, read.rows);
    if (thread.cursor === before) {
      // What the timeline let go while we read is to load again.
      thread.cursor = thread.evictions === evictions ? read.cursor : rewound(read.cursor, thread.evictedUpTo);
    }
    if (moved) thread.moved = false;
    thread.loading = undefined;
    thread.abort = undefined;
    options.onChange(topic);
  });
  options.logger.debug('older history read', { topic, found: messages.length, pages: read.pages });
  return { messages, hasMore: !thread.cursor.exhausted };
}

/**
 * The rows at the top of history, down to a little before the newest message shown, that are
 * older than where the cursor is and not shown: moved up from below it by a receipt.
 */
async function movedUp(
  options: ScrollbackOptions,
  rest: RestTransport,
  topic: string,
  cursor: Cursor,
  call: RestCallOptions,
): Promise<HistoryRow[]> {
  const shown = options.list(topic);
  let newest: number | undefined;
  for (let i = shown.length - 1; i >= 0 && newest === undefined; i--) {
    const message = shown[i];
    if (message && !options.isPending(message.uid)) newest = message.createdAt;
  }
  const floor = newest === undefined ? undefined : newest - options.timing.historyLagMs - WATERMARK_MARGIN_MS;
  const { catchUpPageSize: pageSize } = options.timing;
  const pass = await readPass({ rest, topic, pageSize, maxPages: OLDER_MAX_PAGES, floor, call });
  return [...pass.known, ...pass.messages].flatMap((message) => {
    const createdAt = serverTime(message.createdAt);
    const old = createdAt !== undefined && createdAt <= cursor.complete;
    return old && !options.isShown(message.uid) ? [{ message, createdAt, time: undefined }] : [];
  });
}

/**
 * Runs the pipeline on the rows, newest first (each goes before the newer ones, so one second's
 * messages keep history's order); returns the messages it showed, oldest first.
 */
function show(options: ScrollbackOptions, topic: string, rows: readonly HistoryRow[]): LocalMessage[] {
  const ordered = oldestFirst(rows);
  const shown: LocalMessage[] = [];
  let neighbour: string | undefined;
  for (let i = ordered.length - 1; i >= 0; i--) {
    const row = ordered[i];
    if (!row) continue;
    // A row without a readable time goes beside its neighbour, not to the newest end.
    if (row.createdAt !== undefined) neighbour = row.message.createdAt;
    const wire =
      row.createdAt !== undefined || neighbour === undefined ? row.message : { ...row.message, createdAt: neighbour };
    const message = options.receiveOlder(topic, wire);
    if (message) shown.push(message);
  }
  return shown.reverse();
}

/** Runs `read` with a signal that ends it at the deadline, at `dispose()` or at an unsubscribe; rejects with why. */
async function withDeadline<T>(
  options: ScrollbackOptions,
  thread: Thread,
  ms: number,
  read: (call: RestCallOptions) => Promise<T>,
): Promise<T> {
  const outer = options.restCall();
  const controller = createAbortController();
  let stop: (error: SdkError) => void = () => undefined;
  const ended = new Promise<never>((_, reject) => {
    stop = (error) => {
      controller.abort(error);
      reject(error);
    };
  });
  thread.abort = stop;
  const onOuterAbort = (): void => stop(SdkError.from(outer.signal?.reason ?? 'aborted', 'closed'));
  outer.signal?.addEventListener('abort', onOuterAbort);
  const timer = options.clock.setTimeout(
    () => stop(new SdkError('timeout', `loading older messages took more than ${ms} ms`)),
    ms,
  );
  try {
    const work = read({ ...outer, signal: controller.signal });
    // Whichever comes first; the other is left to settle unheard.
    work.catch(() => undefined);
    ended.catch(() => undefined);
    return await Promise.race([work, ended]);
  } catch (reason) {
    throw SdkError.from(reason, 'network');
  } finally {
    options.clock.clearTimeout(timer);
    outer.signal?.removeEventListener('abort', onOuterAbort);
  }
}
