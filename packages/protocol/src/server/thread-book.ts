/**
 * The server's thread table, as `GET /api/v1/thread/query` lists it: one row per owner of a
 * topic (the agent a visitor's thread was routed to, each member's own side of a conversation,
 * each member of a group), made by the first message of a thread or by the seed, moved on by
 * each message stored on it (its preview, `updatedAt`), closed by AUTO_CLOSED / AGENT_CLOSED /
 * VISITOR_CLOSED, its transfer status set by TRANSFER and its answers (an accepted transfer
 * moves the row to the agent who accepted). A row's owners are the users the server delivers the
 * thread's messages to without a SUBSCRIBE of theirs (its own subscriptions). Pure: time passed in.
 */
import { isSignalMessageType } from '../names.js';
import { threadStateAfter, transferStatusAfter, transferTopic } from '../thread-changes.js';
import { parseTopic, threadUserUid } from '../topics.js';
import type { WireMessage, WireUser } from '../wire.js';
import type { ServerDirectory } from './access.js';
import type { HistoryPageOf } from './message-store.js';
import type { TimeFormat } from './options.js';
import type { ServerUserJson } from './server-json.js';
import { serverTime } from './stamp.js';
import { reversedMemberTopic } from './subscriptions.js';
import type { ThreadContentJson, ThreadResponseJson } from './thread-json.js';

/** One owner's row of a thread. */
export interface ThreadRow {
  /** The row's uid. */
  readonly uid: string;
  /** The thread's topic. */
  readonly topic: string;
  /** A thread type name. */
  readonly type: string;
  /** The thread state. */
  readonly status: string;
  /** Whose row it is. */
  readonly owner: string;
  /** The other side. */
  readonly user: WireUser;
  /** The last message, when there is one. */
  readonly last?: ThreadContentJson;
  /** The channel of the thread's first message. */
  readonly channel: string;
  /** The organisation. */
  readonly orgUid: string;
  /** Transfer status name. */
  readonly transferStatus: string;
  /** Who closed it, when it is closed. */
  readonly closeType: string | null;
  /** Epoch ms. */
  readonly createdAtMs: number;
  /** Epoch ms of its last change. */
  readonly updatedAtMs: number;
  /** Creation order, the tie-break of equal times. */
  readonly seq: number;
}

type MutableRow = { -readonly [K in keyof ThreadRow]: ThreadRow[K] };

/** What a row's preview is made of: the type and content of its last message. */
interface LastSent {
  readonly type: string;
  readonly content: string;
}

/**
 * A row as the book keeps it. A message stored only notes its type and content (`lastSent`):
 * its preview (`last`) is made when the row is read ({@link filled}), once, as most rows move
 * on many times between two reads of the thread list.
 */
type BookRow = MutableRow & {
  /** The last message, when its preview is not made yet (`last` is then out of date). */
  lastSent?: LastSent | undefined;
};

/** A thread the seed (or a test) declares. */
export interface ThreadSeed {
  /** The thread's uid (each owner's row gets it, suffixed past the first). */
  readonly uid: string;
  /** Its topic. */
  readonly topic: string;
  /** A thread type name. */
  readonly type: string;
  /** Its state; default `CHATTING`. */
  readonly status?: string;
}

/** What the book needs besides messages. */
export interface ThreadBookOptions {
  /** Who the owners of workgroup and group threads are, and what users are called. */
  readonly directory: ServerDirectory;
  /** How times are written. */
  readonly timeFormat: TimeFormat;
}

/** The preview the server cuts a last message to. */
const PREVIEW_MAX = 200;

/** The server's thread rows: see the module comment. */
export class ThreadBook {
  readonly #options: ThreadBookOptions;
  /** Rows by topic, then by owner. */
  readonly #rows = new Map<string, Map<string, BookRow>>();
  #seq = 0;

  constructor(options: ThreadBookOptions) {
    this.#options = options;
  }

  /** Declares a thread (the seed): a row for each of its owners, no message yet. */
  seed(thread: ThreadSeed, now: number): void {
    for (const owner of this.#ownersByTopic(thread.topic)) {
      this.#row(thread.topic, owner, { uid: thread.uid, type: thread.type, channel: '', extra: '' }, now).status =
        thread.status ?? 'CHATTING';
    }
  }

  /**
   * A message the server stored: its thread's rows (made on first sight) move on; a MEMBER
   * message moves the other member's side too; a closing or transfer message changes the thread.
   */
  record(message: WireMessage, now: number): void {
    const topic = message.thread?.topic ?? '';
    if (topic === '' || isSignalMessageType(message.type)) return;
    this.#touch(message, topic, now);
    const reversed = message.thread?.type === 'MEMBER' ? reversedMemberTopic(topic) : undefined;
    if (reversed) this.#touch(message, reversed, now);
    const transfer = transferStatusAfter(message.type);
    if (transfer) this.#transfer(message, transferTopic(message.content, topic), transfer, now);
  }

