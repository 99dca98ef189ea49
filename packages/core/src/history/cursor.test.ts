import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { HistoryMessage, HistoryPage, RestTransport } from '../interfaces.js';
import { type Cursor, FRESH_CURSOR, type OlderRows, type ReadOlderOptions, readOlder } from './cursor.js';
import { item, pageOf, thread, time } from './history.fixtures.js';

/** A server whose history is `rows` as it is at each call; it records each call as `page/size`. */
function server(rows: () => readonly HistoryMessage[], calls: string[] = []): RestTransport {
  return {
    sendMessage: () => Promise.reject(new Error('unused')),
    queryTopic: async ({ pageNumber, pageSize }): Promise<HistoryPage> => {
      calls.push(`${pageNumber}/${pageSize}`);
      return pageOf(rows(), pageNumber, pageSize);
    },
  };
}

const options = (rest: RestTransport, over: Partial<ReadOlderOptions> = {}): ReadOlderOptions => ({
  rest,
  topic: 't',
  limit: 5,
  pageSize: 5,
  maxPages: 60,
  isShown: () => false,
  ...over,
});

const uids = (read: { readonly rows: readonly { readonly message: { readonly uid: string } }[] }): string[] =>
  read.rows.map((row) => row.message.uid);
const names = (from: number, to: number): string[] => Array.from({ length: from - to }, (_, i) => `m${from - 1 - i}`);

/** Where catch-up left a thread after reading its newest `rows` rows of `history`. */
function after(history: readonly HistoryMessage[], rows: number): Cursor {
  const last = history[rows - 1];
  const reached = Number(last?.updatedAt);
  return { position: rows, anchor: { uid: last?.uid ?? '', time: reached }, complete: reached, exhausted: false };
}

