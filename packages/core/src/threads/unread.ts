/**
 * One thread's unread count. A message from someone else counts until it is read: marked read
 * here, READ in its status (read on another device, or the server's record in history), or older
 * than one that is READ (reading a message reads what came before it). Server times have whole
 * seconds: of the messages of the second a READ one has, those known by then are read with it,
 * those that come after still count (better one too many than a visitor's message hidden). The server's own count is a floor until something is read. At most
 * `capacity` uids are kept per thread; older ones past that are only counted.
 */

/** The unread state of one thread. */
export interface Unread {
  /** A message from someone else (not READ): counted unless read already; true when the count may have changed. */
  add(uid: string, createdAt: number): boolean;
  /**
   * A message that is read (READ, or recalled): it no longer counts, nor, when `readsOlder`,
   * anything older (`createdAt` its server time; when unknown, the time it was counted with).
   */
  read(uid: string, createdAt: number | undefined, readsOlder: boolean): boolean;
  /** Everything up to `upTo` (server time) is read, and every uid counted; returns the newest uid that was unread, if any. */
  clear(upTo: number): string | undefined;
  /** The server's count, a floor until something is read. */
  floor(count: number): boolean;
  /** Messages from others not read. */
  count(): number;
}

/** Creates the unread state of a thread keeping at most `capacity` uids. */
export function createUnread(capacity: number): Unread {
  const uids = new Map<string, number>();
  let readUpTo = -Infinity;
  let serverFloor = 0;
  /** Counted past the capacity: the oldest, forgotten by uid. */
  let overflow = 0;
  let overflowNewest = -Infinity;

  /** Whether every uid kept came at or after the one kept before it: then the first kept is the oldest. */
  let inOrder = true;
  let newestAdded = -Infinity;

  const count = (): number => Math.max(serverFloor, uids.size + overflow);
  // Every uid before the cursor was let go (in order, the oldest goes first): the next is the oldest.
  // A fresh iterator would pass over every slot deleted in front of the map's first key. Made at the
  // first one let go: an iterator not moved keeps every table the map outgrew alive.
  let cursor: Iterator<[string, number]> | undefined;
  const oldestKept = (): [string, number] | undefined => {
    if (inOrder) {
      const next = cursor?.next();
      if (next && !next.done) return next.value;
      cursor = uids.entries();
      return cursor.next().value;
    }
    let oldest: [string, number] | undefined;
    for (const entry of uids) if (!oldest || entry[1] < oldest[1]) oldest = entry;
    return oldest;
  };
  const keep = (uid: string, createdAt: number): void => {
    if (uids.size === 0) inOrder = true;
    else if (createdAt < newestAdded) inOrder = false;
    newestAdded = uids.size === 0 ? createdAt : Math.max(newestAdded, createdAt);
    uids.set(uid, createdAt);
  };
  const evictOldest = (): void => {
    const oldest = oldestKept();
    if (!oldest) return;
    uids.delete(oldest[0]);
    overflow += 1;
    overflowNewest = Math.max(overflowNewest, oldest[1]);
  };
  const newest = (): string | undefined => {
    let found: [string, number] | undefined;
    for (const entry of uids) if (!found || entry[1] >= found[1]) found = entry;
    return found?.[0];
  };

  return {
    add(uid, createdAt) {
      if (createdAt < readUpTo || uids.has(uid)) return false;
      keep(uid, createdAt);
      if (uids.size > capacity) evictOldest();
      return true;
    },
    read(uid, known, readsOlder) {
      const before = count();
      const createdAt = known ?? uids.get(uid);
      uids.delete(uid);
      if (readsOlder && createdAt !== undefined && createdAt > readUpTo) {
        readUpTo = createdAt;
        for (const [other, at] of uids) if (at <= createdAt) uids.delete(other);
        if (createdAt >= overflowNewest) overflow = 0;
        serverFloor = 0;
      }
      return count() !== before;
    },
    clear(upTo) {
      const last = newest();
      readUpTo = Math.max(readUpTo, upTo);
      for (const at of uids.values()) readUpTo = Math.max(readUpTo, at);
      uids.clear();
      overflow = 0;
      serverFloor = 0;
      return last;
    },
    floor(server) {
      const before = count();
      serverFloor = server;
      return count() !== before;
    },
    count,
  };
}
