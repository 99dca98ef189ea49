/**
 * How wide each thread's send window is now: it adapts to the link, as TCP's does.
 * - A thread starts at {@link WINDOW_START} messages in flight (or the ceiling, `sendWindow`, if
 *   that is smaller), and again after every reconnect: a new link has proved nothing yet.
 * - Each message confirmed by its echo widens it by one, up to the ceiling: the window doubles
 *   with each round trip that comes back whole, so a burst on a 100 ms link reaches the ceiling
 *   in a few round trips.
 * - A message whose MQTT attempt went wrong (its echo did not come in time, its publish failed)
 *   halves it, never below one. The messages that were out together fail together, so one
 *   halving stands for all the trouble within an echo timeout of it.
 * A window of 1 is one message at a time, whatever the link does.
 */
import type { SendState } from './machine.js';

/** How many messages a thread may have in flight before the link has shown what it carries. */
export const WINDOW_START = 32;

/** The threads tracked at most; the oldest is forgotten (it starts again from the start). */
const MAX_THREADS = 1_024;

/** The adaptive send window of every thread of one sender. */
export interface ThreadWindows {
  /** How many messages of the thread may be on their way now (1 ≤ size ≤ ceiling). */
  size(topic: string): number;
  /** A message of the thread went from `previous` to `next`: widen or narrow its window. */
  observe(topic: string, previous: SendState, next: SendState): void;
  /** The link is new (a reconnect): every thread starts again from the start. */
  reset(): void;
}

/** Creates the windows of a sender whose threads may have at most `ceiling` messages in flight. */
export function createThreadWindows(options: {
  readonly ceiling: number;
  /** When one halving stands for all the trouble after it (the echo timeout). */
  readonly calmMs: number;
  readonly now: () => number;
}): ThreadWindows {
  const { ceiling, calmMs, now } = options;
  const start = Math.min(ceiling, WINDOW_START);
  const sizes = new Map<string, { size: number; cutAt: number }>();
  const stateOf = (topic: string) => {
    let state = sizes.get(topic);
    if (!state) {
      if (sizes.size >= MAX_THREADS) sizes.delete(sizes.keys().next().value as string);
      state = { size: start, cutAt: -Infinity };
      sizes.set(topic, state);
    }
    return state;
  };
  return {
    size: (topic) => sizes.get(topic)?.size ?? start,
    observe(topic, previous, next) {
      if (previous.status !== 'publishing' && previous.status !== 'awaiting-echo') return;
      if (next.status === 'succeeded') {
        const state = stateOf(topic);
        if (state.size < ceiling) state.size++;
      } else if (next.status === 'retry-wait' || next.status === 'posting') {
        const state = stateOf(topic);
        if (now() - state.cutAt < calmMs) return;
        state.size = Math.max(1, Math.floor(state.size / 2));
        state.cutAt = now();
      }
    },
    reset: () => sizes.clear(),
  };
}