describe('readOlder', () => {
  it('goes on after the anchor, one page and the probe of the row before it a call, down to the oldest', async () => {
    const history = thread(17);
    const calls: string[] = [];
    const rest = server(() => history, calls);
    const first = await readOlder(after(history, 5), options(rest));
    expect(uids(first)).toEqual(names(12, 7));
    expect(calls).toEqual(['4/1', '1/5']);
    const second = await readOlder(first.cursor, options(rest));
    expect(uids(second)).toEqual(names(7, 2));
    const third = await readOlder(second.cursor, options(rest));
    expect(uids(third)).toEqual(['m1', 'm0']);
    expect(third.cursor.exhausted).toBe(true);
    expect(third.cursor.complete).toBe(Number.NEGATIVE_INFINITY);
  });

  it('history pushed down (new rows on top): finds the anchor further down and takes nothing twice', async () => {
    let history = thread(20);
    const rest = server(() => history);
    // What the thread shows: catch-up's five, and what each read brings.
    const shown = new Set(names(20, 15));
    const show = (read: OlderRows): OlderRows => {
      for (const uid of uids(read)) shown.add(uid);
      return read;
    };
    const opts = options(rest, { isShown: (uid) => shown.has(uid) });
    const first = show(await readOlder(after(history, 5), opts));
    expect(uids(first)).toEqual(names(15, 10));
    // Seven new messages on top, and a receipt moves m3 (not read yet) to the top too.
    const fresh = Array.from({ length: 7 }, (_, i) => item(`n${i}`, time(30 + i))).reverse();
    const moved = history.filter((m) => m.uid === 'm3').map((m) => ({ ...m, updatedAt: String(time(40)) }));
    history = [...moved, ...fresh, ...history.filter((m) => m.uid !== 'm3')];
    const second = show(await readOlder(first.cursor, opts));
    expect(uids(second)).toEqual(names(10, 5));
    const third = await readOlder(second.cursor, opts);
    // m3 moved above the cursor: it is there no more (catch-up's next pass reads it from the top).
    expect(uids(third)).toEqual(['m4', 'm2', 'm1', 'm0']);
  });

  it('history moved up (rows recalled above the cursor): looks one page back and skips nothing', async () => {
    let history = thread(20);
    const calls: string[] = [];
    const rest = server(() => history, calls);
    const first = await readOlder(after(history, 5), options(rest));
    history = history.filter((m) => !['m19', 'm17', 'm12'].includes(m.uid));
    calls.length = 0;
    const second = await readOlder(first.cursor, options(rest));
    expect(uids(second)).toEqual(names(10, 5));
    expect(calls).toEqual(['9/1', '2/5', '1/5']);
  });

  it('an anchor recalled and history moved by more than a page: finds the place again by time', async () => {
    let history = thread(60);
    const calls: string[] = [];
    const rest = server(() => history, calls);
    const first = await readOlder(after(history, 10), options(rest));
    expect(uids(first)).toEqual(names(50, 45));
    // The anchor (m45) is recalled, and 12 rows above it too.
    const gone = new Set(['m45', ...names(59, 47)]);
    history = history.filter((m) => !gone.has(m.uid));
    calls.length = 0;
    const second = await readOlder(first.cursor, options(rest));
    expect(uids(second)).toEqual(names(45, 40));
    expect(calls.length).toBeLessThanOrEqual(8);
  });

  it('without a place, finds the first row at or before `complete` by a binary search over pages', async () => {
    const history = thread(200);
    const calls: string[] = [];
    const start: Cursor = { ...FRESH_CURSOR, position: undefined, complete: time(123) };
    const read = await readOlder(
      start,
      options(
        server(() => history, calls),
        { limit: 3 },
      ),
    );
    // m123 itself (created at that second) may be one not shown yet: it is taken unless shown.
    expect(uids(read)).toEqual(['m123', 'm122', 'm121']);
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(Math.log2(40)) + 2);
  });

  it('passes rows shown already, and rows newer than `complete` (they are live messages’ and catch-up’s)', async () => {
    const history = thread(12);
    const newer = item('late', time(3), time(50));
    const rest = server(() => [newer, ...history]);
    const shown = new Set(['m11', 'm9', 'm2']);
    const start: Cursor = { ...FRESH_CURSOR, complete: time(10) };
    const read = await readOlder(start, options(rest, { limit: 20, isShown: (uid) => shown.has(uid) }));
    // `late` was created before `complete` (a receipt moved it up): old, so it is taken.
    expect(uids(read)).toEqual(['late', 'm10', 'm8', 'm7', 'm6', 'm5', 'm4', 'm3', 'm1', 'm0']);
    expect(read.cursor.exhausted).toBe(true);
  });

  it('stops at the page budget, more to come; rows without a time and an empty history do not break it', async () => {
    const history = thread(40).map((m, i) => (i % 3 === 0 ? { ...m, createdAt: 'garbage', updatedAt: '' } : m));
    const budget = await readOlder(
      FRESH_CURSOR,
      options(
        server(() => history),
        { limit: 40, maxPages: 2 },
      ),
    );
    expect(uids(budget)).toHaveLength(10);
    expect(budget.cursor.exhausted).toBe(false);
    const rest = await readOlder(
      budget.cursor,
      options(
        server(() => history),
        { limit: 40 },
      ),
    );
    expect(uids(rest)).toHaveLength(30);
    expect(new Set([...uids(budget), ...uids(rest)]).size).toBe(40);
    const empty = await readOlder(FRESH_CURSOR, options(server(() => [])));
    expect(empty.rows).toEqual([]);
    expect(empty.cursor.exhausted).toBe(true);
  });

  it('rejects when a read fails', async () => {
    const rest: RestTransport = {
      sendMessage: () => Promise.reject(new Error('unused')),
      queryTopic: () => Promise.reject(new Error('down')),
    };
    await expect(readOlder(FRESH_CURSOR, options(rest))).rejects.toThrow('down');
  });

  it('reads a page over the REST limit as smaller pages: anyone may post big messages over REST', async () => {
    // m13 and m12 are big: a page with both is over the transport's limit (response_too_large).
    const history = thread(20).map((m) =>
      m.uid === 'm13' || m.uid === 'm12' ? { ...m, content: 'x'.repeat(600) } : m,
    );
    const calls: string[] = [];
    const rest: RestTransport = {
      sendMessage: () => Promise.reject(new Error('unused')),
      queryTopic: async ({ pageNumber, pageSize }): Promise<HistoryPage> => {
        calls.push(`${pageNumber}/${pageSize}`);
        const page = pageOf(history, pageNumber, pageSize);
        if (page.messages.reduce((sum, m) => sum + m.content.length, 0) > 1_000) {
          throw new SdkError('response_too_large', 'over the limit');
        }
        return page;
      },
    };
    const read = await readOlder(after(history, 4), options(rest, { pageSize: 4, limit: 8 }));
    expect(uids(read)).toEqual(names(16, 8));
    // Page 1 (m15…m12) in halves, where both big ones meet in the second one by one; every read counts.
    expect(calls).toEqual(['3/1', '1/4', '2/2', '3/2', '6/1', '7/1', '2/4']);
    expect(read.pages).toBe(7);
  });
});
