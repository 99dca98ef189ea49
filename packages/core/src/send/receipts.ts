/**
 * Receipts going out: once per uid (receipt-memory.ts), and what the app asks for while offline
 * owed to the next connection (owed-receipts.ts) instead of lost. Which receipt a message is due,
 * and what one READ reads, is the rule of signals.ts: it comes in as `unread`.
 */
import { type MessageType, type SdkError, validateTopic } from '@weiyu/protocol';
import type { ChatThread, LocalMessage } from '../api.js';
import { isLinkDown } from '../retry/policy.js';
import { createOwedReceipts, droppedReceipts, type OwedRead } from './owed-receipts.js';
import { createReceiptMemory, type ReceiptKind } from './receipt-memory.js';
import type { SignalsOptions } from './signals.js';

/** What receipts need from the signals. */
export interface ReceiptsParts {
  readonly options: Pick<SignalsOptions, 'isConnected' | 'isSubscribed' | 'onRead' | 'logger' | 'timing' | 'shownIn'>;
  /** Publishes a signal when it may (connected, not disposed); whether it went. `lost`: its publish failed. */
  readonly send: (
    thread: ChatThread,
    type: MessageType,
    content: string,
    qos: 0 | 1,
    lost?: (error: SdkError) => void,
  ) => boolean;
  readonly isDisposed: () => boolean;
  /** What one READ on a thread reads, oldest first, up to `upTo` (signals.ts `unreadOf`). */
  readonly unread: (topic: string, upTo?: string) => LocalMessage[];
}

/** What became of a receipt the app asked for: sent now, kept (owed, or dropped after dispose), or not sent. */
export type Asked = 'sent' | 'kept' | 'unsent';

/** The receipts of a client. */
export interface Receipts {
  /** A receipt the app asked for: sent, owed when offline (none if sent already), dropped with a debug log after dispose. */
  ask(thread: ChatThread, kind: ReceiptKind, uid: string): Asked;
  /** The DELIVERED a new message is due: once per uid, only to a topic subscribed. */
  deliver(message: LocalMessage): void;
  /** One READ for what the thread shows unread (up to `upTo`); each message it reads shows READ. Offline: owed. */
  readThread(topic: string, upTo?: string): void;
  /** Sends what is owed: each DELIVERED (none for a uid a READ went for), then each thread's READ; what cannot go stays owed. */
  connected(): void;
  /** Drops what a thread owes. */
  forget(topic: string): void;
  /** Drops what is owed. */
  dispose(): void;
}

/** Creates the receipts of a client. */
export function createReceipts({ options, send, isDisposed, unread }: ReceiptsParts): Receipts {
  // As much as the two sets of dedupeCapacity uids (one a kind) it replaces.
  const memory = createReceiptMemory(2 * (options.timing?.dedupeCapacity ?? 5_000));
  const owed = createOwedReceipts(options.logger);
  const offline = (): boolean => !isDisposed() && !options.isConnected();

  /**
   * Sends a receipt and remembers it; a READ shows on the message. One the app asked for (`asked`)
   * whose publish is lost with the link is owed to the next connection (never sent again at once:
   * a link that says it is up while each publish fails would make a storm).
   */
  function receipt(thread: ChatThread, kind: ReceiptKind, uid: string, asked = false): boolean {
    const lost = asked
      ? (error: SdkError): void => {
          if (!isDisposed() && isLinkDown(error, options.isConnected())) owe(thread, kind, uid);
        }
      : undefined;
    if (!send(thread, kind, uid, 1, lost)) return false;
    memory.remember(uid, kind);
    if (kind === 'READ') options.onRead?.(uid);
    return true;
  }

  /** `again`: owed again if it cannot go, whatever was sent before (it was owed). */
  function ask(thread: ChatThread, kind: ReceiptKind, uid: string, again = false): Asked {
    if (receipt(thread, kind, uid, true)) return 'sent';
    if (isDisposed()) {
      droppedReceipts(options.logger, 1, { why: 'disposed', kind });
      return 'kept';
    }
    if (!offline() || !validateTopic(thread.topic).ok) return 'unsent';
    if (again || !memory.has(uid, kind)) owe(thread, kind, uid);
    return 'kept';
  }

  function owe(thread: ChatThread, kind: ReceiptKind, uid: string): void {
    if (kind === 'READ') oweRead({ thread, uid, whole: false });
    else owed.delivered(thread, uid);
  }

  /** A thread owes one READ: the later of the one kept and this one, as the thread shows them (a READ covers what is older). */
  function oweRead(read: OwedRead): void {
    const kept = owed.readOf(read.thread.topic);
    if (kept && isAfter(options.shownIn?.(read.thread.topic) ?? [], kept.uid, read.uid)) return;
    // The same message read whole before (markRead(thread)) stays whole.
    if (!(kept?.uid === read.uid && kept.whole)) owed.read(read);
  }

  function readThread(topic: string, upTo?: string): void {
    const reading = unread(topic, upTo);
    const newest = reading.at(-1);
    if (!newest) return;
    if (!memory.has(newest.uid, 'READ')) {
      if (!options.isSubscribed(topic)) return;
      if (!receipt(newest.thread, 'READ', newest.uid, true)) {
        if (offline()) oweRead({ thread: newest.thread, uid: newest.uid, whole: true });
        return;
      }
    }
    for (const message of reading) {
      memory.remember(message.uid, 'READ');
      options.onRead?.(message.uid);
    }
  }

  /** An owed receipt; a DELIVERED only if no READ went for it since. */
  function pay(thread: ChatThread, kind: ReceiptKind, uid: string): void {
    if (kind === 'READ' || !memory.has(uid, 'READ')) ask(thread, kind, uid, true);
  }

  return {
    ask,
    deliver(message) {
      if (memory.has(message.uid, 'DELIVERED')) return;
      if (options.isSubscribed(message.thread.topic)) receipt(message.thread, 'DELIVERED', message.uid);
      else options.logger.debug('no receipt to a topic not subscribed', { uid: message.uid });
    },
    readThread,
    connected() {
      const { delivered, reads } = owed.take();
      for (const { thread, uid } of delivered) {
        if (!reads.some((read) => read.uid === uid)) pay(thread, 'DELIVERED', uid);
      }
      for (const { thread, uid, whole } of reads) {
        if (whole) readThread(thread.topic, uid);
        else pay(thread, 'READ', uid);
      }
    },
    forget: (topic) => owed.drop('unsubscribed', topic),
    dispose: () => owed.drop('disposed'),
  };
}

/** Whether message `a` comes after message `b` on a thread as shown (false when either is not shown). */
function isAfter(shown: readonly LocalMessage[], a: string, b: string): boolean {
  const at = (uid: string): number => shown.findIndex((m) => m.uid === uid);
  const before = at(b);
  return before >= 0 && at(a) > before;
}
