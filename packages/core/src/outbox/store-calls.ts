/**
 * Calls to the outbox store, each with a deadline: a store that throws, or never answers, must
 * not hold a message back. What went wrong is told as a typed {@link SdkError}.
 */
import { err, ok, type Result, SdkError } from '@weiyu/protocol';
import type { Clock, TimerHandle } from '../interfaces.js';

/** What the outbox asks of its store, as the errors name it. */
export type StoreOperation = 'list keys' | 'read' | 'write' | 'delete';

/** Options of {@link createStoreCalls}. */
export interface StoreCallsOptions {
  readonly clock: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;
  /** How long one call may take before the outbox goes on without its answer (ms). */
  readonly timeoutMs: number;
  readonly onError: (error: SdkError) => void;
}

/** Store calls with deadlines, and waits bounded by the same deadline. */
export interface StoreCalls {
  /**
   * Makes one store call. Settles (never rejects) with its value, or with why there is none:
   * it failed, or gave no answer within the deadline. Failures are reported unless `quiet`;
   * a store that stops answering is reported once, until it answers again.
   */
  call<T>(operation: StoreOperation, run: () => Promise<T>, quiet?: boolean): Promise<Result<T>>;
  /** Waits for `promise`, for the deadline at the most. */
  within(promise: Promise<unknown>): Promise<void>;
  /**
   * Clears every deadline timer and ends every {@link within} wait. Calls already made settle
   * when the store answers; later calls wait for the store without a deadline.
   */
  dispose(): void;
}

/** Creates the store calls of one outbox. */
export function createStoreCalls(options: StoreCallsOptions): StoreCalls {
  const { timeoutMs } = options;
  const deadlines = createDeadlines(options.clock, timeoutMs);
  let disposed = false;
  /** A call timed out and the store has not answered anything since. */
  let stalled = false;

  /**
   * `promise`'s outcome, or `onTimeout()`'s after the deadline. At dispose the deadline goes;
   * with `endAtDispose` the wait ends then too, else it lasts until `promise` settles.
   */
  function race<T>(promise: Promise<T>, onTimeout: () => T, endAtDispose: boolean): Promise<T> {
    if (disposed) return endAtDispose ? Promise.resolve(onTimeout()) : promise;
    return new Promise<T>((resolve) => {
      const expire = () => resolve(onTimeout());
      const deadline = deadlines.add(expire, endAtDispose ? expire : undefined);
      void promise.then((value) => {
        deadlines.remove(deadline);
        // Also after dispose cleared the deadline: a store call ends when the store answers.
        resolve(value);
      });
    });
  }

  function call<T>(operation: StoreOperation, run: () => Promise<T>, quiet = false): Promise<Result<T>> {
    const answered = started(run).then(
      (value): Result<T> => {
        stalled = false;
        return ok(value);
      },
      (cause: unknown): Result<T> => {
        stalled = false;
        const error = storeError(operation, cause);
        if (!quiet) options.onError(error);
        return { ok: false, error };
      },
    );
    return race(
      answered,
      () => {
        const said = `the outbox store did not ${operation} within ${timeoutMs} ms; messages are sent without being kept until it answers`;
        const timedOut = err<T>('storage', said, {
          details: { operation, timeoutMs },
        });
        if (!quiet && !stalled && !disposed && !timedOut.ok) options.onError(timedOut.error);
        if (!quiet) stalled = true;
        return timedOut;
      },
      false,
    );
  }

  return {
    call,
    within: (promise) =>
      race(
        promise.then(
          () => undefined,
          () => undefined,
        ),
        () => undefined,
        true,
      ),
    dispose() {
      disposed = true;
      deadlines.dispose();
    },
  };
}

/** One deadline: what runs when it passes, and what ends its wait at dispose (nothing for a store call). */
interface Deadline {
  readonly due: number;
  readonly expire: () => void;
  readonly end: (() => void) | undefined;
}

/**
 * Deadlines that all last `timeoutMs`, on one timer: they pass in the order they were set, so
 * the timer waits for the oldest (a store that answers at once costs no timer of its own, and
 * the outbox makes two or three calls a message). The timer, not the clock's time, ends the one
 * it was set for, and it is never set for longer than `timeoutMs`: a clock set back cannot hold
 * a deadline for longer than that.
 */
function createDeadlines(clock: StoreCallsOptions['clock'], timeoutMs: number) {
  /** By insertion, so oldest first: the first due is the first one. */
  const pending = new Set<Deadline>();
  let timer: TimerHandle | undefined;
  const arm = (): void => {
    const oldest = pending.values().next().value;
    if (timer !== undefined || oldest === undefined) return;
    const wait = Math.min(timeoutMs, Math.max(0, oldest.due - clock.now()));
    timer = clock.setTimeout(() => pass(oldest), wait);
  };
  const pass = (setFor: Deadline): void => {
    timer = undefined;
    const now = clock.now();
    for (const deadline of pending) {
      if (deadline !== setFor && deadline.due > now) break;
      pending.delete(deadline);
      deadline.expire();
    }
    arm();
  };
  return {
    add(expire: () => void, end: (() => void) | undefined): Deadline {
      const deadline = { due: clock.now() + timeoutMs, expire, end };
      pending.add(deadline);
      arm();
      return deadline;
    },
    /**
     * Its promise settled: it no longer passes. The timer stays while others wait (it is set for
     * the oldest; passing early, it sets itself for the next), and goes with the last: an idle
     * outbox keeps none.
     */
    remove(deadline: Deadline): void {
      pending.delete(deadline);
      if (pending.size > 0 || timer === undefined) return;
      clock.clearTimeout(timer);
      timer = undefined;
    },
    /** Clears the timer and ends every wait that ends at dispose. */
    dispose(): void {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      const ending = [...pending];
      pending.clear();
      for (const deadline of ending) deadline.end?.();
    },
  };
}

/** The store's promise; a store that throws instead of rejecting rejects all the same. */
function started<T>(run: () => Promise<T>): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (cause) {
    return Promise.reject(cause);
  }
}

/** A store's own SdkError keeps its code (a full storage is `outbox_full`); anything else is `storage`. */
function storeError(operation: StoreOperation, cause: unknown): SdkError {
  if (cause instanceof SdkError) return cause;
  const said = cause instanceof Error ? `: ${cause.message}` : '';
  return new SdkError('storage', `the outbox store failed to ${operation}${said}`, { cause, details: { operation } });
}
