/**
 * Receiving, end to end: the pipeline (pipeline.ts) decides what a message is, effects.ts what
 * follows from it, and this runs those effects against the rest of the client.
 */
import type { SdkError, WireMessage } from '@weiyu/protocol';
import type { ChatClientEvents, LocalMessage, RecallEvent, TypingEvent } from '../api.js';
import type { Logger } from '../interfaces.js';
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
}

/** Creates the receiver of a client. */
export function createReceiver(options: ReceiverOptions): Receiver {
  const { shown, context } = options;
  const mayRecall = safePolicy(options);

  function handle(received: Received, known = false): Received {
    const uid = subjectOf(received);
    const effects = effectsOf(received, {
      known,
      shown: uid === undefined ? undefined : shown.get(uid),
      pending: uid !== undefined && context.isAwaitingEcho(uid),
      ...(mayRecall ? { mayRecall } : {}),
    });
    for (const effect of effects) run(effect);
    return received;
  }

  function run(effect: ReceiveEffect): void {
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
        shown.add(effect.message);
        return;
      case 'status':
        shown.move(effect.uid, effect.status, effect.changes);
        return;
      case 'acknowledge':
        options.acknowledge(effect.message);
        return;
    }
  }

  return {
    live: (topic, payload) => handle(receiveBytes(topic, payload, context)),
    history(topic, wire, known) {
      handle(receiveWire(wire, { topic, source: 'catch-up' }, context), known);
    },
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
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
  };
}
