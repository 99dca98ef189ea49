/**
 * Receiving, end to end: the pipeline (pipeline.ts) decides what a message is, effects.ts what
 * follows from it, and this runs those effects against the rest of the client.
 */
import type { SdkError, WireMessage } from '@weiyu/protocol';
import type { ChatClientEvents, LocalMessage, RecallEvent, TypingEvent } from '../api.js';
import type { Logger } from '../interfaces.js';
import { describeThrown } from '../logger.js';
import { effectsOf, type ReceiveEffect, subjectOf } from './effects.js';
import { type ReceiveContext, type Received, receiveBytes, receiveWire } from './pipeline.js';
import type { Shown } from './shown.js';

/** What receiving acts on. */
export interface ReceiverOptions {
  readonly context: ReceiveContext;
  readonly shown: Shown;
  readonly logger: Logger;
  /** The app's policy for a RECALL by someone other than the message's sender (default: refused). */
  readonly mayRecall?: ((recall: RecallEvent, target: LocalMessage) => boolean) | undefined;
  /** The server has one of my pending messages (its echo, or a receipt for it). */
  readonly confirm: (uid: string, createdAt: string) => void;
  readonly typing: (event: TypingEvent) => void;
  /** KICKOFF: the connection stops for good. */
  readonly kicked: (event: ChatClientEvents['kicked']) => void;
  /** A new message is shown: the receipt it is due goes back (send/signals.ts). */
  readonly acknowledge: (message: LocalMessage) => void;
  /** The client's `receipt`, `recall` and `refused` events. */
  readonly emit: <K extends 'receipt' | 'recall' | 'refused'>(event: K, payload: ChatClientEvents[K]) => void;
  /** A receipt for a message the thread does not show: the server moved that row to the top of history. */
  readonly unshownReceipt?: (topic: string) => void;
  /** Whether a known row of catch-up (created before the gap) is scrollback's to show as older history. */
  readonly claimsOlder?: (topic: string, uid: string) => boolean;
  readonly emitError: (error: SdkError) => void;
}

/** Receives what the realtime link and history bring. */
export interface Receiver {
  /** Bytes from the realtime link; returns what they were. */
  live(topic: string, payload: Uint8Array): Received;
  /**
   * A message from a thread's history (catch-up). `known`: created before where the thread's
   * gap begins, so read for its status only (never shown as new).
   */
  history(topic: string, wire: WireMessage, known?: boolean): void;
  /**
   * A message from a thread's older history (scrollback): shown before the newer ones, with no
   * `message` event and no automatic receipt. Known means shown (a message the timeline let go
   * may come back). Returns it when it was new.
   */
  older(topic: string, wire: WireMessage): LocalMessage | undefined;
}

/** How a received message is shown: as news (an event, a receipt), or as older history the app asked for. */
type Mode = 'news' | 'older';

/** Creates the receiver of a client. */
export function createReceiver(options: ReceiverOptions): Receiver {
  const { shown, context } = options;
  const mayRecall = safePolicy(options);

  // Older history is known when it is shown: the duplicate filter also remembers what the
  // timeline let go, which scrollback may bring back. What it brings is remembered there too.
  const olderContext: ReceiveContext = {
    ...context,
    dedupe: {
      has: (uid) => shown.get(uid) !== undefined,
      add(uid) {
        context.dedupe.add(uid);
        return shown.get(uid) === undefined;
      },
      size: () => context.dedupe.size(),
    },
  };
  let olderShown: LocalMessage | undefined;

  function handle(received: Received, mode: Mode = 'news', known = false): Received {
    const uid = subjectOf(received);
    const effects = effectsOf(received, {
      known,
      shown: uid === undefined ? undefined : shown.get(uid),
      pending: uid !== undefined && context.isAwaitingEcho(uid),
      mayRecall,
    });
    for (const effect of effects) run(effect, mode);
    return received;
  }

  function run(effect: ReceiveEffect, mode: Mode): void {
    switch (effect.type) {
      case 'log':
        options.logger[effect.level](effect.message, { ...effect.data });
        return;
      case 'emit-error':
        options.emitError(effect.error);
        return;
      case 'confirm':
        options.confirm(effect.uid, effect.createdAt);
        return;
      case 'emit-receipt':
        if (!shown.get(effect.receipt.uid)) options.unshownReceipt?.(effect.receipt.thread.topic);
        options.emit('receipt', effect.receipt);
        return;
      case 'typing':
        options.typing(effect.typing);
        return;
      case 'emit-recall':
        options.emit('recall', effect.recall);
        return;
      case 'emit-refused':
        options.emit('refused', effect.refused);
        return;
      case 'kicked':
        options.kicked({ reason: effect.reason, raw: effect.raw });
        return;
      case 'show':
        if (mode === 'news') shown.add(effect.message);
        else {
          shown.addOlder(effect.message);
          olderShown = effect.message;
        }
        return;
      case 'status':
        shown.move(effect.uid, effect.status, effect.changes);
        return;
      case 'acknowledge':
        if (mode === 'news') options.acknowledge(effect.message);
        return;
    }
  }

  const older = (topic: string, wire: WireMessage): LocalMessage | undefined => {
    olderShown = undefined;
    handle(receiveWire(wire, { topic, source: 'catch-up' }, olderContext), 'older');
    return olderShown;
  };

  return {
    live: (topic, payload) => handle(receiveBytes(topic, payload, context)),
    history(topic, wire, known) {
      // Created before the gap and not shown on a scrolled thread: a receipt moved it up from below the cursor.
      if (known && options.claimsOlder?.(topic, wire.uid)) older(topic, wire);
      else handle(receiveWire(wire, { topic, source: 'catch-up' }, context), 'news', known);
    },
    older,
  };
}

/** The app's recall policy, where a throw counts as a refusal (the client keeps receiving). */
function safePolicy(options: ReceiverOptions): ((recall: RecallEvent, target: LocalMessage) => boolean) | undefined {
  const policy = options.mayRecall;
  if (!policy) return undefined;
  return (recall, target) => {
    try {
      return policy(recall, target) === true;
    } catch (error) {
      options.logger.warn('mayRecall threw: the recall is refused', {
        error: describeThrown(error),
      });
      return false;
    }
  };
}
