/**
 * Reading a thread's REST history, newest first (by `updatedAt` on the real server): one page
 * as its rows ({@link readPage}, which scrollback reads too), and one pass down to a floor of
 * server time below which nothing is missing (watermark.ts), within a budget of pages. The real
 * server keeps no offline queue, so catch-up (driver.ts) runs passes after every connect
 * whatever the broker does.
 */
import { SdkError, type WireMessage } from '@weiyu/protocol';
import type { HistoryMessage, RestCallOptions, RestTransport } from '../interfaces.js';
import { isTimeOrderedUid } from '../random.js';
import { historyTime, type PassTimes, serverTime } from './watermark.js';

/**
 * The most content a pass reads, in characters, before it ends as a budget that ran out (a
 * `gap`): it keeps every row until its end, and anyone may post big messages over REST. Twice
 * what a thread's timeline keeps (receive/timeline.ts).
 */
export const MAX_PASS_CHARS = 16_000_000;

/** Options of {@link readPass}. */
export interface PassOptions {
  readonly rest: Pick<RestTransport, 'queryTopic'>;
  readonly topic: string;
  readonly pageSize: number;
  /** The budget: at most this many pages. */
  readonly maxPages: number;
  /** And at most this much content, in characters, read ({@link MAX_PASS_CHARS} unless given). */
  readonly maxChars?: number;
  /** Stop at the first item older than this server time (epoch ms); undefined: read to the budget. */
  readonly floor: number | undefined;
  readonly call?: RestCallOptions;
  /**
   * A pass under way to go on with ({@link startPass}): it reads from the page it stopped at.
   * What it read is kept in it, so a pass whose page failed goes on from there next time instead
   * of reading every page again.
   */
  readonly progress?: PassProgress;
}

/** What {@link readPass} found. */
export interface Pass extends PassTimes {
  /**
   * Every item read above the floor that was created at or after it (or says no time), each uid
   * once, oldest (`createdAt`) first: what may be new.
   */
  readonly messages: WireMessage[];
  /**
   * The items read above the floor (by `updatedAt`) but created before it: known already (a
   * receipt or a recall moved them up), read only for the status they have now. However many
   * receipts moved up, none is new, so none may be shown again — even once the duplicate filter
   * and the timeline have forgotten it.
   */
  readonly known: WireMessage[];
  readonly pages: number;
  /** Whether it got to the floor or to the oldest page; false when the budget ran out first. */
  readonly complete: boolean;
  /**
   * Whether no item can have moved onto a page already read: history never shrank between two
   * pages (a recall deletes a row; the rows under it move up a place).
   */
  readonly clean: boolean;
  /** The history time of the oldest item read: where the budget ran out. */
  readonly reached: number | undefined;
  /** The uid of the oldest item read (the last row of history passed). */
  readonly reachedUid: string | undefined;
  /** How many rows of history it passed, from the top. */
  readonly rows: number;
  /** The history items under the last one read (`totalElements` less those read). */
  readonly unread: number;
}

/**
 * How deep a pass without a floor (a thread never caught up: the newest history) read: every row
 * from the top down to `reachedUid`, whose history time is `reached`. What scrollback starts from.
 */
export interface HistoryDepth {
  /** How many rows it passed, from the top. */
  readonly rows: number;
  /** The history time of the last row passed (undefined: history was empty). */
  readonly reached: number | undefined;
  /** The uid of the last row passed. */
  readonly reachedUid: string | undefined;
  /** Whether it read down to the oldest page: the whole history. */
  readonly end: boolean;
}

/** One row of a history page, as the pipeline takes it, with the times history sorts and stamps it by. */
export interface HistoryRow {
  /** The message without history's `updatedAt`. */
  readonly message: WireMessage;
  /** Server `createdAt` (epoch ms); undefined when unreadable. */
  readonly createdAt: number | undefined;
  /** Where it sorts in history: `updatedAt`, else `createdAt`; undefined when neither is readable. */
  readonly time: number | undefined;
}

