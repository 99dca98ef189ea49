/**
 * The server's thread list (`GET /api/v1/thread/query`): each item is a `ThreadResponse` in the
 * server's JSON. Read leniently, as servers differ: the state is `status` (older servers:
 * `state`), the channel `channel` or `client`, `user` an object or a JSON string, the last
 * message's text in `content` (newer servers also send `contentObject {msgType, preview, payload}`
 * and may store that object's JSON in `content`), times `yyyy-MM-dd HH:mm:ss` or epoch ms.
 */
import { err, ok, type Result } from './error.js';
import { checkIds } from './limits.js';
import type { WireUser } from './wire.js';

/** One thread of the server's thread list, as this SDK reads it. */
export interface RestThread {
  /** The thread's uid (one row per owner on the server: two agents' rows of a topic differ). */
  readonly uid: string;
  /** Its MQTT topic. */
  readonly topic: string;
  /** A thread type name (AGENT, WORKGROUP, MEMBER, GROUP, …); `''` when absent. */
  readonly type: string;
  /** A thread state name (NEW, CHATTING, CLOSED, …): the server's `status`; `''` when absent. */
  readonly state: string;
  /** The other side of the conversation (the visitor, the other member). */
  readonly user?: WireUser;
  /** The last message as the server shows it in a list: a short text; `''` when none. */
  readonly preview: string;
  /** The type of the last message, when the server says (`contentObject.msgType`); `''` otherwise. */
  readonly lastMessageType: string;
  /** Unread messages the server counts for this thread's owner (0 when absent or not a count). */
  readonly unreadCount: number;
  /** A transfer status name (`NONE`, `TRANSFER_PENDING`, …); `''` when absent. */
  readonly transferStatus: string;
  /** Pinned to the top of the list. */
  readonly top: boolean;
  /** Muted. */
  readonly mute: boolean;
  /** When the thread last changed (its last message, a state change), as written; `''` when absent. */
  readonly updatedAt: string;
  /** When it was created, as written; `''` when absent. */
  readonly createdAt: string;
}

/** The longest preview kept: the server cuts its own to 200 characters. */
const PREVIEW_MAX = 200;

/**
 * Reads one item of the thread list. Never throws: a value that is not an object, or has no
 * string `uid` or `topic`, or an id over its limit ({@link checkIds}), is a `decode_failed` error;
 * every other field falls back to empty.
 */
export function fromRestThreadJson(value: unknown): Result<RestThread> {
  const root = asObject(value);
  if (!root) return err('decode_failed', 'thread is not a JSON object');
  if (typeof root.uid !== 'string' || root.uid.length === 0) return err('decode_failed', 'thread has no string "uid"');
  if (typeof root.topic !== 'string' || root.topic.length === 0) {
    return err('decode_failed', 'thread has no string "topic"');
  }
  const user = asObject(root.user);
  const ids = checkIds({ thread: { uid: root.uid, topic: root.topic, user: { uid: str(user?.uid) } } });
  if (!ids.ok) return { ok: false, error: ids.error };
  const last = lastMessage(root);
  return ok({
    uid: root.uid,
    topic: root.topic,
    type: str(root.type),
    state: str(root.status) || str(root.state),
    ...(user && typeof user.uid === 'string' ? { user: userFromJson(user) } : {}),
    preview: last.preview,
    lastMessageType: last.type,
    unreadCount: count(root.unreadCount),
    transferStatus: str(root.transferStatus),
    top: root.top === true,
    mute: root.mute === true,
    updatedAt: time(root.updatedAt),
    createdAt: time(root.createdAt),
  });
}

/** The last message's text and type: `contentObject`, else `content` (itself such an object's JSON on some servers). */
function lastMessage(root: Record<string, unknown>): { readonly preview: string; readonly type: string } {
  const object = asObject(root.contentObject) ?? contentObject(root.content);
  if (object) {
    const preview = str(object.preview) || str(object.payload);
    return { preview: cut(preview || str(root.content)), type: str(object.msgType) };
  }
  return { preview: cut(str(root.content)), type: '' };
}

/** `content` when it holds a stored `ThreadContent` (`{v, msgType, preview, payload}`), else undefined. */
function contentObject(content: unknown): Record<string, unknown> | undefined {
  if (typeof content !== 'string' || !content.startsWith('{')) return undefined;
  const object = asObject(content);
  return object && ('preview' in object || 'msgType' in object || 'payload' in object) ? object : undefined;
}

function cut(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > PREVIEW_MAX ? flat.slice(0, PREVIEW_MAX) : flat;
}

function userFromJson(u: Record<string, unknown>): WireUser {
  return {
    uid: str(u.uid),
    nickname: str(u.nickname),
    avatar: str(u.avatar),
    type: str(u.type),
    extra: typeof u.extra === 'string' ? u.extra : '',
  };
}

/** An object, or a string holding a JSON object; anything else is undefined. */
function asObject(value: unknown): Record<string, unknown> | undefined {
  let v = value;
  if (typeof v === 'string') {
    if (!v.startsWith('{')) return undefined;
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  return undefined;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function time(value: unknown): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' && Number.isFinite(value) ? String(Math.trunc(value)) : '';
}

/** A whole number ≥ 0, or 0: hostile bodies send negative, fractional, huge or string counts. */
function count(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : 0;
}
