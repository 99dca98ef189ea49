/**
 * Receipts the app asked for while offline, kept for the next connection — bounded, as an app
 * may ask in a loop: a DELIVERED per uid and a READ per thread (a READ covers what is older),
 * each kind at most {@link OWED_RECEIPTS_CAP}, the oldest dropped first. Only memory: a reload
 * loses them, as it loses the thread open on screen.
 */
import type { ChatThread } from '../api.js';
import type { Logger } from '../interfaces.js';

/** At most this many DELIVERED (one a uid) and this many READ (one a thread) are kept offline. */
export const OWED_RECEIPTS_CAP = 200;

/** A DELIVERED owed: for message `uid` on `thread`. */
export interface OwedDelivered {
  readonly thread: ChatThread;
  readonly uid: string;
}

/** A thread's READ owed: for message `uid`, and with `whole` for everything the thread shows up to it. */
export interface OwedRead extends OwedDelivered {
  readonly whole: boolean;
}

/** What is owed, each kind in the order it was first asked for. */
export interface Owed {
  readonly delivered: readonly OwedDelivered[];
  readonly reads: readonly OwedRead[];
}

/** The receipts owed until the next connection. */
export interface OwedReceipts {
  /** Keeps a DELIVERED for the uid (once). */
  delivered(thread: ChatThread, uid: string): void;
  /** Keeps the READ of its thread, in place of the one kept before. */
  read(read: OwedRead): void;
  /** The READ kept for a thread. */
  readOf(topic: string): OwedRead | undefined;
  /** Hands over everything kept and keeps nothing. */
  take(): Owed;
  /** Drops what is kept for a thread (`why`: it was unsubscribed), or everything; a debug log says how much. */
  drop(why: string, topic?: string): void;
}

/** The debug log of receipts dropped (too many, unsubscribed, disposed): never an `error` event. */
export function droppedReceipts(logger: Logger, count: number, data: Record<string, unknown>): void {
  if (count > 0) logger.debug('receipts were dropped', { ...data, count });
}

/** Creates an empty store of receipts owed; what it drops it tells at debug level. */
export function createOwedReceipts(logger: Logger, cap = OWED_RECEIPTS_CAP): OwedReceipts {
  const delivered = new Map<string, OwedDelivered>();
  const reads = new Map<string, OwedRead>();
  // The oldest goes first: an app asking in a loop keeps what it asked for last.
  const keep = <T>(kept: Map<string, T>, key: string, value: T): void => {
    kept.set(key, value);
    const oldest = kept.size > cap ? kept.keys().next() : undefined;
    if (oldest && !oldest.done && kept.delete(oldest.value)) droppedReceipts(logger, 1, { why: 'too many' });
  };
  const dropWhere = (kept: Map<string, OwedDelivered>, topic?: string): number => {
    let count = 0;
    for (const [key, owed] of kept) if ((topic ?? owed.thread.topic) === owed.thread.topic && kept.delete(key)) count++;
    return count;
  };
  return {
    delivered(thread, uid) {
      if (!delivered.has(uid)) keep(delivered, uid, { thread, uid });
    },
    read: (read) => keep(reads, read.thread.topic, read),
    readOf: (topic) => reads.get(topic),
    take() {
      const owed = { delivered: [...delivered.values()], reads: [...reads.values()] };
      delivered.clear();
      reads.clear();
      return owed;
    },
    drop(why, topic) {
      droppedReceipts(logger, dropWhere(delivered, topic) + dropWhere(reads, topic), { why, topic });
    },
  };
}