/** One page of history as rows, newest first. */
export interface HistoryRows {
  readonly rows: readonly HistoryRow[];
  /** How many messages history has now. */
  readonly total: number;
  /** How many pages of this size it has now. */
  readonly totalPages: number;
  /** Whether this is the oldest page. */
  readonly last: boolean;
}

/** Reads page `pageNumber` of `pageSize` of a topic's history; rejects when the REST call fails. */
export async function readPage(
  rest: Pick<RestTransport, 'queryTopic'>,
  query: { readonly topic: string; readonly pageNumber: number; readonly pageSize: number },
  call?: RestCallOptions,
): Promise<HistoryRows> {
  const page = await rest.queryTopic(query, call);
  const rows = page.messages.map((item) => ({
    message: wireOf(item),
    createdAt: serverTime(item.createdAt),
    time: historyTime(item),
  }));
  const last = page.last || page.messages.length === 0;
  return { rows, total: page.totalElements, totalPages: page.totalPages, last };
}

/**
 * Page `pageNumber` of `pageSize` as {@link readPage} reads it; when its answer is over the REST
 * transport's limit (`response_too_large`: anyone may post big messages over REST), the same rows
 * as smaller pages (of the largest divisor of `pageSize` below it, again as needed), down to
 * pages of one row. `reads` counts the requests. Rejects when one fails otherwise, or one row
 * alone is over the limit.
 */
export async function readPageSplit(
  rest: Pick<RestTransport, 'queryTopic'>,
  query: { readonly topic: string; readonly pageNumber: number; readonly pageSize: number },
  call: RestCallOptions | undefined,
  reads: { count: number },
): Promise<HistoryRows> {
  reads.count += 1;
  try {
    return await readPage(rest, query, call);
  } catch (error) {
    if (SdkError.from(error).code !== 'response_too_large' || query.pageSize < 2) throw error;
  }
  const { pageNumber, pageSize } = query;
  const part = pageSize / smallestFactor(pageSize);
  const rows: HistoryRow[] = [];
  let page: HistoryRows | undefined;
  for (let i = 0; i < pageSize / part && !page?.last; i++) {
    const sub = { topic: query.topic, pageNumber: (pageNumber * pageSize) / part + i, pageSize: part };
    page = await readPageSplit(rest, sub, call, reads);
    rows.push(...page.rows);
  }
  const total = page?.total ?? 0;
  return { rows, total, totalPages: Math.ceil(total / pageSize), last: page?.last ?? true };
}

/** The smallest factor of `n` above 1 (n ≥ 2). */
function smallestFactor(n: number): number {
  for (let f = 2; f * f <= n; f++) if (n % f === 0) return f;
  return n;
}

type Taken = Pick<HistoryRow, 'message' | 'createdAt'>;

/**
 * What a pass has read so far, and the page it reads next. A page read later is only a slower
 * page (rows moving meanwhile are taken as while paging), so a pass may go on after a failure.
 */
export interface PassProgress {
  /** The next page to read. */
  page: number;
  readonly taken: Map<string, Taken>;
  readonly knownRows: Map<string, WireMessage>;
  clean: boolean;
  empty: boolean;
  top: number | undefined;
  read: number;
  /** The content of the rows read, in characters. */
  chars: number;
  total: number;
  reached: number | undefined;
  reachedUid: string | undefined;
}

/** A pass from its first page. */
export function startPass(): PassProgress {
  return {
    page: 0,
    taken: new Map(),
    knownRows: new Map(),
    clean: true,
    empty: false,
    top: undefined,
    read: 0,
    chars: 0,
    total: 0,
    reached: undefined,
    reachedUid: undefined,
  };
}

