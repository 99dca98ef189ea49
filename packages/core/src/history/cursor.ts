/**
 * Where scrollback stands in a thread's REST history, and one read back from there. History is
 * sorted by `updatedAt`, newest first, and moves while we read: new messages push rows down, a
 * receipt moves a row to the top, a recall deletes one (the rows under it move up). So the
 * cursor is a row count (an estimate), checked against the last row passed (the anchor) and the
 * server time it had; when neither can be found, the place is found again by time (a binary
 * search over pages, history being sorted). Rows are read with catch-up's page reader.
 */

import { type HistoryRow, type HistoryRows, readPage, readPageSplit } from '../catch-up/paging.js';
import type { RestCallOptions, RestTransport } from '../interfaces.js';

/** Where scrollback stands in one thread's history. */
export interface Cursor {
  /** Rows of history passed, from the top (history moves: checked against the anchor); undefined: find the place by `complete`. */
  readonly position: number | undefined;
  /** The last row passed, and its history time. */
  readonly anchor: { readonly uid: string; readonly time: number | undefined } | undefined;
  /**
   * Server time from which the timeline has every message (history was read down to a row of
   * that time): what is older is scrollback's to load. `Infinity`: nothing known yet.
   */
  readonly complete: number;
  /** The oldest row was passed: nothing older is left. */
  readonly exhausted: boolean;
}

/** Nothing read yet, nothing known. */
export const FRESH_CURSOR: Cursor = {
  position: 0,
  anchor: undefined,
  complete: Infinity,
  exhausted: false,
};

/** What one read needs. */
export interface ReadOlderOptions {
  readonly rest: RestTransport;
  readonly topic: string;
  /** How many rows not shown yet to take at most. */
  readonly limit: number;
  readonly pageSize: number;
  /** At most this many page reads, the search for the place included. */
  readonly maxPages: number;
  /** Whether the thread shows a uid already (it is passed, not taken). */
  readonly isShown: (uid: string) => boolean;
  readonly call?: RestCallOptions;
}

/** What one read found. */
export interface OlderRows {
  /** Rows to show, each uid once, newest first in history's order. */
  readonly rows: readonly HistoryRow[];
  /** Where the next read starts. */
  readonly cursor: Cursor;
  readonly pages: number;
}

/** A row's place in time for the cursor: `createdAt`, else its history time. */
function createdOf(row: HistoryRow): number {
  return row.createdAt ?? row.time ?? -Infinity;
}

/**
 * Reads back from `cursor` until `limit` rows not shown yet, older than `cursor.complete`, are
 * found, the oldest row is passed, or the page budget runs out. Rejects when a REST call fails
 * (the cursor given stays valid: nothing was taken).
 */
export async function readOlder(cursor: Cursor, options: ReadOlderOptions): Promise<OlderRows> {
  const reader = pageReader(options);
  const { pageSize } = options;
  let { page, start } = await findStart(reader, cursor, pageSize);
  let position = page * pageSize + start;
  let anchor = cursor.anchor;
  const taken = new Map<string, HistoryRow>();
  const finish = (exhausted: boolean): OlderRows => {
    const passed = anchor?.time ?? cursor.complete;
    const complete = exhausted ? -Infinity : Math.min(cursor.complete, passed);
    return { rows: [...taken.values()], cursor: { position, anchor, complete, exhausted }, pages: reader.pages() };
  };
  for (;;) {
    const rows = await reader.read(page);
    for (let i = start; i < rows.rows.length; i++) {
      const row = rows.rows[i];
      if (!row) continue;
      const uid = row.message.uid;
      position = page * pageSize + i + 1;
      anchor = { uid, time: row.time ?? anchor?.time };
      if (createdOf(row) <= cursor.complete && !taken.has(uid) && !options.isShown(uid)) taken.set(uid, row);
      if (taken.size >= options.limit) return finish(rows.last && i === rows.rows.length - 1);
    }
    if (rows.last) return finish(true);
    if (reader.pages() >= options.maxPages) return finish(false);
    page += 1;
    // History pushed down while we read (new messages on top): the anchor may be on the next page too.
    start = indexAfter(await reader.read(page), anchor);
  }
}

