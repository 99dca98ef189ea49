/**
 * Receipts going out: once per uid (receipt-memory.ts), and a READ the app asks for while
 * offline owed to the next connection (the latest per thread). Which receipt a message is due,
 * and what one READ reads, is the rule of signals.ts: it comes in as `unread`.
 */
import { type MessageType, validateTopic } from '@weiyu/protocol';
import type { ChatThread, LocalMessage } from '../api.js';
import { createReceiptMemory, type ReceiptKind } from './receipt-memory.js';
import type { SignalsOptions } from './signals.js';

/** What receipts need from the signals. */
export interface ReceiptsParts {
  readonly options: Pick<SignalsOptions, 'isConnected' | 'isSubscribed' | 'onRead' | 'logger' | 'timing' | 'shownIn'>;
  /** Publishes a signal when it may (connected, not disposed); whether it went. */
  readonly send: (thread: ChatThread, type: MessageType, content: string, qos: 0 | 1) => boolean;
  readonly isDisposed: () => boolean;
  /** What one READ on a thread reads, oldest first, up to `upTo` (signals.ts `unreadOf`). */
  readonly unread: (topic: string, upTo?: string) => LocalMessage[];
}

/** What became of a receipt the app asked for: sent now, kept (owed), or not sent. */
export type Asked = 'sent' | 'kept' | 'unsent';

/** The receipts of a client. */
export interface Receipts {
  /** A receipt the app asked for: sent, or a READ owed when offline. */
  ask(thread: ChatThread, kind: ReceiptKind, uid: string): Asked;
  /** The DELIVERED a new message is due: once per uid, only to a topic subscribed. */
  deliver(message: LocalMessage): void;
  /** One READ for what the thread shows unread (up to `upTo`); each message it reads shows READ. Offline: owed. */
  readThread(topic: string, upTo?: string): void;
  /** Sends the READs owed. */
  connected(): void;
  /** Drops what a thread owes. */
  forget(topic: string): void;
}

/** Creates the receipts of a client. */
export function createReceipts({ options, send, isDisposed, unread }: ReceiptsParts): Receipts {
  // As much as the two sets of dedupeCapacity uids (one a kind) it replaces.
  const memory = createReceiptMemory(2 * (options.timing?.dedupeCapacity ?? 5_000));
  /** READs that could not go offline, the latest per thread (a READ covers what is older): sent once connected. */
  const owed = new Map<string, OwedRead>();
  const offline = (): boolean => !isDisposed() && !options.isConnected();

  /** Sends a receipt and remembers it; a READ shows on the message. */
  function receipt(thread: ChatThread, kind: ReceiptKind, uid: string): boolean {
    if (!send(thread, kind, uid, 1)) return false;
    memory.remember(uid, kind);
    if (kind === 'READ') options.onRead?.(uid);
    return true;
  }

  function ask(thread: ChatThread, kind: ReceiptKind, uid: string): Asked {
    if (receipt(thread, kind, uid)) return 'sent';
    return kind === 'READ' && oweRead({ thread, uid, whole: false }) ? 'kept' : 'unsent';
  }

  /** Keeps a READ that could not go for the next connection, when offline is why; whether it did. */
  function oweRead(read: OwedRead): boolean {
    if (!offline() || !validateTopic(read.thread.topic).ok) return false;
    owed.set(read.thread.topic, read);
    return true;
  }

  function readThread(topic: string, upTo?: string): void {
    const reading = unread(topic, upTo);
    const newest = reading.at(-1);
    if (!newest) return;
    if (!memory.has(newest.uid, 'READ')) {
      if (!options.isSubscribed(topic)) return;
      if (!receipt(newest.thread, 'READ', newest.uid)) {
        oweRead({ thread: newest.thread, uid: newest.uid, whole: true });
        return;
      }
    }
    for (const message of reading) {
      memory.remember(message.uid, 'READ');
      options.onRead?.(message.uid);
    }
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
      const due = [...owed.values()];
      owed.clear();
      for (const { thread, uid, whole } of due) {
        if (whole) readThread(thread.topic, uid);
        else receipt(thread, 'READ', uid);
      }
    },
    forget: (topic) => {
      owed.delete(topic);
    },
  };
}

/** A thread's READ owed: for message `uid`, and with `whole` for everything the thread showed up to it. */
interface OwedRead {
  readonly thread: ChatThread;
  readonly uid: string;
  readonly whole: boolean;
}
