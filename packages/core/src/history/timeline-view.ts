/**
 * `client.timeline(topic)`: a thread as a UI shows it ({@link TimelineSnapshot}), one readable
 * per topic (readable.ts). The snapshot is a new object only when the thread's messages (the
 * timeline's snapshot array), `hasMore` or `loading` changed; a thread's listeners hear only of
 * that thread.
 */
import type { LocalMessage, Readable, TimelineSnapshot } from '../api.js';
import { createReadableFamily, type ListenerErrorReporter } from '../readable.js';

/** What a thread's snapshot is made of. */
export interface TimelineViewSources {
  /** The thread's messages: the same array until the thread changes. */
  readonly list: (topic: string) => readonly LocalMessage[];
  readonly hasMore: (topic: string) => boolean;
  readonly loading: (topic: string) => boolean;
  readonly onListenerError?: ListenerErrorReporter;
}

/** The readables of every thread's view. */
export interface TimelineViews {
  of(topic: string): Readable<TimelineSnapshot>;
  /** Something in the thread may have changed. */
  changed(topic: string): void;
  /** Runs `change` with the thread's listeners held; they hear once after it, if anything changed. */
  together(topic: string, change: () => void): void;
  /** The thread was dropped: its readable goes unless someone listens (then it shows the empty thread). */
  forget(topic: string): void;
}

/** Creates the views of a client's threads. */
export function createTimelineViews(sources: TimelineViewSources): TimelineViews {
  const last = new Map<string, TimelineSnapshot>();
  const snapshot = (topic: string): TimelineSnapshot => {
    const messages = sources.list(topic);
    const hasMore = sources.hasMore(topic);
    const loading = sources.loading(topic);
    const before = last.get(topic);
    if (before && before.messages === messages && before.hasMore === hasMore && before.loading === loading) {
      return before;
    }
    const next: TimelineSnapshot = Object.freeze({ topic, messages, hasMore, loading });
    last.set(topic, next);
    return next;
  };
  const family = createReadableFamily(snapshot, sources.onListenerError);
  /** Threads whose listeners are held, and whether they changed meanwhile. */
  const held = new Map<string, boolean>();
  return {
    of: (topic) => family.of(topic),
    changed(topic) {
      if (held.has(topic)) held.set(topic, true);
      else family.changed(topic);
    },
    together(topic, change) {
      if (held.has(topic)) return change();
      held.set(topic, false);
      try {
        change();
      } finally {
        const changed = held.get(topic) === true;
        held.delete(topic);
        if (changed) family.changed(topic);
      }
    },
    forget(topic) {
      last.delete(topic);
      family.forget(topic);
    },
  };
}
