/**
 * Signals: typing, receipts and recalls. They go over MQTT only when connected and are never
 * kept in the outbox (a READ the app asked for offline is owed: the latest per thread goes once
 * connected); typing is throttled per thread. None goes to a topic that is not valid
 * (the real server closes the connection on one), and an automatic receipt only to a topic
 * this client is subscribed to.
 *
 * The receipt rule lives here, as the official client has it (SPEC §2b): DELIVERED once per uid
 * for what a person sends, from others, not in group threads; READ instead for the thread the
 * app says is open on screen — one for the newest unread message, not one each. A message whose
 * status (the server's record, for one from history) says it got that far gets none: a restart
 * sends nothing for what was acknowledged.
 */
import { encodeMessage, type MessageType, SdkError, validateTopic } from '@weiyu/protocol';
import type { ChatThread, ChatTiming, LocalMessage } from '../api.js';
import type { Clock, Logger } from '../interfaces.js';
import { messageToWire } from '../message.js';
import { createDedupe } from '../receive/dedupe.js';
import type { Outgoing } from './outgoing.js';
import { publishPacketSize } from './packet.js';

/** What signals need from the client. */
export interface SignalsOptions {
  readonly outgoing: Outgoing;
  readonly clock: Pick<Clock, 'now'>;
  readonly logger: Logger;
  readonly maxPacketBytes: number;
  /** At most one TYPING per thread in this time (ms). */
  readonly typingThrottleMs: number;
  readonly isConnected: () => boolean;
  /** Whether this client is subscribed to a topic: automatic receipts go nowhere else. */
  readonly isSubscribed: (topic: string) => boolean;
  readonly publish: (topic: string, payload: Uint8Array, qos: 0 | 1) => Promise<void>;
  /** Our own signal comes back from the server: it is not news (the duplicate filter). */
  readonly markOwn: (uid: string) => void;
  readonly emitError: (error: SdkError) => void;
  /** Whether new messages from others get DELIVERED (`autoDelivered`, default true). */
  readonly autoDelivered?: boolean;
  /** The receipt memory (once per uid) holds `dedupeCapacity` uids per kind (default 5,000). */
  readonly timing?: Pick<ChatTiming, 'dedupeCapacity'>;
  /** The messages shown on a thread: what opening it reads. */
  readonly shownIn?: (topic: string) => readonly LocalMessage[];
  /** A READ went for a message: the client shows it READ. */
  readonly onRead?: (uid: string) => void;
}

/** The signals of one client. */
export interface Signals {
  /** Publishes a signal when connected; false when it was not sent. */
  send(thread: ChatThread, type: MessageType, content: string, qos: 0 | 1): boolean;
  /**
   * A signal the app asked for (`markDelivered`, `markRead`, `recall`): an `error` event when not
   * sent — but a READ not sent offline goes once connected (the latest of its thread).
   */
  explicit(thread: ChatThread, type: MessageType, uid: string): boolean;
  /**
   * A new message is shown: the receipt it is due ({@link receiptDue}), if any, goes back on its
   * thread — only to a topic this client is subscribed to, never to one a payload names.
   */
  acknowledge(message: LocalMessage): void;
  /**
   * Reads a thread: one READ, for the newest message from others it shows that is not read yet
   * (after the newest that is), and every message from others before it moves to READ — one
   * receipt however many were unread. Offline nothing moves, and that READ goes once connected
   * (the latest of the thread): `upTo` reads only up to that message, as it was then.
   */
  readThread(topic: string, upTo?: string): void;
  /**
   * The thread open on screen (null: none): read now ({@link Signals.readThread}), and again for
   * each new message while it stays open (what arrives together, one READ).
   */
  setActive(thread: ChatThread | string | null): void;
  /** A connection is up: the READs owed from offline go, and what the open thread could not read is read now. */
  connected(): void;
  /** TYPING, at QoS 0, at most one per `typingThrottleMs` per thread. */
  typing(thread: ChatThread): void;
  /** Forgets a thread (after an unsubscribe). */
  forget(topic: string): void;
  /** Sends nothing from now on. */
  dispose(): void;
}

/**
 * What a person sends: the types the official client acknowledges (TEXT, IMAGE, FILE, AUDIO,
 * VIDEO) and the guide's other content types (VOICE, LOCATION). Welcome texts, notices, queue
 * and closing messages, robot streams and signals get no receipt.
 */
export const RECEIPT_TYPES: ReadonlySet<string> = new Set([
  'TEXT',
  'IMAGE',
  'FILE',
  'AUDIO',
  'VIDEO',
  'VOICE',
  'LOCATION',
]);

/** The receipt a new message is due, before the memory of what was sent; pure. */
export function receiptDue(
  message: LocalMessage,
  facts: { readonly active: string | undefined; readonly autoDelivered: boolean },
): 'DELIVERED' | 'READ' | undefined {
  if (message.mine || !RECEIPT_TYPES.has(message.type) || isGroup(message.thread)) return undefined;
  // The server's record, for a message from history: READ is as far as it goes.
  if (message.status === 'READ') return undefined;
  if (facts.active !== undefined && message.thread.topic === facts.active) return 'READ';
  return facts.autoDelivered && message.status !== 'DELIVERED' ? 'DELIVERED' : undefined;
}

/** Group threads get no receipts (the official client sends none there). */
function isGroup(thread: ChatThread): boolean {
  return thread.type === 'GROUP' || thread.topic.startsWith('org/group/');
}

