/**
 * Values a UI binds to ({@link Readable}): a snapshot that keeps its identity until it changes,
 * and listeners told after each change. Any part of the client that shows something to a UI
 * (a thread's timeline, the thread list) makes one here and calls `changed()` when it may
 * have changed; the snapshot is read again lazily, and listeners hear only of real changes.
 */
import type { Readable } from './api.js';

/** A {@link Readable} with the hook its owner calls. */
export interface ReadableSource<T> extends Readable<T> {
  /**
   * The value may have changed: the next `get()` reads it again, and when it is another
   * object than before, the listeners are told (at once, in the order they subscribed).
   */
  changed(): void;
  /** How many listeners it has. */
  listenerCount(): number;
}

/** Told when a listener throws; the other listeners still run. */
export type ListenerErrorReporter = (error: unknown) => void;

/**
 * A readable over `read`, which must return the same object while nothing changed (a cached
 * snapshot): listeners are told only when it returns another one.
 */
export function createReadable<T>(read: () => T, onListenerError?: ListenerErrorReporter): ReadableSource<T> {
  let value: T;
  let stale = true;
  // Replaced, never changed, when a listener comes or goes: a change walks the list it began with.
  let listeners: ReadonlyArray<(value: T) => void> = [];
  const get = (): T => {
    if (stale) {
      value = read();
      stale = false;
    }
    return value;
  };
  const tell = (listener: (value: T) => void, current: T): void => {
    try {
      listener(current);
    } catch (error) {
      try {
        onListenerError?.(error);
      } catch {
        // The reporter itself failed: nothing sensible is left to do.
      }
    }
  };
  return {
    get,
    subscribe(listener) {
      const entry = (current: T): void => listener(current);
      listeners = [...listeners, entry];
      let subscribed = true;
      tell(entry, get());
      return () => {
        if (!subscribed) return;
        subscribed = false;
        listeners = listeners.filter((l) => l !== entry);
      };
    },
    changed() {
      const before = stale ? undefined : { value };
      stale = true;
      if (listeners.length === 0) return;
      const current = get();
      if (before && before.value === current) return;
      for (const listener of listeners) tell(listener, current);
    },
    listenerCount: () => listeners.length,
  };
}

/** One readable per key (a thread's topic, say), made when first asked for. */
export interface ReadableFamily<K, T> {
  /** The readable of `key`: the same object each time while it is kept. */
  of(key: K): Readable<T>;
  /** `key`'s value may have changed (see {@link ReadableSource.changed}); other keys are not told. */
  changed(key: K): void;
  /** Forgets `key`'s readable unless someone still listens to it (then it is told of the change instead). */
  forget(key: K): void;
}

/** Creates a family of readables, `read(key)` giving each key's cached snapshot. */
export function createReadableFamily<K, T>(
  read: (key: K) => T,
  onListenerError?: ListenerErrorReporter,
): ReadableFamily<K, T> {
  const members = new Map<K, ReadableSource<T>>();
  const member = (key: K): ReadableSource<T> => {
    let found = members.get(key);
    if (!found) {
      found = createReadable(() => read(key), onListenerError);
      members.set(key, found);
    }
    return found;
  };
  return {
    of: member,
    changed: (key) => members.get(key)?.changed(),
    forget(key) {
      const found = members.get(key);
      if (!found) return;
      if (found.listenerCount() > 0) found.changed();
      else members.delete(key);
    },
  };
}
