import type { AbortSignalLike } from '../interfaces.js';

/** An abort controller whose signal fits {@link AbortSignalLike}. */
export interface AbortControllerLike {
  readonly signal: AbortSignalLike;
  abort(reason?: unknown): void;
}

interface AbortGlobals {
  AbortController?: new () => AbortControllerLike;
}

/**
 * The platform's `AbortController` when there is one (browsers, Node), so the signal can be
 * passed on to `fetch` or mqtt.js; otherwise a minimal one that core's transports understand.
 */
export function createAbortController(): AbortControllerLike {
  const Native = (globalThis as AbortGlobals).AbortController;
  if (typeof Native === 'function') return new Native();
  return createMinimalAbortController();
}

/** A minimal abort controller, independent of the platform. */
export function createMinimalAbortController(): AbortControllerLike {
  const listeners = new Set<() => void>();
  let aborted = false;
  let reason: unknown;
  const signal: AbortSignalLike = {
    get aborted() {
      return aborted;
    },
    get reason() {
      return reason;
    },
    addEventListener(_type: 'abort', listener: () => void) {
      if (!aborted) listeners.add(listener);
    },
    removeEventListener(_type: 'abort', listener: () => void) {
      listeners.delete(listener);
    },
  };
  return {
    signal,
    abort(why?: unknown) {
      if (aborted) return;
      aborted = true;
      reason = why;
      const toCall = [...listeners];
      listeners.clear();
      for (const listener of toCall) {
        try {
          listener();
        } catch {
          // One failing listener must not keep the others from hearing the abort.
        }
      }
    },
  };
}
