import type { KeyValueStore } from '../interfaces.js';

/** A {@link KeyValueStore} in memory: the default outbox store. Nothing survives a reload. */
export function createMemoryStore(initial: Readonly<Record<string, string>> = {}): KeyValueStore {
  const entries = new Map<string, string>(Object.entries(initial));
  return {
    get: async (key) => entries.get(key),
    set: async (key, value) => {
      entries.set(key, value);
    },
    delete: async (key) => {
      entries.delete(key);
    },
    keys: async (prefix) => [...entries.keys()].filter((key) => key.startsWith(prefix)),
  };
}
