/**
 * The thread list call over real sockets on 127.0.0.1: what it asks, how it reads the server's
 * page, and that it has the hardening of every call (typed errors, body limit, deadline).
 */
import { gzipSync } from 'node:zlib';
import { createRecordingLogger } from '@weiyu/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServers, json, rejection, serve } from './http-transport.fixtures.js';
import { createHttpTransport } from './index.js';

afterEach(closeServers);

const TOKEN = 'secret-token-123';
const QUERY = { pageNumber: 0, pageSize: 20 } as const;

/** A ThreadResponse as the server writes it. */
const ITEM = {
  uid: 't1',
  topic: 'org/agent/a1/v1',
  content: 'hi',
  contentObject: { v: 1, msgType: 'TEXT', preview: 'hi', payload: 'hi' },
  type: 'AGENT',
  status: 'CHATTING',
  unreadCount: 2,
  user: { uid: 'v1', nickname: 'Visitor', avatar: '', type: 'VISITOR' },
  updatedAt: '2024-05-01 12:00:00',
};

const envelope = (data: unknown) => ({ code: 200, message: 'success', data });

describe('queryThreads', () => {
  it('asks GET /api/v1/thread/query with the page and the bearer token, and reads the Spring page', async () => {
    const { baseUrl, requests } = await serve(
      json(
        200,
        envelope({
          content: [ITEM, { uid: 'no topic' }, { ...ITEM, uid: 't2', topic: 'org/agent/a1/v2', status: 'CLOSED' }],
          totalElements: 42,
          totalPages: 3,
          number: 1,
          size: 20,
          last: false,
        }),
      ),
    );
    const logger = createRecordingLogger();
    const page = await createHttpTransport({ baseUrl, logger }).queryThreads(
      { pageNumber: 1, pageSize: 20 },
      { accessToken: TOKEN },
    );
    const url = new URL(requests[0]?.url ?? '', baseUrl);
    expect(requests[0]?.method).toBe('GET');
    expect(url.pathname).toBe('/api/v1/thread/query');
    expect(Object.fromEntries(url.searchParams)).toEqual({ pageNumber: '1', pageSize: '20' });
    expect(requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(page).toMatchObject({ pageNumber: 1, pageSize: 20, totalPages: 3, totalElements: 42, last: false });
    expect(page.threads.map((t) => [t.uid, t.state, t.unreadCount, t.preview])).toEqual([
      ['t1', 'CHATTING', 2, 'hi'],
      ['t2', 'CLOSED', 2, 'hi'],
    ]);
    expect(logger.lines.some((line) => line.includes('skipped an entry of the thread list'))).toBe(true);
    expect(logger.lines.join('\n')).not.toContain(TOKEN);
  });

  it('derives what the page leaves out', async () => {
    const { baseUrl } = await serve(json(200, envelope({ content: [ITEM], totalPages: 'many', number: -3 })));
    expect(await createHttpTransport({ baseUrl }).queryThreads(QUERY)).toMatchObject({
      pageNumber: 0,
      pageSize: 20,
      totalPages: 1,
      totalElements: 1,
      last: true,
    });
  });

  it.each([
    ['data that is no page', envelope('threads')],
    ['a page whose content is no array', envelope({ content: { 0: ITEM } })],
    ['data null', envelope(null)],
    ['no envelope', [ITEM]],
  ])('%s is protocol', async (_name, body) => {
    const { baseUrl } = await serve(json(200, body));
    expect((await rejection(createHttpTransport({ baseUrl }).queryThreads(QUERY))).code).toBe('protocol');
  });

  it("another envelope code is server_error with the server's message; a 401 is unauthenticated", async () => {
    const failing = await serve(json(200, { code: 500, message: '查询失败', data: null }));
    const error = await rejection(createHttpTransport({ baseUrl: failing.baseUrl }).queryThreads(QUERY));
    expect([error.code, error.message]).toEqual(['server_error', '查询失败']);
    const refused = await serve(json(401, { code: 401, message: 'unauthorized', data: '/api/v1/thread/query' }));
    expect((await rejection(createHttpTransport({ baseUrl: refused.baseUrl }).queryThreads(QUERY))).code).toBe(
      'unauthenticated',
    );
  });

  it('has the body limit after inflating (a gzip bomb), and the deadline (a server that never answers)', async () => {
    const bomb = gzipSync(JSON.stringify(envelope({ content: [], note: 'x'.repeat(8 * 1024 * 1024) })));
    const bombing = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }).end(bomb);
    });
    const tooLarge = await rejection(
      createHttpTransport({ baseUrl: bombing.baseUrl, maxResponseBytes: 1024 * 1024 }).queryThreads(QUERY),
    );
    expect([tooLarge.code, tooLarge.message]).toEqual([
      'response_too_large',
      'GET /api/v1/thread/query answered with a body over the limit of 1048576 bytes (maxResponseBytes)',
    ]);
    const silent = await serve(() => {});
    const late = await rejection(createHttpTransport({ baseUrl: silent.baseUrl, timeoutMs: 200 }).queryThreads(QUERY));
    expect(late.code).toBe('timeout');
  });
});
