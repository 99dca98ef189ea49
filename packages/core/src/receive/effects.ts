/**
 * What the client does with each received message, as a pure function: the pipeline's
 * decision (pipeline.ts) and the message it is about, as shown → a list of effects for the
 * client to run. Which status wins is message-status.ts's rule. What the server lets anyone
 * post is checked here: a recall or a stream chunk applies only to its sender's message (or as
 * the app's `mayRecall` allows), and nothing shown is rewritten; what is refused is told.
 */
import type { MessageType, SdkError, WireMessage } from '@weiyu/protocol';
import type {
  ChatUser,
  LocalMessage,
  LocalStatus,
  RecallEvent,
  ReceiptEvent,
  RefusalReason,
  RefusedEvent,
  TypingEvent,
} from '../api.js';
import { userFromWire } from '../message.js';
import { moves } from '../message-status.js';
import type { Received } from './pipeline.js';
import { fromHistory, nextPiece } from './robot-stream.js';
import type { StatusChanges } from './shown.js';

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
  | { readonly type: 'emit-recall'; readonly recall: RecallEvent }
  /** A received message not applied: a `refused` event. */
  | { readonly type: 'emit-refused'; readonly refused: RefusedEvent }
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
      readonly changes?: StatusChanges;
    }
  /** A new message shown: the receipt rule (send/signals.ts) decides what goes back, if anything. */
  | { readonly type: 'acknowledge'; readonly message: LocalMessage };

/** What the effects of a received message depend on besides the message. */
export interface ReceiveFacts {
  /** The message it is about ({@link subjectOf}), as this client shows it, if it has it. */
  readonly shown?: LocalMessage | undefined;
  /** Whether that message is one of mine still in this client's outbox. */
  readonly pending: boolean;
  /** Whether a RECALL by someone other than the sender of the message shown is applied (the app's policy). */
  readonly mayRecall?: (recall: RecallEvent, target: LocalMessage) => boolean;
  /**
   * From history, and created before where its thread's gap begins (catch-up/paging.ts): known
   * for sure, so never shown again, even when the timeline no longer has it.
   */
  readonly known?: boolean;
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
    case 'dropped':
      return received.copy ? received.uid : undefined;
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
    case 'dropped': {
      const dropped = log('debug', 'dropped a received message', { uid: received.uid, reason: received.reason });
      const { copy } = received;
      // A copy of what is shown is no news; the same uid with another text or sender is a forgery.
      if (!shown || !copy || !rewrites(shown, copy.content, userFromWire(copy.user))) {
        return [dropped, ...streamFromHistory(shown, copy)];
      }
      return [dropped, ...refuse('rewrite', shown, copy.type, userFromWire(copy.user))];
    }
    case 'echo':
      return [{ type: 'confirm', uid: received.wire.uid, createdAt: received.wire.createdAt }];
    case 'receipt':
      return receiptEffects(received.receipt, facts);
    case 'typing':
      return [{ type: 'typing', typing: received.typing }];
    case 'recall':
      return recallEffects(received.recall, facts);
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
      return streamEffects(received.chunk, shown);
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

function recallEffects(recall: RecallEvent, { shown, mayRecall }: ReceiveFacts): ReceiveEffect[] {
  // A message it does not show cannot be checked here: the app's own store may.
  if (!shown) return [{ type: 'emit-recall', recall }];
  if (!sameSender(shown.user, recall.user) && !mayRecall?.(recall, shown)) {
    return refuse('recall-not-sender', shown, 'RECALL', recall.user);
  }
  const event: ReceiveEffect = { type: 'emit-recall', recall };
  return moves(shown.status, 'RECALL') ? [event, statusOf(shown, 'RECALL')] : [event];
}

function streamEffects(chunk: LocalMessage, shown: LocalMessage | undefined): ReceiveEffect[] {
  // A later piece of an answer the duplicate filter knows but the timeline let go (pushed out,
  // its thread dropped, or known from before a gap): the app had its uid already. Shown again,
  // it would be a second message with one piece of the answer in it.
  if (!shown) return [log('debug', 'a piece of an answer not shown', { uid: chunk.uid, type: chunk.type })];
  if (!sameSender(shown.user, chunk.user)) return refuse('stream-not-sender', shown, chunk.type, chunk.user);
  if (!shown.stream) return refuse('rewrite', shown, chunk.type, chunk.user);
  // An answer that ended takes no more pieces (a redelivered one would repeat its text).
  if (shown.stream.state !== 'streaming') {
    return [log('debug', 'a piece after the end of a streamed answer', { uid: shown.uid, type: chunk.type })];
  }
  return [statusOf(shown, shown.status, nextPiece({ ...shown, stream: shown.stream }, chunk.type, chunk.content))];
}

/** History's copy of a streamed answer from its sender completes the one shown, when the link missed pieces or its end. */
function streamFromHistory(shown: LocalMessage | undefined, copy: WireMessage | undefined): ReceiveEffect[] {
  if (!shown?.stream || !copy || !sameSender(shown.user, userFromWire(copy.user))) return [];
  const whole = fromHistory({ ...shown, stream: shown.stream }, copy.type, copy.content);
  return whole ? [statusOf(shown, shown.status, whole)] : [];
}

function messageEffects(message: LocalMessage, facts: ReceiveFacts): ReceiveEffect[] {
  const { shown } = facts;
  if (shown) {
    if (rewrites(shown, message.content, message.user)) return refuse('rewrite', shown, message.type, message.user);
    // One of mine that had failed for good, confirmed after all; anything else known is no news.
    if (shown.mine && shown.status === 'FAILED') {
      return [statusOf(shown, 'SUCCESS', { createdAt: message.createdAt })];
    }
    return [];
  }
  // Known for sure (catch-up's floor), though no longer shown: not news.
  if (facts.known) return [];
  return [
    { type: 'show', message },
    { type: 'acknowledge', message },
  ];
}

/** Whether two users are one sender: a sender without a uid is no one, so never the same. */
function sameSender(a: ChatUser, b: ChatUser): boolean {
  return a.uid.length > 0 && a.uid === b.uid;
}

/**
 * Whether a message with the uid of `shown` would change it: another sender, or another text
 * (a stream's text grows chunk by chunk, and history holds it whole: only its sender counts).
 */
function rewrites(shown: LocalMessage, content: string, user: ChatUser): boolean {
  if (shown.user.uid !== user.uid) return true;
  return !shown.stream && shown.content !== content;
}

function refuse(reason: RefusalReason, target: LocalMessage, type: MessageType, user: ChatUser): ReceiveEffect[] {
  return [
    log('warn', 'refused a received message', { uid: target.uid, reason, type, from: user.uid }),
    { type: 'emit-refused', refused: { reason, target, type, user } },
  ];
}

function statusOf(shown: LocalMessage, status: LocalStatus, changes?: StatusChanges): ReceiveEffect {
  return changes ? { type: 'status', uid: shown.uid, status, changes } : { type: 'status', uid: shown.uid, status };
}

function log(level: 'debug' | 'warn', message: string, data: Record<string, unknown>): ReceiveEffect {
  return { type: 'log', level, message, data };
}
