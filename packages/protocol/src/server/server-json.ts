import type { WireUser } from '../wire.js';
import type { StoredRecord } from './message-store.js';
import type { TimeFormat } from './options.js';
import { serverTime } from './stamp.js';

/** A user in the server's JSON. */
export interface ServerUserJson {
  readonly uid: string;
  readonly nickname: string;
  readonly avatar: string;
  readonly type: string;
  readonly extra?: string;
}

/** A thread in the server's JSON (`ThreadResponse`): the state is `status`. */
export interface ServerThreadJson {
  readonly uid: string;
  readonly topic: string;
  readonly type: string;
  readonly status: string;
  readonly user?: ServerUserJson;
}

/** A history item as the server writes it (`MessageResponse`): the channel is `client`. */
export interface MessageResponseJson {
  readonly uid: string;
  readonly type: string;
  readonly content: string;
  readonly status: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly client: string;
  readonly user?: ServerUserJson;
  readonly thread?: ServerThreadJson;
  readonly extra: string;
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
