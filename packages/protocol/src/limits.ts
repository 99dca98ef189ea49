import { err, ok, type Result, type SdkErrorCode } from './error.js';
import type { WireMessageInit } from './wire.js';

/**
 * The real server's MQTT packet limit (SPEC §2): a packet whose remaining length is over it makes
 * the server close the connection without a word.
 */
export const MAX_PACKET_BYTES = 10_240;

/**
 * The longest uid taken (a message's, a user's, a thread's), in UTF-16 code units. Real uids are
 * UUIDs (36), 32-hex strings (the official clients, our UUID v7) or numeric ids (about 19 digits):
 * 128 is over three times the longest. The server checks none, so anyone may post a message with
 * a 10 KB uid, and the client keeps uids for long (the duplicate filter holds thousands).
 */
export const MAX_UID_LENGTH = 128;

/**
 * The longest topic taken. The longest shape, an LLM robot thread's side channel
 * (`org/robot/{uid}/{uid}/{random}_internal`), of uids at {@link MAX_UID_LENGTH} is 405.
 */
export const MAX_TOPIC_LENGTH = 512;

/**
 * Checks that every id of a message the client keeps (its uid, its sender's, its thread's uid,
 * topic and user) is within {@link MAX_UID_LENGTH} / {@link MAX_TOPIC_LENGTH}. A longer one is an
 * error with `code` (default `decode_failed`: a received message that is not a valid one) and
 * `details` `{ field, length, limit }`. Never throws.
 */
export function checkIds<T extends WireMessageInit>(message: T, code: SdkErrorCode = 'decode_failed'): Result<T> {
  const { user, thread } = message;
  // Once per message received: plain comparisons, no object or array made unless one is too long.
  const over =
    overLimit('uid', message.uid, MAX_UID_LENGTH) ??
    overLimit('user.uid', user?.uid, MAX_UID_LENGTH) ??
    overLimit('thread.uid', thread?.uid, MAX_UID_LENGTH) ??
    overLimit('thread.user.uid', thread?.user?.uid, MAX_UID_LENGTH) ??
    overLimit('thread.topic', thread?.topic, MAX_TOPIC_LENGTH);
  if (over === undefined) return ok(message);
  const { field, length, limit } = over;
  return err(code, `${field} over ${limit} characters`, { details: { field, length, limit } });
}

/** The field, its length and its limit when `id` is longer than `limit`. */
function overLimit(
  field: string,
  id: string | undefined,
  limit: number,
): { field: string; length: number; limit: number } | undefined {
  return id !== undefined && id.length > limit ? { field, length: id.length, limit } : undefined;
}
