import { afterEach, describe, expect, it } from 'vitest';
import { closeServers, json, serve } from './http-transport.fixtures.js';
import { createHttpTransport, LEGACY_VISITOR_UPLOAD_PATH, UPLOAD_PATH, VISITOR_UPLOAD_PATH } from './index.js';

afterEach(closeServers);

const FILE = new File([new Uint8Array([1, 2, 3, 4])], 'notes.txt', { type: 'text/plain' });
const ok = (data: unknown) => json(200, { code: 200, message: 'upload file success', data });

describe('upload', () => {
  it('posts the file as multipart `file` with fileName, fileType and the fields, with the token', async () => {
    const { baseUrl, requests } = await serve(
      ok({
        fileUrl: 'http://files.test/file/2026/01/01/notes.txt',
        fileName: 'notes.txt',
        fileSize: '4',
        fileType: 'text/plain',
      }),
    );
    const rest = createHttpTransport({ baseUrl });
    const uploaded = await rest.upload(FILE, { accessToken: 'tok', fields: { orgUid: 'org_1', client: 'WEB' } });

    expect(uploaded).toEqual({
      url: 'http://files.test/file/2026/01/01/notes.txt',
      name: 'notes.txt',
      size: 4,
      mimeType: 'text/plain',
    });
    const [request] = requests;
    expect(request?.url).toBe(UPLOAD_PATH);
    expect(request?.headers.authorization).toBe('Bearer tok');
    expect(request?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(request?.body, {
      headers: { 'content-type': String(request?.headers['content-type']) },
    }).formData();
    expect(form.get('fileName')).toBe('notes.txt');
    expect(form.get('fileType')).toBe('text/plain');
    expect(form.get('orgUid')).toBe('org_1');
    expect(form.get('client')).toBe('WEB');
    expect((form.get('file') as File).name).toBe('notes.txt');
  });

  it('uses the visitor endpoint for visitors, without a token; older servers by option', async () => {
    const { baseUrl, requests } = await serve(ok('http://files.test/a.txt'));
    await createHttpTransport({ baseUrl }).upload(FILE, { visitor: true });
    await createHttpTransport({ baseUrl, visitorUploadPath: LEGACY_VISITOR_UPLOAD_PATH }).upload(FILE, {
      visitor: true,
    });
    expect(requests.map((r) => r.url)).toEqual([VISITOR_UPLOAD_PATH, LEGACY_VISITOR_UPLOAD_PATH]);
    expect(requests[0]?.headers.authorization).toBeUndefined();
  });

  it('reads older servers’ bare URL, resolves a relative one against the base, ignores unusable extras', async () => {
    const bare = await serve(ok('http://files.test/file/x.txt'));
    expect(await createHttpTransport({ baseUrl: bare.baseUrl }).upload(FILE)).toEqual({
      url: 'http://files.test/file/x.txt',
    });
    const relative = await serve(ok({ fileUrl: '/file/2026/x.txt', fileSize: 'many', fileName: 7, fileType: null }));
    expect(await createHttpTransport({ baseUrl: `${relative.baseUrl}/api` }).upload(FILE)).toEqual({
      url: `${relative.baseUrl}/file/2026/x.txt`,
    });
  });

  it('refuses an answer without an http(s) URL (protocol) and maps the server’s size limit to oversize', async () => {
    for (const data of [null, {}, { fileUrl: 'javascript:alert(1)' }, 'ftp://x/y', { fileUrl: 'data:text/html,x' }]) {
      const { baseUrl } = await serve(ok(data));
      await expect(createHttpTransport({ baseUrl }).upload(FILE)).rejects.toMatchObject({ code: 'protocol' });
    }
    const limit = await serve(json(200, { code: 413, message: '文件过大，最大支持10MB', data: null }));
    await expect(createHttpTransport({ baseUrl: limit.baseUrl }).upload(FILE)).rejects.toMatchObject({
      code: 'oversize',
      message: '文件过大，最大支持10MB',
    });
    const spring = await serve(json(413, { code: 413, message: 'Maximum upload size exceeded', data: null }));
    await expect(createHttpTransport({ baseUrl: spring.baseUrl }).upload(FILE)).rejects.toMatchObject({
      code: 'oversize',
    });
  });

  it('reports progress at the start and once the server answered; not at the end of a failed one', async () => {
    const good = await serve(ok('http://files.test/x'));
    const seen: number[] = [];
    await createHttpTransport({ baseUrl: good.baseUrl }).upload(FILE, { onProgress: (p) => seen.push(p.loaded) });
    expect(seen).toEqual([0, 4]);
    const bad = await serve(json(500, { code: 500, message: 'down', data: null }));
    const failed: number[] = [];
    await expect(
      createHttpTransport({ baseUrl: bad.baseUrl }).upload(FILE, { onProgress: (p) => failed.push(p.loaded) }),
    ).rejects.toMatchObject({ code: 'http_error' });
    expect(failed).toEqual([0]);
  });

  it('refuses what is not a Blob, and a bad uploadTimeoutMs or visitorUploadPath', async () => {
    const { baseUrl } = await serve(ok('http://files.test/x'));
    const rest = createHttpTransport({ baseUrl });
    await expect(rest.upload({ name: 'a', size: 1, type: '' })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(() => createHttpTransport({ baseUrl, uploadTimeoutMs: 0 })).toThrow(/uploadTimeoutMs/);
    expect(() => createHttpTransport({ baseUrl, visitorUploadPath: 'upload' })).toThrow(/visitorUploadPath/);
  });
});
