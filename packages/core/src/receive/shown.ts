/**
 * What the app is shown: the timeline of known messages, and every change to it told as an
 * event. Every status change goes through here, under the one status rule (message-status.ts).
 */
import type { ChatClientEvents, LocalMessage, LocalStatus, RobotStream } from '../api.js';
import { withStatus } from '../message.js';
import { advance } from '../message-status.js';
import { createTimeline, type Timeline, type TimelineEvents } from './timeline.js';

/** What a status move may change besides the status: the server's time, the content, a robot's answer. */
export interface StatusChanges {
  readonly createdAt?: number;
  readonly content?: string;
  readonly stream?: RobotStream;
}

/** The messages shown, and the events that tell their changes. */
export interface Shown extends Pick<Timeline, 'get' | 'list' | 'dropThread'> {
  /** Keeps a message without telling (the app has it: it sent it, or it was restored). */
  keep(message: LocalMessage): void;
  /** A new message: kept, and a `message` event. */
  add(message: LocalMessage): void;
  /** A message loaded from older history: kept before the newer ones, without an event (the app asked for it). */
  addOlder(message: LocalMessage): void;
  /**
   * Moves a shown message to `status` (with a new time or content): a `status` event, unless
   * the status rule refuses it or nothing changes.
   */
  move(uid: string, status: LocalStatus, changes?: StatusChanges): void;
  /** This user read a message of someone else's: READ (a READ of mine says the other side read it, not this one). */
  readHere(uid: string): void;
  /** The sender changed one of my messages: shown, with a `status` event, unless the status rule refuses it. */
  sent(message: LocalMessage, previous: LocalStatus): void;
}

/** What {@link createShown} tells: the events, and each change to a thread's timeline. */
export interface ShownEvents extends TimelineEvents {
  readonly onMessage: (message: ChatClientEvents['message']) => void;
  readonly onStatus: (change: ChatClientEvents['status']) => void;
}

/** Creates what a client shows, keeping at most `capacity` messages per thread. */
export function createShown(capacity: number, events: ShownEvents): Shown {
  const timeline = createTimeline(capacity, events);
  const move: Shown['move'] = (uid, status, changes = {}) => {
    const shown = timeline.get(uid);
    if (!shown || advance(shown.status, status) !== status) return;
    const same = changes.content === undefined && changes.createdAt === undefined && changes.stream === undefined;
    if (status === shown.status && same) return;
    const next = withStatus(shown, status, changes);
    timeline.put(next);
    events.onStatus({ message: next, previous: shown.status });
  };
  return {
    get: (uid) => timeline.get(uid),
    list: (topic) => timeline.list(topic),
    dropThread: (topic) => timeline.dropThread(topic),
    keep: (message) => timeline.put(message),
    add(message) {
      timeline.put(message);
      events.onMessage(message);
    },
    addOlder: (message) => timeline.putOlder(message),
    move,
    readHere(uid) {
      if (timeline.get(uid)?.mine === false) move(uid, 'READ');
    },
    sent(message, previous) {
      const shown = timeline.get(message.uid);
      // A receipt or a recall may have moved it further already.
      if (shown && advance(shown.status, message.status) !== message.status) return;
      timeline.put(message);
      events.onStatus({ message, previous: shown?.status ?? previous });
    },
  };
}
