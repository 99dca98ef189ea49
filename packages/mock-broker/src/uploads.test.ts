import { describe, expect, it } from 'vitest';
import { handleRestRequest } from './rest.js';
import { MockServerState } from './state.js';
import { UploadStore } from './uploads.js';

/** A multipart request as a browser's fetch would build it. */
async function multipart(path: string, form: FormData, authorization: string | null = null) {
  const request = new Request(`http://mock.test${path}`, { method: 'POST', body: form });
  const bytes = new Uint8Array(await request.arrayBuffer());
  return {
    method: 'POST',
    url: new URL(request.url),
    authorization,
    bodyText: '',
    bodyBytes: bytes,
    contentType: request.headers.get('content-type'),
  };
}

function formWith(file: Blob | string, name = 'a.txt'): FormData {
  const form = new FormData();
  form.append('fileName', name);
  form.append('visitorUid', 'visitor_demo');
  if (typeof file === 'string') form.append('file', file);
  else form.append('file', file, name);
  return form;
}

describe('upload endpoints', () => {
  it('keep the file and serve its bytes back at data.fileUrl, on the current and the older visitor path', async () => {
    const state = new MockServerState();
    for (const path of ['/visitor/api/v1/upload/file', '/visitor/api/upload/file']) {
      const file = new File(['hello'], 'hello.txt', { type: 'text/plain' });
      const answer = await handleRestRequest(state, await multipart(path, formWith(file, 'hello.txt')));
      const body = answer?.body as { code: number; data: { fileUrl: string; fileSize: string; user: string } };
      expect(body.code).toBe(200);
      expect(body.data.fileSize).toBe('5');
      expect(JSON.parse(body.data.user)).toMatchObject({ uid: 'visitor_demo' });
      const url = new URL(body.data.fileUrl);
      expect(url.origin).toBe('http://mock.test');
      const served = await handleRestRequest(state, {
        method: 'GET',
        url,
        authorization: null,
        bodyText: '',
      });
      expect(served?.bytes?.contentType).toBe('text/plain');
      expect(new TextDecoder().decode(served?.bytes?.data)).toBe('hello');
    }
  });

  it('answer as the server does: 401 without a token for users, 400 without a file part or for an empty one', async () => {
    const state = new MockServerState();
    const file = new File(['x'], 'x.txt');
    expect((await handleRestRequest(state, await multipart('/api/v1/upload/file', formWith(file))))?.status).toBe(401);
    const token = state.issueToken('agent_demo');
    const asAgent = await handleRestRequest(
      state,
      await multipart('/api/v1/upload/file', formWith(file), `Bearer ${token}`),
    );
    expect(asAgent?.body).toMatchObject({ code: 200 });
    const noFile = await handleRestRequest(
      state,
      await multipart('/visitor/api/v1/upload/file', formWith('not a file')),
    );
    expect(noFile?.status).toBe(400);
    const empty = await handleRestRequest(
      state,
      await multipart('/visitor/api/v1/upload/file', formWith(new File([], 'e.txt'))),
    );
    expect(empty?.body).toMatchObject({ code: 400, message: '空文件，无法上传' });
    const json = await handleRestRequest(state, {
      method: 'POST',
      url: new URL('http://mock.test/visitor/api/v1/upload/file'),
      authorization: null,
      bodyText: '{}',
      contentType: 'application/json',
    });
    expect(json?.status).toBe(400);
    expect(
      await handleRestRequest(state, {
        method: 'GET',
        url: new URL('http://mock.test/file/2026/01/01/nothing.txt'),
        authorization: null,
        bodyText: '',
      }),
    ).toBeUndefined();
  });

  it('refuse a file over the limit (code 413) and SVG (code 415)', async () => {
    const state = new MockServerState({ maxUploadBytes: 10 });
    const big = await handleRestRequest(
      state,
      await multipart('/visitor/api/v1/upload/file', formWith(new File(['x'.repeat(11)], 'big.txt'))),
    );
    expect(big?.body).toMatchObject({ code: 413 });
    const svg = await handleRestRequest(
      state,
      await multipart('/visitor/api/v1/upload/file', formWith(new File(['<svg/>'], 'a.svg'), 'a.svg')),
    );
    expect(svg?.body).toMatchObject({ code: 415 });
    expect(state.uploads.size).toBe(0);
  });
});

describe('UploadStore', () => {
  it('forgets the oldest files past its total, and keeps a name to one safe path segment', () => {
    const store = new UploadStore({ maxFileBytes: 4, maxTotalBytes: 8 });
    const first = store.put('../../etc/passwd', '', new Uint8Array(4), 0);
    expect(first.path).toMatch(/^\/file\/1970\/01\/01\/0_1_passwd$/);
    expect(first.type).toBe('application/octet-stream');
    store.put('b', 'text/plain', new Uint8Array(4), 1);
    store.put('c', 'text/plain', new Uint8Array(4), 2);
    expect(store.get(first.path)).toBeUndefined();
    expect(store.size).toBe(2);
  });
});
