import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import { item, pageOf, thread } from '../history/history.fixtures.js';
import type { HistoryMessage, HistoryPage, RestTransport } from '../interfaces.js';
import { type PassOptions, readPass, startPass } from './paging.js';

/** A server's history: pages of `rows()` as it is at each call (newest first, as given). */
function server(rows: (pageNumber: number) => readonly HistoryMessage[], calls: number[] = []): RestTransport {
  return {
    sendMessage: () => Promise.reject(new Error('unused')),
    queryTopic: async ({ pageNumber, pageSize }): Promise<HistoryPage> => {
      calls.push(pageNumber);
      return pageOf(rows(pageNumber), pageNumber, pageSize);
    },
  };
}

const options = (rest: RestTransport, over: Partial<PassOptions> = {}): PassOptions => ({
  rest,
  topic: 't',
  pageSize: 4,
  maxPages: 10,
  floor: undefined,
  ...over,
});

const uids = (pass: { readonly messages: readonly { readonly uid: string }[] }): string[] =>
  pass.messages.map((m) => m.uid);

describe('readPass', () => {
  it('pages newest first down to the floor and returns what it read, oldest first', async () => {
    const calls: number[] = [];
    const rows = thread(12);
    const pass = await readPass(
      options(
        server(() => rows, calls),
        { floor: 1_004_000 },
      ),
    );
    expect(uids(pass)).toEqual(['m4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11']);
    expect(calls).toEqual([0, 1, 2]);
    expect(pass).toMatchObject({ complete: true, clean: true, empty: false, newest: 1_011_000, top: 1_011_000 });
    // The items past the floor are not read on.
    expect(pass.messages.every((m) => !('updatedAt' in m))).toBe(true);
  });

  it('does not stop at a known old message a receipt moved to the top: it goes by time', async () => {
    // m1 was read while we were away: it sorts first, before the newer m5…m9 we never saw.
    const rows = thread(10).filter((m) => m.uid !== 'm1');
    rows.unshift(item('m1', 1_001_000, 1_020_000));
    const pass = await readPass(
      options(
        server(() => rows),
        { floor: 1_004_500 },
      ),
    );
    expect(uids(pass)).toEqual(['m5', 'm6', 'm7', 'm8', 'm9']);
    // m1 was created before the floor: known, read for its status only.
    expect(pass.known.map((m) => m.uid)).toEqual(['m1']);
  });

  it('tells the rows created before the floor apart: however many receipts moved up, none is new', async () => {
    // Every message was read (receipts moved m0…m7 up); only m8 and m9 are above the floor by creation.
    const rows = [
      ...Array.from({ length: 8 }, (_, i) => item(`m${i}`, 1_000_000 + i * 1_000, 1_100_000 - i)),
      ...thread(10).filter((m) => m.uid === 'm8' || m.uid === 'm9'),
    ];
    const pass = await readPass(
      options(
        server(() => rows),
        { floor: 1_008_000 },
      ),
    );
    expect(uids(pass)).toEqual(['m8', 'm9']);
    expect(pass.known.map((m) => m.uid)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    expect(pass.known.every((m) => !('updatedAt' in m))).toBe(true);
    // Without a floor nothing is known: everything may be new.
    const all = await readPass(options(server(() => rows)));
    expect([all.messages.length, all.known.length]).toEqual([10, 0]);
  });

  it('reads to the oldest page without a floor, or to the budget', async () => {
    const all = await readPass(
      options(
        server(() => thread(5)),
        { pageSize: 2 },
      ),
    );
    expect(uids(all)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect([all.pages, all.complete, all.unread]).toEqual([3, true, 0]);
    const capped = await readPass(
      options(
        server(() => thread(50)),
        { pageSize: 5, maxPages: 2, floor: 0 },
      ),
    );
    expect(capped.messages).toHaveLength(10);
    expect(capped.messages[0]?.uid).toBe('m40');
    // Where the budget ran out: the oldest item read, and how many items are past it.
    expect([capped.pages, capped.complete, capped.reached, capped.unread]).toEqual([2, false, 1_040_000, 40]);
  });

  it('takes a uid once when rows move down while it pages, and stays clean', async () => {
    // After the first page a new message (n) is written on top: page 1 repeats the end of page 0.
    const before = thread(5);
    const after = [item('n', 1_010_000), ...before];
    const pass = await readPass(
      options(
        server((p) => (p === 0 ? before : after)),
        { pageSize: 2 },
      ),
    );
    // n came after page 0 was read: the next pass finds it on top.
    expect(uids(pass)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(pass.clean).toBe(true);
  });

  it('is not clean when history shrank while it paged (a recall deleted a row above the next page)', async () => {
    const before = thread(6);
    const after = before.filter((m) => m.uid !== 'm5');
    const pass = await readPass(
      options(
        server((p) => (p === 0 ? before : after)),
        { pageSize: 2 },
      ),
    );
    // m3 moved onto page 0, already read: this pass missed it.
    expect(uids(pass)).toEqual(['m0', 'm1', 'm2', 'm4', 'm5']);
    expect(pass.clean).toBe(false);
  });

  it('survives deleted rows and small pages: what history lists is what it reads', async () => {
    const rows = thread(25).filter((m) => !['m20', 'm13', 'm12'].includes(m.uid));
    const pass = await readPass(
      options(
        server(() => rows),
        { pageSize: 10, floor: 1_010_000 },
      ),
    );
    expect(uids(pass)).toEqual(['m10', 'm11', 'm14', 'm15', 'm16', 'm17', 'm18', 'm19', 'm21', 'm22', 'm23', 'm24']);
  });

  it('falls back to createdAt on servers without updatedAt, and never stops at an item without a time', async () => {
    const rows = thread(6).map((m) => ({ ...m, updatedAt: '' }));
    rows.splice(1, 0, { ...item('x', 0), createdAt: 'not a time', updatedAt: '' });
    const pass = await readPass(
      options(
        server(() => rows),
        { floor: 1_003_000 },
      ),
    );
    // x has no time: it stays where history has it, after its older neighbour.
    expect(uids(pass)).toEqual(['m3', 'm4', 'x', 'm5']);
    expect(pass.newest).toBe(1_005_000);
  });

  it('puts a sender’s time-ordered uids of one server second in uid order: history’s order there says nothing', async () => {
    // One second, newest first by updatedAt: receipts moved a0 and a1 (sent first) above a2…a4.
    const a = (n: number): string => `0000000000${n}07000${'8'.repeat(16)}`;
    const at = (uid: string, updated: number, sender = 'a1'): HistoryMessage => ({
      ...item(uid, 1_000_000, updated),
      user: { uid: sender, nickname: '', avatar: '', type: 'AGENT', extra: '' },
    });
    const rows = [
      at(a(1), 1_000_900),
      at(a(0), 1_000_800),
      at('v4-random-b', 1_000_700, 'v1'),
      at(a(4), 1_000_400),
      at('v4-random-a', 1_000_350, 'v1'),
      at(a(3), 1_000_300),
      at(a(2), 1_000_200),
    ];
    const pass = await readPass(options(server(() => rows)));
    // a0…a4 in uid order in the places a1's messages had; v1's random uids keep history's order.
    expect(uids(pass)).toEqual([a(0), a(1), 'v4-random-a', a(2), 'v4-random-b', a(3), a(4)]);
  });

  it('goes on from the page that failed, with what it read before', async () => {
    const calls: number[] = [];
    const rows = thread(12);
    let failOn: number | undefined = 2;
    const rest = server(() => rows, calls);
    const flaky: RestTransport = {
      ...rest,
      queryTopic: async (query, call) => {
        if (query.pageNumber === failOn) {
          failOn = undefined;
          calls.push(-1);
          throw new Error('503');
        }
        return rest.queryTopic(query, call);
      },
    };
    const progress = startPass();
    await expect(readPass(options(flaky, { floor: 1_002_000, progress }))).rejects.toThrow('503');
    const pass = await readPass(options(flaky, { floor: 1_002_000, progress }));
    // Pages 0 and 1 were not read again.
    expect(calls).toEqual([0, 1, -1, 2]);
    expect(uids(pass)).toEqual(['m2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11']);
    expect(pass).toMatchObject({ complete: true, clean: true, pages: 3, top: 1_011_000, rows: 10 });
  });

  it('tells an empty history', async () => {
    const pass = await readPass(options(server(() => [])));
    expect(pass).toMatchObject({
      messages: [],
      known: [],
      complete: true,
      empty: true,
      newest: undefined,
      top: undefined,
    });
  });

  it('rejects when a page fails (the client reports it as an error event)', async () => {
    const rest: RestTransport = {
      sendMessage: () => Promise.reject(new Error('unused')),
      queryTopic: () => Promise.reject(new Error('offline')),
    };
    await expect(readPass(options(rest))).rejects.toThrow('offline');
  });

  it('reads a page over the REST limit again in smaller pages, then larger again: anyone may post big messages over REST', async () => {
    // m7, m6 and m5 are big: two of them in one page are over the transport's limit (response_too_large).
    const big = new Set(['m7', 'm6', 'm5']);
    const rows = thread(12).map((m) => (big.has(m.uid) ? { ...m, content: 'x'.repeat(600) } : m));
    const calls: string[] = [];
    const rest: RestTransport = {
      sendMessage: () => Promise.reject(new Error('unused')),
      queryTopic: async ({ pageNumber, pageSize }): Promise<HistoryPage> => {
        calls.push(`${pageNumber}x${pageSize}`);
        const page = pageOf(rows, pageNumber, pageSize);
        const bytes = page.messages.reduce((sum, m) => sum + m.content.length, 0);
        if (bytes > 1_000) throw new SdkError('response_too_large', 'over the limit');
        return page;
      },
    };
    const all = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11'];
    const pass = await readPass(options(rest, { pageSize: 4, maxPages: 3 }));
    expect(uids(pass)).toEqual(all);
    // Rows 4–7 in halves, then one by one where two big ones meet, then back up to pages of 4 (rows 8–11).
    expect(calls).toEqual(['0x4', '1x4', '2x2', '4x1', '5x1', '3x2', '2x4']);
    expect(pass).toMatchObject({ complete: true, clean: true });
    // The budget stays the rows of maxPages pages, whatever the page size: 8 rows here.
    const short = await readPass(options(rest, { pageSize: 4, maxPages: 2 }));
    expect(uids(short)).toEqual(all.slice(4));
    expect(short.complete).toBe(false);
    // A message over the limit alone still fails the pass (tried again, as any failure).
    const alone: RestTransport = {
      ...rest,
      queryTopic: () => Promise.reject(new SdkError('response_too_large', 'over the limit')),
    };
    await expect(readPass(options(alone))).rejects.toMatchObject({ code: 'response_too_large' });
  });

  it('ends as a budget that ran out once the content read is over maxChars: it keeps every row to its end', async () => {
    const rows = thread(12).map((m) => ({ ...m, content: 'x'.repeat(100) }));
    const calls: number[] = [];
    const pass = await readPass(
      options(
        server(() => rows, calls),
        { maxChars: 500 },
      ),
    );
    // Two pages of four (800 characters) are over 500: the pass stops there, not complete (a gap is told).
    expect(calls).toEqual([0, 1]);
    expect(uids(pass)).toEqual(['m4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11']);
    expect(pass).toMatchObject({ complete: false, unread: 4 });
  });
});
