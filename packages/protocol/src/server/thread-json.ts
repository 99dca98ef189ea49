/** A thread of the server's thread list in the server's JSON (`ThreadResponse`). */
import type { ServerUserJson } from './server-json.js';

/** The last message of a thread as newer servers store it (`ThreadContent`). */
export interface ThreadContentJson {
  /** Its version: 1. */
  readonly v: 1;
  /** The last message's type. */
  readonly msgType: string;
  /** Its text for a list: whitespace folded, at most 200 characters. */
  readonly preview: string;
  /** Its content as it came. */
  readonly payload: string;
}

/**
 * An item of `GET /api/v1/thread/query` as the server writes it (the fields an agent client
 * reads, and the defaults of the others): the state is `status`, `user` the other side, `content`
 * the last message's preview, times `yyyy-MM-dd HH:mm:ss` (or epoch ms), `agent` a JSON string.
 */
export interface ThreadResponseJson {
  /** The row's uid: one row per owner of a topic. */
  readonly uid: string;
  /** The organisation. */
  readonly orgUid: string;
  /** When the row was made. */
  readonly createdAt: string;
  /** When it last changed: the list is sorted by it, newest first. */
  readonly updatedAt: string;
  /** The thread's MQTT topic. */
  readonly topic: string;
  /** The last message's preview. */
  readonly content: string;
  /** The last message, when there is one. */
  readonly contentObject: ThreadContentJson | null;
  /** A thread type name. */
  readonly type: string;
  /** The thread state (NEW, CHATTING, CLOSED, …). */
  readonly status: string;
  /** `NONE`, `TRANSFER_PENDING`, `TRANSFER_ACCEPTED`, … */
  readonly transferStatus: string;
  /** Always `NONE` here. */
  readonly inviteStatus: string;
  /** Always `PENDING` here. */
  readonly resolvedStatus: string;
  /** Pinned. */
  readonly top: boolean;
  /** Whether `unreadCount` > 0. */
  readonly unread: boolean;
  /** Messages from others the owner has not read. */
  readonly unreadCount: number;
  /** The visitor side's count: not kept here (0). */
  readonly visitorUnreadCount: number;
  /** Muted. */
  readonly mute: boolean;
  /** Hidden from the owner's list. */
  readonly hide: boolean;
  /** Star rating given by the owner. */
  readonly star: number;
  /** Folded. */
  readonly fold: boolean;
  /** Closed automatically. */
  readonly autoClose: boolean;
  /** The owner's note. */
  readonly note: string;
  /** Whether the agent was offline. */
  readonly offline: boolean;
  /** Tags. */
  readonly tagList: readonly string[];
  /** The channel the thread came from. */
  readonly channel: string;
  /** Extra data as a JSON string. */
  readonly extra: string;
  /** The other side: the visitor, the other member, the group. */
  readonly user: ServerUserJson | null;
  /** Whose row this is. */
  readonly owner: ServerUserJson | null;
  /** The agent as a JSON string (the server keeps it as text), or null. */
  readonly agent: string | null;
  /** Who closed it: `AUTO`, `AGENT`, `VISITOR`, or null. */
  readonly closeType: string | null;
}
