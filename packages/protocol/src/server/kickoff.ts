import type { WireMessage } from '../wire.js';
import { normalizeMessage } from '../wire.js';
import type { TimeFormat } from './options.js';
import { serverTime } from './stamp.js';

/** What {@link kickoffMessage} needs. */
export interface KickoffInit {
  /** The message uid (the caller's randomness). */
  readonly uid: string;
  /** The user being logged out: the message goes to `system/{userUid}`. */
  readonly userUid: string;
  /** Why, in words (shown to the user logged out). */
  readonly reason: string;
  /** What caused it, e.g. `USER` (logged in elsewhere) or `ADMIN`; default `SYSTEM`. */
  readonly sourceType?: string;
  /** The uid of what caused it; default `system`. */
  readonly sourceUid?: string;
  /** Epoch ms: the message's `createdAt`. */
  readonly now: number;
  /** How `createdAt` is written; default `shanghai`. */
  readonly timeFormat?: TimeFormat;
}

/**
 * The KICKOFF the real server sends on `system/{uid}`: status SUCCESS, channel SYSTEM, from the
 * system user, content `{reason, sourceType, sourceUid, action: "FORCE_LOGOUT"}`.
 */
export function kickoffMessage(init: KickoffInit): WireMessage {
  const topic = `system/${init.userUid}`;
  return normalizeMessage({
    uid: init.uid,
    type: 'KICKOFF',
    content: JSON.stringify({
      reason: init.reason,
      sourceType: init.sourceType ?? 'SYSTEM',
      sourceUid: init.sourceUid ?? 'system',
      action: 'FORCE_LOGOUT',
    }),
    status: 'SUCCESS',
    createdAt: serverTime(init.now, init.timeFormat ?? 'shanghai'),
    channel: 'SYSTEM',
    user: { uid: 'system', nickname: 'System', type: 'SYSTEM' },
    thread: { uid: topic, topic, type: 'CHANNEL' },
  });
}
