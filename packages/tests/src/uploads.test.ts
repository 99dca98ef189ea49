/**
 * Uploads over real sockets (issue 11 item 6): a file uploaded with `sendFile` reaches the other
 * side as a FILE message whose URL serves the bytes; a visitor uploads without a login, an agent
 * with its token; a hostile upload answer is a typed error and nothing is sent.
 */

import { AGENT, startTestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import { createHttpTransport } from '@weiyu/transport-http';
import { describe, expect, test } from 'vitest';
import { createTestClient } from './harness/client.js';
import { DEMO_THREAD_FOR_AGENT, DEMO_THREAD_FOR_VISITOR } from './harness/fixtures.js';
import { gzipBomb, startHostileRest } from './harness/hostile-rest.js';

const TOPIC = DEMO_THREAD_FOR_AGENT.topic;
const MB = 1024 * 1024;

/** A file of `size` bytes, each the low byte of its offset, so a mix-up shows. */
function fileOf(name: string, size: number, type: string): File {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + 3) & 0xff;
  return new File([bytes], name, { type });
}

describe('uploads', () => {
  test('a visitor uploads without a login: the agent gets a FILE message whose URL serves the bytes', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC], client: { visitor: true } });
    const file = fileOf('报告 2026.pdf', 300 * 1024, 'application/pdf');

    const progress: Array<{ loaded: number; total: number }> = [];
    const sent = await visitor.client.sendFile(DEMO_THREAD_FOR_VISITOR, file, { onProgress: (p) => progress.push(p) });
    expect((await sent.done).status).toBe('SUCCESS');
    const got = await agent.events.waitFor('message', (m) => m.uid === sent.uid);

    expect(got.type).toBe('FILE');
    if (got.parsed.kind !== 'file') throw new Error(`not a file: ${got.parsed.kind}`);
    expect(got.parsed).toMatchObject({ name: '报告 2026.pdf', size: file.size, mimeType: 'application/pdf' });
    expect(got.parsed.url.startsWith(`${broker.httpUrl}/file/`)).toBe(true);
    const served = await fetch(got.parsed.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(await file.arrayBuffer()))).toBe(true);
    // fetch says nothing while the body goes out: the start and the end.
    expect(progress).toEqual([
      { loaded: 0, total: file.size },
      { loaded: file.size, total: file.size },
    ]);
  });

  test('an agent uploads with its token: the visitor gets an IMAGE message; without a token the upload is refused', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    const image = fileOf('cat.png', 2_000, 'image/png');

    const sent = await agent.client.sendImage(DEMO_THREAD_FOR_AGENT, image);
    const got = await visitor.events.waitFor('message', (m) => m.uid === sent.uid);
    expect(got.type).toBe('IMAGE');
    if (got.parsed.kind !== 'image') throw new Error(`not an image: ${got.parsed.kind}`);
    expect((await fetch(got.parsed.url)).status).toBe(200);

    const anonymous = createHttpTransport({ baseUrl: broker.httpUrl });
    await expect(anonymous.upload(image)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  test('the server’s refusals are typed: over its size limit oversize, an empty file refused before sending', async () => {
    await using broker = await startTestBroker({ maxUploadBytes: 1 * MB });
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC], client: { visitor: true } });
    // Over the server's file limit: HTTP 200 code 413 with its message.
    const tooBig = fileOf('big.bin', 1 * MB + 1, 'application/octet-stream');
    await expect(visitor.client.sendFile(DEMO_THREAD_FOR_VISITOR, tooBig)).rejects.toMatchObject({
      code: 'oversize',
      retryable: false,
    });
    // Over its multipart limit: HTTP 413.
    const wayTooBig = fileOf('huge.bin', 2 * MB, 'application/octet-stream');
    await expect(visitor.client.sendFile(DEMO_THREAD_FOR_VISITOR, wayTooBig)).rejects.toMatchObject({
      code: 'oversize',
    });
    // A type the server refuses (active content): code 415, the server's message.
    const svg = new File(['<svg onload="alert(1)"/>'], 'x.svg', { type: 'image/svg+xml' });
    await expect(visitor.client.sendImage(DEMO_THREAD_FOR_VISITOR, svg)).rejects.toMatchObject({
      code: 'server_error',
      message: '不支持的文件类型: .svg',
    });
    await expect(visitor.client.sendFile(DEMO_THREAD_FOR_VISITOR, new File([], 'empty.txt'))).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect(broker.history(TOPIC)).toEqual([]);
  });

  test('hostile upload answers (wrong shapes, not http(s), huge, a gzip bomb, silence) are typed errors, nothing sent', async () => {
    await using broker = await startTestBroker();
    await using hostile = await startHostileRest(broker.httpUrl);
    await using visitor = await createTestClient(
      { mqttUrl: broker.mqttUrl, httpUrl: hostile.url, state: broker.state },
      { ...VISITOR, topics: [TOPIC], client: { visitor: true }, restTimeoutMs: 1_000 },
    );
    const file = fileOf('a.txt', 100, 'text/plain');
    const cases = [
      [{ kind: 'wrong-shape', data: { fileName: 'a.txt' } }, 'protocol'],
      [{ kind: 'wrong-shape', data: 42 }, 'protocol'],
      [{ kind: 'wrong-shape', data: { fileUrl: 'javascript:alert(1)' } }, 'protocol'],
      [{ kind: 'wrong-shape', data: 'data:text/html,<script>alert(1)</script>' }, 'protocol'],
      [{ kind: 'not-json' }, 'protocol'],
      [{ kind: 'garbage', bytes: 5_000 }, 'protocol'],
      [{ kind: 'huge', bytes: 64 * MB }, 'response_too_large'],
      [{ kind: 'gzip-bomb', body: await gzipBomb(64 * MB) }, 'response_too_large'],
    ] as const;
    for (const [answer, code] of cases) {
      hostile.set(answer, ['upload']);
      await expect(visitor.client.sendFile(DEMO_THREAD_FOR_VISITOR, file), answer.kind).rejects.toMatchObject({ code });
    }
    expect(visitor.client.messages(TOPIC)).toEqual([]);
    expect(broker.history(TOPIC)).toEqual([]);

    // Silence: the upload's own deadline ends it (a transport with a short one).
    hostile.set({ kind: 'never' }, ['upload']);
    const rest = createHttpTransport({ baseUrl: hostile.url, uploadTimeoutMs: 500 });
    await expect(rest.upload(file, { visitor: true })).rejects.toMatchObject({ code: 'timeout' });

    // Sane again: the same file goes through.
    hostile.set({ kind: 'sane' }, ['upload']);
    const sent = await visitor.client.sendFile(DEMO_THREAD_FOR_VISITOR, file);
    expect((await sent.done).status).toBe('SUCCESS');
  });
});
