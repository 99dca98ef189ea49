/**
 * Publishing one signal: never to a topic that is not valid (the real server closes the
 * connection on one), never bigger than a packet; our own uid marked so its copy is not news.
 * Whether it may go now (connected, not disposed) is the caller's to say.
 */
import { encodeMessage, type MessageType, SdkError, validateTopic } from '@weiyu/protocol';
import type { ChatThread } from '../api.js';
import { messageToWire } from '../message.js';
import { publishPacketSize } from './packet.js';
import type { SignalsOptions } from './signals.js';

/** What publishing a signal needs. */
export type SignalPublishing = Pick<SignalsOptions, 'outgoing' | 'maxPacketBytes' | 'markOwn' | 'publish' | 'logger'>;

/**
 * Publishes a signal; false when it cannot go (a topic not valid, too big). A failed publish is a
 * debug log, and `lost` hears of it.
 */
export function publishSignal(
  options: SignalPublishing,
  thread: ChatThread,
  type: MessageType,
  content: string,
  qos: 0 | 1,
  lost?: (error: SdkError) => void,
): boolean {
  if (!validateTopic(thread.topic).ok) return false;
  const message = options.outgoing.signal(thread, type, content);
  const payload = encodeMessage(messageToWire(message));
  if (publishPacketSize(thread.topic, payload.length, qos) > options.maxPacketBytes) return false;
  options.markOwn(message.uid);
  options.publish(thread.topic, payload, qos).catch((reason: unknown) => {
    const error = SdkError.from(reason, 'network');
    options.logger.debug('a signal was not sent', { type, code: error.code });
    lost?.(error);
  });
  return true;
}
