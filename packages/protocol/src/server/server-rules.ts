import type { WireMessage } from '../wire.js';
import { mayUseTopic, type ServerDirectory } from './access.js';
import { admit } from './admission.js';
import { messageKind } from './message-kinds.js';
import { type HistoryPageOf, MessageStore, type StoredRecord } from './message-store.js';
import {
  DEFAULT_HISTORY_PAGE_SIZE,
  type ResolvedServerRulesOptions,
  resolveServerRulesOptions,
  type ServerMode,
  type ServerRulesOptions,
} from './options.js';
import { type MessageResponseJson, toMessageResponse } from './server-json.js';
import { freezeWireMessage, serverTime, stamp } from './stamp.js';
import { classifyFilter, filterMatches, reversedMemberTopic } from './subscriptions.js';
import { ThreadBook, type ThreadRow, type ThreadSeed } from './thread-book.js';
import type { ThreadResponseJson } from './thread-json.js';

/** Where a message came from: when, the MQTT topic it was published to, the user who sent it. */
export interface AcceptContext {
  /** Server time (epoch ms). */
  readonly now: number;
  /** The PUBLISH topic (MQTT only). The real server ignores it; `strict` wants it to be `thread.topic`. */
  readonly publishTopic?: string;
  /** The authenticated sender (`strict`: must be `message.user.uid` and may use the thread). */
  readonly senderUid?: string;
}

/** A processed message on its way to the subscribers of `topic`. */
export interface Echo {
  /** The topic it is published on. */
  readonly topic: string;
  /** The message as the server publishes it (frozen: the store and the other echoes share it). */
  readonly message: WireMessage;
}

/** What the server did with a message. */
export type Acceptance =
  | {
      /** Taken. */
      readonly ok: true;
      /** The processed message (SUCCESS, server time, through the server's DTOs); frozen, shared with the store. */
      readonly message: WireMessage;
      /** Whether it was stored now (false for a resend, a signal, a receipt). */
      readonly stored: boolean;
      /** What goes out over MQTT (none for an unknown thread type; two for MEMBER threads). */
      readonly echoes: readonly Echo[];
    }
  | {
      /** Refused. */
      readonly ok: false;
      /** `invalid`: dropped as the server drops it; `forbidden`: refused by the `strict` access rules. */
      readonly kind: 'invalid' | 'forbidden';
      /** Why, for logs. */
      readonly reason: string;
    };

/** What the server answers to one SUBSCRIBE filter. */
export type SubscribeDecision =
  | {
      /** Granted. */
      readonly action: 'grant';
      /** The QoS granted. */
      readonly qos: 0 | 1 | 2;
    }
  | {
      /** Refused in the SUBACK (`strict` access rules). */
      readonly action: 'refuse';
    }
  | {
      /** The connection is closed, as the real server does for an invalid filter. */
      readonly action: 'close';
      /** Why, for logs. */
      readonly reason: string;
    };

/** A page request the server refuses (Spring's own check). */
export interface PageRefusal {
  /** Refused. */
  readonly ok: false;
  /** What the server says. */
  readonly reason: string;
}

/** Options of {@link ServerRules}. */
export interface ServerRulesInit extends ServerRulesOptions {
  /** Users and threads, for the `strict` access rules. */
  readonly directory?: ServerDirectory;
}

/**
 * The rules of the Bytedesk server, shared by the mock broker and core's in-memory network so
 * the two cannot drift: which messages it takes (validate), what it makes of them (stamp), what
 * it keeps (store once per uid, receipts, recall, ROBOT_STREAM), who gets them (echoes,
 * substring topics, MEMBER copies), what history lists (order, lag, pages) and, in `strict`
 * mode, who may do what (access). No I/O: time is passed in.
 */
export class ServerRules {
  /** The options in force, defaults filled in. */
  readonly options: ResolvedServerRulesOptions;
  readonly #store: MessageStore;
  readonly #threads: ThreadBook;
  readonly #directory: ServerDirectory;

  constructor(init: ServerRulesInit = {}) {
    this.options = resolveServerRulesOptions(init);
    this.#directory = init.directory ?? {};
    this.#store = new MessageStore({ lagMs: this.options.historyLagMs, recall: this.options.recall });
    this.#threads = new ThreadBook({ directory: this.#directory, timeFormat: this.options.timeFormat });
  }

