/** A map from event name to payload type, e.g. `{ state: ConnectionState; error: SdkError }`. */
export type EventMap = { readonly [event: string]: unknown };

/** A small typed event emitter. */
export interface Emitter<Events extends EventMap> {
  /** Listens to one event; returns a function that stops listening (safe to call twice). */
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void;
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
  const listeners = new Map<keyof Events, Set<(payload: never) => void>>();
  return {
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      // Wrapped so the same function can be added twice and removed once per `on`.
      const entry = (payload: never): void => listener(payload);
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },
    emit(event, payload) {
      const set = listeners.get(event);
      if (!set || set.size === 0) return;
      for (const listener of [...set]) {
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
      if (event !== undefined) return listeners.get(event)?.size ?? 0;
      let total = 0;
      for (const set of listeners.values()) total += set.size;
      return total;
    },
    clear() {
      listeners.clear();
    },
  };
}
