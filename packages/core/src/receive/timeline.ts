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

/** One thread's messages by uid, and their uids in the order they came (for the oldest, in O(1)). */
interface ThreadLine {
  readonly byUid: Map<string, LocalMessage>;
  order: string[];
  head: number;
}

/** Creates an empty timeline. */
export function createTimeline(capacity: number): Timeline {
  const limit = Math.max(1, Math.floor(capacity));
  const threads = new Map<string, ThreadLine>();
  const topicOf = new Map<string, string>();
  const dropOldest = (thread: ThreadLine): void => {
    const oldest = thread.order[thread.head];
    thread.head += 1;
    if (oldest !== undefined) {
      thread.byUid.delete(oldest);
      topicOf.delete(oldest);
    }
    if (thread.head > 1_024 && thread.head * 2 > thread.order.length) {
      thread.order = thread.order.slice(thread.head);
      thread.head = 0;
    }
  };
  return {
    get(uid) {
      const topic = topicOf.get(uid);
      return topic === undefined ? undefined : threads.get(topic)?.byUid.get(uid);
    },
    put(message) {
      const topic = topicOf.get(message.uid) ?? message.thread.topic;
      let thread = threads.get(topic);
      if (!thread) {
        thread = { byUid: new Map(), order: [], head: 0 };
        threads.set(topic, thread);
      }
      // Replaced in place: its place in the order stays.
      if (!thread.byUid.has(message.uid)) thread.order.push(message.uid);
      thread.byUid.set(message.uid, message);
      topicOf.set(message.uid, topic);
      if (thread.byUid.size > limit) dropOldest(thread);
    },
    list: (topic) => [...(threads.get(topic)?.byUid.values() ?? [])],
    dropThread(topic) {
      const thread = threads.get(topic);
      if (!thread) return;
      threads.delete(topic);
      for (const uid of thread.byUid.keys()) if (topicOf.get(uid) === topic) topicOf.delete(uid);
    },
  };
}