  /** The users a topic's messages go to without a SUBSCRIBE: the owners of its rows. */
  ownersOf(topic: string): readonly string[] {
    return [...(this.#rows.get(topic)?.keys() ?? [])];
  }

  /** A row by topic and owner (a copy). */
  row(topic: string, owner: string): ThreadRow | undefined {
    const row = this.#rows.get(topic)?.get(owner);
    return row && publicRow(filled(row));
  }

  /** One page of an owner's rows, newest change first, as the server answers it. */
  page(
    owner: string,
    page: { readonly pageNumber: number; readonly pageSize: number },
    unreadOf: (row: ThreadRow) => number,
  ): HistoryPageOf<ThreadResponseJson> {
    const all: BookRow[] = [];
    for (const byOwner of this.#rows.values()) {
      const row = byOwner.get(owner);
      if (row) all.push(row);
    }
    all.sort((a, b) => b.updatedAtMs - a.updatedAtMs || b.seq - a.seq);
    const { pageNumber, pageSize } = page;
    const rows = all.slice(pageNumber * pageSize, (pageNumber + 1) * pageSize);
    const content = rows.map((row) => {
      const shown = filled(row);
      return this.#json(shown, unreadOf(shown));
    });
    const totalPages = Math.ceil(all.length / pageSize);
    return {
      content,
      totalElements: all.length,
      totalPages,
      number: pageNumber,
      size: pageSize,
      numberOfElements: content.length,
      first: pageNumber === 0,
      last: pageNumber >= totalPages - 1,
      empty: content.length === 0,
    };
  }

  /** Moves the rows of `topic` on with a message (made first when the topic has none). */
  #touch(message: WireMessage, topic: string, now: number): void {
    const known = this.#rows.get(topic);
    const owners = known && known.size > 0 ? [...known.keys()] : this.#ownersByTopic(topic);
    const init = {
      uid: message.thread?.uid ?? '',
      type: message.thread?.type ?? '',
      channel: message.channel,
      extra: message.extra,
    };
    const sent: LastSent = { type: message.type, content: message.content };
    for (const owner of owners) {
      const row = this.#row(topic, owner, init, now);
      row.user = this.#otherSide(topic, owner, message, row.user);
      row.updatedAtMs = now;
      row.lastSent = sent;
      const state = threadStateAfter(message.type);
      if (state) {
        row.status = state;
        row.closeType = CLOSE_TYPES[message.type] ?? null;
      }
    }
  }

  /** A transfer message about `topic`: its rows' transfer status; accepted, the rows go to the accepting agent. */
  #transfer(message: WireMessage, topic: string, status: string, now: number): void {
    const byOwner = this.#rows.get(topic);
    if (!byOwner) return;
    const receiver = message.user?.uid ?? '';
    for (const row of byOwner.values()) {
      row.transferStatus = status;
      row.updatedAtMs = now;
    }
    if (status !== 'TRANSFER_ACCEPTED' || receiver === '' || byOwner.has(receiver)) return;
    const [first] = byOwner.values();
    if (!first) return;
    byOwner.clear();
    byOwner.set(receiver, { ...first, owner: receiver });
  }

