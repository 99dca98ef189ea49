import { appendRobotStream, isRobotStreamType } from '../robot-stream.js';
import type { WireMessage } from '../wire.js';
import type { HistoryOrder, RecallEffect } from './options.js';
import { SortedChunks } from './sorted-chunks.js';
import { cloneWireMessage, freezeWireMessage, isFrozenWireMessage } from './stamp.js';
import { reversedMemberTopic } from './subscriptions.js';
import { UnreadIndex } from './unread.js';

/** A message the server stored, with what history sorts and filters by. */
export interface StoredRecord {
  /** The message uid: stored once per uid. */
  readonly uid: string;
  /** `thread.topic` of the message. */
  readonly topic: string;
  /** The stored message (stamped); its status follows receipts. */
  readonly message: WireMessage;
  /** The thread state the sender named: history shows it as `thread.status`. */
  readonly threadStatus: string;
  /** Epoch ms the server stamped on it. */
  readonly createdAtMs: number;
  /** Epoch ms of its last change (a receipt moves it): what history sorts by. */
  readonly updatedAtMs: number;
  /** From when history shows it (the batch it was written with). */
  readonly writtenAt: number;
  /** Soft-deleted (recalled): never in history again. */
  readonly deleted: boolean;
  /** Arrival order, the tie-break of equal times. */
  readonly seq: number;
}

type MutableRecord = { -readonly [K in keyof StoredRecord]: StoredRecord[K] };

/** One page of history in the Spring page shape the server answers with. */
export interface HistoryPageOf<T> {
  /** The items of this page. */
  readonly content: readonly T[];
  /** Items on every page together. */
  readonly totalElements: number;
  /** How many pages there are. */
  readonly totalPages: number;
  /** This page's number, from 0. */
  readonly number: number;
  /** The page size asked for. */
  readonly size: number;
  /** Items on this page. */
  readonly numberOfElements: number;
  /** Whether this is the first page. */
  readonly first: boolean;
  /** Whether this is the last page. */
  readonly last: boolean;
  /** Whether this page has no items. */
  readonly empty: boolean;
}

/** How far a receipt moves a stored message: READ is never downgraded to DELIVERED. */
const RECEIPT_RANK: Readonly<Record<string, number>> = { DELIVERED: 1, READ: 2 };

/** The time each history order sorts by. */
const ORDER_FIELD = { updatedAt: 'updatedAtMs', createdAt: 'createdAtMs' } as const satisfies Record<
  HistoryOrder,
  keyof StoredRecord
>;

/** One thread's written, undeleted records in one history order. */
interface ThreadIndex {
  readonly rows: SortedChunks<StoredRecord>;
  /** The latest `writtenAt` ever indexed: when it is past, the whole index shows. */
  latestWrittenAt: number;
}

/** The written, undeleted records of every thread in one history order (time, then arrival). */
class OrderIndex {
  readonly #compare: (a: StoredRecord, b: StoredRecord) => number;
  readonly #threads = new Map<string, ThreadIndex>();

  constructor(order: HistoryOrder) {
    const field = ORDER_FIELD[order];
    this.#compare = (a, b) => a[field] - b[field] || a.seq - b.seq;
  }

  /** The index of the thread a topic belongs to, if anything is indexed there. */
  thread(topic: string): ThreadIndex | undefined {
    return this.#threads.get(threadKey(topic));
  }

