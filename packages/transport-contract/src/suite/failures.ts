import { SdkError } from '@weiyu/core';
import { createRecordingLogger } from '@weiyu/core/testing';
import { expect, it } from 'vitest';
import { type Harness, USER } from '../harness.js';
import { closedPort, notFoundServer, silentServer } from '../servers.js';
import { nextEvent, record, rejection } from '../wait.js';

/** A connect that cannot succeed: each failure classified, named by its URL without secrets, and abortable. */
export function failureTests(h: Harness): void {
  it('classifies a port where nothing listens as connection_refused', async () => {
    const port = await closedPort();
    const url = `ws://127.0.0.1:${port}/websocket`;
    const error = await rejection(h.transport(url, { connectTimeoutMs: 5_000 }).connect(USER));
    expect(error.code).toBe('connection_refused');
    expect(error.message).toContain(url);
  });

  it('fails on a wrong WebSocket path with a classified error naming the URL', async () => {
    const b = await h.startBroker();
    const url = `ws://127.0.0.1:${b.port}/wrong-path`;
    const error = await rejection(h.transport(url, { connectTimeoutMs: 5_000 }).connect(USER));
    expect(error.code).toBe('host_not_found');
    expect(error.message).toContain(url);
  });

  it('fails on an HTTP server that is no broker at all', async () => {
    const url = `ws://127.0.0.1:${await notFoundServer(h.defer)}/websocket`;
    const error = await rejection(h.transport(url, { connectTimeoutMs: 5_000 }).connect(USER));
    expect(['host_not_found', 'connection_refused']).toContain(error.code);
    expect(error.message).toContain(url);
  });

  it('times out against a server that accepts TCP but never answers', async () => {
    const { port } = await silentServer(h.defer);
    const t = h.transport(`ws://127.0.0.1:${port}/websocket`, { connectTimeoutMs: 200 });
    const error = await rejection(t.connect(USER));
    expect(error.code).toBe('timeout');
    expect(t.isConnected()).toBe(false);
  });

  it('rejects with closed when the signal aborts, and when close() interrupts', async () => {
    const { port } = await silentServer(h.defer);
    const t = h.transport(`ws://127.0.0.1:${port}/websocket`, { connectTimeoutMs: 5_000 });
    const controller = new AbortController();
    const attempt = t.connect(USER, controller.signal);
    controller.abort();
    expect((await rejection(attempt)).code).toBe('closed');

    const aborted = new AbortController();
    aborted.abort();
    expect((await rejection(t.connect(USER, aborted.signal))).code).toBe('closed');

    const events = record(t);
    const second = t.connect(USER);
    await t.close();
    expect((await rejection(second)).code).toBe('closed');
    expect(events).toEqual([]);
  });

  it('keeps a query and its secrets out of log lines and error messages', async () => {
    const b = await h.startBroker();
    const logger = createRecordingLogger();
    const t = h.transport(`${b.url}?token=s3cret`, { logger });
    const events = record(t);
    await t.connect(USER);
    b.dropAll();
    await nextEvent(t, 'disconnected');
    const port = await closedPort();
    const refused = await rejection(
      h
        .transport(`ws://127.0.0.1:${port}/websocket?token=s3cret#frag`, { logger, connectTimeoutMs: 5_000 })
        .connect(USER),
    );
    expect(refused.message).toContain(`ws://127.0.0.1:${port}/websocket`);
    const invalid = (() => {
      try {
        h.create({ url: 'chat.example.com/websocket?token=s3cret' });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(invalid).toBeInstanceOf(SdkError);
    const texts = [
      ...logger.lines,
      ...events.map((e) => (e.type === 'message' ? '' : (e.error?.message ?? ''))),
      refused.message,
      invalid instanceof Error ? invalid.message : '',
    ];
    expect(logger.lines.length).toBeGreaterThan(2);
    for (const text of texts) expect(text).not.toContain('s3cret');
    expect(logger.lines.some((line) => line.includes(b.url))).toBe(true);
  });
}
