import { describe, expect, it } from 'vitest';
import { createReadable, createReadableFamily } from './readable.js';

describe('createReadable', () => {
  it('reads lazily, keeps the snapshot until changed, and tells listeners only of another object', () => {
    let value = { n: 1 };
    let reads = 0;
    const readable = createReadable(() => {
      reads++;
      return value;
    });
    expect(reads).toBe(0);
    const { get, subscribe } = readable;
    expect(get()).toBe(get());
    expect(reads).toBe(1);
    const seen: Array<{ n: number }> = [];
    const off = subscribe((v) => seen.push(v));
    // The Svelte store contract: the value at once.
    expect(seen).toEqual([{ n: 1 }]);
    readable.changed();
    expect(seen).toHaveLength(1);
    value = { n: 2 };
    readable.changed();
    expect(seen.map((v) => v.n)).toEqual([1, 2]);
    off();
    off();
    value = { n: 3 };
    readable.changed();
    expect(seen).toHaveLength(2);
    expect(get().n).toBe(3);
    expect(readable.listenerCount()).toBe(0);
  });

  it('a listener that throws is reported and the others still hear', () => {
    const errors: unknown[] = [];
    let value = 1;
    const readable = createReadable(
      () => value,
      (e) => errors.push(e),
    );
    readable.subscribe(() => {
      throw new Error('boom');
    });
    const seen: number[] = [];
    readable.subscribe((v) => seen.push(v));
    value = 2;
    readable.changed();
    expect(seen).toEqual([1, 2]);
    expect(errors).toHaveLength(2);
  });
});

describe('createReadableFamily', () => {
  it('one readable per key, told only of its key; forgotten unless listened to', () => {
    const values = new Map([
      ['a', { v: 'a1' }],
      ['b', { v: 'b1' }],
    ]);
    const family = createReadableFamily((key: string) => values.get(key) ?? { v: 'none' });
    const a = family.of('a');
    expect(family.of('a')).toBe(a);
    const heard: string[] = [];
    a.subscribe((x) => heard.push(x.v));
    family.of('b').subscribe((x) => heard.push(x.v));
    values.set('a', { v: 'a2' });
    family.changed('a');
    family.changed('b');
    expect(heard).toEqual(['a1', 'b1', 'a2']);
    values.set('a', { v: 'a3' });
    family.forget('a');
    expect(family.of('a')).toBe(a);
    expect(heard.at(-1)).toBe('a3');
    const c = family.of('c');
    family.forget('c');
    expect(family.of('c')).not.toBe(c);
  });
});
