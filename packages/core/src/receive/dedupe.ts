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
  // Each uid with the stamp of its last sighting, and the sightings oldest first, so the least
  // recently seen is found from the front in O(1) amortized. (A Map's first key is not O(1):
  // its deleted slots pile up in front, and finding the first live one grows with them.)
  const seen = new Map<string, number>();
  let uids: string[] = [];
  let stamps: number[] = [];
  let head = 0;
  let stamp = 0;
  const isLive = (i: number): boolean => {
    const uid = uids[i];
    return uid !== undefined && seen.get(uid) === stamps[i];
  };
  const forgetOldest = (): void => {
    while (seen.size > limit && head < uids.length) {
      // A sighting that a later one replaced says nothing any more.
      if (isLive(head)) seen.delete(uids[head] ?? '');
      head += 1;
    }
  };
  /** Drops the sightings passed and those replaced (uids seen again), keeping the order. */
  const compact = (): void => {
    const keptUids: string[] = [];
    const keptStamps: number[] = [];
    for (let i = head; i < uids.length; i++) {
      if (!isLive(i)) continue;
      keptUids.push(uids[i] ?? '');
      keptStamps.push(stamps[i] ?? 0);
    }
    uids = keptUids;
    stamps = keptStamps;
    head = 0;
  };
  return {
    has: (uid) => seen.has(uid),
    add(uid) {
      // One lookup: the map grows when the uid is new.
      const before = seen.size;
      stamp += 1;
      seen.set(uid, stamp);
      const known = seen.size === before;
      uids.push(uid);
      stamps.push(stamp);
      forgetOldest();
      if (uids.length - head > 2 * limit + 64 || (head > 1_024 && head * 2 > uids.length)) compact();
      return !known;
    },
    size: () => seen.size,
  };
}
