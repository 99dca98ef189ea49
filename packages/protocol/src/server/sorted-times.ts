/**
 * A multiset of times (numbers) kept in one ascending array. `countAbove` and `max` cost a
 * binary search or less (O(log n)); adding a time not below the greatest costs O(1) (amortized),
 * as does removing the greatest; adding a lower one or removing another moves the times above
 * it (one splice). What the unread counts are kept in: times mostly arrive in order, and
 * removals (recalls) are rare.
 */
export class SortedTimes {
  readonly #times: number[];

  /** Times given in any order (copied). */
  constructor(times: readonly number[] = []) {
    this.#times = [...times].sort((a, b) => a - b);
  }

  /** How many times it holds. */
  get size(): number {
    return this.#times.length;
  }

  /** The greatest time, or -Infinity when there is none. */
  get max(): number {
    return this.#times.length === 0 ? Number.NEGATIVE_INFINITY : (this.#times[this.#times.length - 1] as number);
  }

  /** Adds a time (a time may be held more than once). */
  add(time: number): void {
    const times = this.#times;
    if (times.length === 0 || time >= (times[times.length - 1] as number)) times.push(time);
    else times.splice(firstAbove(times, time), 0, time);
  }

  /** Removes one occurrence of a time; false when it holds none. */
  remove(time: number): boolean {
    const times = this.#times;
    const i = firstAbove(times, time) - 1;
    if (i < 0 || times[i] !== time) return false;
    if (i === times.length - 1) times.pop();
    else times.splice(i, 1);
    return true;
  }

  /** How many of its times are greater than `time`. */
  countAbove(time: number): number {
    return this.#times.length - firstAbove(this.#times, time);
  }
}

/** The index of the first time greater than `time` in an ascending array (its length when none is). */
function firstAbove(times: readonly number[], time: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