  /** Which server it simulates: the real one (`bytedesk`) or a hardened one (`strict`). */
  get mode(): ServerMode {
    return this.options.mode;
  }

  /** Whether a user may subscribe and publish to a topic: always on the real server; `strict` applies access rules. */
  mayUse(userUid: string, topic: string): boolean {
    return this.mode === 'bytedesk' || mayUseTopic(userUid, topic, this.#directory);
  }

  /**
   * Takes a message published or posted to the server: drops it when invalid (or, `strict`,
   * when the sender may not send it), else stamps it, stores it or applies it (receipt,
   * recall), and says what goes out to whom.
   */
  accept(message: WireMessage, context: AcceptContext): Acceptance {
    const admission = admit(message, this.mode, context.publishTopic);
    if (!admission.ok) return { ok: false, kind: 'invalid', reason: admission.reason };
    const topic = message.thread?.topic ?? '';
    const forbidden = this.#forbidden(message, topic, context.senderUid);
    if (forbidden) return { ok: false, kind: 'forbidden', reason: forbidden };
    // The one copy made of a message: frozen, it is shared by the store, the echoes and the caller.
    const processed = freezeWireMessage(stamp(message, context.now, this.options.timeFormat));
    const stored = this.#keep(processed, message.thread?.state ?? '', context.now);
    if (stored) this.#threads.record(processed, context.now);
    const echoes = admission.echoed ? echoesOf(processed) : [];
    return { ok: true, message: processed, stored, echoes };
  }

  /** `strict` only: the sender must be the message's user and may use the thread. */
  #forbidden(message: WireMessage, topic: string, senderUid: string | undefined): string | undefined {
    if (this.mode !== 'strict' || senderUid === undefined) return undefined;
    if ((message.user?.uid ?? '') !== senderUid)
      return `message.user "${message.user?.uid ?? ''}" is not the sender "${senderUid}"`;
    if (!this.mayUse(senderUid, topic)) return `"${senderUid}" may not use ${topic}`;
    return undefined;
  }

