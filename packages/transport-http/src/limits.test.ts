/**
 * What one REST call may cost, over real sockets on 127.0.0.1: a body limit counted after fetch
 * inflates gzip/br (a small bomb must not become a huge string), a deadline that holds against a
 * server that drips bytes, and an abort that ends the call at once, its socket and timer with it.
 */
import type { ServerResponse } from 'node:http';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { SdkError } from '@weiyu/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeServers, MESSAGE, rejection, serve } from './http-transport.fixtures.js';
import { createHttpTransport, DEFAULT_MAX_RESPONSE_BYTES } from './index.js';

afterEach(closeServers);

const PAGE = { topic: 't', pageNumber: 0, pageSize: 50 } as const;
const MB = 1024 * 1024;

/** An envelope of exactly `bytes` bytes of JSON (its message padded). */
function envelopeOf(bytes: number): string {
  const empty = JSON.stringify({ code: 200, message: '', data: null });
  return JSON.stringify({ code: 200, message: 'x'.repeat(bytes - empty.length), data: null });
}

/** Writes `body` in pieces with no Content-Length (chunked): only counting what is read can stop it. */
function chunked(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  for (let at = 0; at < body.length; at += 16 * 1024) res.write(body.slice(at, at + 16 * 1024));
  res.end();
}

async function until(condition: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('response body limit', () => {
  it('takes a body of exactly maxResponseBytes and refuses one byte more, counting what it reads', async () => {
    const body = envelopeOf(64 * 1024);
    const { baseUrl } = await serve((_req, res) => chunked(res, body));
    const exact = createHttpTransport({ baseUrl, maxResponseBytes: body.length });
    expect(await exact.sendMessage(MESSAGE, { channel: 'WEB' })).toBeUndefined();

    const under = createHttpTransport({ baseUrl, maxResponseBytes: body.length - 1 });
    const error = await rejection(under.sendMessage(MESSAGE, { channel: 'WEB' }));
    expect(error.code).toBe('response_too_large');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('POST /api/v1/message/rest/send');
    expect(error.details).toMatchObject({ status: 200, limitBytes: body.length - 1 });
    expect(error.details.receivedBytes).toBeGreaterThan(body.length - 1);
  });

  it('refuses a body whose Content-Length already says too much, without reading it, and closes the socket', async () => {
    const declared = 512 * MB;
    const served = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': declared });
      // A first piece, then nothing: the client must not wait for the rest.
      res.write('{"code":200,"message":"');
    });
    const rest = createHttpTransport({ baseUrl: served.baseUrl, maxResponseBytes: MB, timeoutMs: 10_000 });
    const started = Date.now();
    const error = await rejection(rest.queryTopic(PAGE));
    // Well before the 10 s deadline, so it did not wait for the body (wide: CI machines are shared).
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.code).toBe('response_too_large');
    expect(error.details).toEqual({ status: 200, limitBytes: MB, contentLength: declared });
    await until(() => served.closedSockets() === 1, 'the socket closed');
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', (input: Buffer) => brotliCompressSync(input, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })],
  ] as const)(
    'counts the inflated bytes of a %s bomb and stops at the limit with bounded memory',
    async (encoding, compress) => {
      // 64 MiB of spaces (valid JSON whitespace: without a limit it would be read and parsed whole).
      const bomb = compress(Buffer.alloc(64 * MB, 0x20));
      expect(bomb.length).toBeLessThan(MB);
      const served = await serve((_req, res) => {
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Encoding': encoding,
          'Content-Length': bomb.length,
        });
        res.end(bomb);
      });
      const rest = createHttpTransport({ baseUrl: served.baseUrl, maxResponseBytes: MB });
      const before = process.memoryUsage();
      const error = await rejection(rest.queryTopic(PAGE));
      const after = process.memoryUsage();
      expect(error.code).toBe('response_too_large');
      expect(error.details.receivedBytes).toBeGreaterThan(MB);
      expect(error.details.receivedBytes).toBeLessThan(2 * MB);
      // Read whole, the 64 MiB would cost well over 128 MB (bytes, then the string).
      expect(after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers).toBeLessThan(32 * MB);
    },
  );

  it('defaults to 4 MiB and refuses a limit that is not a positive whole number', async () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(4 * MB);
    const body = envelopeOf(DEFAULT_MAX_RESPONSE_BYTES + 1);
    const { baseUrl } = await serve((_req, res) => chunked(res, body));
    const error = await rejection(createHttpTransport({ baseUrl }).queryTopic(PAGE));
    expect(error.details).toMatchObject({ limitBytes: DEFAULT_MAX_RESPONSE_BYTES });
    for (const maxResponseBytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const thrown = (() => {
        try {
          createHttpTransport({ baseUrl, maxResponseBytes });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(thrown).toBeInstanceOf(SdkError);
      expect((thrown as SdkError).code).toBe('invalid_argument');
    }
  });
});

describe('deadline and abort', () => {
  it('times out a server that drips a byte at a time, and closes its socket', async () => {
    const drips: NodeJS.Timeout[] = [];
    const served = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      drips.push(setInterval(() => res.write(' '), 10));
    });
    try {
      const started = Date.now();
      const error = await rejection(createHttpTransport({ baseUrl: served.baseUrl, timeoutMs: 300 }).queryTopic(PAGE));
      expect(error.code).toBe('timeout');
      // The drip never ends: only the deadline ends the call (wide: CI machines are shared).
      expect(Date.now() - started).toBeLessThan(5_000);
      await until(() => served.closedSockets() === 1, 'the socket closed');
    } finally {
      for (const drip of drips) clearInterval(drip);
    }
  });

  it.each([
    ['before the headers', (_res: ServerResponse) => {}],
    [
      'in a stalled body',
      (res: ServerResponse) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"code":200,');
      },
    ],
  ])('an abort %s ends the call at once: closed, its socket closed, its timer cleared', async (_when, answer) => {
    const served = await serve((_req, res) => answer(res));
    const rest = createHttpTransport({ baseUrl: served.baseUrl, timeoutMs: 60_000 });
    // Spies that call through: counting the process's active timers instead is racy.
    const setSpy = vi.spyOn(globalThis, 'setTimeout');
    const clearSpy = vi.spyOn(globalThis, 'clearTimeout');
    try {
      const controller = new AbortController();
      const call = rest.queryTopic(PAGE, { signal: controller.signal });
      await until(() => served.requests.length === 1, 'the request arrived');
      const deadlines = setSpy.mock.results.filter((_, i) => setSpy.mock.calls[i]?.[1] === 60_000);
      expect(deadlines).toHaveLength(1);
      const cleared = () => clearSpy.mock.calls.some((args) => args[0] === deadlines[0]?.value);
      expect(cleared()).toBe(false);
      controller.abort();
      expect((await rejection(call)).code).toBe('closed');
      expect(cleared()).toBe(true);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
    await until(() => served.closedSockets() === 1, 'the socket closed');
  });
});
