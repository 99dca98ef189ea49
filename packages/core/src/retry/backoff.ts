/** How long to wait before reconnect attempts: exponential, capped, with full jitter. */
export interface BackoffPolicy {
  /** The ceiling of the first wait (the guide's 5 s). */
  readonly baseMs: number;
  /** The ceiling never grows past this. */
  readonly maxMs: number;
}

/**
 * The ceiling of the wait after `failures` consecutive failures (1 for the first):
 * `min(maxMs, baseMs × 2^(failures − 1))`.
 */
export function backoffCeiling(failures: number, policy: BackoffPolicy): number {
  const exponent = Math.max(0, Math.min(failures - 1, 52));
  return Math.max(0, Math.min(policy.maxMs, policy.baseMs * 2 ** exponent));
}

/**
 * The wait after `failures` consecutive failures, with full jitter: a uniform draw in
 * `[0, ceiling)` taken from `sample` (a number in [0, 1)), so that many clients dropped at once
 * do not come back at once.
 */
export function backoffDelay(failures: number, sample: number, policy: BackoffPolicy): number {
  const clamped = Math.min(Math.max(sample, 0), 1);
  return Math.floor(clamped * backoffCeiling(failures, policy));
}
