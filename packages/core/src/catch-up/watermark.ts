/**
 * Where a gap ends, by time. A thread's watermark is a server time (its clock, so no client
 * skew): every message this client does not know was created (`createdAt`) at or after the
 * watermark less the lag and a margin, the floor. History is sorted by `updatedAt`, newest
 * first, and `updatedAt ≥ createdAt`, so a pass may stop at the first item older than the floor,
 * and an item above it that was created before it is known: a receipt or a recall moved it up.
 */
import { parseCreatedAt } from '@weiyu/protocol';
import type { HistoryMessage } from '../interfaces.js';

/**
 * Slack below the watermark, besides the history lag: server times have a resolution of one
 * second, and messages handled at once are stamped a little out of the order they go out in.
 */
export const WATERMARK_MARGIN_MS = 2_000;

/** What a pass found that moves the watermark. */
export interface PassTimes {
  /** The newest `createdAt` among the items read (server ms). */
  readonly newest: number | undefined;
  /** The newest time on the first page: at most the server's time when the pass began. */
  readonly top: number | undefined;
  /** Whether the first page was empty: the thread had no history then. */
  readonly empty: boolean;
}

/** A server time as epoch ms, or undefined when it is missing or unreadable. */
export function serverTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const parsed = parseCreatedAt(value);
  return parsed.ok ? parsed.value : undefined;
}

/** Where an item sorts in history: `updatedAt`, or `createdAt` on servers that send none. */
export function historyTime(item: HistoryMessage): number | undefined {
  return serverTime(item.updatedAt) ?? serverTime(item.createdAt);
}

/**
 * The server time a pass may stop below: the watermark less the history lag (the server may
 * write the messages of one batch out of their order) and the margin. Undefined: nothing known.
 */
export function floorOf(watermark: number | undefined, historyLagMs: number): number | undefined {
  return watermark === undefined ? undefined : watermark - historyLagMs - WATERMARK_MARGIN_MS;
}

/**
 * The watermark after a clean pass: everything created up to the newest item it read is
 * known, but no later than the pass's start, so that an item a receipt moved up to the top
 * while the pass paged (past it) is still above the next floor. An empty history: known from
 * the beginning (0). Never lower than before.
 */
export function raisedWatermark(current: number | undefined, pass: PassTimes): number | undefined {
  let candidate: number | undefined;
  if (pass.newest !== undefined) candidate = pass.top === undefined ? pass.newest : Math.min(pass.newest, pass.top);
  else if (pass.empty) candidate = 0;
  if (candidate === undefined) return current;
  return current === undefined ? candidate : Math.max(current, candidate);
}
