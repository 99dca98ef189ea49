import { err, ok, type Result } from './error.js';
import { normalizeMessage, type WireMessage, type WireMessageInit, type WireThread, type WireUser } from './wire.js';

/** A user in the JSON the REST API carries. */
export interface RestUserJson {
  /** The user's uid. */
  uid: string;
  /** Display name. */
  nickname: string;
  /** Avatar image URL; `''` when none. */
  avatar: string;
  /** A {@link UserType} name. */
  type: string;
  /** Extra data as a JSON string. */
  extra?: string;
}

/** A thread in the JSON the REST API carries. */
export interface RestThreadJson {
  /** The thread's uid. */
  uid: string;
  /** Its MQTT topic. */
  topic: string;
  /** A {@link ThreadType} name. */
  type: string;
  /** A {@link ThreadState} name. */
  state: string;
  /** A {@link Channel} name. */
  channel: string;
  /** Extra data as a JSON string. */
  extra?: string;
  /** The other side of the conversation, as the server sets it. */
  user?: RestUserJson;
}

/**
 * A message in the JSON the REST API carries: the server's field names, `createdAt` as a
 * string, `extra` as a JSON string.
 */
export interface RestMessageJson {
  /** The message uid, the same on every path. */
  uid: string;
  /** A {@link MessageType} name. */
  type: string;
  /** The content: text, or a JSON string for structured types. */
  content: string;
  /** A {@link MessageStatus} name. */
  status: string;
  /** The server's time, `yyyy-MM-dd HH:mm:ss` (Asia/Shanghai) or epoch milliseconds. */
  createdAt: string;
  /** A {@link Channel} name: the client it was sent from. */
  channel: string;
  /** Extra data as a JSON string (e.g. `{"orgUid":"…"}`). */
  extra: string;
  /** The conversation. */
  thread?: RestThreadJson;
  /** The sender. */
  user?: RestUserJson;
}

/** The REST JSON form of a message (what `POST /api/v1/message/rest/send` takes in `json`). */
export function toRestJson(message: WireMessageInit): RestMessageJson {
  const m = normalizeMessage(message);
  const json: RestMessageJson = {
    uid: m.uid,
    type: m.type,
    content: m.content,
    status: m.status,
    createdAt: m.createdAt,
    channel: m.channel,
    extra: m.extra,
  };
  if (m.thread) {
    const t = m.thread;
    json.thread = { uid: t.uid, topic: t.topic, type: t.type, state: t.state, channel: t.channel };
    if (t.extra) json.thread.extra = t.extra;
    if (t.user) json.thread.user = userJson(t.user);
  }
  if (m.user) json.user = userJson(m.user);
  return json;
}

function userJson(u: WireUser): RestUserJson {
  const json: RestUserJson = { uid: u.uid, nickname: u.nickname, avatar: u.avatar, type: u.type };
  if (u.extra) json.extra = u.extra;
  return json;
}

/**
 * Reads a message from REST JSON: an object or its JSON string, as the send endpoint echoes it
 * or history lists it. Lenient where servers differ (`createdAt` a number, `extra` an object,
 * `user` or `thread` a JSON string, the server's `client` for `channel` and `thread.status` /
 * `thread.client` for `thread.state` / `thread.channel`); never throws. A value without a string `uid` is a
 * `decode_failed` error.
 */
export function fromRestJson(value: unknown): Result<WireMessage> {
  const root = asObject(value);
  if (!root) return err('decode_failed', 'REST message is not a JSON object');
  if (typeof root.uid !== 'string' || root.uid.length === 0) {
    return err('decode_failed', 'REST message has no string "uid"');
  }
  const init: WireMessageInit = {
    uid: root.uid,
    type: str(root.type),
    content: str(root.content),
    status: str(root.status),
    createdAt: str(root.createdAt),
    channel: eitherSpelling(root.channel, root.client),
    extra: jsonString(root.extra),
  };
  const user = asObject(root.user);
  if (user) init.user = userFromJson(user);
  const thread = asObject(root.thread);
  if (thread) init.thread = threadFromJson(thread);
  return ok(normalizeMessage(init));
}

/**
 * A history item (`MessageResponse`): the message, and `updatedAt`, when the server last changed
 * it (a receipt or a recall moves it on; history is sorted by it, newest first).
 */
export interface RestHistoryMessage extends WireMessage {
  /** As the server wrote it (`yyyy-MM-dd HH:mm:ss` or epoch ms); `''` when the item has none (older servers). */
  readonly updatedAt: string;
}

/** Reads a history item as {@link fromRestJson} does, keeping its `updatedAt`. Never throws. */
export function fromRestHistoryJson(value: unknown): Result<RestHistoryMessage> {
  const message = fromRestJson(value);
  if (!message.ok) return message;
  return ok({ ...message.value, updatedAt: str(asObject(value)?.updatedAt) });
}

function userFromJson(u: Record<string, unknown>): WireUser {
  return {
    uid: str(u.uid),
    nickname: str(u.nickname),
    avatar: str(u.avatar),
    type: str(u.type),
    extra: jsonString(u.extra),
  };
}

function threadFromJson(t: Record<string, unknown>): WireThread {
  const user = asObject(t.user);
  return {
    uid: str(t.uid),
    topic: str(t.topic),
    type: str(t.type),
    state: eitherSpelling(t.state, t.status),
    channel: eitherSpelling(t.channel, t.client),
    extra: jsonString(t.extra),
    ...(user ? { user: userFromJson(user) } : {}),
  };
}

/** An object, or a string holding a JSON object; anything else is undefined. */
function asObject(value: unknown): Record<string, unknown> | undefined {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  return undefined;
}

/** Ours (`channel`, `state`) when it is set, else the server's DTO spelling (`client`, `status`). */
function eitherSpelling(ours: unknown, servers: unknown): string {
  return str(ours) || str(servers);
}

function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** `extra` travels as a JSON string; some servers send the object itself. */
function jsonString(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
