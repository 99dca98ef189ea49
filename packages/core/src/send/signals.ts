/**
 * Signals: typing, receipts and recalls. They go over MQTT only when connected and are never
 * kept in the outbox; a receipt the app asks for offline is owed instead (receipts.ts: a
 * thread's latest READ, each DELIVERED) and goes once connected. A recall offline is not kept:
 * the app hears it did not happen (recall.ts says why). Typing is throttled per thread. None
 * goes to a topic that is not valid (the real server closes the connection on one), and an
 * automatic receipt only to a topic this client is subscribed to.
 *
 * The receipt rule lives here, as the official client has it (SPEC §2b): DELIVERED once per uid
 * for what a person sends, from others, not in group threads; READ instead for the thread the
 * app says is open on screen — one for the newest unread message, not one each. A message whose
 * status (the server's record, for one from history) says it got that far gets none: a restart
 * sends nothing for what was acknowledged.
 */
import { type MessageType, SdkError, validateTopic } from '@weiyu/protocol';
import type { ChatThread, ChatTiming, LocalMessage } from '../api.js';
import type { Clock, Logger } from '../interfaces.js';
import type { Outgoing } from './outgoing.js';
import { publishSignal } from './publish-signal.js';
import { createReceipts, type ReceiptsParts } from './receipts.js';

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
   * sent — but a receipt not sent offline is owed and goes once connected (a thread's latest
   * READ, each DELIVERED), and one after dispose is dropped with a debug log.
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
  /** A connection is up: the receipts owed from offline go, and what the open thread could not read is read now. */
  connected(): void;
  /** TYPING, at QoS 0, at most one per `typingThrottleMs` per thread. */
  typing(thread: ChatThread): void;
  /** Forgets a thread (after an unsubscribe), and the receipts it owes. */
  forget(topic: string): void;
  /** Sends nothing from now on; what is owed is dropped. */
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

/**
 * What one READ on a thread reads, oldest first: the messages from others it shows that are due
 * a READ, after the newest one that is READ already, up to `upTo` (all when not given); pure.
 */
export function unreadOf(
  shown: readonly LocalMessage[],
  facts: { readonly topic: string; readonly autoDelivered: boolean; readonly upTo?: string },
): LocalMessage[] {
  let unread: LocalMessage[] = [];
  for (const message of shown) {
    if (receiptDue(message, { active: facts.topic, autoDelivered: facts.autoDelivered }) === 'READ') {
      unread.push(message);
    } else if (message.status === 'READ' && !message.mine) unread = [];
    if (message.uid === facts.upTo) break;
  }
  return unread;
}

/** Creates the signals of a client. */
export function createSignals(options: SignalsOptions): Signals {
  const autoDelivered = options.autoDelivered ?? true;
  let disposed = false;
  /** The thread open on screen. */
  let active: string | undefined;
  /** New messages of the open thread, waiting for the READ of what arrived with them. */
  let toRead: LocalMessage[] = [];
  const send: ReceiptsParts['send'] = (thread, type, content, qos, lost) =>
    !disposed && options.isConnected() && publishSignal(options, thread, type, content, qos, lost);
  const lastTyping = new Map<string, number>();
  const receipts = createReceipts({
    options,
    send,
    isDisposed: () => disposed,
    unread: (topic, upTo) => unreadOf(options.shownIn?.(topic) ?? [], { topic, autoDelivered, upTo }),
  });
  const readActive = (): void => {
    if (active !== undefined) receipts.readThread(active);
  };

  function acknowledge(message: LocalMessage): void {
    const kind = receiptDue(message, { active, autoDelivered });
    if (kind === 'DELIVERED') receipts.deliver(message);
    // What arrives together (a catch-up pass) is read with one READ, once it is all in.
    else if (kind === 'READ' && toRead.push(message) === 1) void Promise.resolve().then(flushRead);
  }

  /** Reads the open thread; what waited for it on a thread closed meanwhile is acknowledged as it is now due. */
  function flushRead(): void {
    const waited = toRead;
    toRead = [];
    readActive();
    for (const message of waited) if (message.thread.topic !== active) acknowledge(message);
  }

  return {
    send,
    explicit(thread, type, uid) {
      const kind = type === 'DELIVERED' ? 'DELIVERED' : type === 'READ' ? 'READ' : undefined;
      const asked = kind ? receipts.ask(thread, kind, uid) : send(thread, type, uid, 1) ? 'sent' : 'unsent';
      if (asked === 'unsent') options.emitError(notSent(thread, type, uid));
      return asked === 'sent';
    },
    acknowledge,
    readThread: receipts.readThread,
    setActive(thread) {
      const topic: unknown = typeof thread === 'string' ? thread : thread?.topic;
      active = typeof topic === 'string' && topic.length > 0 ? topic : undefined;
      readActive();
    },
    connected() {
      receipts.connected();
      readActive();
    },
    typing(thread) {
      const now = options.clock.now();
      const last = lastTyping.get(thread.topic);
      if (last !== undefined && now - last < options.typingThrottleMs) return;
      if (send(thread, 'TYPING', '', 0)) lastTyping.set(thread.topic, now);
    },
    forget(topic) {
      lastTyping.delete(topic);
      receipts.forget(topic);
    },
    dispose() {
      disposed = true;
      receipts.dispose();
    },
  };
}

/** Why a signal the app asked for did not go: its topic, or no connection. */
function notSent(thread: ChatThread, type: MessageType, uid: string): SdkError {
  const topic = validateTopic(thread.topic);
  return topic.ok ? new SdkError('not_connected', `${type} for ${uid} was not sent: not connected`) : topic.error;
}
