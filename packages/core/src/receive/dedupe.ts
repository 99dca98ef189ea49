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
  // A Map keeps insertion order: the first key is the least recently seen.
  const seen = new Map<string, true>();
  return {
    has: (uid) => seen.has(uid),
    add(uid) {
      const known = seen.delete(uid);
      seen.set(uid, true);
      if (seen.size > limit) {
        const oldest = seen.keys().next();
        if (!oldest.done) seen.delete(oldest.value);
      }
      return !known;
    },
    size: () => seen.size,
  };
}
