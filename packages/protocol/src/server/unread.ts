import { isSignalMessageType } from '../names.js';
import { isThreadChangeMessageType } from '../thread-changes.js';
import type { WireMessage } from '../wire.js';
import { SortedTimes } from './sorted-times.js';

/**
 * Whether a stored message of this type counts in a thread's unread count: content, not the
 * stored signals (reactions, quotations, …) nor the thread's own changes (closed, transferred),
 * as the official agent client counts them.
 */
export function countsAsUnread(type: string): boolean {
  return !isSignalMessageType(type) && !isThreadChangeMessageType(type);
}

/** What an unread count needs of a stored record. */
export interface UnreadFacts {
  /** `thread.topic` of the message. */
  readonly topic: string;
  /** The message: its sender, type and status. */
  readonly message: WireMessage;
  /** Epoch ms the server stamped on it: what "after the newest READ one" compares. */
  readonly createdAtMs: number;
  /** Soft-deleted (recalled): it counts no more. */
  readonly deleted: boolean;
}

/** What a message is to one owner's count: nothing, counted, or counted and READ. */
type Role = 'none' | 'counted' | 'read';

function roleOf(message: WireMessage, owner: string): Role {
  if ((message.user?.uid ?? '') === owner || !countsAsUnread(message.type)) return 'none';
  return message.status === 'READ' ? 'read' : 'counted';
}

/** One owner's view of one topic: the times of the messages from others that count, and of those READ. */
interface Tally {
  readonly topic: string;
  readonly owner: string;
  readonly counted: SortedTimes;
  readonly read: SortedTimes;
}

/** How many tallies an index keeps by default (each holds two times per counted message of its topic). */
export const DEFAULT_UNREAD_TALLIES = 4_096;

/**
 * The unread counts of the thread list, kept as messages are stored, move on (receipts, a
 * stream's chunks, a recall) and are deleted, so that a count costs two binary searches per
 * topic instead of a scan of its history. A tally is kept per topic and owner whose count was
 * asked for: made from the topic's records the first time, then told of every change there.
 * At most `maxTallies` are kept, the least recently asked for dropped first (and made again
 * from the records if asked for again): anyone may ask for anyone's counts on the real
 * server's open API, and a tally per pair ever asked would grow without end.
 */
export class UnreadIndex {
  /** Tallies by topic, then by owner. */
  readonly #tallies = new Map<string, Map<string, Tally>>();
  /** Every tally kept, least recently asked for first. */
  readonly #recent = new Set<Tally>();
  readonly #maxTallies: number;

  constructor(maxTallies = DEFAULT_UNREAD_TALLIES) {
    this.#maxTallies = Math.max(1, Math.floor(maxTallies));
  }

  /** How many tallies are kept. */
  get tallies(): number {
    return this.#recent.size;
  }

  /**
   * A record was stored (`before` undefined) or changed (`before`: its message until now, when it
   * was not deleted): the tallies of its topic follow.
   */
  changed(record: UnreadFacts, before: WireMessage | undefined): void {
    const byOwner = this.#tallies.get(record.topic);
    if (!byOwner) return;
    for (const [owner, tally] of byOwner) {
      const was: Role = before ? roleOf(before, owner) : 'none';
      const is: Role = record.deleted ? 'none' : roleOf(record.message, owner);
      if (was === is) continue;
      if (was !== 'none') tally.counted.remove(record.createdAtMs);
      if (was === 'read') tally.read.remove(record.createdAtMs);
      if (is !== 'none') tally.counted.add(record.createdAtMs);
      if (is === 'read') tally.read.add(record.createdAtMs);
    }
  }

  /**
   * The messages from others (user uid ≠ `owner`) on `topics`, of the types that count, created
   * after the newest of them that is READ (across all the topics). `recordsOn` lists a topic's
   * records not deleted, for a tally made now.
   */
  count(topics: readonly string[], owner: string, recordsOn: (topic: string) => Iterable<UnreadFacts>): number {
    const tallies = topics.map((topic) => this.#tally(topic, owner, recordsOn));
    let readUpTo = Number.NEGATIVE_INFINITY;
    for (const tally of tallies) readUpTo = Math.max(readUpTo, tally.read.max);
    let unread = 0;
    for (const tally of tallies) unread += tally.counted.countAbove(readUpTo);
    return unread;
  }

  /** The tally of an owner on a topic, made from the topic's records when there is none. */
  #tally(topic: string, owner: string, recordsOn: (topic: string) => Iterable<UnreadFacts>): Tally {
    let byOwner = this.#tallies.get(topic);
    if (!byOwner) {
      byOwner = new Map();
      this.#tallies.set(topic, byOwner);
    }
    const known = byOwner.get(owner);
    if (known) {
      this.#recent.delete(known);
      this.#recent.add(known);
      return known;
    }
    const counted: number[] = [];
    const read: number[] = [];
    for (const record of recordsOn(topic)) {
      const role = record.deleted ? 'none' : roleOf(record.message, owner);
      if (role !== 'none') counted.push(record.createdAtMs);
      if (role === 'read') read.push(record.createdAtMs);
    }
    const tally = { topic, owner, counted: new SortedTimes(counted), read: new SortedTimes(read) };
    byOwner.set(owner, tally);
    this.#recent.add(tally);
    if (this.#recent.size > this.#maxTallies) this.#dropOldest();
    return tally;
  }

  /** Forgets the tally asked for least recently. */
  #dropOldest(): void {
    const oldest = this.#recent.values().next().value as Tally;
    this.#recent.delete(oldest);
    const byOwner = this.#tallies.get(oldest.topic);
    byOwner?.delete(oldest.owner);
    if (byOwner?.size === 0) this.#tallies.delete(oldest.topic);
  }
}
