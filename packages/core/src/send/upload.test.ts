import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatClient } from '../api.js';
import { createWorld } from '../client.fixtures.js';
import { createAbortController } from '../connection/abort.js';
import type { RestTransport, UploadCallOptions, UploadedFile, UploadFile } from '../interfaces.js';

const PDF: UploadFile = { name: 'report.pdf', size: 2_048, type: 'application/pdf' };

/** The in-memory server's REST with an upload that answers as `answer` says and records its calls. */
function withUpload(rest: RestTransport, answer: (options: UploadCallOptions) => Promise<UploadedFile>) {
  const calls: UploadCallOptions[] = [];
  const transport: RestTransport = {
    sendMessage: (m, o) => rest.sendMessage(m, o),
    queryTopic: (q, o) => rest.queryTopic(q, o),
    upload: (_file, options = {}) => {
      calls.push(options);
      return answer(options);
    },
  };
  return { transport, calls };
}

const stored = (url = 'https://files.example/2026/report.pdf'): Promise<UploadedFile> => Promise.resolve({ url });

describe('sendFile / sendImage', () => {
  it('uploads, then sends a FILE message with the URL, name, size and type, confirmed like any send', async () => {
    const world = createWorld();
    const { transport, calls } = withUpload(world.network.rest(), () => stored());
    const visitor = world.client('v1', { rest: transport, visitor: true });
    const agent = world.client('a1');
    await world.online(visitor);
    await world.online(agent);
    const arrived: string[] = [];
    agent.on('message', (m) => arrived.push(m.type));

    const progress: number[] = [];
    const sent = await world.run(visitor.sendFile(world.thread, PDF, { onProgress: (p) => progress.push(p.loaded) }));
    expect(sent.type).toBe('FILE');
    expect(sent.parsed).toEqual({
      kind: 'file',
      url: 'https://files.example/2026/report.pdf',
      name: 'report.pdf',
      size: 2_048,
      mimeType: 'application/pdf',
    });
    expect((await world.run(sent.done)).status).toBe('SUCCESS');
    await world.clock.advanceAsync(10);
    expect(arrived).toEqual(['FILE']);
    // The visitor endpoint, and who uploads as its form names them.
    expect(calls[0]).toMatchObject({ visitor: true, fields: { client: 'WEB', orgUid: 'org-1', visitorUid: 'v1' } });
    expect(typeof calls[0]?.onProgress).toBe('function');
  });

  it('sendImage sends an IMAGE message with the URL', async () => {
    const world = createWorld();
    const { transport } = withUpload(world.network.rest(), () => stored('https://files.example/cat.png'));
    const visitor = world.client('v1', { rest: transport });
    await world.online(visitor);
    const sent = await world.run(visitor.sendImage(world.thread, { name: 'cat.png', size: 10, type: 'image/png' }));
    expect(sent.parsed).toEqual({ kind: 'image', url: 'https://files.example/cat.png' });
  });

  it('a failed upload rejects with its typed error and sends nothing', async () => {
    const world = createWorld();
    const down = new SdkError('network', 'fetch failed');
    const { transport } = withUpload(world.network.rest(), () => Promise.reject(down));
    const visitor = world.client('v1', { rest: transport });
    await world.online(visitor);
    // Rejects at once: no clock to run.
    await expect(visitor.sendFile(world.thread, PDF)).rejects.toBe(down);
    expect(visitor.messages(world.thread.topic)).toEqual([]);
    expect(visitor.pending()).toEqual([]);
  });

  it('an upload answer that is not an http(s) URL ends FAILED (invalid_content), never a message with it', async () => {
    const world = createWorld();
    const { transport } = withUpload(world.network.rest(), () => stored('javascript:alert(1)'));
    const visitor = world.client('v1', { rest: transport });
    await world.online(visitor);
    const sent = await world.run(visitor.sendFile(world.thread, PDF));
    expect(sent.status).toBe('FAILED');
    expect(sent.error?.code).toBe('invalid_content');
    expect(visitor.messages(world.thread.topic)).toEqual([]);
  });

  it('refuses before uploading: no upload transport, an invalid thread, an empty or nameless file', async () => {
    const world = createWorld();
    const { transport, calls } = withUpload(world.network.rest(), () => stored());
    const plain = world.client('v1');
    await expect(plain.sendFile(world.thread, PDF)).rejects.toMatchObject({ code: 'invalid_argument' });
    const visitor: ChatClient = world.client('v1', { rest: transport });
    await expect(visitor.sendFile({ ...world.thread, topic: 'org/#' }, PDF)).rejects.toMatchObject({
      code: 'invalid_topic',
    });
    await expect(visitor.sendFile(world.thread, { ...PDF, size: 0 })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(visitor.sendFile(world.thread, { ...PDF, name: ' ' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect(calls).toEqual([]);
  });

  it('dispose and the app’s signal abort the upload: it rejects with closed', async () => {
    const world = createWorld();
    const { transport, calls } = withUpload(
      world.network.rest(),
      (options) =>
        new Promise((_resolve, reject) =>
          options.signal?.addEventListener('abort', () => reject(new SdkError('closed', 'upload aborted'))),
        ),
    );
    const visitor = world.client('v1', { rest: transport });
    const cancel = createAbortController();
    const cancelled = visitor.sendFile(world.thread, PDF, { signal: cancel.signal });
    cancel.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'closed' });

    const pending = visitor.sendFile(world.thread, PDF);
    await visitor.dispose();
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
    await expect(visitor.sendFile(world.thread, PDF)).rejects.toMatchObject({ code: 'closed' });
    expect(calls).toHaveLength(2);
  });

  it('a progress callback that throws does not end the upload', async () => {
    const world = createWorld();
    const { transport } = withUpload(world.network.rest(), (options) => {
      options.onProgress?.({ loaded: 0, total: PDF.size });
      return stored();
    });
    const visitor = world.client('v1', { rest: transport });
    await world.online(visitor);
    const sent = await world.run(
      visitor.sendFile(world.thread, PDF, {
        onProgress: () => {
          throw new Error('ui bug');
        },
      }),
    );
    expect(sent.type).toBe('FILE');
  });
});
