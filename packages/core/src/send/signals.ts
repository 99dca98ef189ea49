/**
 * Signals: typing, receipts and recalls. They go over MQTT only when connected and are never
 * kept in the outbox; typing is throttled per thread. None goes to a topic that is not valid
 * (the real server closes the connection on one), and an automatic receipt only to a topic
 * this client is subscribed to.
 */
import { encodeMessage, type MessageType, SdkError, validateTopic } from '@weiyu/protocol';
import type { ChatThread } from '../api.js';
import type { Clock, Logger } from '../interfaces.js';
import { messageToWire } from '../message.js';
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
}

/** The signals of one client. */
export interface Signals {
  /** Publishes a signal when connected; false when it was not sent. */
  send(thread: ChatThread, type: MessageType, content: string, qos: 0 | 1): boolean;
  /** A signal the app asked for (`markDelivered`, `markRead`, `recall`): an `error` event when not sent. */
  explicit(thread: ChatThread, type: MessageType, uid: string): boolean;
  /**
   * The automatic DELIVERED for a message received on `thread`: only to a topic this client is
   * subscribed to, never to one a payload names. False when not sent.
   */
  delivered(thread: ChatThread, uid: string): boolean;
  /** TYPING, at QoS 0, at most one per `typingThrottleMs` per thread. */
  typing(thread: ChatThread): void;
  /** Forgets a thread (after an unsubscribe). */
  forget(topic: string): void;
  /** Sends nothing from now on. */
  dispose(): void;
}

/** Creates the signals of a client. */
export function createSignals(options: SignalsOptions): Signals {
  const lastTyping = new Map<string, number>();
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

  return {
    send,
    explicit(thread, type, uid) {
      if (send(thread, type, uid, 1)) return true;
      const topic = validateTopic(thread.topic);
      const error = topic.ok
        ? new SdkError('not_connected', `${type} for ${uid} was not sent: not connected`)
        : topic.error;
      options.emitError(error);
      return false;
    },
    delivered(thread, uid) {
      if (!options.isSubscribed(thread.topic)) {
        options.logger.debug('no DELIVERED to a topic not subscribed', { uid });
        return false;
      }
      return send(thread, 'DELIVERED', uid, 1);
    },
    typing(thread) {
      const now = options.clock.now();
      const last = lastTyping.get(thread.topic);
      if (last !== undefined && now - last < options.typingThrottleMs) return;
      if (send(thread, 'TYPING', '', 0)) lastTyping.set(thread.topic, now);
    },
    forget: (topic) => {
      lastTyping.delete(topic);
    },
    dispose: () => {
      disposed = true;
    },
  };
}
