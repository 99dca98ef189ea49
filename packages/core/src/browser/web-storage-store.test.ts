import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import { createWebStorageStore, type StorageLike } from './web-storage-store.js';

/** A Web Storage stand-in with an optional size quota (in UTF-16 code units, as browsers count). */
function fakeStorage(
  quota = Number.POSITIVE_INFINITY,
  errorName = 'QuotaExceededError',
): StorageLike & {
  map: Map<string, string>;
} {
  const map = new Map<string, string>();
  const used = () => [...map].reduce((n, [k, v]) => n + k.length + v.length, 0);
  return {
    map,
    get length() {
      return map.size;
    },
    key: (i) => [...map.keys()][i] ?? null,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => {
      if (used() - (map.get(k)?.length ?? 0) + v.length + k.length > quota) {
        const error = new Error('quota');
        error.name = errorName;
        throw error;
      }
      map.set(k, v);
    },
    removeItem: (k) => {
      map.delete(k);
    },
  };
}

describe('createWebStorageStore', () => {
  it('keeps keys under its prefix and leaves the page’s own keys alone', async () => {
    const storage = fakeStorage();
    storage.setItem('app:theme', 'dark');
    const store = createWebStorageStore(storage, 'w:');
    await store.set('outbox:1', 'x');
    await store.set('outbox:2', 'y');
    expect(storage.map.get('w:outbox:1')).toBe('x');
    expect(await store.get('outbox:1')).toBe('x');
    expect(await store.get('app:theme')).toBeUndefined();
    expect((await store.keys('outbox:')).sort()).toEqual(['outbox:1', 'outbox:2']);
    expect(await store.keys('')).toHaveLength(2);
    await store.delete('outbox:1');
    expect(await store.keys('outbox:')).toEqual(['outbox:2']);
    expect(storage.map.get('app:theme')).toBe('dark');
  });

  it('survives a "reload": a new store on the same storage sees the same data', async () => {
    const storage = fakeStorage();
    await createWebStorageStore(storage).set('outbox:a', '1');
    expect(await createWebStorageStore(storage).get('outbox:a')).toBe('1');
  });

  it.each(['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED'])('turns %s into outbox_full', async (name) => {
    const store = createWebStorageStore(fakeStorage(20, name), 'p:');
    await store.set('a', 'small');
    const error = await store.set('b', 'x'.repeat(100)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SdkError);
    expect((error as SdkError).code).toBe('outbox_full');
    expect(await store.get('a')).toBe('small');
  });

  it('wraps other storage errors', async () => {
    const storage = fakeStorage();
    storage.setItem = () => {
      throw new Error('SecurityError');
    };
    const error = await createWebStorageStore(storage)
      .set('a', 'b')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SdkError);
    expect((error as SdkError).code).toBe('storage');
  });

  it('rejects with an SdkError, never a raw exception, when any storage call throws', async () => {
    const denied = (): never => {
      const error = new Error('The operation is insecure.');
      error.name = 'SecurityError';
      throw error;
    };
    const storage: StorageLike = {
      get length(): number {
        return denied();
      },
      key: denied,
      getItem: denied,
      setItem: denied,
      removeItem: denied,
    };
    const store = createWebStorageStore(storage);
    const calls: Array<() => Promise<unknown>> = [
      () => store.get('a'),
      () => store.set('a', 'b'),
      () => store.delete('a'),
      () => store.keys(''),
    ];
    for (const call of calls) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SdkError);
      expect((error as SdkError).code).toBe('storage');
      expect((error as SdkError).cause).toBeInstanceOf(Error);
    }
    // Only key() failing (a storage changed under us) is caught too.
    const flaky = fakeStorage();
    flaky.setItem('weiyu:a', '1');
    flaky.key = denied;
    const error = await createWebStorageStore(flaky)
      .keys('')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SdkError);
  });

  it('throws invalid_argument when reading localStorage itself is denied (sandboxed iframe)', () => {
    const before = Object.getOwnPropertyDescriptor(globalThis, 'localStorage');
    const denial = new Error('Access is denied for this document.');
    denial.name = 'SecurityError';
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get() {
        throw denial;
      },
    });
    try {
      let thrown: unknown;
      try {
        createWebStorageStore();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SdkError);
      expect((thrown as SdkError).code).toBe('invalid_argument');
      expect((thrown as SdkError).cause).toBe(denial);
    } finally {
      if (before) Object.defineProperty(globalThis, 'localStorage', before);
      else Reflect.deleteProperty(globalThis, 'localStorage');
    }
  });

  it('refuses to start without any storage', () => {
    expect(() => createWebStorageStore()).toThrow(/localStorage/);
  });
});