/** Creates the signals of a client. */
export function createSignals(options: SignalsOptions): Signals {
  const lastTyping = new Map<string, number>();
  const memory = options.timing?.dedupeCapacity ?? 5_000;
  const sent = { DELIVERED: createDedupe(memory), READ: createDedupe(memory) };
  const autoDelivered = options.autoDelivered ?? true;
  let active: string | undefined;
  /** New messages of the open thread, waiting for the READ of what arrived with them. */
  let toRead: LocalMessage[] = [];
  /** READs that could not go offline, the latest per thread (a READ covers what is older): sent once connected. */
  const owed = new Map<string, { readonly thread: ChatThread; readonly uid: string; readonly whole: boolean }>();
  let disposed = false;

  function send(thread: ChatThread, type: MessageType, content: string, qos: 0 | 1): boolean {
    if (!options.isConnected() || disposed || !validateTopic(thread.topic).ok) return false;
    const message = options.outgoing.signal(thread, type, content);
    const payload = encodeMessage(messageToWire(message));
    if (publishPacketSize(thread.topic, payload.length, qos) > options.maxPacketBytes) return false;
    options.markOwn(message.uid);
    options.publish(thread.topic, payload, qos).catch((reason: unknown) => {
      options.logger.debug('a signal was not sent', { type, code: SdkError.from(reason, 'network').code });
    });
    return true;
  }

  /** Keeps a READ that could not go for the next connection, when offline is why; whether it did. */
  function owe(thread: ChatThread, uid: string, whole: boolean): boolean {
    if (options.isConnected() || disposed || !validateTopic(thread.topic).ok) return false;
    owed.set(thread.topic, { thread, uid, whole });
    return true;
  }

  /** Sends a receipt and remembers it; a READ shows on the message. */
  function receipt(thread: ChatThread, kind: 'DELIVERED' | 'READ', uid: string): boolean {
    if (!send(thread, kind, uid, 1)) return false;
    sent[kind].add(uid);
    if (kind === 'READ') options.onRead?.(uid);
    return true;
  }

  function acknowledge(message: LocalMessage): void {
    const kind = receiptDue(message, { active, autoDelivered });
    if (kind === 'READ') {
      // What arrives together (a catch-up pass) is read with one READ, once it is all in.
      if (toRead.push(message) === 1) void Promise.resolve().then(flushRead);
      return;
    }
    // Once per uid: a READ says delivered too.
    if (kind === undefined || sent.READ.has(message.uid) || sent.DELIVERED.has(message.uid)) return;
    if (!options.isSubscribed(message.thread.topic)) {
      options.logger.debug('no receipt to a topic not subscribed', { uid: message.uid });
      return;
    }
    receipt(message.thread, kind, message.uid);
  }

  /** Reads the open thread; what waited for it on a thread closed meanwhile is acknowledged as it is now due. */
  function flushRead(): void {
    const waited = toRead;
    toRead = [];
    readActive();
    for (const message of waited) if (message.thread.topic !== active) acknowledge(message);
  }

  /**
   * One READ, for the newest message from others the thread shows that is not read (after the
   * newest one that is): each message before it shows READ too, however many there are.
   */
  function readThread(topic: string, upTo?: string): void {
    let unread: LocalMessage[] = [];
    for (const message of options.shownIn?.(topic) ?? []) {
      if (receiptDue(message, { active: topic, autoDelivered }) === 'READ') unread.push(message);
      else if (message.status === 'READ' && !message.mine) unread = [];
      if (message.uid === upTo) break;
    }
    const newest = unread.at(-1);
    if (!newest) return;
    if (!sent.READ.has(newest.uid)) {
      if (!options.isSubscribed(topic)) return;
      if (!receipt(newest.thread, 'READ', newest.uid)) {
        owe(newest.thread, newest.uid, true);
        return;
      }
    }
    for (const message of unread) {
      sent.READ.add(message.uid);
      options.onRead?.(message.uid);
    }
  }

  const readActive = (): void => {
    if (active !== undefined) readThread(active);
  };

  return {
    send,
    explicit(thread, type, uid) {
      const kind = type === 'DELIVERED' ? 'DELIVERED' : type === 'READ' ? 'READ' : undefined;
      const sentNow = kind ? receipt(thread, kind, uid) : send(thread, type, uid, 1);
      if (sentNow || (kind === 'READ' && owe(thread, uid, false))) return sentNow;
      const topic = validateTopic(thread.topic);
      const error = topic.ok
        ? new SdkError('not_connected', `${type} for ${uid} was not sent: not connected`)
        : topic.error;
      options.emitError(error);
      return false;
    },
    acknowledge,
    readThread,
    setActive(thread) {
      const topic: unknown = typeof thread === 'string' ? thread : thread?.topic;
      active = typeof topic === 'string' && topic.length > 0 ? topic : undefined;
      readActive();
    },
    connected() {
      const due = [...owed.values()];
      owed.clear();
      for (const { thread, uid, whole } of due) {
        if (whole) readThread(thread.topic, uid);
        else receipt(thread, 'READ', uid);
      }
      readActive();
    },
    typing(thread) {
      const now = options.clock.now();
      const last = lastTyping.get(thread.topic);
      if (last !== undefined && now - last < options.typingThrottleMs) return;
      if (send(thread, 'TYPING', '', 0)) lastTyping.set(thread.topic, now);
    },
    forget: (topic) => {
      lastTyping.delete(topic);
      owed.delete(topic);
    },
    dispose: () => {
      disposed = true;
    },
  };
}
