import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { createMessageUid, createUidMaker, cryptoRandom, isTimeOrderedUid } from './random.js';
import { seededRandom } from './testing/seeded-random.js';

describe('cryptoRandom', () => {
  it('gives numbers in [0, 1) and fills large byte arrays', () => {
    const r = cryptoRandom();
    for (let i = 0; i < 100; i++) {
      const n = r.next();
      expect(n >= 0 && n < 1).toBe(true);
    }
    const big = r.bytes(70_000);
    expect(big.length).toBe(70_000);
    expect(big.slice(66_000).some((b) => b !== 0)).toBe(true);
  });
});

describe('cryptoRandom pool', () => {
  it('makes 256 uids with one call to the generator, each different', () => {
    const { crypto } = globalThis as unknown as { crypto: { getRandomValues(a: Uint8Array): Uint8Array } };
    const spy = vi.spyOn(crypto, 'getRandomValues');
    try {
      const r = cryptoRandom();
      const uids = new Set(Array.from({ length: 256 }, () => createMessageUid(r)));
      expect(uids.size).toBe(256);
      expect(spy).toHaveBeenCalledTimes(1);
      createMessageUid(r);
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('hands each pooled byte out once: no two results alike', () => {
    const r = cryptoRandom();
    const chunks = new Set(Array.from({ length: 1_000 }, () => Array.from(r.bytes(8)).join()));
    expect(chunks.size).toBe(1_000);
    const values = Array.from({ length: 2_000 }, () => r.next());
    expect(new Set(values).size).toBe(2_000);
    expect(values.every((n) => n >= 0 && n < 1)).toBe(true);
  });
});

describe('createMessageUid', () => {
  it('is 32 lowercase hex characters with the UUID v4 version and variant bits', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const uid = createMessageUid(seededRandom(seed));
        expect(uid).toMatch(/^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
      }),
    );
    expect(createMessageUid(cryptoRandom())).toMatch(/^[0-9a-f]{32}$/);
  });

  it('does not repeat', () => {
    const r = seededRandom(5);
    const uids = new Set(Array.from({ length: 5_000 }, () => createMessageUid(r)));
    expect(uids.size).toBe(5_000);
  });
});

describe('createUidMaker', () => {
  it('makes version 7 uids (32 lowercase hex) that sort in the order they are made, whatever the clock does', () => {
    let now = 1_704_067_200_000;
    const next = createUidMaker({ now: () => now }, seededRandom(3));
    const uids: string[] = [];
    // Many in one millisecond (past the 4,096 of its counter), then the clock steps back a second.
    for (let i = 0; i < 5_000; i++) uids.push(next());
    now -= 1_000;
    for (let i = 0; i < 100; i++) uids.push(next());
    now += 60_000;
    for (let i = 0; i < 100; i++) {
      uids.push(next());
      now += i % 3;
    }
    for (const uid of uids) expect(uid).toMatch(/^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    expect([...uids].sort()).toEqual(uids);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids.every(isTimeOrderedUid)).toBe(true);
    // The time is the first 48 bits, then the version and the counter of the millisecond.
    expect(Number.parseInt(uids[0]?.slice(0, 12) ?? '', 16)).toBe(1_704_067_200_000);
    for (const i of [0, 1, 15, 16, 255, 256, 2_748, 4_095]) {
      expect(uids[i]?.slice(12, 16)).toBe(`7${i.toString(16).padStart(3, '0')}`);
    }
    // The 4,097th of one millisecond borrows the next, its counter from 0.
    expect(uids[4_096]?.slice(0, 16)).toBe(`${(1_704_067_200_001).toString(16).padStart(12, '0')}7000`);
  });

  it('tells time-ordered uids from random ones', () => {
    expect(isTimeOrderedUid(createMessageUid(seededRandom(1)))).toBe(false);
    expect(isTimeOrderedUid('not-a-uid')).toBe(false);
  });
});
