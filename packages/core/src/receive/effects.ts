/**
 * What the client does with each received message, as a pure function: the pipeline's
 * decision (pipeline.ts) and the message it is about, as shown → a list of effects for the
 * client to run. Which status wins is message-status.ts's rule.
 */
import { isSignalMessageType, type SdkError } from '@weiyu/protocol';
import type { ChatClientEvents, ChatThread, LocalMessage, LocalStatus, ReceiptEvent, TypingEvent } from '../api.js';
import { moves } from '../message-status.js';
import type { Received } from './pipeline.js';

/** One thing the client does because a message arrived. */
export type ReceiveEffect =
  | {
      readonly type: 'log';
      readonly level: 'debug' | 'warn';
      readonly message: string;
      readonly data: Readonly<Record<string, unknown>>;
    }
  /** An `error` event. */
  | { readonly type: 'emit-error'; readonly error: SdkError }
  /** The server has one of my pending messages: the sender takes it as confirmed. */
  | { readonly type: 'confirm'; readonly uid: string; readonly createdAt: string }
  | { readonly type: 'emit-receipt'; readonly receipt: ReceiptEvent }
  /** To the typing tracker, which emits `typing` and ends it after its time to live. */
  | { readonly type: 'typing'; readonly typing: TypingEvent }
  | { readonly type: 'emit-recall'; readonly recall: ChatClientEvents['recall'] }
  /** Logged out by the server: stop reconnecting, emit `kicked`. */
  | { readonly type: 'kicked'; readonly reason: string; readonly raw: string }
  /** A new message: into the timeline, and a `message` event. */
  | { readonly type: 'show'; readonly message: LocalMessage }
  /**
   * Move a shown message to `status` (with a new time or content): a `status` event, when the
   * status rule takes it against the message as shown when the effect runs.
   */
  | {
      readonly type: 'status';
      readonly uid: string;
      readonly status: LocalStatus;
      readonly changes?: { readonly createdAt?: number; readonly content?: string };
    }
  /** Tell the sender its message arrived (automatic DELIVERED). */
  | { readonly type: 'send-delivered'; readonly thread: ChatThread; readonly uid: string };

/** What the effects of a received message depend on besides the message. */
export interface ReceiveFacts {
  /** The message it is about ({@link subjectOf}), as this client shows it, if it has it. */
  readonly shown?: LocalMessage | undefined;
  /** Whether that message is one of mine still in this client's outbox. */
  readonly pending: boolean;
  /** Whether the realtime link is up (signals go only then). */
  readonly connected: boolean;
  /** Whether to send DELIVERED for new messages of others. */
  readonly autoDelivered: boolean;
}

/** The uid of the message a received one is about (its own, or the one a receipt or recall names). */
export function subjectOf(received: Received): string | undefined {
  switch (received.kind) {
    case 'receipt':
      return received.receipt.uid;
    case 'recall':
      return received.recall.uid;
    case 'stored-status':
      return received.uid;
    case 'stream':
      return received.chunk.uid;
    case 'message':
      return received.message.uid;
    case 'echo':
      return received.wire.uid;
    default:
      return undefined;
  }
}

/** The effects of one received message. Pure; never throws. */
export function effectsOf(received: Received, facts: ReceiveFacts): ReceiveEffect[] {
  const { shown } = facts;
  switch (received.kind) {
    case 'error':
      return [
        log('warn', 'received a message that could not be read', { code: received.error.code }),
        { type: 'emit-error', error: received.error },
      ];
    case 'dropped':
      return [log('debug', 'dropped a received message', { uid: received.uid, reason: received.reason })];
    case 'echo':
      return [{ type: 'confirm', uid: received.wire.uid, createdAt: received.wire.createdAt }];
    case 'receipt':
      return receiptEffects(received.receipt, facts);
    case 'typing':
      return [{ type: 'typing', typing: received.typing }];
    case 'recall': {
      const recall: ReceiveEffect = { type: 'emit-recall', recall: received.recall };
      return shown && moves(shown.status, 'RECALL') ? [recall, statusOf(shown, 'RECALL')] : [recall];
    }
    case 'kicked':
      return [
        log('warn', 'kicked by the server', { reason: received.reason }),
        { type: 'kicked', reason: received.reason, raw: received.raw },
      ];
    case 'stored-status':
      // Receipts and recalls are broadcast once and not kept as messages, but the server keeps
      // the status they set: history gives back what was missed while away. A message still in
      // my outbox is the sender's to settle.
      if (!shown || facts.pending || !moves(shown.status, received.status)) return [];
      return [statusOf(shown, received.status)];
    case 'stream':
      if (!shown) return [{ type: 'show', message: received.chunk }];
      return [statusOf(shown, shown.status, { content: shown.content + received.chunk.content })];
    case 'message':
      return messageEffects(received.message, facts);
  }
}

function receiptEffects(receipt: ReceiptEvent, { shown, pending }: ReceiveFacts): ReceiveEffect[] {
  const effects: ReceiveEffect[] = [];
  // A receipt proves the server has the message: as good as its echo.
  if (pending) effects.push({ type: 'confirm', uid: receipt.uid, createdAt: '' });
  effects.push({ type: 'emit-receipt', receipt });
  // The author's own receipt (another device of theirs) says nothing about the other side.
  if (shown && shown.user.uid !== receipt.user.uid && moves(shown.status, receipt.kind)) {
    effects.push(statusOf(shown, receipt.kind));
  }
  return effects;
}

function messageEffects(message: LocalMessage, facts: ReceiveFacts): ReceiveEffect[] {
  const { shown } = facts;
  if (shown) {
    // One of mine that had failed for good, confirmed after all; anything else known is no news.
    if (shown.mine && shown.status === 'FAILED') {
      return [statusOf(shown, 'SUCCESS', { createdAt: message.createdAt })];
    }
    return [];
  }
  const effects: ReceiveEffect[] = [{ type: 'show', message }];
  // A caught-up message was not delivered before either; a status that says so already is.
  const delivered = message.status === 'DELIVERED' || message.status === 'READ';
  if (facts.autoDelivered && facts.connected && !message.mine && !isSignalMessageType(message.type) && !delivered) {
    effects.push({ type: 'send-delivered', thread: message.thread, uid: message.uid });
  }
  return effects;
}

function statusOf(
  shown: LocalMessage,
  status: LocalStatus,
  changes?: { readonly createdAt?: number; readonly content?: string },
): ReceiveEffect {
  return changes ? { type: 'status', uid: shown.uid, status, changes } : { type: 'status', uid: shown.uid, status };
}

function log(level: 'debug' | 'warn', message: string, data: Record<string, unknown>): ReceiveEffect {
  return { type: 'log', level, message, data };
}
