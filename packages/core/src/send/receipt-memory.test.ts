import { describe, expect, it } from 'vitest';
import { createReceiptMemory } from './receipt-memory.js';

describe('the receipt memory', () => {
  it('a READ says DELIVERED too; a DELIVERED is not a READ; nothing takes a READ back', () => {
    const memory = createReceiptMemory(10);
    memory.remember('d', 'DELIVERED');
    memory.remember('r', 'READ');
    memory.remember('r', 'DELIVERED');
    expect([memory.has('d', 'DELIVERED'), memory.has('d', 'READ')]).toEqual([true, false]);
    expect([memory.has('r', 'DELIVERED'), memory.has('r', 'READ')]).toEqual([true, true]);
    expect(memory.has('x', 'DELIVERED')).toBe(false);
  });

  it('a DELIVERED for a uid of any characters is no READ of another (anyone may post any uid)', () => {
    const memory = createReceiptMemory(10);
    memory.remember(' m1', 'DELIVERED');
    memory.remember('Rm2', 'DELIVERED');
    expect([memory.has('m1', 'READ'), memory.has('m1', 'DELIVERED')]).toEqual([false, false]);
    expect([memory.has('m2', 'READ'), memory.has('m2', 'DELIVERED')]).toEqual([false, false]);
  });

  it('holds at most its capacity of marks (a READ is two), the least recently sent forgotten first', () => {
    const memory = createReceiptMemory(4);
    for (const uid of ['a', 'b', 'c', 'd']) memory.remember(uid, 'DELIVERED');
    // A READ for a: a made recent, its READ mark in; b is the oldest now and goes.
    memory.remember('a', 'READ');
    expect(['a', 'b', 'c', 'd'].filter((uid) => memory.has(uid, 'DELIVERED'))).toEqual(['a', 'c', 'd']);
    expect(memory.has('a', 'READ')).toBe(true);
    for (let i = 0; i < 1_000; i += 1) memory.remember(`u${i}`, 'DELIVERED');
    expect(['u995', 'u996', 'u997', 'u998', 'u999'].map((uid) => memory.has(uid, 'DELIVERED'))).toEqual([
      false,
      true,
      true,
      true,
      true,
    ]);
    expect(memory.has('a', 'DELIVERED')).toBe(false);
  });
});