  /** The row of an owner on a topic, made when there is none (its organisation then read from `init.extra`). */
  #row(
    topic: string,
    owner: string,
    init: { readonly uid: string; readonly type: string; readonly channel: string; readonly extra: string },
    now: number,
  ): BookRow {
    let byOwner = this.#rows.get(topic);
    if (!byOwner) {
      byOwner = new Map();
      this.#rows.set(topic, byOwner);
    }
    const existing = byOwner.get(owner);
    if (existing) return existing;
    const base = init.uid || `thread_${this.#seq}`;
    const row: BookRow = {
      uid: byOwner.size === 0 ? base : `${base}_${owner}`,
      topic,
      type: init.type || typeOfTopic(topic),
      status: 'CHATTING',
      owner,
      user: this.#profile(threadUserUid(topic, owner)),
      channel: init.channel,
      orgUid: orgUidOf(init.extra) || (this.#options.directory.orgOf?.(owner) ?? ''),
      transferStatus: 'NONE',
      closeType: null,
      createdAtMs: now,
      updatedAtMs: now,
      seq: this.#seq++,
    };
    byOwner.set(owner, row);
    return row;
  }

  /**
   * Who owns a topic's rows when it has none yet: the agent a visitor's thread names, a
   * workgroup's agents (the server routes to one; all of them here), a member's own side, a
   * group's members. Robot and unknown topics have no owner.
   */
  #ownersByTopic(topic: string): string[] {
    const parsed = parseTopic(topic);
    if (!parsed.ok) return [];
    const t = parsed.value;
    const { directory } = this.#options;
    switch (t.kind) {
      case 'agent':
        return [t.agentUid];
      case 'workgroup':
        return [...(directory.agentsOf?.(t.workgroupUid) ?? [])];
      case 'member':
        return [t.selfUid];
      case 'group':
        return [...(directory.participantsOf?.(topic) ?? [])];
      default:
        return [];
    }
  }

  /** The other side of an owner's row: the uid the topic names, described by the message when it can. */
  #otherSide(topic: string, owner: string, message: WireMessage, current: WireUser): WireUser {
    const uid = threadUserUid(topic, owner) || current.uid;
    for (const candidate of [message.thread?.user, message.user]) {
      if (candidate && candidate.uid === uid && (candidate.nickname || candidate.avatar)) return { ...candidate };
    }
    return current.uid === uid ? current : this.#profile(uid);
  }

  /** A user as the directory describes them, or just the uid. */
  #profile(uid: string): WireUser {
    const known = this.#options.directory.profileOf?.(uid);
    return { uid, nickname: known?.nickname ?? '', avatar: known?.avatar ?? '', type: known?.type ?? '', extra: '' };
  }

  #json(row: ThreadRow, unreadCount: number): ThreadResponseJson {
    const time = (ms: number) => serverTime(ms, this.#options.timeFormat);
    const owner = this.#profile(row.owner);
    const isAgentRow = row.type === 'AGENT' || row.type === 'WORKGROUP';
    return {
      uid: row.uid,
      orgUid: row.orgUid,
      createdAt: time(row.createdAtMs),
      updatedAt: time(row.updatedAtMs),
      topic: row.topic,
      content: row.last?.preview ?? '',
      contentObject: row.last ?? null,
      type: row.type,
      status: row.status,
      transferStatus: row.transferStatus,
      inviteStatus: 'NONE',
      resolvedStatus: 'PENDING',
      top: false,
      unread: unreadCount > 0,
      unreadCount,
      visitorUnreadCount: 0,
      mute: false,
      hide: false,
      star: 0,
      fold: false,
      autoClose: row.closeType === 'AUTO',
      note: '',
      offline: false,
      tagList: [],
      channel: row.channel,
      extra: '{}',
      user: userJson(row.user),
      owner: userJson(owner),
      agent: isAgentRow ? JSON.stringify(userJson(owner)) : null,
      closeType: row.closeType,
    };
  }
}

/** Who closed a thread, by the type of the closing message. */
const CLOSE_TYPES: Readonly<Record<string, string>> = {
  AUTO_CLOSED: 'AUTO',
  AGENT_CLOSED: 'AGENT',
  VISITOR_CLOSED: 'VISITOR',
};

/** A row with its preview made, if a message came since it was last read. */
function filled(row: BookRow): BookRow {
  if (row.lastSent) {
    row.last = lastMessage(row.lastSent);
    row.lastSent = undefined;
  }
  return row;
}

/** A copy of a filled row as {@link ThreadBook.row} gives it, without what the book keeps besides. */
function publicRow(row: BookRow): ThreadRow {
  const { lastSent: _unused, ...copy } = row;
  return { ...copy, user: { ...row.user } };
}

/** The last message as the server keeps it: its text, or the text a JSON content holds, or its type. */
function lastMessage(message: LastSent): ThreadContentJson {
  return { v: 1, msgType: message.type, preview: previewOf(message), payload: message.content };
}

/** Media whose content is a URL or JSON: shown by their type. */
const MEDIA_TYPES: ReadonlySet<string> = new Set(['IMAGE', 'FILE', 'VIDEO', 'AUDIO', 'VOICE', 'DOCUMENT', 'MUSIC']);

function previewOf(message: LastSent): string {
  const text = MEDIA_TYPES.has(message.type) ? `[${message.type}]` : (jsonText(message.content) ?? `[${message.type}]`);
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > PREVIEW_MAX ? flat.slice(0, PREVIEW_MAX) : flat;
}

/** The text a JSON content carries (`content`, a robot's `answer`, `text`), if any. */
function jsonText(content: string): string | undefined {
  if (!content.startsWith('{')) return content.length > 0 ? content : undefined;
  try {
    const value = JSON.parse(content) as Record<string, unknown>;
    for (const key of ['content', 'answer', 'text']) {
      if (typeof value[key] === 'string' && value[key] !== '') return value[key];
    }
  } catch {
    // Not JSON after all: shown by its type.
  }
  return undefined;
}

function typeOfTopic(topic: string): string {
  const parsed = parseTopic(topic);
  return parsed.ok ? parsed.value.kind.toUpperCase() : '';
}

function userJson(u: WireUser): ServerUserJson {
  return { uid: u.uid, nickname: u.nickname, avatar: u.avatar, type: u.type, ...(u.extra ? { extra: u.extra } : {}) };
}

/** The `orgUid` a message's `extra` JSON names, or ''. */
function orgUidOf(extra: string): string {
  if (extra === '') return '';
  try {
    const value: unknown = JSON.parse(extra);
    const orgUid = typeof value === 'object' && value !== null ? (value as { orgUid?: unknown }).orgUid : undefined;
    return typeof orgUid === 'string' ? orgUid : '';
  } catch {
    return '';
  }
}