/** Where a row index is: its page, and its index on that page. */
interface Start {
  readonly page: number;
  readonly start: number;
}

/**
 * Where the cursor is in history now. History pushed down since (new messages, a receipt moving
 * a row from below to the top): the anchor is further on its page, or on the next. Moved up (a
 * recall above the cursor): the anchor is on the page before. Found nowhere (it was recalled, or
 * history moved a lot): the place is found again by its time.
 */
async function findStart(reader: PageReader, cursor: Cursor, pageSize: number): Promise<Start> {
  const at = (position: number): Start => {
    const page = Math.floor(position / pageSize);
    return { page, start: position - page * pageSize };
  };
  const { position, anchor } = cursor;
  if (position === undefined) return at(await locate(reader, cursor.complete, pageSize));
  const { page, start } = at(position);
  if (!anchor) return { page, start };
  // When the anchor should be the last row of the page before, that one row is read alongside.
  const probe = start === 0 && page > 0 ? reader.row(position - 1) : Promise.resolve(undefined);
  const [rows, before] = await Promise.all([reader.read(page), probe]);
  const found = indexAfter(rows, anchor);
  if (found > 0) return { page, start: found };
  if (before === anchor.uid) return { page, start };
  if (page > 0) {
    const back = indexAfter(await reader.read(page - 1), anchor);
    if (back > 0) return { page: page - 1, start: back };
  }
  return at(await locate(reader, anchor.time ?? cursor.complete, pageSize));
}

/** The index just after the anchor on a page; 0 when it is not there. */
function indexAfter(rows: HistoryRows, anchor: Cursor['anchor']): number {
  if (!anchor) return 0;
  return rows.rows.findIndex((row) => row.message.uid === anchor.uid) + 1;
}

/**
 * The row count at which history's rows reach server time `time` (history is sorted, newest
 * first): a binary search over pages. `Infinity`: the top.
 */
async function locate(reader: PageReader, time: number, pageSize: number): Promise<number> {
  if (time === Infinity) return 0;
  const top = await reader.read(0);
  if (top.rows.length === 0) return 0;
  const lastTime = (rows: HistoryRows): number => rows.rows[rows.rows.length - 1]?.time ?? time;
  // The first page whose last row is at or below `time`; pages before it are all newer.
  let low = 0;
  let high = top.totalPages - 1;
  while (low < high && reader.left() > 1) {
    const middle = Math.floor((low + high) / 2);
    if (lastTime(await reader.read(middle)) <= time) high = middle;
    else low = middle + 1;
  }
  const rows = await reader.read(low);
  const first = rows.rows.findIndex((row) => (row.time ?? time) <= time);
  return low * pageSize + (first === -1 ? rows.rows.length : first);
}

interface PageReader {
  read(page: number): Promise<HistoryRows>;
  /** Whether row `index` from the top (a page of one) is there; its uid. */
  row(index: number): Promise<string | undefined>;
  /** Page reads left in the budget. */
  left(): number;
  pages(): number;
}

/** Reads pages within the budget, each page once per read back (history read twice may have moved). */
function pageReader(options: ReadOlderOptions): PageReader {
  const cache = new Map<number, HistoryRows>();
  const reads = { count: 0 };
  return {
    async read(page) {
      const cached = cache.get(page);
      if (cached) return cached;
      // A page over the REST limit (big messages anyone may post) is read as smaller ones, each counted.
      const query = { topic: options.topic, pageNumber: page, pageSize: options.pageSize };
      const rows = await readPageSplit(options.rest, query, options.call, reads);
      cache.set(page, rows);
      return rows;
    },
    async row(index) {
      reads.count += 1;
      const rows = await readPage(options.rest, { topic: options.topic, pageNumber: index, pageSize: 1 }, options.call);
      return rows.rows[0]?.message.uid;
    },
    left: () => options.maxPages - reads.count,
    pages: () => reads.count,
  };
}
