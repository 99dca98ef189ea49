import type { ChatTiming } from './api.js';

/** Default period of the wake-detection tick (ms). */
export const DEFAULT_WAKE_CHECK_MS = 5_000;
/** Default lateness of a wake-detection tick that counts as a sleep (ms). */
export const DEFAULT_WAKE_TOLERANCE_MS = 10_000;
/** Default number of connections in a row closed soon after connecting that mean a takeover. */
export const DEFAULT_TAKEOVER_LIMIT = 3;
/**
 * Default ceiling of a thread's send window: the most of its messages on their way at once. The
 * window starts at 32 and widens as echoes come back in time (send/congestion.ts); 2,048 in
 * flight let a burst on one thread go at the clients' pace at 100 ms to the server (512 held it
 * to 5,000 messages a second). It matters only past `outboxLimit` (500 by default).
 */
export const DEFAULT_SEND_WINDOW = 2_048;
/** Default number of history requests catch-up makes at once, all threads together. */
export const DEFAULT_CATCH_UP_CONCURRENCY = 4;

/**
 * How many catch-up budgets (`catchUpPageSize × catchUpMaxPages`) the duplicate filter holds at
 * least. One pass may bring a budget of messages and as many DELIVERED receipts of ours (each uid
 * remembered), and the read again after the history lag may bring the same rows once more (our
 * receipts moved them up): every one of them must still be remembered then, or a filter
 * forgetting the oldest first forgets each just before it comes again, and all show twice. The
 * third budget is room for what comes live meanwhile.
 */
export const DEDUPE_BUDGETS = 3;

/** The duplicate filter's size: `dedupeCapacity`, and never less than {@link DEDUPE_BUDGETS} catch-up budgets. */
export function dedupeSize(timing: ChatTiming): number {
  return Math.max(timing.dedupeCapacity, DEDUPE_BUDGETS * timing.catchUpPageSize * timing.catchUpMaxPages);
}

/** The deadlines and limits a client uses unless told otherwise. */
export const DEFAULT_TIMING: ChatTiming = {
  echoTimeoutMs: 5_000,
  sendDeadlineMs: 30_000,
  reconnectBaseMs: 5_000,
  reconnectMaxMs: 60_000,
  retryBaseMs: 5_000,
  retryMaxMs: 60_000,
  stableAfterMs: 15_000,
  connectTimeoutMs: 30_000,
  typingTtlMs: 6_000,
  typingThrottleMs: 2_000,
  outboxLimit: 500,
  storeTimeoutMs: 3_000,
  sendWindow: DEFAULT_SEND_WINDOW,
  dedupeCapacity: 5_000,
  catchUpPageSize: 100,
  catchUpMaxPages: 60,
  catchUpConcurrency: DEFAULT_CATCH_UP_CONCURRENCY,
  loadOlderTimeoutMs: 30_000,
  historyLagMs: 5_000,
  wakeCheckMs: DEFAULT_WAKE_CHECK_MS,
  wakeToleranceMs: DEFAULT_WAKE_TOLERANCE_MS,
  takeoverLimit: DEFAULT_TAKEOVER_LIMIT,
};

/**
 * The default timing with the caller's overrides. Send and catch-up retries follow the
 * reconnect backoff unless their own settings are given; the history lag follows what the REST
 * transport says of its server (`server.historyLagMs`) unless given.
 */
export function resolveTiming(
  overrides: Partial<ChatTiming> = {},
  server: { readonly historyLagMs?: number | undefined } = {},
): ChatTiming {
  const merged = { ...DEFAULT_TIMING, ...overrides };
  return {
    ...merged,
    historyLagMs: overrides.historyLagMs ?? server.historyLagMs ?? DEFAULT_TIMING.historyLagMs,
    retryBaseMs: overrides.retryBaseMs ?? merged.reconnectBaseMs,
    retryMaxMs: overrides.retryMaxMs ?? merged.reconnectMaxMs,
  };
}
