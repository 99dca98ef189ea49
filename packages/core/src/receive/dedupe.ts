/**
 * The duplicate filter: remembers the last `capacity` message uids (least recently seen
 * forgotten first), so QoS 1 redeliveries, REST + MQTT copies and resends show once.
 */
export interface Dedupe {
  /** Whether the uid was seen (and still remembered). */
  has(uid: string): boolean;
  /** Remembers a uid; returns true when it was new. Seeing it again makes it recent. */
  add(uid: string): boolean;
  /** How many uids are remembered. */
  size(): number;
}

/** Creates a duplicate filter that remembers at most `capacity` uids. */
export function createDedupe(capacity: number): Dedupe {
  const limit = Math.max(1, Math.floor(capacity));
  // The uids least recently seen first: one seen again is taken out and put last.
  const seen = new Set<string>();
  // Every uid before the cursor was forgotten, so the next one is the least recently seen. (A fresh
  // iterator would pass over every slot deleted in front of the set's first key, thousands in a burst.)
  // Made at the first one forgotten: an iterator not moved keeps every table the set outgrew alive.
  let cursor: Iterator<string> | undefined;
  const forgetOldest = (): void => {
    let next = cursor?.next();
    if (!next || next.done) {
      cursor = seen.values();
      next = cursor.next();
    }
    if (!next.done) seen.delete(next.value);
  };
  return {
    has: (uid) => seen.has(uid),
    add(uid) {
      const known = seen.delete(uid);
      seen.add(uid);
      if (seen.size > limit) forgetOldest();
      return !known;
    },
    size: () => seen.size,
  };
}
