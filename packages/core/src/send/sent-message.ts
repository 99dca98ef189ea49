import type { LocalMessage, SentMessage } from '../api.js';

/**
 * The message `send` returns: a copy of `message` with its `done`. Built with `Object.assign`,
 * not `{ ...message, done }`: in V8 11 (Node 20) optimized code gives every object made by a
 * spread followed by a new key a hidden class of its own, about 1 µs each and slow to read
 * afterwards; this runs once per message sent.
 */
export function sentMessage(message: LocalMessage, done: Promise<LocalMessage>): SentMessage {
  return Object.assign({}, message, { done });
}

/** A message whose outcome is known already: `done` is settled with it. */
export function settledNow(message: LocalMessage): SentMessage {
  return sentMessage(message, Promise.resolve(message));
}
