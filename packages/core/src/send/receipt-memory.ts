/**
 * What receipts this client sent, once per uid: the duplicate filter's structure (one set, the
 * least recently seen forgotten first), holding the uid for any receipt and a mark of it for a
 * READ — one look-up for each message received, where a set for each kind took two.
 */
import { createDedupe } from '../receive/dedupe.js';

/** A receipt's kind, in the order a message moves: READ is never taken back to DELIVERED. */
export type ReceiptKind = 'DELIVERED' | 'READ';

/** The receipts sent, by the uid they acknowledge. */
export interface ReceiptMemory {
  /** Whether a receipt that far (DELIVERED: either kind) went for the uid, as far as it remembers. */
  has(uid: string, kind: ReceiptKind): boolean;
  /** Remembers a receipt for the uid; never takes a READ back to DELIVERED. */
  remember(uid: string, kind: ReceiptKind): void;
}

/**
 * The two marks of a uid, each with a first character of its own: anyone may post a uid of any
 * characters, so a READ's mark must be no other uid's DELIVERED mark (` ${uid}` was `' X'`'s).
 */
const any = (uid: string): string => `D${uid}`;
const read = (uid: string): string => `R${uid}`;

/** Creates a receipt memory of at most `capacity` marks (a DELIVERED is one, a READ two), the least recently sent forgotten first. */
export function createReceiptMemory(capacity: number): ReceiptMemory {
  const sent = createDedupe(capacity);
  return {
    has: (uid, kind) => sent.has(kind === 'READ' ? read(uid) : any(uid)),
    remember(uid, kind) {
      sent.add(any(uid));
      if (kind === 'READ') sent.add(read(uid));
    },
  };
}