  /** Puts a record in its thread's place. */
  add(record: StoredRecord): void {
    const key = threadKey(record.topic);
    let index = this.#threads.get(key);
    if (!index) {
      index = { rows: new SortedChunks(this.#compare), latestWrittenAt: record.writtenAt };
      this.#threads.set(key, index);
    }
    index.rows.insert(record);
    index.latestWrittenAt = Math.max(index.latestWrittenAt, record.writtenAt);
  }

  /** Takes a record out, as it sorts now (before its time changes). */
  remove(record: StoredRecord): void {
    this.#threads.get(threadKey(record.topic))?.rows.remove(record);
  }
}

/**
 * The server's message table: stored once per uid (a resend is not stored twice; ROBOT_STREAM
 * chunks append), receipts and recalls applied by uid and bumping `updatedAt`, writes made
 * visible in batches `lagMs` after the batch opened. Pure: time is passed in.
 *
 * History pages come from an index per thread (a MEMBER conversation's two topics together)
 * and order, sorted by time and arrival: a page costs O(page) however much is stored (a deep
 * one also skips whole chunks of 512). A record enters the index once its batch is written; a
 * receipt, a recall or a stream chunk moves or removes it there. The thread list's unread
 * counts come from another index (`UnreadIndex`), told of every change, written or not. Stored
 * messages are frozen: the one copy made of a message is the stamped one, shared by the store,
 * the echoes and the caller.
 */
export class MessageStore {
  readonly #lagMs: number;
  readonly #recall: RecallEffect;
  readonly #byUid = new Map<string, MutableRecord>();
  /** The records not deleted of each topic, in arrival order. */
  readonly #byTopic = new Map<string, Set<MutableRecord>>();
  readonly #unread = new UnreadIndex();
  /** Stored records whose batch is not written yet, in arrival order (so by `writtenAt`). */
  readonly #unwritten = new Set<MutableRecord>();
  /** The indexes of the orders pages were asked in, each made when first asked for. */
  readonly #indexes = new Map<HistoryOrder, OrderIndex>();
  #seq = 0;
  /** When the open write batch goes to the database, if one is open. */
  #batchWrittenAt: number | undefined;

  constructor(options: { readonly lagMs: number; readonly recall: RecallEffect }) {
    this.#lagMs = options.lagMs;
    this.#recall = options.recall;
  }

  /**
   * Stores a stamped content message; false when its uid was stored before. A piece of a robot's
   * streamed answer then appends to the stored one (answer and reasoning concatenated) and gives
   * it its type: the stored answer ends ROBOT_STREAM_END (or _ERROR) once the stream did.
   */
  store(message: WireMessage, threadStatus: string, now: number): boolean {
    this.#writeUntil(now);
    const existing = this.#byUid.get(message.uid);
    if (existing) {
      if (isRobotStreamType(message.type) && isRobotStreamType(existing.message.type) && !existing.deleted) {
        this.#change(existing, now, (r) => {
          r.message = Object.freeze({
            ...r.message,
            type: message.type,
            content: appendRobotStream(r.message.content, message.content),
          });
        });
      }
      return false;
    }
    // A message frozen by the rules is kept as it is: nobody can change it under the store.
    const kept = isFrozenWireMessage(message) ? message : freezeWireMessage(cloneWireMessage(message));
    const record: MutableRecord = {
      uid: kept.uid,
      topic: kept.thread?.topic ?? '',
      message: kept,
      threadStatus,
      createdAtMs: now,
      updatedAtMs: now,
      writtenAt: this.#writeTime(now),
      deleted: false,
      seq: this.#seq++,
    };
    this.#byUid.set(kept.uid, record);
    this.#liveOn(record.topic).add(record);
    this.#unread.changed(record, undefined);
    if (record.writtenAt > now) this.#unwritten.add(record);
    else this.#index(record);
    return true;
  }

