import { err, ok, type Result, type SdkErrorCode } from './error.js';
import type { WireMessage, WireMessageInit, WireUser } from './wire.js';

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

/**
 * The longest `extra` taken on a received message, in UTF-16 code units: servers and clients put
 * an `orgUid` there, a few fields at most. The server checks nothing, and the client keeps every
 * message it shows: without a limit, one field could carry megabytes into each.
 */
export const MAX_EXTRA_LENGTH = 4_096;

/** The longest nickname or avatar (a URL) taken on a received message. */
export const MAX_PROFILE_LENGTH = 2_048;

/** The longest name taken on a received message: its type, status or channel, a user's type, a thread's type or state. */
export const MAX_NAME_LENGTH = 128;

/**
 * Checks the fields of a received message the client keeps besides its ids ({@link checkIds})
 * and its content: `extra` within {@link MAX_EXTRA_LENGTH}, nicknames and avatars (the sender's
 * and the thread's user's) within {@link MAX_PROFILE_LENGTH}, names within {@link MAX_NAME_LENGTH}.
 * A longer one is a `decode_failed` error with `details` `{ field, length, limit }`. Never throws.
 */
export function checkFields(message: WireMessage): Result<WireMessage> {
  const { thread } = message;
  const over =
    overLimit('extra', message.extra, MAX_EXTRA_LENGTH) ??
    overLimit('type', message.type, MAX_NAME_LENGTH) ??
    overLimit('status', message.status, MAX_NAME_LENGTH) ??
    overLimit('channel', message.channel, MAX_NAME_LENGTH) ??
    overProfile('user', message.user) ??
    overLimit('thread.type', thread?.type, MAX_NAME_LENGTH) ??
    overLimit('thread.state', thread?.state, MAX_NAME_LENGTH) ??
    overProfile('thread.user', thread?.user);
  if (over === undefined) return ok(message);
  const { field, length, limit } = over;
  return err('decode_failed', `${field} over ${limit} characters`, { details: { field, length, limit } });
}

function overProfile(
  field: string,
  user: WireUser | undefined,
): { field: string; length: number; limit: number } | undefined {
  return (
    overLimit(`${field}.nickname`, user?.nickname, MAX_PROFILE_LENGTH) ??
    overLimit(`${field}.avatar`, user?.avatar, MAX_PROFILE_LENGTH) ??
    overLimit(`${field}.type`, user?.type, MAX_NAME_LENGTH)
  );
}
