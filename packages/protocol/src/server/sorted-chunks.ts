/** Items per chunk before it splits in two: inserts move at most this many, reads skip whole chunks. */
const MAX_CHUNK = 512;

/**
 * A list kept sorted by `compare` (ascending; no two items may compare equal), in chunks of at
 * most {@link MAX_CHUNK} items: insert and remove cost a binary search and a move inside one
 * chunk (appending the greatest item costs O(1)), reading `count` items from the top costs
 * O(count) plus a skip over whole chunks. What history pages are read from.
 */
export class SortedChunks<T> {
  readonly #compare: (a: T, b: T) => number;
  readonly #chunks: T[][] = [];
  #size = 0;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  /** How many items it holds. */
  get size(): number {
    return this.#size;
  }

  /** Adds an item in its place. */
  insert(item: T): void {
    this.#size += 1;
    const chunks = this.#chunks;
    const last = chunks[chunks.length - 1];
    if (!last) {
      chunks.push([item]);
      return;
    }
    // The common case: newer than everything (a new message, a bumped one).
    const c = this.#compare(item, last[last.length - 1] as T) > 0 ? chunks.length - 1 : this.#chunkFor(item);
    const chunk = chunks[c] as T[];
    chunk.splice(this.#indexIn(chunk, item), 0, item);
    if (chunk.length > MAX_CHUNK) chunks.splice(c + 1, 0, chunk.splice(chunk.length >> 1));
  }

  /** Removes the item that compares equal to `item`; false when there is none. */
  remove(item: T): boolean {
    const c = this.#chunkFor(item);
    const chunk = this.#chunks[c];
    if (!chunk) return false;
    const i = this.#indexIn(chunk, item);
    if (i >= chunk.length || this.#compare(chunk[i] as T, item) !== 0) return false;
    chunk.splice(i, 1);
    if (chunk.length === 0) this.#chunks.splice(c, 1);
    this.#size -= 1;
    return true;
  }

  /** Up to `count` items from the greatest down, after skipping the `offset` greatest. */
  fromTop(offset: number, count: number): T[] {
    const found: T[] = [];
    let skip = offset;
    for (let c = this.#chunks.length - 1; c >= 0 && found.length < count; c--) {
      const chunk = this.#chunks[c] as T[];
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      for (let i = chunk.length - 1 - skip; i >= 0 && found.length < count; i--) found.push(chunk[i] as T);
      skip = 0;
    }
    return found;
  }

  /** Every item, from the greatest down. */
  *descending(): IterableIterator<T> {
    for (let c = this.#chunks.length - 1; c >= 0; c--) {
      const chunk = this.#chunks[c] as T[];
      for (let i = chunk.length - 1; i >= 0; i--) yield chunk[i] as T;
    }
  }

  /** The first chunk whose greatest item is not below `item` (the last chunk when none is). */
  #chunkFor(item: T): number {
    const chunks = this.#chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = chunks[mid] as T[];
      if (this.#compare(chunk[chunk.length - 1] as T, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first index in `chunk` whose item is not below `item`. */
  #indexIn(chunk: readonly T[], item: T): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#compare(chunk[mid] as T, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
