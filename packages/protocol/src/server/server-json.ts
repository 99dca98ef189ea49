import type { WireUser } from '../wire.js';
import type { StoredRecord } from './message-store.js';
import type { TimeFormat } from './options.js';
import { serverTime } from './stamp.js';

/** A user in the server's JSON. */
export interface ServerUserJson {
  /** The user's uid. */
  readonly uid: string;
  /** Display name. */
  readonly nickname: string;
  /** Avatar image URL; `''` when none. */
  readonly avatar: string;
  /** A user type name. */
  readonly type: string;
  /** Extra data as a JSON string. */
  readonly extra?: string;
}

/** A thread in the server's JSON (`ThreadResponse`): the state is `status`. */
export interface ServerThreadJson {
  /** The thread's uid. */
  readonly uid: string;
  /** Its MQTT topic. */
  readonly topic: string;
  /** A thread type name. */
  readonly type: string;
  /** The thread state (the wire's `thread.state`). */
  readonly status: string;
  /** The other side of the conversation. */
  readonly user?: ServerUserJson;
}

/** A history item as the server writes it (`MessageResponse`): the channel is `client`. */
export interface MessageResponseJson {
  /** The message uid. */
  readonly uid: string;
  /** A message type name. */
  readonly type: string;
  /** Text, or a JSON string for structured types. */
  readonly content: string;
  /** A message status name; receipts move it to DELIVERED and READ. */
  readonly status: string;
  /** When the server stored it, in the configured time format. */
  readonly createdAt: string;
  /** When it last changed, in the configured time format. */
  readonly updatedAt: string;
  /** The channel it was sent from (the wire's `channel`). */
  readonly client: string;
  /** The sender. */
  readonly user?: ServerUserJson;
  /** The conversation. */
  readonly thread?: ServerThreadJson;
  /** Extra data as a JSON string. */
  readonly extra: string;
  /** The organisation, read from `extra`; `''` when absent. */
  readonly orgUid: string;
}

/** A stored message as history lists it, in the server's spellings (`client`, `thread.status`, `updatedAt`). */
export function toMessageResponse(record: StoredRecord, timeFormat: TimeFormat): MessageResponseJson {
  const m = record.message;
  const json: MessageResponseJson = {
    uid: m.uid,
    type: m.type,
    content: m.content,
    status: m.status,
    createdAt: m.createdAt,
    updatedAt: serverTime(record.updatedAtMs, timeFormat),
    client: m.channel,
    extra: m.extra,
    orgUid: orgUidOf(m.extra),
    ...(m.user ? { user: userJson(m.user) } : {}),
    ...(m.thread
      ? {
          thread: {
            uid: m.thread.uid,
            topic: m.thread.topic,
            type: m.thread.type,
            status: record.threadStatus,
            ...(m.thread.user ? { user: userJson(m.thread.user) } : {}),
          },
        }
      : {}),
  };
  return json;
}

function userJson(u: WireUser): ServerUserJson {
  return { uid: u.uid, nickname: u.nickname, avatar: u.avatar, type: u.type, ...(u.extra ? { extra: u.extra } : {}) };
}

/** The `orgUid` of a message's `extra` JSON, or `''`. */
function orgUidOf(extra: string): string {
  try {
    const value: unknown = JSON.parse(extra);
    if (typeof value === 'object' && value !== null && 'orgUid' in value) {
      const orgUid = (value as { orgUid: unknown }).orgUid;
      return typeof orgUid === 'string' ? orgUid : '';
    }
  } catch {
    // Not JSON: no org.
  }
  return '';
}
