import { describe, expect, it } from 'vitest';
import { createUnread } from './unread.js';

describe('unread count of a thread', () => {
  it('counts each message once; reading one reads what is older; later ones still count', () => {
    const unread = createUnread(100);
    expect(unread.add('m1', 1_000)).toBe(true);
    expect(unread.add('m1', 1_000)).toBe(false);
    unread.add('m2', 2_000);
    unread.add('m3', 3_000);
    expect(unread.count()).toBe(3);
    expect(unread.read('m2', 2_000, true)).toBe(true);
    expect(unread.count()).toBe(1);
    // Older than what was read: read already, even when it arrives only now (caught up).
    expect(unread.add('m0', 500)).toBe(false);
    expect(unread.count()).toBe(1);
  });

  it('of one second, what is known when a READ comes is read with it; what comes after still counts', () => {
    const unread = createUnread(100);
    unread.add('a', 5_000);
    unread.add('b', 5_000);
    unread.read('c', 5_000, true);
    expect(unread.count()).toBe(0);
    expect(unread.add('d', 5_000)).toBe(true);
    expect(unread.add('e', 4_999)).toBe(false);
    expect(unread.count()).toBe(1);
  });

  it('a recall takes one message out, not what is older; an unknown uid changes nothing', () => {
    const unread = createUnread(100);
    unread.add('m1', 1_000);
    unread.add('m2', 2_000);
    expect(unread.read('m2', 2_000, false)).toBe(true);
    expect(unread.count()).toBe(1);
    expect(unread.read('nope', undefined, true)).toBe(false);
    // The time it was counted with stands in for one the caller does not know.
    expect(unread.read('m1', undefined, true)).toBe(true);
    expect(unread.count()).toBe(0);
  });

  it("the server's count is a floor until something is read; clear reads everything up to a time", () => {
    const unread = createUnread(100);
    unread.floor(5);
    unread.add('m1', 1_000);
    expect(unread.count()).toBe(5);
    for (let i = 2; i <= 7; i++) unread.add(`m${i}`, i * 1_000);
    expect(unread.count()).toBe(7);
    expect(unread.clear(10_000)).toBe('m7');
    expect(unread.count()).toBe(0);
    expect(unread.add('old', 9_000)).toBe(false);
    expect(unread.add('new', 11_000)).toBe(true);
    unread.floor(3);
    expect(unread.read('new', 11_000, true)).toBe(true);
    expect(unread.count()).toBe(0);
  });

  it('keeps at most `capacity` uids and counts the rest; reading past them clears them', () => {
    const unread = createUnread(10);
    for (let i = 0; i < 25; i++) unread.add(`m${i}`, i);
    expect(unread.count()).toBe(25);
    unread.read('m20', 20, true);
    expect(unread.count()).toBe(4);
  });

  it('past the capacity forgets the oldest by time, also when messages came out of order', () => {
    const unread = createUnread(2);
    unread.add('a', 5);
    unread.add('b', 1);
    unread.add('c', 6);
    expect(unread.count()).toBe(3);
    expect(unread.read('a', undefined, false)).toBe(true);
    expect(unread.count()).toBe(2);
  });

  it('over a long run past the capacity keeps the newest uids, also with some read among them', () => {
    const unread = createUnread(3);
    for (let i = 0; i < 5_000; i++) {
      unread.add(`m${i}`, i);
      // A recall of the one before now and then: it stops counting, the others stay.
      if (i % 100 === 1) expect(unread.read(`m${i - 1}`, undefined, false)).toBe(true);
    }
    expect(unread.count()).toBe(4_950);
    // The newest three are kept by uid: a recall of one counts; an older one is only counted.
    expect(unread.read('m4997', undefined, false)).toBe(true);
    expect(unread.read('m4996', undefined, false)).toBe(false);
    expect(unread.count()).toBe(4_949);
    // Reading the newest reads every one, kept or counted.
    expect(unread.read('m4999', undefined, true)).toBe(true);
    expect(unread.count()).toBe(0);
  });
});
