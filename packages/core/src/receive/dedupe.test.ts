import { describe, expect, it } from 'vitest';
import { createDedupe } from './dedupe.js';

describe('dedupe', () => {
  it('reports the first sighting of a uid as new and later ones as duplicates', () => {
    const d = createDedupe(10);
    expect(d.add('a')).toBe(true);
    expect(d.add('a')).toBe(false);
    expect(d.has('a')).toBe(true);
    expect(d.has('b')).toBe(false);
  });

  it('remembers at most its capacity, forgetting the least recently seen first', () => {
    const d = createDedupe(3);
    for (const uid of ['a', 'b', 'c']) d.add(uid);
    d.add('a'); // a is recent again
    d.add('d'); // b goes
    expect(d.size()).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((u) => d.has(u))).toEqual([true, false, true, true]);
    for (let i = 0; i < 10_000; i++) d.add(`x${i}`);
    expect(d.size()).toBe(3);
  });

  it('keeps the least-recently-seen rule when the same uids come again and again', () => {
    const d = createDedupe(4);
    for (let round = 0; round < 5_000; round++) for (const uid of ['a', 'b', 'c']) d.add(uid);
    d.add('d');
    d.add('e'); // a is the least recently seen
    expect(['a', 'b', 'c', 'd', 'e'].map((u) => d.has(u))).toEqual([false, true, true, true, true]);
    d.add('b');
    d.add('f'); // c now
    expect(['b', 'c', 'd', 'e', 'f'].map((u) => d.has(u))).toEqual([true, false, true, true, true]);
    expect(d.size()).toBe(4);
  });

  it('answers as a plain least-recently-seen list would, over a long run of new uids and old ones seen again', () => {
    let seed = 11;
    const random = (n: number) => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed % n;
    };
    const d = createDedupe(50);
    /** The reference: the uids remembered, least recently seen first. */
    let reference: string[] = [];
    for (let step = 0; step < 20_000; step++) {
      // Half of the time a uid seen before (maybe forgotten since), else a new one.
      const uid = step > 0 && random(2) === 0 ? `u${random(step)}` : `u${step}`;
      const known = reference.includes(uid);
      reference = [...reference.filter((r) => r !== uid), uid].slice(-50);
      expect(d.add(uid)).toBe(!known);
    }
    expect(d.size()).toBe(50);
    for (let i = 0; i < 20_000; i += 7) expect(d.has(`u${i}`)).toBe(reference.includes(`u${i}`));
  });
});
