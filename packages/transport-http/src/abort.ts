import type { AbortSignalLike } from '@weiyu/core';

/** The handlers of the requests in flight on each caller's signal. */
const handlersOf = new WeakMap<AbortSignalLike, Set<() => void>>();

/**
 * Calls `handler` when `signal` aborts; returns the function that stops it. However many requests
 * share a signal (a client passes one to all its calls) it gets one listener, for as long as it
 * lives: Node warns past ten on one `AbortSignal` (MaxListenersExceededWarning), and a client's
 * REST sends, history reads and uploads in flight together pass that many.
 */
export function onAbort(signal: AbortSignalLike | undefined, handler: () => void): () => void {
  if (!signal) return () => {};
  let handlers = handlersOf.get(signal);
  if (!handlers) {
    const all = new Set<() => void>();
    handlersOf.set(signal, all);
    signal.addEventListener('abort', () => {
      for (const h of [...all]) h();
    });
    handlers = all;
  }
  handlers.add(handler);
  return () => handlers.delete(handler);
}
