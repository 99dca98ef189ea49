import { appendRobotStream, isRobotStreamType } from '../robot-stream.js';
import type { WireMessage } from '../wire.js';
import type { HistoryOrder, RecallEffect } from './options.js';
import { cloneWireMessage } from './stamp.js';
import { reversedMemberTopic } from './subscriptions.js';

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

/**
 * The server's message table: stored once per uid (a resend is not stored twice; ROBOT_STREAM
 * chunks append), receipts and recalls applied by uid and bumping `updatedAt`, writes made
 * visible in batches `lagMs` after the batch opened. Pure: time is passed in.
 */
export class MessageStore {
  readonly #lagMs: number;
  readonly #recall: RecallEffect;
  readonly #byUid = new Map<string, MutableRecord>();
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
    const existing = this.#byUid.get(message.uid);
    if (existing) {
      if (isRobotStreamType(message.type) && isRobotStreamType(existing.message.type) && !existing.deleted) {
        existing.message = {
          ...existing.message,
          type: message.type,
          content: appendRobotStream(existing.message.content, message.content),
        };
        existing.updatedAtMs = now;
      }
      return false;
    }
    const copy = cloneWireMessage(message);
    this.#byUid.set(copy.uid, {
      uid: copy.uid,
      topic: copy.thread?.topic ?? '',
      message: copy,
      threadStatus,
      createdAtMs: now,
      updatedAtMs: now,
      writtenAt: this.#writeTime(now),
      deleted: false,
      seq: this.#seq++,
    });
    return true;
  }

  /** Moves the named message to DELIVERED or READ (never back); true when its status changed. */
  applyReceipt(targetUid: string, receipt: 'DELIVERED' | 'READ', now: number, onTopic?: string): boolean {
    const target = this.#live(targetUid, onTopic);
    if (!target || target.message.status === 'RECALL') return false;
    const next = RECEIPT_RANK[receipt] ?? 0;
    if ((RECEIPT_RANK[target.message.status] ?? 0) >= next) return false;
    target.message = { ...target.message, status: receipt };
    target.updatedAtMs = now;
    return true;
  }

  /** Recalls the named message: deleted from history, or marked RECALL (`recall: 'mark'`). */
  applyRecall(targetUid: string, now: number, onTopic?: string): boolean {
    const target = this.#live(targetUid, onTopic);
    if (!target || target.message.status === 'RECALL') return false;
    if (this.#recall === 'delete') target.deleted = true;
    else target.message = { ...target.message, status: 'RECALL' };
    target.updatedAtMs = now;
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

  /** A stored record by uid (deleted ones included), as a copy. */
  get(uid: string): StoredRecord | undefined {
    const record = this.#byUid.get(uid);
    return record && copyRecord(record);
  }

  /** Every record not deleted on exactly this topic, oldest first, written yet or not (for inspection). */
  stored(topic: string): StoredRecord[] {
    return [...this.#byUid.values()].filter((r) => !r.deleted && r.topic === topic).map(copyRecord);
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
    const key = order === 'updatedAt' ? 'updatedAtMs' : 'createdAtMs';
    const all = [...this.#byUid.values()]
      .filter((r) => !r.deleted && r.writtenAt <= now && sameThread(r.topic, topic))
      .sort((a, b) => b[key] - a[key] || b.seq - a.seq);
    const content = all.slice(pageNumber * pageSize, (pageNumber + 1) * pageSize).map(copyRecord);
    const totalPages = Math.ceil(all.length / pageSize);
    return {
      content,
      totalElements: all.length,
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

function copyRecord(record: MutableRecord): StoredRecord {
  return { ...record, message: cloneWireMessage(record.message) };
}
