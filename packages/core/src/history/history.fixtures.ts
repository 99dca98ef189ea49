/** Test fixtures for the history readers (catch-up's paging, scrollback's cursor): items, a thread, a page. */
import type { HistoryMessage, HistoryPage } from '../interfaces.js';

/** A history item created at `created` (epoch ms), last changed at `updated`. */
export function item(uid: string, created: number, updated = created): HistoryMessage {
  return {
    uid,
    type: 'TEXT',
    content: uid,
    status: 'SUCCESS',
    createdAt: String(created),
    updatedAt: String(updated),
    channel: 'WEB',
    extra: '',
  };
}

/** When m{i} of {@link thread} was created: a second apart from 1,000,000. */
export const time = (i: number): number => 1_000_000 + i * 1_000;

/** m0 (oldest) … m{count-1}, a second apart from 1,000,000, newest first: history as the server lists it. */
export function thread(count: number): HistoryMessage[] {
  return Array.from({ length: count }, (_, i) => item(`m${i}`, time(i))).reverse();
}

/** Page `pageNumber` of `all` (newest first) in pages of `pageSize`, as the server answers a history query. */
export function pageOf(all: readonly HistoryMessage[], pageNumber: number, pageSize: number): HistoryPage {
  const totalPages = Math.ceil(all.length / pageSize);
  return {
    messages: all.slice(pageNumber * pageSize, (pageNumber + 1) * pageSize),
    pageNumber,
    pageSize,
    totalPages,
    totalElements: all.length,
    last: pageNumber >= totalPages - 1,
  };
}
