import { systemClock } from '../clock.js';
import type { Clock, KeyValueStore } from '../interfaces.js';
import { createMemoryStore } from '../stores/memory-store.js';

/** The calls of a {@link KeyValueStore}. */
export type StoreCall = 'get' | 'set' | 'delete' | 'keys';

/** What a faulty store does with a call. */
export type StoreFault =
  | {
      /** Rejects with `error` (default: an `Error('store failed')`). */
      readonly kind: 'throw';
      /** What it rejects with. */
      readonly error?: unknown;
    }
  | {
      /** Throws synchronously instead of returning a promise, as a careless store might. */
      readonly kind: 'throw-sync';
      /** What it throws. */
      readonly error?: unknown;
    }
  | {
      /** Never answers. */
      readonly kind: 'hang';
    }
  | {
      /** Answers after `ms` on the store's clock. */
      readonly kind: 'slow';
      /** How long (ms). */
      readonly ms: number;
    };

/** Options of {@link createFaultyStore}. */
export interface FaultyStoreOptions {
  /** The store the calls reach when they do (default: a new memory store). */
  readonly inner?: KeyValueStore;
  /** For `slow` faults (default: the real clock). */
  readonly clock?: Pick<Clock, 'setTimeout'>;
}

/** A {@link KeyValueStore} whose calls fail, hang or crawl when a test says so. */
export interface FaultyStore extends KeyValueStore {
  /** The store underneath, unaffected by faults: read it to see what was really kept. */
  readonly inner: KeyValueStore;
  /** Every later call of `calls` (default: all four) meets `fault`; `undefined` clears it. */
  fault(fault: StoreFault | undefined, calls?: readonly StoreCall[]): void;
  /** A `get` of this key (a full store key) fails with `fault` whatever the other faults (default: throw). */
  breakKey(key: string, fault?: StoreFault): void;
  /** Clears every fault. Calls already hanging stay hung. */
  reset(): void;
  /** How many calls of each kind were made, faulty or not. */
  readonly counts: Readonly<Record<StoreCall, number>>;
  /** How many calls are hanging now. */
  hanging(): number;
}

/**
 * A store for testing what a client does when its storage misbehaves: throws, never answers,
 * answers slowly, or cannot read one record. Calls without a fault go to `inner`.
 *
 * @example
 * const store = createFaultyStore();
 * store.fault({ kind: 'hang' }, ['set']); // writes never answer
 * const client = createChatClient({ ..., outbox: store });
 */
export function createFaultyStore(options: FaultyStoreOptions = {}): FaultyStore {
  const inner = options.inner ?? createMemoryStore();
  const clock = options.clock ?? systemClock;
  const faults = new Map<StoreCall, StoreFault>();
  const brokenKeys = new Map<string, StoreFault>();
  const counts: Record<StoreCall, number> = { get: 0, set: 0, delete: 0, keys: 0 };
  let hanging = 0;

  const run = <T>(call: StoreCall, fault: StoreFault | undefined, real: () => Promise<T>): Promise<T> => {
    counts[call] += 1;
    switch (fault?.kind) {
      case undefined:
        return real();
      case 'throw':
        return Promise.reject(fault.error ?? new Error('store failed'));
      case 'throw-sync':
        throw fault.error ?? new Error('store failed');
      case 'hang':
        hanging += 1;
        return new Promise<T>(() => {});
      case 'slow':
        return new Promise<void>((resolve) => clock.setTimeout(resolve, fault.ms)).then(real);
    }
  };

  return {
    inner,
    counts,
    get: (key) => run('get', brokenKeys.get(key) ?? faults.get('get'), () => inner.get(key)),
    set: (key, value) => run('set', faults.get('set'), () => inner.set(key, value)),
    delete: (key) => run('delete', faults.get('delete'), () => inner.delete(key)),
    keys: (prefix) => run('keys', faults.get('keys'), () => inner.keys(prefix)),
    fault(fault, calls = ['get', 'set', 'delete', 'keys']) {
      for (const call of calls) {
        if (fault) faults.set(call, fault);
        else faults.delete(call);
      }
    },
    breakKey(key, fault = { kind: 'throw' }) {
      brokenKeys.set(key, fault);
    },
    reset() {
      faults.clear();
      brokenKeys.clear();
    },
    hanging: () => hanging,
  };
}
