/**
 * The messages this user sends, as they are made before anything travels: content checked and
 * built, a fresh uid (time-ordered), this client's user and channel — or, when that fails, the FAILED message
 * `send` returns at once.
 */
import { type Channel, checkIds, type MessageType, SdkError, validateTopic } from '@weiyu/protocol';
import type { ChatThread, ChatUser, LocalMessage, OutgoingContent, SentMessage } from '../api.js';
import { buildContent } from '../content/index.js';
import type { Clock, RandomSource } from '../interfaces.js';
import { createOutgoingMessage, withStatus } from '../message.js';
import { createUidMaker } from '../random.js';

/** Who sends, and how uids and times are made. */
export interface OutgoingOptions {
  readonly user: ChatUser;
  readonly channel: Channel;
  readonly orgUid?: string | undefined;
  readonly clock: Pick<Clock, 'now'>;
  readonly random: RandomSource;
}

/** Makes this user's outgoing messages. */
export interface Outgoing {
  /**
   * A new message for `send`: `{ message }`, or `{ failed }` when the thread is unusable (its
   * topic, or an id over its limit), the client is closed or the content is invalid (checked in that order).
   */
  prepare(
    thread: ChatThread,
    content: OutgoingContent,
    closed: boolean,
  ): { readonly message: LocalMessage } | { readonly failed: SentMessage };
  /** A signal (typing, receipt, recall) with its own uid. */
  signal(thread: ChatThread, type: MessageType, content: string): LocalMessage;
  /** A message that failed before anything was sent: FAILED with `error`, `done` settled. */
  failed(thread: ChatThread, error: SdkError, uid?: string): SentMessage;
}

/** Creates the maker of a user's outgoing messages. */
export function createOutgoing(options: OutgoingOptions): Outgoing {
  // Time-ordered: a sender's uids sort in send order (catch-up orders one server second by them).
  const nextUid = createUidMaker(options.clock, options.random);
  const make = (thread: ChatThread, type: MessageType, content: string, uid?: string, orgUid = options.orgUid) =>
    createOutgoingMessage({
      uid: uid ?? nextUid(),
      type,
      content,
      user: options.user,
      thread,
      channel: options.channel,
      ...(orgUid ? { orgUid } : {}),
      now: options.clock.now(),
    });

  const failed = (thread: ChatThread, error: SdkError, uid?: string): SentMessage => {
    const message = withStatus(make(thread, 'TEXT', '', uid, ''), 'FAILED', { error });
    return { ...message, done: Promise.resolve(message) };
  };

  return {
    prepare(thread, content, closed) {
      const topic = validateTopic(thread.topic);
      if (!topic.ok) return { failed: failed(thread, topic.error) };
      const ids = checkIds({ thread: { uid: thread.uid, user: { uid: thread.user?.uid ?? '' } } }, 'invalid_argument');
      if (!ids.ok) return { failed: failed(thread, ids.error) };
      if (closed) return { failed: failed(thread, new SdkError('closed', 'the client was disposed')) };
      const built = buildContent(content);
      if (!built.ok) return { failed: failed(thread, built.error) };
      return { message: make(thread, built.value.type, built.value.content) };
    },
    signal: (thread, type, content) => make(thread, type, content),
    failed,
  };
}
