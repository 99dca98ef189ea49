/**
 * How wide each thread's send window is now: it adapts to the link, as TCP's does, and the time
 * each echo took (from its publish) says how the link and the server keep up.
 * - A thread starts at {@link WINDOW_START} messages in flight (or the ceiling, `sendWindow`, if
 *   that is smaller), and again after every reconnect: a new link has proved nothing yet.
 * - Ramp: while every echo comes back in time, each widens the window by {@link RAMP_GAIN}, so it
 *   grows fourfold with each round trip: a burst on a 100 ms link passes 2,000 in flight in three.
 * - An echo in time took at most {@link LATE_SHARE} of the echo timeout longer than the quickest
 *   echo of the thread: more than that is a queue building up (the server's async processing, a
 *   slow uplink). A late echo widens nothing and stops the ramp for an echo timeout: meanwhile
 *   the window widens by one per round trip (one per window of echoes in time), as TCP does past
 *   its slow start.
 * - Trouble halves it, never below one, and stops the ramp likewise: an MQTT attempt that went
 *   wrong (its echo did not come in time, its publish failed), or an echo that took over half
 *   the echo timeout (the ones behind it are about to time out and go over REST). The messages
 *   that were out together fail together, so one halving stands for all the trouble within an
 *   echo timeout of it.
 * Only published messages have echo and deadline timers: those waiting behind the window have none,
 * so a narrow window never makes one of them time out. A window of 1 is one message at a time,
 * whatever the link does.
 */
import type { SendState } from './machine.js';

/** How many messages a thread may have in flight before the link has shown what it carries. */
export const WINDOW_START = 32;

/** How much each echo in time widens the window while it ramps up (fourfold per round trip). */
export const RAMP_GAIN = 3;

/** How much longer than the thread's quickest echo an echo may take and still be in time: this share of the echo timeout. */
export const LATE_SHARE = 0.1;

/** The threads tracked at most; the oldest is forgotten (it starts again from the start). */
const MAX_THREADS = 1_024;

/** The adaptive send window of every thread of one sender. */
export interface ThreadWindows {
  /** How many messages of the thread may be on their way now (1 ≤ size ≤ ceiling). */
  size(topic: string): number;
  /**
   * A message of the thread went from `previous` to `next`: widen or narrow its window.
   * `sentAt` is when its current attempt was published (clock ms), to time its echo.
   */
  observe(topic: string, previous: SendState, next: SendState, sentAt: number): void;
  /** The link is new (a reconnect): every thread starts again from the start. */
  reset(): void;
}

/** What the window knows of one thread. */
interface ThreadWindow {
  size: number;
  /** When the last late echo or trouble was (clock ms): the ramp waits an echo timeout after it. */
  lateAt: number;
  /** Echoes in time since the window last widened, past the ramp (it widens once per `size` of them). */
  credit: number;
  /** The quickest echo of the thread (ms from its publish). */
  quickest: number;
  /** When it was last halved (clock ms). */
  cutAt: number;
}

/** Creates the windows of a sender whose threads may have at most `ceiling` messages in flight. */
export function createThreadWindows(options: {
  readonly ceiling: number;
  /** The echo timeout: what makes an echo late, and how long one halving stands for all the trouble after it. */
  readonly echoTimeoutMs: number;
  readonly now: () => number;
}): ThreadWindows {
  const { ceiling, echoTimeoutMs, now } = options;
  const start = Math.min(ceiling, WINDOW_START);
  const threads = new Map<string, ThreadWindow>();
  const windowOf = (topic: string): ThreadWindow => {
    let state = threads.get(topic);
    if (!state) {
      if (threads.size >= MAX_THREADS) threads.delete(threads.keys().next().value as string);
      state = { size: start, lateAt: -Infinity, credit: 0, quickest: Infinity, cutAt: -Infinity };
      threads.set(topic, state);
    }
    return state;
  };
  const cut = (state: ThreadWindow, time: number): void => {
    state.lateAt = time;
    if (time - state.cutAt < echoTimeoutMs) return;
    state.size = Math.max(1, state.size >> 1);
    state.credit = 0;
    state.cutAt = time;
  };
  const echoed = (state: ThreadWindow, time: number, tookMs: number): void => {
    state.quickest = Math.min(state.quickest, tookMs);
    if (tookMs > echoTimeoutMs / 2) cut(state, time);
    else if (tookMs > state.quickest + echoTimeoutMs * LATE_SHARE) state.lateAt = time;
    else if (time - state.lateAt >= echoTimeoutMs) state.size = Math.min(ceiling, state.size + RAMP_GAIN);
    else if (++state.credit >= state.size) {
      state.size = Math.min(ceiling, state.size + 1);
      state.credit = 0;
    }
  };
  return {
    size: (topic) => threads.get(topic)?.size ?? start,
    observe(topic, previous, next, sentAt) {
      if (previous.status !== 'publishing' && previous.status !== 'awaiting-echo') return;
      const time = now();
      if (next.status === 'succeeded') echoed(windowOf(topic), time, time - sentAt);
      else if (next.status === 'retry-wait' || next.status === 'posting') cut(windowOf(topic), time);
    },
    reset: () => threads.clear(),
  };
}
