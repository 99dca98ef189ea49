import { type Logger, SdkError } from '@weiyu/core';
import type { Result } from '@weiyu/protocol';

/** A Spring page as the server answers it, its items read one by one. */
export interface SpringPage<T> {
  readonly items: T[];
  readonly pageNumber: number;
  readonly pageSize: number;
  readonly totalPages: number;
  readonly totalElements: number;
  readonly last: boolean;
}

/**
 * Reads a Spring page `{content, totalElements, totalPages, number, size, last}`: data that is no
 * such page is `protocol`; an item `read` refuses is skipped and logged; what the page leaves
 * out (or sends as no count) is derived from the query.
 */
export function readSpringPage<T>(
  data: unknown,
  query: { readonly pageNumber: number; readonly pageSize: number },
  read: (item: unknown) => Result<T>,
  what: string,
  logger: Logger | undefined,
): SpringPage<T> {
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { content?: unknown }).content)) {
    throw new SdkError('protocol', `The answer of ${what} is no page ({content: [...]})`);
  }
  const page = data as Record<string, unknown> & { content: unknown[] };
  const items: T[] = [];
  page.content.forEach((entry, index) => {
    const item = read(entry);
    if (item.ok) items.push(item.value);
    else logger?.warn(`http: skipped an entry of ${what}`, { index, reason: item.error.message });
  });
  const pageNumber = count(page.number, query.pageNumber);
  const totalPages = count(page.totalPages, pageNumber + 1);
  return {
    items,
    pageNumber,
    pageSize: count(page.size, query.pageSize),
    totalPages,
    totalElements: count(page.totalElements, items.length),
    last: typeof page.last === 'boolean' ? page.last : pageNumber >= totalPages - 1,
  };
}

function count(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}
