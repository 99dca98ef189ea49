/**
 * Which failures are tried again and which end the matter, in one place. Every rule of core
 * that decides retry-or-give-up asks one of these predicates; the waits between tries are in
 * `backoff.ts` beside this file.
 */
import type { SdkError, SdkErrorCode } from '@weiyu/protocol';
import type { ChatTiming } from '../api.js';
import { backoffCeiling } from './backoff.js';

/** Codes that mean the server refused the credentials (connect or REST). */
const AUTH_CODES: ReadonlySet<SdkErrorCode> = new Set<SdkErrorCode>([
  'bad_credentials',
  'not_authorized',
  'unauthenticated',
]);

/** Codes of a history read that no retry can fix: not allowed to read it, or no such topic. */
const CATCH_UP_REFUSALS: ReadonlySet<SdkErrorCode> = new Set<SdkErrorCode>([
  'not_authorized',
  'unauthenticated',
  'bad_credentials',
  'invalid_argument',
  'invalid_topic',
  'not_found',
]);

/** Connect failures that no retry can mend: the same attempt would fail the same way. */
const PERMANENT_CONNECT_CODES: ReadonlySet<SdkErrorCode> = new Set<SdkErrorCode>(['tls']);

/** Codes that mean the link is down, not that the request was wrong. */
const LINK_DOWN_CODES: ReadonlySet<SdkErrorCode> = new Set<SdkErrorCode>(['not_connected', 'network']);

/** Whether the server refused the credentials: ask the token provider once, then stop. */
export function isAuthRefusal(error: SdkError): boolean {
  return AUTH_CODES.has(error.code);
}

/**
 * Whether a failed connect attempt stops reconnecting (state `failed`): an untrusted
 * certificate stays untrusted, and retrying it forever only hides the cause.
 */
export function stopsReconnecting(error: SdkError): boolean {
  return PERMANENT_CONNECT_CODES.has(error.code);
}

/**
 * Whether a failed REST send keeps the message for a retry. Only a clear refusal (the server's
 * code, 401, 403, invalid content) ends it; a body that is not the envelope (a captive portal,
 * a proxy's HTML page) or an odd failure is the network's fault, not the message's.
 */
export function keepsMessageAfterRestFailure(error: SdkError): boolean {
  return error.retryable || error.code === 'protocol' || error.code === 'unknown';
}

/**
 * Whether a failed catch-up ends for good. A server error on a read is most often passing, and
 * giving up would show newer messages before the gap: only a refusal ends it.
 */
export function endsCatchUp(error: SdkError): boolean {
  return CATCH_UP_REFUSALS.has(error.code);
}

/**
 * Whether a subscribe or unsubscribe failed only because the link went down (the topics stay
 * wanted and are subscribed after the reconnect), so the caller is not told of it.
 */
export function isLinkDown(error: SdkError, linkUp: boolean): boolean {
  return LINK_DOWN_CODES.has(error.code) || !linkUp;
}

/** Whether a refused subscription batch is worth splitting into single topics. */
export function isSubscribeRefusal(error: SdkError): boolean {
  return error.code === 'not_authorized';
}

/** The timing that paces automatic retries of sends and catch-ups. */
export type RetryTiming = Pick<ChatTiming, 'retryBaseMs' | 'retryMaxMs'>;

/** Wait before automatic retry number `attempt` of a send or a catch-up (1 for the first). */
export function retryDelay(attempt: number, timing: RetryTiming): number {
  return backoffCeiling(attempt, { baseMs: timing.retryBaseMs, maxMs: timing.retryMaxMs });
}
