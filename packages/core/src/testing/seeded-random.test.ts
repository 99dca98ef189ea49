import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from './seeded-random.js';

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
