/** A map from event name to payload type, e.g. `{ state: ConnectionState; error: SdkError }`. */
export type EventMap = { readonly [event: string]: unknown };

/** A small typed event emitter. */
export interface Emitter<Events extends EventMap> {
  /** Listens to one event; returns a function that stops listening (safe to call twice). */
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void;
  /**
   * Listens to the next `event` only: the listener is removed before it is called. Returns a
   * function that stops listening before it came (safe to call after it came, or twice).
   */
  once<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void;
  /** Calls every listener of `event` in the order they were added. A listener that throws does not stop the others. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void;
  /** How many listeners `event` has (all events when omitted). */
  listenerCount(event?: keyof Events): number;
  /** Removes every listener. */
  clear(): void;
}

/** Options of {@link createEmitter}. */
export interface EmitterOptions<Events extends EventMap> {
  /** Told when a listener throws; the other listeners still run. By default the error is dropped. */
  readonly onListenerError?: (error: unknown, event: keyof Events) => void;
}

/**
 * Creates a typed emitter. Listeners added or removed while an event is being emitted take
 * effect from the next emit.
 */
export function createEmitter<Events extends EventMap>(options: EmitterOptions<Events> = {}): Emitter<Events> {
  // Each event's listeners as an array replaced (never changed) when one is added or removed: an
  // emit walks the array it started with, and copies nothing (it runs for every message).
  const listeners = new Map<keyof Events, ReadonlyArray<(payload: never) => void>>();
  const on: Emitter<Events>['on'] = (event, listener) => {
    // Wrapped so the same function can be added twice and removed once per `on`.
    const entry = (payload: never): void => listener(payload);
    listeners.set(event, [...(listeners.get(event) ?? []), entry]);
    let added = true;
    return () => {
      if (!added) return;
      added = false;
      const rest = (listeners.get(event) ?? []).filter((l) => l !== entry);
      if (rest.length > 0) listeners.set(event, rest);
      else listeners.delete(event);
    };
  };
  return {
    on,
    once(event, listener) {
      const off = on(event, (payload) => {
        off();
        listener(payload);
      });
      return off;
    },
    emit(event, payload) {
      const list = listeners.get(event);
      if (!list) return;
      for (const listener of list) {
        try {
          (listener as (p: typeof payload) => void)(payload);
        } catch (error) {
          try {
            options.onListenerError?.(error, event);
          } catch {
            // The error reporter itself failed: nothing sensible is left to do.
          }
        }
      }
    },
    listenerCount(event) {
      if (event !== undefined) return listeners.get(event)?.length ?? 0;
      let total = 0;
      for (const list of listeners.values()) total += list.length;
      return total;
    },
    clear() {
      listeners.clear();
    },
  };
}
