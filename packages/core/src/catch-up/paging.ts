/**
 * One pass back through a thread's REST history, newest first (by `updatedAt` on the real
 * server), down to a floor of server time below which nothing is missing (watermark.ts), within
 * a budget of pages. The real server keeps no offline queue, so catch-up (driver.ts) runs passes
 * after every connect whatever the broker does.
 */
import type { WireMessage } from '@weiyu/protocol';
import type { HistoryMessage, RestCallOptions, RestTransport } from '../interfaces.js';
import { historyTime, type PassTimes, serverTime } from './watermark.js';

/** Options of {@link readPass}. */
export interface PassOptions {
  readonly rest: Pick<RestTransport, 'queryTopic'>;
  readonly topic: string;
  readonly pageSize: number;
  /** The budget: at most this many pages. */
  readonly maxPages: number;
  /** Stop at the first item older than this server time (epoch ms); undefined: read to the budget. */
  readonly floor: number | undefined;
  readonly call?: RestCallOptions;
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
  /** The history items under the last one read (`totalElements` less those read). */
  readonly unread: number;
}

interface Taken {
  readonly message: WireMessage;
  readonly createdAt: number | undefined;
}

/** Reads one pass; rejects when a REST call fails. */
export async function readPass(options: PassOptions): Promise<Pass> {
  const taken = new Map<string, Taken>();
  const known = new Map<string, WireMessage>();
  const pass = { clean: true, empty: false, top: undefined as number | undefined, read: 0, total: 0 };
  let reached: number | undefined;
  const finish = (complete: boolean, pages: number): Pass => {
    const messages = oldestFirst([...taken.values()]);
    const times = [...taken.values()].map((t) => t.createdAt).filter((t): t is number => t !== undefined);
    const newest = times.length > 0 ? Math.max(...times) : undefined;
    const unread = Math.max(0, pass.total - pass.read);
    return {
      messages,
      known: [...known.values()],
      pages,
      complete,
      clean: pass.clean,
      empty: pass.empty,
      top: pass.top,
      newest,
      reached,
      unread,
    };
  };
  for (let pageNumber = 0; pageNumber < options.maxPages; pageNumber++) {
    const page = await options.rest.queryTopic(
      { topic: options.topic, pageNumber, pageSize: options.pageSize },
      options.call,
    );
    if (pageNumber > 0 && page.totalElements < pass.total) pass.clean = false;
    pass.total = page.totalElements;
    if (pageNumber === 0) {
      pass.empty = page.messages.length === 0;
      pass.top = newestTime(page.messages);
    }
    for (const item of page.messages) {
      const time = historyTime(item);
      if (options.floor !== undefined && time !== undefined && time < options.floor)
        return finish(true, pageNumber + 1);
      pass.read++;
      reached = time ?? reached;
      // Rows that move while we page (new ones on top, receipts moving one up) come twice: take each once.
      if (taken.has(item.uid) || known.has(item.uid)) continue;
      const createdAt = serverTime(item.createdAt);
      // Created before the floor: known (a receipt or a recall moved it up).
      if (createdAt !== undefined && options.floor !== undefined && createdAt < options.floor) {
        known.set(item.uid, wireOf(item));
      } else taken.set(item.uid, { message: wireOf(item), createdAt });
    }
    if (page.last || page.messages.length === 0) return finish(true, pageNumber + 1);
  }
  return finish(false, options.maxPages);
}

/**
 * Oldest first by `createdAt` (history's order is by `updatedAt`: a receipt moves an old message
 * up). Items of one second keep history's order; one without a time stays after its neighbour.
 */
function oldestFirst(newestFirst: readonly Taken[]): WireMessage[] {
  let previous = Number.NEGATIVE_INFINITY;
  const keyed = [...newestFirst].reverse().map((t) => {
    previous = t.createdAt ?? previous;
    return { message: t.message, key: previous };
  });
  return keyed.sort((a, b) => a.key - b.key).map((k) => k.message);
}

function newestTime(items: readonly HistoryMessage[]): number | undefined {
  let newest: number | undefined;
  for (const item of items) {
    const time = historyTime(item);
    if (time !== undefined && (newest === undefined || time > newest)) newest = time;
  }
  return newest;
}

/** The message without history's `updatedAt`: what the pipeline takes. */
function wireOf(item: HistoryMessage): WireMessage {
  if (!('updatedAt' in item)) return item;
  const { updatedAt: _updatedAt, ...message } = item;
  return message;
}
