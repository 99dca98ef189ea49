import { describe, expect, it } from 'vitest';
import { createFakeClock } from './fake-clock.js';
import { createFaultyStore } from './faulty-store.js';

describe('createFaultyStore', () => {
  it('passes calls through until a fault is set, and counts them', async () => {
    const store = createFaultyStore();
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    expect(await store.keys('')).toEqual(['k']);
    await store.delete('k');
    expect(await store.inner.keys('')).toEqual([]);
    expect(store.counts).toEqual({ get: 1, set: 1, delete: 1, keys: 1 });
  });

  it('throws, throws synchronously, hangs or crawls on the calls named', async () => {
    const clock = createFakeClock();
    const store = createFaultyStore({ clock });
    store.fault({ kind: 'throw', error: new Error('full') }, ['set']);
    await expect(store.set('k', 'v')).rejects.toThrow('full');
    expect(await store.get('k')).toBeUndefined();
    store.fault({ kind: 'throw-sync' }, ['get']);
    expect(() => store.get('k')).toThrow('store failed');
    store.fault({ kind: 'hang' }, ['keys']);
    let listed = false;
    void store.keys('').then(() => {
      listed = true;
    });
    store.fault({ kind: 'slow', ms: 500 }, ['delete']);
    await store.inner.set('d', 'x');
    let deleted = false;
    void store.delete('d').then(() => {
      deleted = true;
    });
    await clock.advanceAsync(499);
    expect([listed, deleted, store.hanging()]).toEqual([false, false, 1]);
    await clock.advanceAsync(1);
    expect([listed, deleted]).toEqual([false, true]);
    store.reset();
    expect(await store.keys('')).toEqual([]);
  });

  it('breaks one key only', async () => {
    const store = createFaultyStore();
    await store.set('a', '1');
    await store.set('b', '2');
    store.breakKey('b');
    expect(await store.get('a')).toBe('1');
    await expect(store.get('b')).rejects.toThrow('store failed');
  });
});
