import { describe, expect, it } from 'vitest';
import { normalizeMessage } from '../wire.js';
import { type UnreadFacts, UnreadIndex } from './unread.js';

const fact = (topic: string, from: string, at: number, status = 'SUCCESS'): UnreadFacts => ({
  topic,
  message: normalizeMessage({ uid: `${topic}-${at}`, type: 'TEXT', status, user: { uid: from } }),
  createdAtMs: at,
  deleted: false,
});

/** Records by topic, and an index told of each one stored. */
function world(maxTallies: number) {
  const index = new UnreadIndex(maxTallies);
  const records = new Map<string, UnreadFacts[]>();
  let scans = 0;
  const recordsOn = (topic: string): UnreadFacts[] => {
    scans += 1;
    return records.get(topic) ?? [];
  };
  return {
    index,
    store(record: UnreadFacts) {
      records.set(record.topic, [...(records.get(record.topic) ?? []), record]);
      index.changed(record, undefined);
    },
    count: (topic: string, owner: string) => index.count([topic], owner, recordsOn),
    scans: () => scans,
  };
}

describe('UnreadIndex', () => {
  it('keeps at most its bound of tallies however many owners ask, and the counts stay right', () => {
    const w = world(3);
    for (let i = 0; i < 5; i++) w.store(fact('t1', 'v1', 1_000 + i));
    for (let owner = 0; owner < 50; owner++) expect(w.count('t1', `a${owner}`)).toBe(5);
    expect(w.index.tallies).toBe(3);
    expect(w.count('t1', 'v1')).toBe(0); // the sender's own messages never count
  });

  it('drops the tally asked for least recently, and makes a dropped one again from the records', () => {
    const w = world(2);
    w.store(fact('t1', 'v1', 1_000));
    w.count('t1', 'a1');
    w.count('t1', 'a2');
    w.count('t1', 'a1'); // a1 asked again: a2 is now the least recent
    const before = w.scans();
    w.count('t1', 'a3'); // a2 dropped
    w.count('t1', 'a1');
    expect(w.scans()).toBe(before + 1); // a1 kept: only a3's tally was made
    w.store(fact('t1', 'v1', 2_000, 'READ')); // a2's tally is gone and is not told
    w.store(fact('t1', 'v1', 3_000));
    expect(w.count('t1', 'a2')).toBe(1); // made again: after the newest READ, one
    expect(w.scans()).toBe(before + 2);
  });

  it('a tally kept follows every change without a scan', () => {
    const w = world(10);
    w.store(fact('t1', 'v1', 1_000));
    expect(w.count('t1', 'a1')).toBe(1);
    const before = w.scans();
    w.store(fact('t1', 'v1', 2_000));
    w.store(fact('t1', 'v1', 3_000));
    expect(w.count('t1', 'a1')).toBe(3);
    expect(w.scans()).toBe(before);
  });
});
