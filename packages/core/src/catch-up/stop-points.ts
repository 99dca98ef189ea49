/**
 * Stop points: per thread, the uids a catch-up may stop paging at, because nothing is missing
 * before them — messages found by a catch-up, and live ones that came while the thread was in
 * order (caught up on the current connection).
 */
import { createDedupe, type Dedupe } from '../receive/dedupe.js';
import type { Received } from '../receive/pipeline.js';

/** The stop points of every thread of a client. */
export interface StopPoints {
  /** Records that nothing is missing before `uid` on `topic`. */
  add(topic: string, uid: string): void;
  has(topic: string, uid: string): boolean;
  /** Forgets a thread (after an unsubscribe). */
  forget(topic: string): void;
}

/** Creates empty stop points, keeping the latest `capacity` uids per thread. */
export function createStopPoints(capacity: number): StopPoints {
  const threads = new Map<string, Dedupe>();
  return {
    add(topic, uid) {
      let points = threads.get(topic);
      if (!points) {
        points = createDedupe(capacity);
        threads.set(topic, points);
      }
      points.add(uid);
    },
    has: (topic, uid) => threads.get(topic)?.has(uid) ?? false,
    forget: (topic) => {
      threads.delete(topic);
    },
  };
}

/**
 * The uid a live arrival leaves as a stop point when its thread is in order: a new message,
 * the echo of one of mine, or a copy dropped as a duplicate. Signals and errors leave none.
 */
export function arrivedUid(received: Received): string | undefined {
  switch (received.kind) {
    case 'message':
      return received.message.uid || undefined;
    case 'echo':
      return received.wire.uid || undefined;
    case 'dropped':
      return received.uid || undefined;
    default:
      return undefined;
  }
}