/** Reads one pass (or goes on with one); rejects when a REST call fails, its progress kept. */
export async function readPass(options: PassOptions): Promise<Pass> {
  const pass = options.progress ?? startPass();
  const { taken, knownRows } = pass;
  const finish = (complete: boolean, pages: number): Pass => {
    const { reached, reachedUid } = pass;
    const messages = oldestFirst([...taken.values()]).map((t) => t.message);
    const times = [...taken.values()].map((t) => t.createdAt).filter((t): t is number => t !== undefined);
    const newest = times.length > 0 ? Math.max(...times) : undefined;
    const unread = Math.max(0, pass.total - pass.read);
    const { clean, empty, top, read: rows } = pass;
    const known = [...knownRows.values()];
    return { messages, known, pages, complete, clean, empty, top, newest, reached, reachedUid, rows, unread };
  };
  for (; pass.page < options.maxPages; pass.page++) {
    const pageNumber = pass.page;
    const query = { topic: options.topic, pageNumber, pageSize: options.pageSize };
    // A page over the REST limit (big messages anyone may post) is read as smaller ones: it would fail every pass.
    const page = await readPageSplit(options.rest, query, options.call, { count: 0 });
    if (pageNumber > 0 && page.total < pass.total) pass.clean = false;
    pass.total = page.total;
    if (pageNumber === 0) {
      pass.empty = page.rows.length === 0;
      pass.top = newestTime(page.rows);
    }
    for (const row of page.rows) {
      const { time, message } = row;
      if (options.floor !== undefined && time !== undefined && time < options.floor)
        return finish(true, pageNumber + 1);
      pass.read++;
      pass.chars += message.content.length;
      pass.reached = time ?? pass.reached;
      pass.reachedUid = message.uid;
      // Rows that move while we page (new ones on top, receipts moving one up) come twice: take each once.
      if (taken.has(message.uid) || knownRows.has(message.uid)) continue;
      // Created before the floor: known (a receipt or a recall moved it up).
      if (row.createdAt !== undefined && options.floor !== undefined && row.createdAt < options.floor) {
        knownRows.set(message.uid, message);
      } else taken.set(message.uid, row);
    }
    if (page.last) return finish(true, pageNumber + 1);
    if (pass.chars > (options.maxChars ?? MAX_PASS_CHARS)) return finish(false, pageNumber + 1);
  }
  return finish(false, options.maxPages);
}

/**
 * Oldest first by `createdAt` (history's order is by `updatedAt`: a receipt moves an old message
 * up). Items of one second keep history's order — but for a sender's time-ordered uids: history's
 * order within a second says nothing of the order they were sent in (its times have no
 * milliseconds, and receipts moved some up), so they take the places its messages had there in
 * uid order, its send order (random.ts). Official clients' random uids keep history's order. One
 * without a time stays after its neighbour.
 */
export function oldestFirst<T extends Taken>(newestFirst: readonly T[]): T[] {
  let previous = -Infinity;
  const keyed = [...newestFirst].reverse().map((row) => {
    previous = row.createdAt ?? previous;
    return { row, key: previous };
  });
  keyed.sort((a, b) => a.key - b.key);
  // A sender's time-ordered rows of one second, newest first (each place takes the oldest left).
  const seconds = new Map<string, T[]>();
  const secondOf = (k: (typeof keyed)[number]): string | undefined =>
    isTimeOrderedUid(k.row.message.uid) ? `${k.key} ${k.row.message.user?.uid}` : undefined;
  for (const k of keyed) {
    const second = secondOf(k);
    if (second === undefined) continue;
    const rows = seconds.get(second);
    if (rows) rows.push(k.row);
    else seconds.set(second, [k.row]);
  }
  for (const rows of seconds.values()) rows.sort((a, b) => (a.message.uid < b.message.uid ? 1 : -1));
  return keyed.map((k) => {
    const second = secondOf(k);
    return (second !== undefined && seconds.get(second)?.pop()) || k.row;
  });
}

function newestTime(rows: readonly HistoryRow[]): number | undefined {
  let newest: number | undefined;
  for (const { time } of rows) if (time !== undefined && (newest === undefined || time > newest)) newest = time;
  return newest;
}

/** The message without history's `updatedAt`: what the pipeline takes. */
function wireOf(item: HistoryMessage): WireMessage {
  if (!('updatedAt' in item)) return item;
  const { updatedAt: _updatedAt, ...message } = item;
  return message;
}
