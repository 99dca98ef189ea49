import type { LocalMessage } from '../api.js';

/**
 * The messages a client knows, per thread topic, in the order they arrived (oldest first).
 * Each thread keeps at most `capacity` messages; the oldest go first.
 */
export interface Timeline {
  get(uid: string): LocalMessage | undefined;
  /** Adds a message, or replaces the one with its uid (keeping its place). */
  put(message: LocalMessage): void;
  /** The messages of a thread, oldest first. */
  list(topic: string): LocalMessage[];
  /** Forgets a thread and every message in it (after an unsubscribe). */
  dropThread(topic: string): void;
}

/** Creates an empty timeline. */
export function createTimeline(capacity: number): Timeline {
  const limit = Math.max(1, Math.floor(capacity));
  const threads = new Map<string, Map<string, LocalMessage>>();
  const topicOf = new Map<string, string>();
  return {
    get(uid) {
      const topic = topicOf.get(uid);
      return topic === undefined ? undefined : threads.get(topic)?.get(uid);
    },
    put(message) {
      const topic = topicOf.get(message.uid) ?? message.thread.topic;
      let thread = threads.get(topic);
      if (!thread) {
        thread = new Map();
        threads.set(topic, thread);
      }
      thread.set(message.uid, message);
      topicOf.set(message.uid, topic);
      if (thread.size > limit) {
        const oldest = thread.keys().next();
        if (!oldest.done) {
          thread.delete(oldest.value);
          topicOf.delete(oldest.value);
        }
      }
    },
    list: (topic) => [...(threads.get(topic)?.values() ?? [])],
    dropThread(topic) {
      const thread = threads.get(topic);
      if (!thread) return;
      threads.delete(topic);
      for (const uid of thread.keys()) if (topicOf.get(uid) === topic) topicOf.delete(uid);
    },
  };
}
