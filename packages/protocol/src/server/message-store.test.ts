import { describe, expect, it } from 'vitest';
import { normalizeMessage, type WireMessage, type WireMessageInit } from '../wire.js';
import { MessageStore, type StoredRecord } from './message-store.js';
import type { HistoryOrder, RecallEffect } from './options.js';
import { freezeWireMessage, isFrozenWireMessage } from './stamp.js';
import { reversedMemberTopic } from './subscriptions.js';

const T0 = Date.UTC(2024, 4, 1, 4, 0, 0);
const TOPIC = 'org/agent/a1/v1';
const MEMBER = 'org/member/m1/m2';
let n = 0;

function message(init: WireMessageInit = {}): WireMessage {
  n += 1;
  return normalizeMessage({
    uid: `m${n}`,
    type: 'TEXT',
    content: `hello ${n}`,
    status: 'SUCCESS',
    user: { uid: 'v1', type: 'VISITOR' },
    thread: { uid: 't1', topic: TOPIC, type: 'AGENT' },
    ...init,
  });
}

const onTopic = (topic: string, type = 'AGENT') => ({ thread: { uid: topic, topic, type } });

function store(options: { lagMs?: number; recall?: RecallEffect } = {}): MessageStore {
  return new MessageStore({ lagMs: options.lagMs ?? 0, recall: options.recall ?? 'delete' });
}

function uids(s: MessageStore, now: number, page = 0, size = 10, topic = TOPIC, order: HistoryOrder = 'updatedAt') {
  return s.page(topic, page, size, now, order).content.map((r) => r.uid);
}

/**
 * What a page is, computed the plain way from everything stored (the store's own records):
 * written by `now`, not deleted, on the thread (a MEMBER conversation's two topics), newest
 * first by the order's time, later arrivals first among equal times.
 */
function expectedPage(s: MessageStore, topic: string, page: number, size: number, now: number, order: HistoryOrder) {
  const topics = [topic, reversedMemberTopic(topic)].filter((t): t is string => t !== undefined);
  const key = order === 'updatedAt' ? 'updatedAtMs' : 'createdAtMs';
  const all = topics
    .flatMap((t) => s.stored(t))
    .filter((r) => r.writtenAt <= now)
    .sort((a: StoredRecord, b: StoredRecord) => b[key] - a[key] || b.seq - a.seq);
  return { uids: all.slice(page * size, (page + 1) * size).map((r) => r.uid), total: all.length };
}

