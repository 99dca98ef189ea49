/**
 * Wake detection: a coarse tick on the clock while a connection is wanted. A tick that comes
 * much later than asked means the machine slept (or the process was frozen): the socket may be
 * dead though it looks alive, so the manager reconnects at once instead of waiting for the
 * keepalive to fail.
 */
import type { ChatTiming } from '../api.js';
import type { Clock, Environment, Logger, TimerHandle } from '../interfaces.js';
import { DEFAULT_WAKE_CHECK_MS, DEFAULT_WAKE_TOLERANCE_MS } from '../timing.js';

/** Options of {@link createWakeDetector}. */
export interface WakeDetectorOptions {
  readonly clock: Clock;
  readonly environment: Environment;
  readonly logger: Logger;
  readonly timing: Pick<ChatTiming, 'wakeCheckMs' | 'wakeToleranceMs'>;
  /** The machine slept: the link is suspect. */
  readonly onWake: () => void;
}

/** The tick and the check. */
export interface WakeDetector {
  /** Starts the tick when `wanted` and it is off, stops it when not wanted. */
  sync(wanted: boolean): void;
  /**
   * Whether the machine slept since the last check (then `onWake` was called). A hidden page's
   * timers are throttled, so late ticks are normal there: the check waits for `visible`.
   */
  check(cause: 'tick' | 'visible'): boolean;
}

/** Creates the {@link WakeDetector} of a connection manager. Nothing ticks until `sync(true)`. */
export function createWakeDetector(options: WakeDetectorOptions): WakeDetector {
  const { clock, environment, logger, onWake } = options;
  const checkMs = options.timing.wakeCheckMs ?? DEFAULT_WAKE_CHECK_MS;
  const lateAfterMs = checkMs + (options.timing.wakeToleranceMs ?? DEFAULT_WAKE_TOLERANCE_MS);
  const enabled = checkMs > 0 && Number.isFinite(checkMs);
  let timer: TimerHandle | undefined;
  /** When the last tick ran (or ticking started). */
  let lastTick = 0;
  /** A late tick was seen while the page was hidden: checked again when it becomes visible. */
  let sleptWhileHidden = false;

  const schedule = (): void => {
    timer = clock.setTimeout(() => {
      timer = undefined;
      schedule();
      check('tick');
    }, checkMs);
  };

  const check = (cause: 'tick' | 'visible'): boolean => {
    if (timer === undefined) return false;
    const now = clock.now();
    const gap = now - lastTick;
    lastTick = now;
    const slept = gap > lateAfterMs || (cause === 'visible' && sleptWhileHidden);
    if (!slept) return false;
    if (!environment.isVisible()) {
      sleptWhileHidden = true;
      return false;
    }
    sleptWhileHidden = false;
    logger.info('woke up: the connection is suspect', { gapMs: gap, cause });
    onWake();
    return true;
  };

  return {
    sync(wanted) {
      const on = wanted && enabled;
      if (on && timer === undefined) {
        lastTick = clock.now();
        sleptWhileHidden = false;
        schedule();
      } else if (!on && timer !== undefined) {
        clock.clearTimeout(timer);
        timer = undefined;
      }
    },
    check,
  };
}
