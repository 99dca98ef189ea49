import { describe, expect, it } from 'vitest';
import { SortedChunks } from './sorted-chunks.js';
import { SortedTimes } from './sorted-times.js';

/** A small deterministic generator (LCG), so a failing sequence can be run again. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const byNumber = (a: number, b: number) => a - b;

describe('SortedChunks', () => {
  it('keeps items sorted through inserts anywhere and removes, across chunk splits', () => {
    const random = generator(7);
    const list = new SortedChunks(byNumber);
    const model: number[] = [];
    for (let step = 0; step < 6_000; step++) {
      if (model.length > 0 && random() < 0.3) {
        const victim = model[Math.floor(random() * model.length)] as number;
        expect(list.remove(victim)).toBe(true);
        model.splice(model.indexOf(victim), 1);
      } else {
        // Mostly the newest (a new message), else anywhere (a record written late).
        const value = random() < 0.7 ? step * 10 : Math.floor(random() * step * 10) + 0.5;
        if (model.includes(value)) continue;
        list.insert(value);
        model.push(value);
        model.sort(byNumber);
      }
    }
    const descending = [...model].reverse();
    expect(list.size).toBe(model.length);
    expect([...list.descending()]).toEqual(descending);
    for (const offset of [0, 1, 9, 511, 512, 513, 1_000, model.length - 3, model.length, model.length + 5]) {
      expect(list.fromTop(offset, 10), `offset ${offset}`).toEqual(descending.slice(offset, offset + 10));
    }
  });

  it('says false when removing what it does not hold, and empties cleanly', () => {
    const list = new SortedChunks(byNumber);
    expect(list.remove(1)).toBe(false);
    list.insert(2);
    list.insert(1);
    expect(list.remove(3)).toBe(false);
    expect(list.remove(1)).toBe(true);
    expect(list.remove(2)).toBe(true);
    expect(list.size).toBe(0);
    expect(list.fromTop(0, 10)).toEqual([]);
    list.insert(5);
    expect(list.fromTop(0, 10)).toEqual([5]);
  });
});

describe('SortedTimes', () => {
  it('answers max and countAbove as a plain array would, through adds in and out of order, repeats and removes', () => {
    const random = generator(11);
    const model: number[] = [3, 1, 3];
    const times = new SortedTimes(model);
    let clock = 0;
    for (let step = 0; step < 4_000; step++) {
      const roll = random();
      if (model.length > 0 && roll < 0.25) {
        const victim = model[Math.floor(random() * model.length)] as number;
        expect(times.remove(victim)).toBe(true);
        model.splice(model.indexOf(victim), 1);
      } else {
        // Mostly the clock going on (or standing still), sometimes back, sometimes a time seen before.
        clock += roll < 0.7 ? Math.floor(random() * 3) : -Math.floor(random() * 50);
        const time = roll > 0.95 && model.length > 0 ? (model[Math.floor(random() * model.length)] as number) : clock;
        times.add(time);
        model.push(time);
      }
      const probe = clock - Math.floor(random() * 40);
      expect(times.countAbove(probe)).toBe(model.filter((t) => t > probe).length);
      expect(times.max).toBe(model.length === 0 ? Number.NEGATIVE_INFINITY : Math.max(...model));
      expect(times.size).toBe(model.length);
    }
    expect(times.countAbove(Number.NEGATIVE_INFINITY)).toBe(model.length);
  });

  it('says false when removing what it does not hold, and counts nothing when empty', () => {
    const times = new SortedTimes();
    expect(times.remove(1)).toBe(false);
    expect(times.max).toBe(Number.NEGATIVE_INFINITY);
    expect(times.countAbove(Number.NEGATIVE_INFINITY)).toBe(0);
    times.add(2);
    times.add(2);
    expect(times.remove(1)).toBe(false);
    expect(times.countAbove(1)).toBe(2);
    expect(times.countAbove(2)).toBe(0);
    expect(times.remove(2)).toBe(true);
    expect(times.size).toBe(1);
  });
});
