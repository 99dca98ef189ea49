import type { TypingEvent } from '../api.js';
import type { Clock, TimerHandle } from '../interfaces.js';

/** Keeps typing indicators alive for a while and reports when each one ends. */
export interface TypingTracker {
  /** A TYPING or PREVIEW signal arrived (active), or the other side cleared it (inactive). */
  signal(event: TypingEvent): void;
  /** How many indicators are active now. */
  active(): number;
  /** Clears every timer without reporting. */
  dispose(): void;
}

/**
 * Creates a tracker that reports each signal and, when no new one comes from the same user on
 * the same thread within `ttlMs`, reports `active: false` by itself.
 */
export function createTypingTracker(options: {
  readonly clock: Clock;
  readonly ttlMs: number;
  readonly emit: (event: TypingEvent) => void;
}): TypingTracker {
  const timers = new Map<string, TimerHandle>();
  const stop = (key: string): boolean => {
    const handle = timers.get(key);
    if (handle === undefined) return false;
    options.clock.clearTimeout(handle);
    timers.delete(key);
    return true;
  };
  return {
    signal(event) {
      const key = `${event.thread.topic}\u0000${event.user.uid}`;
      const wasActive = stop(key);
      if (!event.active) {
        if (wasActive) options.emit(event);
        return;
      }
      timers.set(
        key,
        options.clock.setTimeout(() => {
          timers.delete(key);
          options.emit({ thread: event.thread, user: event.user, active: false });
        }, options.ttlMs),
      );
      options.emit(event);
    },
    active: () => timers.size,
    dispose() {
      for (const key of [...timers.keys()]) stop(key);
    },
  };
}
