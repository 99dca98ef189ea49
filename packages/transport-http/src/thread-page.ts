import { type Logger, SdkError, type ThreadListPage } from '@weiyu/core';
import { fromRestThreadJson, type RestThread } from '@weiyu/protocol';

/**
 * A Spring page of `ThreadResponse` items (`{content, totalElements, totalPages, number, size,
 * last}`) as a {@link ThreadListPage}. Data that is no such page is `protocol`; an item that does
 * not read as a thread (no uid or topic) is skipped and logged, as history skips its own.
 */
export function toThreadListPage(
  data: unknown,
  query: { readonly pageNumber: number; readonly pageSize: number },
  logger: Logger | undefined,
): ThreadListPage {
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { content?: unknown }).content)) {
    throw new SdkError('protocol', 'The thread list answered without a page ({content: [...]})', {
      details: { pageNumber: query.pageNumber },
    });
  }
  const page = data as Record<string, unknown> & { content: unknown[] };
  const threads: RestThread[] = [];
  page.content.forEach((entry, index) => {
    const read = fromRestThreadJson(entry);
    if (read.ok) threads.push(read.value);
    else logger?.warn('http: skipped a thread list entry', { index, reason: read.error.message });
  });
  const pageNumber = count(page.number, query.pageNumber);
  const totalPages = count(page.totalPages, pageNumber + 1);
  return {
    threads,
    pageNumber,
    pageSize: count(page.size, query.pageSize),
    totalPages,
    totalElements: count(page.totalElements, threads.length),
    last: typeof page.last === 'boolean' ? page.last : pageNumber >= totalPages - 1,
  };
}

function count(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}
