import type { WireMessage } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { HistoryPage, RestTransport } from '../interfaces.js';
import { fetchMissed } from './paging.js';

function msg(uid: string): WireMessage {
  return { uid, type: 'TEXT', content: uid, status: 'SUCCESS', createdAt: '', channel: 'WEB', extra: '' };
}

/** History of `count` messages m0 (oldest) … m{count-1}, paged newest first. */
function history(count: number, calls: number[] = []): RestTransport {
  const all = Array.from({ length: count }, (_, i) => msg(`m${i}`)).reverse();
  return {
    sendMessage: () => Promise.reject(new Error('unused')),
    queryTopic: async ({ pageNumber, pageSize }): Promise<HistoryPage> => {
      calls.push(pageNumber);
      const totalPages = Math.ceil(all.length / pageSize);
      return {
        messages: all.slice(pageNumber * pageSize, (pageNumber + 1) * pageSize),
        pageNumber,
        pageSize,
        totalPages,
        totalElements: all.length,
        last: pageNumber >= totalPages - 1,
      };
    },
  };
}

describe('fetchMissed', () => {
  it('pages newest first until a known uid and returns the missed ones oldest first', async () => {
    const calls: number[] = [];
    const known = new Set(['m3']);
    const result = await fetchMissed({
      rest: history(12, calls),
      topic: 't',
      pageSize: 4,
      maxPages: 10,
      isKnown: (uid) => known.has(uid),
    });
    expect(result.messages.map((m) => m.uid)).toEqual(['m4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11']);
    expect(result.boundary?.uid).toBe('m3');
    expect(result.pages).toBe(3);
    expect(calls).toEqual([0, 1, 2]);
  });

  it('stops at the last page, or at maxPages', async () => {
    const all = await fetchMissed({ rest: history(5), topic: 't', pageSize: 2, maxPages: 10, isKnown: () => false });
    expect(all.messages.map((m) => m.uid)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(all.boundary).toBeUndefined();
    expect(all.pages).toBe(3);
    const capped = await fetchMissed({ rest: history(50), topic: 't', pageSize: 5, maxPages: 2, isKnown: () => false });
    expect(capped.messages).toHaveLength(10);
    expect(capped.messages[0]?.uid).toBe('m40');
    expect(capped.boundary).toBeUndefined();
    expect(capped.pages).toBe(2);
  });

  it('takes a uid once when new messages shift the pages', async () => {
    // After the first page a new message (n2) arrives on top: page 1 repeats the end of page 0.
    const before = ['n1', 'm3', 'm2', 'm1', 'm0'];
    const after = ['n2', ...before];
    const rest: RestTransport = {
      sendMessage: () => Promise.reject(new Error('unused')),
      queryTopic: async ({ pageNumber }) => {
        const all = (pageNumber === 0 ? before : after).map(msg);
        const messages = all.slice(pageNumber * 2, pageNumber * 2 + 2);
        return { messages, pageNumber, pageSize: 2, totalPages: 3, totalElements: all.length, last: pageNumber >= 2 };
      },
    };
    const result = await fetchMissed({ rest, topic: 't', pageSize: 2, maxPages: 5, isKnown: (u) => u === 'm0' });
    expect(result.messages.map((m) => m.uid)).toEqual(['m1', 'm2', 'm3', 'n1']);
  });

  it('rejects when a page fails (the client reports it as an error event)', async () => {
    const rest: RestTransport = {
      sendMessage: () => Promise.reject(new Error('unused')),
      queryTopic: () => Promise.reject(new Error('offline')),
    };
    await expect(fetchMissed({ rest, topic: 't', pageSize: 2, maxPages: 2, isKnown: () => false })).rejects.toThrow(
      'offline',
    );
  });
});
