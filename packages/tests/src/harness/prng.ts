/**
 * A small seeded PRNG for tests that pick things at random (chaos tests): the same seed gives
 * the same choices, so a failing run can be replayed with its printed seed.
 */

/** Seeded random choices. */
export interface Prng {
  /** The seed this generator started from. */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One of `items` (which must not be empty). */
  pick<T>(items: readonly [T, ...T[]]): T;
  /** An independent generator derived from this seed and `label` (one per concurrent lane). */
  fork(label: string): Prng;
}

/** mulberry32: tiny, fast, good enough to pick faults and intervals. */
export function createPrng(seed: number): Prng {
  const start = seed >>> 0;
  let state = start;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    seed: start,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)] ?? items[0],
    fork: (label) => createPrng(hashSeed(start, label)),
  };
}

/** The seed from an environment variable (a decimal or 0x… integer), else `fallback`. */
export function seedFromEnv(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback >>> 0;
  const parsed = Number(value.trim());
  if (!Number.isInteger(parsed)) throw new Error(`not an integer seed: ${JSON.stringify(value)}`);
  return parsed >>> 0;
}

/** A pacing delay (not an assertion: waits for results use `waitFor`). */
export async function pause(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

function hashSeed(seed: number, label: string): number {
  let h = seed ^ 0x9e3779b9;
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x85ebca6b);
    h ^= h >>> 13;
  }
  return h >>> 0;
}
