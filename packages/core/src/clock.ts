import type { Clock, TimerHandle } from './interfaces.js';

/** The timer functions every JavaScript runtime has, declared here so core needs no DOM or Node typings. */
interface TimerGlobals {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const timers = globalThis as unknown as TimerGlobals;

/**
 * The real clock: `Date.now()` and the runtime's own `setTimeout`. The default of every client;
 * tests pass a fake clock instead (`createFakeClock` in `@weiyu/core/testing`).
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback: () => void, ms: number): TimerHandle => timers.setTimeout(callback, Math.max(0, ms)),
  clearTimeout: (handle: TimerHandle): void => timers.clearTimeout(handle),
};
