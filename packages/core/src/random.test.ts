import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMessageUid, cryptoRandom, seededRandom } from './random.js';

describe('seededRandom', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const seqA = Array.from({ length: 20 }, () => a.next());
    const seqB = Array.from({ length: 20 }, () => b.next());
    const seqC = Array.from({ length: 20 }, () => c.next());
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
    expect([...seededRandom(7).bytes(9)]).toEqual([...seededRandom(7).bytes(9)]);
  });

  it('stays in [0, 1) and bytes in 0..255', () => {
    fc.assert(
      fc.property(fc.integer(), fc.nat(64), (seed, length) => {
        const r = seededRandom(seed);
        for (let i = 0; i < 50; i++) {
          const n = r.next();
          expect(n).toBeGreaterThanOrEqual(0);
          expect(n).toBeLessThan(1);
        }
        const bytes = r.bytes(length);
        expect(bytes.length).toBe(length);
      }),
    );
  });

  it('is roughly uniform', () => {
    const r = seededRandom(1);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const k = Math.floor(r.next() * 10);
      buckets[k] = (buckets[k] ?? 0) + 1;
    }
    for (const count of buckets) expect(count).toBeGreaterThan(850);
  });
});

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