describe('MessageStore: history pages', () => {
  it('equal times list the later arrival first, in both orders', () => {
    const s = store();
    const [a, b, c] = [message(), message(), message()];
    for (const m of [a, b, c]) s.store(m, '', T0);
    expect(uids(s, T0)).toEqual([c.uid, b.uid, a.uid]);
    expect(uids(s, T0, 0, 10, TOPIC, 'createdAt')).toEqual([c.uid, b.uid, a.uid]);
    // A receipt at the same millisecond moves nothing past a later arrival of that millisecond.
    s.applyReceipt(a.uid, 'DELIVERED', T0);
    expect(uids(s, T0)).toEqual([c.uid, b.uid, a.uid]);
  });

  it('a receipt moves a message to the top; READ moves it again, a DELIVERED after READ does not', () => {
    const s = store();
    const [a, b, c] = [message(), message(), message()];
    s.store(a, '', T0);
    s.store(b, '', T0 + 1);
    s.store(c, '', T0 + 2);
    expect(s.applyReceipt(a.uid, 'DELIVERED', T0 + 3)).toBe(true);
    expect(uids(s, T0 + 10)).toEqual([a.uid, c.uid, b.uid]);
    expect(s.applyReceipt(b.uid, 'READ', T0 + 4)).toBe(true);
    expect(uids(s, T0 + 10)).toEqual([b.uid, a.uid, c.uid]);
    expect(s.applyReceipt(b.uid, 'DELIVERED', T0 + 5)).toBe(false);
    expect(s.get(b.uid)?.updatedAtMs).toBe(T0 + 4);
    expect(uids(s, T0 + 10)).toEqual([b.uid, a.uid, c.uid]);
    // Created order is not moved by receipts.
    expect(uids(s, T0 + 10, 0, 10, TOPIC, 'createdAt')).toEqual([c.uid, b.uid, a.uid]);
  });

  it('a recall takes the message out of every page and the totals; "mark" moves it up as RECALL', () => {
    const s = store();
    const all = Array.from({ length: 25 }, () => message());
    for (const [i, m] of all.entries()) s.store(m, '', T0 + i);
    expect(s.applyRecall(all[24]?.uid ?? '', T0 + 100)).toBe(true);
    expect(s.applyRecall(all[3]?.uid ?? '', T0 + 101)).toBe(true);
    expect(s.applyRecall(all[3]?.uid ?? '', T0 + 102)).toBe(false);
    expect(s.applyReceipt(all[3]?.uid ?? '', 'READ', T0 + 103)).toBe(false);
    const page = s.page(TOPIC, 2, 10, T0 + 200, 'updatedAt');
    expect(page).toMatchObject({ totalElements: 23, totalPages: 3, numberOfElements: 3, last: true });
    expect(page.content.map((r) => r.uid)).toEqual([all[2], all[1], all[0]].map((m) => m?.uid));
    expect(uids(s, T0 + 200, 0, 30)).not.toContain(all[3]?.uid);
    expect(uids(s, T0 + 200, 0, 30, TOPIC, 'createdAt')).toHaveLength(23);

    const marking = store({ recall: 'mark' });
    const [x, y] = [message(), message()];
    marking.store(x, '', T0);
    marking.store(y, '', T0 + 1);
    marking.applyRecall(x.uid, T0 + 2);
    const marked = marking.page(TOPIC, 0, 10, T0 + 3, 'updatedAt').content;
    expect(marked.map((r) => [r.uid, r.message.status])).toEqual([
      [x.uid, 'RECALL'],
      [y.uid, 'SUCCESS'],
    ]);
  });

  it('shows a batch once it is written; what changed or was recalled meanwhile shows as it is then', () => {
    const s = store({ lagMs: 5_000 });
    const [a, b, c, d] = [message(), message(), message(), message()];
    s.store(a, '', T0);
    s.store(b, '', T0 + 1_000);
    s.store(c, '', T0 + 2_000);
    expect(uids(s, T0 + 2_000)).toEqual([]);
    s.applyReceipt(a.uid, 'READ', T0 + 3_000);
    s.applyRecall(b.uid, T0 + 3_500);
    expect(uids(s, T0 + 4_999)).toEqual([]);
    expect(s.page(TOPIC, 0, 10, T0 + 4_999, 'updatedAt').totalElements).toBe(0);
    expect(uids(s, T0 + 5_000)).toEqual([a.uid, c.uid]);
    // The next batch opens with the next message and is written 5 s after it.
    s.store(d, '', T0 + 6_000);
    s.applyReceipt(c.uid, 'DELIVERED', T0 + 7_000);
    expect(uids(s, T0 + 10_999)).toEqual([c.uid, a.uid]);
    expect(uids(s, T0 + 11_000)).toEqual([c.uid, d.uid, a.uid]);
  });

  it('pages stay whole and in order while receipts move messages between them', () => {
    const s = store();
    const all = Array.from({ length: 35 }, () => message());
    for (const [i, m] of all.entries()) s.store(m, '', T0 + i);
    const pages = (now: number) => [0, 1, 2, 3].flatMap((p) => uids(s, now, p));
    expect(pages(T0 + 100)).toEqual([...all].reverse().map((m) => m.uid));
    // The oldest (last page) and one on page 1 move to the top.
    s.applyReceipt(all[0]?.uid ?? '', 'DELIVERED', T0 + 200);
    s.applyReceipt(all[20]?.uid ?? '', 'READ', T0 + 201);
    const after = pages(T0 + 300);
    expect(after.slice(0, 2)).toEqual([all[20]?.uid, all[0]?.uid]);
    expect(new Set(after).size).toBe(35);
    expect(uids(s, T0 + 300, 3)).toEqual([5, 4, 3, 2, 1].map((i) => all[i]?.uid));
    expect(after).toEqual(expectedPage(s, TOPIC, 0, 40, T0 + 300, 'updatedAt').uids);
  });

  it('lists both sides of a MEMBER conversation from either topic', () => {
    const s = store();
    const reversed = reversedMemberTopic(MEMBER) ?? '';
    const mine = message(onTopic(MEMBER, 'MEMBER'));
    const theirs = message(onTopic(reversed, 'MEMBER'));
    const elsewhere = message(onTopic('org/member/m1/m3', 'MEMBER'));
    s.store(mine, '', T0);
    s.store(theirs, '', T0 + 1);
    s.store(elsewhere, '', T0 + 2);
    expect(uids(s, T0 + 5, 0, 10, MEMBER)).toEqual([theirs.uid, mine.uid]);
    expect(uids(s, T0 + 5, 0, 10, reversed)).toEqual([theirs.uid, mine.uid]);
    s.applyReceipt(mine.uid, 'READ', T0 + 3);
    expect(uids(s, T0 + 5, 0, 10, reversed)).toEqual([mine.uid, theirs.uid]);
  });

  it('leaves out what is not written at `now` when the clock went back', () => {
    const s = store();
    const [a, b] = [message(), message()];
    s.store(a, '', T0 + 1_000);
    expect(uids(s, T0 + 1_000)).toEqual([a.uid]);
    s.store(b, '', T0);
    expect(uids(s, T0 + 500)).toEqual([b.uid]);
    expect(s.page(TOPIC, 0, 10, T0 + 500, 'updatedAt').totalElements).toBe(1);
    expect(uids(s, T0 + 1_000)).toEqual([a.uid, b.uid]);
  });

  it('answers every page as the plain filter-and-sort would, through random stores, receipts, recalls and chunks', () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const topics = [TOPIC, 'org/agent/a1/v2', MEMBER, reversedMemberTopic(MEMBER) ?? ''];
    for (const recall of ['delete', 'mark'] as const) {
      const s = store({ lagMs: 700, recall });
      const uidsSoFar: string[] = [];
      let now = T0;
      for (let step = 0; step < 3_000; step++) {
        now += Math.floor(random() * 40);
        const pick = random();
        const target = uidsSoFar[Math.floor(random() * uidsSoFar.length)] ?? '';
        if (pick < 0.45 || uidsSoFar.length === 0) {
          const topic = topics[Math.floor(random() * topics.length)] ?? TOPIC;
          const m = message({ ...onTopic(topic, topic.startsWith('org/member') ? 'MEMBER' : 'AGENT') });
          s.store(m, '', now);
          uidsSoFar.push(m.uid);
        } else if (pick < 0.7) {
          s.applyReceipt(target, random() < 0.5 ? 'DELIVERED' : 'READ', now);
        } else if (pick < 0.75) {
          s.applyRecall(target, now);
        } else if (pick < 0.8) {
          const stream = normalizeMessage({
            uid: `stream-${step % 7}`,
            type: 'ROBOT_STREAM',
            content: 'x',
            thread: { topic: TOPIC },
          });
          s.store(stream, '', now);
        } else {
          const topic = topics[Math.floor(random() * topics.length)] ?? TOPIC;
          const order: HistoryOrder = random() < 0.8 ? 'updatedAt' : 'createdAt';
          const size = 1 + Math.floor(random() * 12);
          const pageNumber = Math.floor(random() * 4);
          const page = s.page(topic, pageNumber, size, now, order);
          const expected = expectedPage(s, topic, pageNumber, size, now, order);
          expect(
            page.content.map((r) => r.uid),
            `step ${step}`,
          ).toEqual(expected.uids);
          expect(page.totalElements, `step ${step}`).toBe(expected.total);
        }
      }
    }
  });
});

describe('MessageStore: one copy per message', () => {
  it('keeps a frozen message as it is, and a message that is not frozen as a frozen copy', () => {
    const s = store();
    s.store(freezeWireMessage(message()), '', T0);
    const mutable = message();
    s.store(mutable, '', T0);
    (mutable as { content: string }).content = 'changed afterwards';
    (mutable.user as { uid: string }).uid = 'someone else';
    const record = s.get(mutable.uid);
    expect(record?.message.content).toBe(`hello ${n}`);
    expect(record?.message.user?.uid).toBe('v1');
    // What comes out is a copy the caller may change.
    expect(isFrozenWireMessage(record?.message as WireMessage)).toBe(false);
    const listed = s.page(TOPIC, 0, 10, T0, 'updatedAt').content;
    expect(listed.map((r) => Object.isFrozen(r.message))).toEqual([false, false]);
  });
});
