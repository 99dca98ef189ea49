import { describe, expect, it } from 'vitest';
import { createDeviceUidPool } from './device-uid.js';

describe('createDeviceUidPool', () => {
  it('leases the first free id: the base, then numbered ones while it is held', () => {
    const pool = createDeviceUidPool('d');
    expect([pool.lease(), pool.lease(), pool.lease()]).toEqual(['d', 'd-2', 'd-3']);
    pool.release('d-2');
    expect(pool.lease()).toBe('d-2');
    pool.release('d');
    expect(pool.take('d')).toBe(true);
    expect(pool.take('d')).toBe(false);
    expect(pool.lease()).toBe('d-4');
  });

  it('makes a random 32-hex base once', () => {
    const pool = createDeviceUidPool();
    const first = pool.lease();
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    pool.release(first);
    expect(pool.lease()).toBe(first);
    expect(createDeviceUidPool().lease()).not.toBe(first);
  });
});
