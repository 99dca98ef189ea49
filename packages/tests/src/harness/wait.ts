/**
 * The default deadline: after each connect and subscription a thread's live messages wait for
 * the history lag (5 s on the real server and the mock broker by default), so 5 s more than that.
 */
export const DEFAULT_WAIT_MS = 10_000;

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Deadline (default {@link DEFAULT_WAIT_MS}). */
  readonly timeoutMs?: number;
  /** What was awaited, for the failure message. */
  readonly message?: string;
  /** Poll interval (default 20 ms). */
  readonly intervalMs?: number;
}

/**
 * Polls `predicate` until it returns something other than `false`, `undefined` or `null`, and
 * returns that. Fails with `message` (and the last thrown error, if any) at the deadline.
 * A deadline, not a sleep: the test goes on as soon as the condition holds.
 */
export async function waitFor<T>(
  predicate: () => T | false | undefined | null | Promise<T | false | undefined | null>,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value !== false && value !== undefined && value !== null) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const what = options.message ?? 'condition';
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`waitFor timed out after ${timeoutMs} ms waiting for ${what}${why}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Waits `ms` and then checks that something did NOT happen. Use only for negative
 * assertions ("no second delivery", "no new connection attempt"), never to wait for a result.
 */
export async function settle(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}
