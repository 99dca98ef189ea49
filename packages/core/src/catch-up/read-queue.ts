/**
 * History reads of every thread through one queue: at most `limit` requests at once, the others
 * started in the order they asked. After a reconnect every subscribed thread is read; without
 * it, 60 threads were 60 requests at the same moment, after every reconnect.
 */
import { SdkError } from '@weiyu/protocol';
import type { AbortSignalLike } from '../interfaces.js';

/** A queue that runs at most `limit` tasks at once, first come first served. */
export interface ReadQueue {
  /**
   * Runs `task` once fewer than `limit` run; settles as the task does. Aborted while it waits,
   * it leaves the queue and rejects with the signal's reason (the task never runs).
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignalLike): Promise<T>;
}

/** Creates a queue of at most `limit` tasks at once (at least 1; `Infinity`: no limit). */
export function createReadQueue(limit: number): ReadQueue {
  const max = limit >= 1 ? Math.floor(limit) : 1;
  const waiting: Array<() => void> = [];
  let running = 0;
  const done = (): void => {
    running -= 1;
    waiting.shift()?.();
  };
  return {
    run<T>(task: () => Promise<T>, signal?: AbortSignalLike): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const start = (): void => {
          signal?.removeEventListener('abort', leave);
          running += 1;
          let result: Promise<T>;
          try {
            result = task();
          } catch (error) {
            result = Promise.reject(error);
          }
          result.then(resolve, reject).finally(done);
        };
        function leave(): void {
          const at = waiting.indexOf(start);
          if (at !== -1) waiting.splice(at, 1);
          reject(signal?.reason ?? new SdkError('closed', 'aborted'));
        }
        if (signal?.aborted) return leave();
        if (running < max) return start();
        waiting.push(start);
        signal?.addEventListener('abort', leave);
      });
    },
  };
}