  /** Stores or applies a processed message; true when a new message was stored. */
  #keep(message: WireMessage, threadStatus: string, now: number): boolean {
    // Strict servers apply a receipt or recall only within its own thread; the real one by uid alone.
    const onTopic = this.mode === 'strict' ? message.thread?.topic : undefined;
    switch (messageKind(message.type)) {
      case 'store':
        return this.#store.store(message, threadStatus, now);
      case 'receipt':
        this.#store.applyReceipt(message.content, message.type === 'READ' ? 'READ' : 'DELIVERED', now, onTopic);
        return false;
      case 'recall':
        this.#store.applyRecall(message.content, now, onTopic);
        return false;
      case 'transient':
        return false;
    }
  }

  /**
   * The answer to a SUBSCRIBE filter: the real server grants every valid filter at the asked
   * QoS (wildcards then match nothing) and closes the connection on an invalid one; `strict`
   * also closes on wildcards and refuses (SUBACK 0x80) topics the user may not use.
   */
  subscribe(filter: string, userUid: string, qos: 0 | 1 | 2): SubscribeDecision {
    const kind = classifyFilter(filter);
    if (kind === 'invalid') return { action: 'close', reason: `invalid subscription filter "${filter}"` };
    if (this.mode === 'bytedesk') return { action: 'grant', qos };
    if (kind === 'wildcard') return { action: 'close', reason: `wildcard subscriptions are not supported: ${filter}` };
    if (!this.mayUse(userUid, filter)) return { action: 'refuse' };
    return { action: 'grant', qos: qos > 1 ? 1 : qos };
  }

  /** Whether UNSUBSCRIBE does anything: a no-op on the real server. */
  get unsubscribeHonoured(): boolean {
    return this.mode === 'strict';
  }

  /** Whether a subscription with `filter` receives what is routed to `topic` (substrings on the real server). */
  matches(filter: string, topic: string): boolean {
    return filterMatches(filter, topic, this.mode);
  }

  /**
   * One page of a topic's history at `now`, in the server's JSON: written messages only (the
   * lag), deleted ones left out, newest first by `updatedAt`; page size 10 by default, no cap.
   */
  historyPage(
    topic: string,
    page: { readonly pageNumber?: number; readonly pageSize?: number },
    now: number,
  ):
    | ({
        /** Answered. */
        readonly ok: true;
      } & HistoryPageOf<MessageResponseJson>)
    | PageRefusal {
    const asked = pageAsked(page);
    if (!asked.ok) return asked;
    const { pageNumber, pageSize } = asked;
    const records = this.#store.page(topic, pageNumber, pageSize, now, this.options.historyOrder);
    const content = records.content.map((r) => toMessageResponse(r, this.options.timeFormat));
    return { ok: true, ...records, content };
  }

  /** Declares a thread (the seed): its owners' rows in the thread list, before any message. */
  seedThread(thread: ThreadSeed, now: number): void {
    this.#threads.seed(thread, now);
  }

  /**
   * The users the server delivers a topic's messages to without their SUBSCRIBE: the owners of
   * its thread rows (the real server subscribes them itself when it routes or transfers a thread).
   */
  threadOwners(topic: string): readonly string[] {
    return this.#threads.ownersOf(topic);
  }

  /**
   * One page of a user's thread list (`GET /api/v1/thread/query`) in the server's JSON: their
   * rows, newest change first; page size 10 by default, no cap. `unreadCount` counts the messages
   * from others on the thread after the newest of them that is READ.
   */
  threadPage(
    owner: string,
    page: { readonly pageNumber?: number; readonly pageSize?: number },
  ):
    | ({
        /** Answered. */
        readonly ok: true;
      } & HistoryPageOf<ThreadResponseJson>)
    | PageRefusal {
    const asked = pageAsked(page);
    if (!asked.ok) return asked;
    const { pageNumber, pageSize } = asked;
    return { ok: true, ...this.#threads.page(owner, { pageNumber, pageSize }, (row) => this.#unread(row)) };
  }

  /** Messages from others on a row's thread after the newest of them that is READ. */
  #unread(row: ThreadRow): number {
    const reversed = row.type === 'MEMBER' ? reversedMemberTopic(row.topic) : undefined;
    return this.#store.unread(reversed ? [row.topic, reversed] : [row.topic], row.owner);
  }

  /** Everything stored on a topic and not deleted, oldest first, written to history yet or not (for tests). */
  stored(topic: string): WireMessage[] {
    return this.#store.stored(topic).map((r) => r.message);
  }

  /** A stored record by uid, deleted or not. */
  record(uid: string): StoredRecord | undefined {
    return this.#store.get(uid);
  }

  /** How many messages are stored. */
  get storedCount(): number {
    return this.#store.size;
  }

  /** Now as the server writes `createdAt`. */
  serverTime(now: number): string {
    return serverTime(now, this.options.timeFormat);
  }
}

/** The page a history or thread list call asks for (page 0 of 10 by default), or the server's refusal of it. */
function pageAsked(page: {
  readonly pageNumber?: number;
  readonly pageSize?: number;
}): { readonly ok: true; readonly pageNumber: number; readonly pageSize: number } | PageRefusal {
  const pageNumber = page.pageNumber ?? 0;
  const pageSize = page.pageSize ?? DEFAULT_HISTORY_PAGE_SIZE;
  if (!Number.isInteger(pageNumber) || pageNumber < 0)
    return { ok: false, reason: 'Page index must not be less than zero' };
  if (!Number.isInteger(pageSize) || pageSize < 1) return { ok: false, reason: 'Page size must not be less than one' };
  return { ok: true, pageNumber, pageSize };
}

/** The copies a processed message goes out as: its topic and, for a MEMBER thread, the reversed topic. */
function echoesOf(message: WireMessage): Echo[] {
  const topic = message.thread?.topic ?? '';
  const echoes: Echo[] = [{ topic, message }];
  const reversed = message.thread?.type === 'MEMBER' ? reversedMemberTopic(topic) : undefined;
  if (reversed && message.thread) {
    const { user: _other, ...thread } = message.thread;
    const copy: WireMessage = {
      ...message,
      thread: { ...thread, topic: reversed, ...(message.user ? { user: message.user } : {}) },
    };
    echoes.push({ topic: reversed, message: freezeWireMessage(copy) });
  }
  return echoes;
}
