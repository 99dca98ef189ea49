import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './memory-store.js';

describe('createMemoryStore', () => {
  it('gets, sets, deletes and lists keys by prefix', async () => {
    const store = createMemoryStore({ 'outbox:1': 'a' });
    expect(await store.get('outbox:1')).toBe('a');
    expect(await store.get('missing')).toBeUndefined();
    await store.set('outbox:2', 'b');
    await store.set('seen:1', 'c');
    expect((await store.keys('outbox:')).sort()).toEqual(['outbox:1', 'outbox:2']);
    expect((await store.keys('')).length).toBe(3);
    await store.delete('outbox:1');
    await store.delete('never');
    expect(await store.keys('outbox:')).toEqual(['outbox:2']);
    await store.set('outbox:2', 'b2');
    expect(await store.get('outbox:2')).toBe('b2');
  });

  it('instances are independent', async () => {
    const a = createMemoryStore();
    const b = createMemoryStore();
    await a.set('k', 'v');
    expect(await b.get('k')).toBeUndefined();
  });
});
