import type { ChatThread, ChatUser, TypingEvent } from '../api.js';
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

/** How many indicators are kept at most by default: anyone may post TYPING with any user uid. */
export const DEFAULT_MAX_TYPING = 64;

interface Indicator {
  readonly handle: TimerHandle;
  readonly thread: ChatThread;
  readonly user: ChatUser;
}

/**
 * Creates a tracker that reports each signal and, when no new one comes from the same user on
 * the same thread within `ttlMs`, reports `active: false` by itself. At most `maxActive`
 * indicators are kept: past that, the one renewed longest ago ends (reported inactive).
 */
export function createTypingTracker(options: {
  readonly clock: Clock;
  readonly ttlMs: number;
  readonly emit: (event: TypingEvent) => void;
  readonly maxActive?: number;
}): TypingTracker {
  const limit = Math.max(1, Math.floor(options.maxActive ?? DEFAULT_MAX_TYPING));
  // A Map keeps insertion order, and each signal re-inserts its key: the first is the stalest.
  const indicators = new Map<string, Indicator>();
  const stop = (key: string): Indicator | undefined => {
    const indicator = indicators.get(key);
    if (indicator === undefined) return undefined;
    options.clock.clearTimeout(indicator.handle);
    indicators.delete(key);
    return indicator;
  };
  const end = (key: string): void => {
    const indicator = stop(key);
    if (indicator) options.emit({ thread: indicator.thread, user: indicator.user, active: false });
  };
  return {
    signal(event) {
      const key = `${event.thread.topic}\u0000${event.user.uid}`;
      const wasActive = stop(key) !== undefined;
      if (!event.active) {
        if (wasActive) options.emit(event);
        return;
      }
      if (indicators.size >= limit) {
        const stalest = indicators.keys().next();
        if (!stalest.done) end(stalest.value);
      }
      const handle = options.clock.setTimeout(() => {
        indicators.delete(key);
        options.emit({ thread: event.thread, user: event.user, active: false });
      }, options.ttlMs);
      indicators.set(key, { handle, thread: event.thread, user: event.user });
      options.emit(event);
    },
    active: () => indicators.size,
    dispose() {
      for (const key of [...indicators.keys()]) stop(key);
    },
  };
}