  /** Moves the named message to DELIVERED or READ (never back); true when its status changed. */
  applyReceipt(targetUid: string, receipt: 'DELIVERED' | 'READ', now: number, onTopic?: string): boolean {
    const target = this.#live(targetUid, onTopic);
    if (!target || target.message.status === 'RECALL') return false;
    const next = RECEIPT_RANK[receipt] ?? 0;
    if ((RECEIPT_RANK[target.message.status] ?? 0) >= next) return false;
    this.#change(target, now, (r) => {
      r.message = Object.freeze({ ...r.message, status: receipt });
    });
    return true;
  }

  /** Recalls the named message: deleted from history, or marked RECALL (`recall: 'mark'`). */
  applyRecall(targetUid: string, now: number, onTopic?: string): boolean {
    const target = this.#live(targetUid, onTopic);
    if (!target || target.message.status === 'RECALL') return false;
    if (this.#recall === 'delete') {
      this.#unindex(target);
      target.deleted = true;
      target.updatedAtMs = now;
      this.#byTopic.get(target.topic)?.delete(target);
      this.#unread.changed(target, target.message);
      return true;
    }
    this.#change(target, now, (r) => {
      r.message = Object.freeze({ ...r.message, status: 'RECALL' });
    });
    return true;
  }

  /** A stored message that is not deleted, optionally only on one thread (or its MEMBER reversal). */
  #live(uid: string, onTopic: string | undefined): MutableRecord | undefined {
    const record = this.#byUid.get(uid);
    if (!record || record.deleted) return undefined;
    if (onTopic !== undefined && !sameThread(record.topic, onTopic)) return undefined;
    return record;
  }

  /** Messages open a batch that is written `lagMs` later; later ones join it until then. */
  #writeTime(now: number): number {
    if (this.#lagMs === 0) return now;
    if (this.#batchWrittenAt === undefined || this.#batchWrittenAt <= now) this.#batchWrittenAt = now + this.#lagMs;
    return this.#batchWrittenAt;
  }

  /**
   * Indexes the records whose batch is written by `now`. Batches are written in the order they
   * opened (a batch opens only once the one before is written), so those are a prefix.
   */
  #writeUntil(now: number): void {
    for (const record of this.#unwritten) {
      if (record.writtenAt > now) return;
      this.#unwritten.delete(record);
      if (!record.deleted) this.#index(record);
    }
  }

  /** Whether a record is in the indexes: stored, written, not deleted. */
  #indexed(record: MutableRecord): boolean {
    return !record.deleted && !this.#unwritten.has(record);
  }

  /** Adds a written record to every index. */
  #index(record: MutableRecord): void {
    for (const index of this.#indexes.values()) index.add(record);
  }

  /** Takes a record out of every index (before it is deleted). */
  #unindex(record: MutableRecord): void {
    if (!this.#indexed(record)) return;
    for (const index of this.#indexes.values()) index.remove(record);
  }

  /** Changes a record and bumps its `updatedAt`, moving it in the indexes that sort by it. */
  #change(record: MutableRecord, now: number, change: (record: MutableRecord) => void): void {
    const moving = this.#indexed(record) ? this.#indexes.get('updatedAt') : undefined;
    moving?.remove(record);
    const before = record.message;
    change(record);
    record.updatedAtMs = now;
    moving?.add(record);
    this.#unread.changed(record, before);
  }

  /** The live records of a topic, made empty when it has none. */
  #liveOn(topic: string): Set<MutableRecord> {
    let live = this.#byTopic.get(topic);
    if (!live) {
      live = new Set();
      this.#byTopic.set(topic, live);
    }
    return live;
  }

  /** The index of an order, made from what is written when first asked for. */
  #indexIn(order: HistoryOrder): OrderIndex {
    let index = this.#indexes.get(order);
    if (!index) {
      index = new OrderIndex(order);
      for (const record of this.#byUid.values()) if (this.#indexed(record)) index.add(record);
      this.#indexes.set(order, index);
    }
    return index;
  }

  /** A stored record by uid (deleted ones included), as a copy. */
  get(uid: string): StoredRecord | undefined {
    const record = this.#byUid.get(uid);
    return record && copyRecord(record);
  }

  /** Every record not deleted on exactly this topic, oldest first, written yet or not (for inspection). */
  stored(topic: string): StoredRecord[] {
    return [...(this.#byTopic.get(topic) ?? [])].map(copyRecord);
  }

  /**
   * The messages from others (user uid ≠ `owner`) on `topics` (a thread's topic, and for a
   * MEMBER thread its reversal), of the types that count (`countsAsUnread`), created after
   * the newest of them that is READ; written to history yet or not. Two binary searches a topic.
   */
  unread(topics: readonly string[], owner: string): number {
    return this.#unread.count(topics, owner, (topic) => this.#byTopic.get(topic) ?? []);
  }

  /** How many messages are stored (deleted ones included). */
  get size(): number {
    return this.#byUid.size;
  }

  /**
   * What `GET /api/v1/message/query/topic` lists at `now`: written, not deleted, on the topic or
   * (MEMBER) its reversal, newest first by `updatedAt` (or creation), paged from 0.
   */
  page(
    topic: string,
    pageNumber: number,
    pageSize: number,
    now: number,
    order: HistoryOrder,
  ): HistoryPageOf<StoredRecord> {
    this.#writeUntil(now);
    const index = this.#indexIn(order).thread(topic);
    const offset = pageNumber * pageSize;
    let rows: StoredRecord[];
    let total: number;
    if (!index) {
      rows = [];
      total = 0;
    } else if (index.latestWrittenAt <= now) {
      rows = index.rows.fromTop(offset, pageSize);
      total = index.rows.size;
    } else {
      // A clock that went back: some of what is indexed is not written at `now`.
      const shown = [...index.rows.descending()].filter((r) => r.writtenAt <= now);
      rows = shown.slice(offset, offset + pageSize);
      total = shown.length;
    }
    const content = rows.map(copyRecord);
    const totalPages = Math.ceil(total / pageSize);
    return {
      content,
      totalElements: total,
      totalPages,
      number: pageNumber,
      size: pageSize,
      numberOfElements: content.length,
      first: pageNumber === 0,
      last: pageNumber >= totalPages - 1,
      empty: content.length === 0,
    };
  }
}

/** Whether two topics name one thread: equal, or the two sides of a MEMBER conversation. */
function sameThread(a: string, b: string): boolean {
  return a === b || reversedMemberTopic(a) === b;
}

/** One key for the topics of one thread: the topic, or the lesser of a MEMBER conversation's two. */
function threadKey(topic: string): string {
  const reversed = reversedMemberTopic(topic);
  return reversed !== undefined && reversed < topic ? reversed : topic;
}

/** A copy of a record, its message a mutable copy, without anything else the store keeps. */
function copyRecord(record: StoredRecord): StoredRecord {
  return {
    uid: record.uid,
    topic: record.topic,
    message: cloneWireMessage(record.message),
    threadStatus: record.threadStatus,
    createdAtMs: record.createdAtMs,
    updatedAtMs: record.updatedAtMs,
    writtenAt: record.writtenAt,
    deleted: record.deleted,
    seq: record.seq,
  };
}
