import type { Clock, TimerHandle } from '../interfaces.js';

/** A clock that only moves when a test says so. */
export interface FakeClock extends Clock {
  /**
   * Moves time forward by `ms`, running every timer that falls due, in due order (timers with
   * the same due time in the order they were set), including timers set by those timers.
   * Promise continuations are NOT run between timers: use {@link advanceAsync} for code that awaits.
   */
  advance(ms: number): void;
  /**
   * Like {@link advance}, but lets pending promise continuations run before time moves and after
   * every timer, so async code driven by timers behaves as it would for real.
   */
  advanceAsync(ms: number): Promise<void>;
  /**
   * Models a sleep (laptop lid closed, process frozen): moves `now` forward by `ms` at once,
   * WITHOUT running timers at their due times, then runs every timer now due, in due order, all
   * seeing the new `now` (late, as after a real wake). Timers those timers set run too when due.
   */
  jump(ms: number): void;
  /** Like {@link jump}, letting promise continuations run after the jump and after every timer. */
  jumpAsync(ms: number): Promise<void>;
  /** Lets pending promise continuations run without moving time. */
  flush(): Promise<void>;
  /** Runs timers until none is left (time jumps to each one's due time). Throws after `limit` timers. */
  runAll(limit?: number): void;
  /** Like {@link runAll}, flushing promise continuations between timers. */
  runAllAsync(limit?: number): Promise<void>;
  /** How many timers are set and not yet run or cleared. */
  pending(): number;
  /** When the next timer falls due, or undefined when none is set. */
  nextDueAt(): number | undefined;
}

interface Timer {
  readonly id: number;
  readonly dueAt: number;
  readonly callback: () => void;
}

/** A runtime's macrotask hook, when it has one (Node's setImmediate); used to drain promise jobs. */
interface MacrotaskGlobals {
  setImmediate?: (callback: () => void) => unknown;
}

/** Drains promise jobs: one macrotask turn when the runtime has setImmediate, else many microtask turns. */
async function drainMicrotasks(): Promise<void> {
  const { setImmediate } = globalThis as unknown as MacrotaskGlobals;
  if (typeof setImmediate === 'function') {
    await new Promise<void>((resolve) => {
      setImmediate(resolve);
    });
    return;
  }
  for (let i = 0; i < 200; i++) await Promise.resolve();
}

/**
 * A fake clock for tests: `now()` starts at `startMs` (default 2024-01-01T00:00:00Z) and moves
 * only through {@link FakeClock.advance} and friends. Timers run synchronously from those calls.
 */
export function createFakeClock(startMs = Date.UTC(2024, 0, 1)): FakeClock {
  let now = startMs;
  let nextId = 1;
  // Kept sorted by (dueAt, id): ids grow, so equal due times keep insertion order.
  const timers: Timer[] = [];

  const insert = (timer: Timer): void => {
    let i = timers.length;
    while (i > 0) {
      const before = timers[i - 1];
      if (before === undefined || before.dueAt <= timer.dueAt) break;
      i--;
    }
    timers.splice(i, 0, timer);
  };

  /** Takes the next timer due at or before `limit`, moving time to its due time. */
  const takeDue = (limit: number): Timer | undefined => {
    const first = timers[0];
    if (first === undefined || first.dueAt > limit) return undefined;
    timers.shift();
    if (first.dueAt > now) now = first.dueAt;
    return first;
  };

  const checkMs = (ms: number): void => {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance a fake clock by ${ms} ms`);
  };

  const clock: FakeClock = {
    now: () => now,
    setTimeout(callback: () => void, ms: number): TimerHandle {
      const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
      const timer: Timer = { id: nextId++, dueAt: now + delay, callback };
      insert(timer);
      return timer.id;
    },
    clearTimeout(handle: TimerHandle): void {
      const i = timers.findIndex((t) => t.id === handle);
      if (i >= 0) timers.splice(i, 1);
    },
    advance(ms: number): void {
      checkMs(ms);
      const target = now + ms;
      for (let timer = takeDue(target); timer; timer = takeDue(target)) timer.callback();
      now = target;
    },
    async advanceAsync(ms: number): Promise<void> {
      checkMs(ms);
      const target = now + ms;
      await drainMicrotasks();
      for (let timer = takeDue(target); timer; timer = takeDue(target)) {
        timer.callback();
        await drainMicrotasks();
      }
      now = target;
      await drainMicrotasks();
    },
    jump(ms: number): void {
      checkMs(ms);
      now += ms;
      for (let timer = takeDue(now); timer; timer = takeDue(now)) timer.callback();
    },
    async jumpAsync(ms: number): Promise<void> {
      checkMs(ms);
      await drainMicrotasks();
      now += ms;
      for (let timer = takeDue(now); timer; timer = takeDue(now)) {
        timer.callback();
        await drainMicrotasks();
      }
    },
    flush: drainMicrotasks,
    runAll(limit = 10_000): void {
      for (let i = 0; i < limit; i++) {
        const timer = takeDue(Number.POSITIVE_INFINITY);
        if (!timer) return;
        timer.callback();
      }
      throw new Error(`fake clock: still ${timers.length} timer(s) after running ${limit}; a timer loop?`);
    },
    async runAllAsync(limit = 10_000): Promise<void> {
      await drainMicrotasks();
      for (let i = 0; i < limit; i++) {
        const timer = takeDue(Number.POSITIVE_INFINITY);
        if (!timer) return;
        timer.callback();
        await drainMicrotasks();
      }
      throw new Error(`fake clock: still ${timers.length} timer(s) after running ${limit}; a timer loop?`);
    },
    pending: () => timers.length,
    nextDueAt: () => timers[0]?.dueAt,
  };
  return clock;
}
