/**
 * The upload endpoints as the real server answers them (`UploadRestController`,
 * `UploadRestControllerVisitor`): a multipart form with the file in `file` and the
 * `UploadRequest` fields beside it, answered `{code: 200, data: UploadResponse}` with the file's
 * URL in `data.fileUrl`; its refusals on HTTP 200 with the code in the envelope (400 empty
 * file, 413 too large, 415 a type it refuses). The file is kept in memory and served back at
 * that URL (`GET /file/…`).
 */
import { randomUUID } from 'node:crypto';
import { bearer, fail, ok, type RestRequest, type RestResponse } from './rest-common.js';
import type { MockServerState } from './state.js';

/** How much bigger than the largest file a multipart body may be (the other fields, the boundaries). */
export const MULTIPART_SLACK_BYTES = 64 * 1024;

/** `POST /api/v1/upload/file`: a logged-in user's upload; no token is HTTP 401. */
export async function uploadAsUser(state: MockServerState, request: RestRequest): Promise<RestResponse> {
  const auth = state.authenticate(bearer(request));
  if (!auth.ok) return fail(401, 401, 'unauthorized');
  return upload(state, request, 'upload file success', { uid: auth.user.uid, nickname: auth.user.nickname });
}

/** `POST /visitor/api/v1/upload/file` (and the older `/visitor/api/upload/file`): anyone may upload. */
export async function uploadAsVisitor(state: MockServerState, request: RestRequest): Promise<RestResponse> {
  return upload(state, request, 'upload success');
}

/** `GET /file/…`: an uploaded file's bytes; 404 for one not kept. */
export function serveFile(state: MockServerState, request: RestRequest): RestResponse | undefined {
  const file = state.uploads.get(decodeURIComponent(request.url.pathname));
  if (!file) return undefined;
  return { status: 200, bytes: { data: file.bytes, contentType: file.type } };
}

async function upload(
  state: MockServerState,
  request: RestRequest,
  message: string,
  user?: { uid: string; nickname: string },
): Promise<RestResponse> {
  const form = await readForm(request);
  if (!form) return fail(400, 400, 'Current request is not a multipart request');
  const file = form.get('file');
  if (!(file instanceof Blob)) return fail(400, 400, "Required part 'file' is not present.");
  const name = file instanceof File && file.name.trim() !== '' ? file.name : '';
  if (file.size === 0) return fail(200, 400, '空文件，无法上传');
  if (name === '') return fail(200, 400, '文件名为空，无法上传');
  if (file.size > state.uploads.maxFileBytes) {
    return fail(200, 413, `文件过大，最大支持${Math.floor(state.uploads.maxFileBytes / 1024 / 1024)}MB`);
  }
  // Active content is refused, as the server refuses SVG (it could run script from its origin).
  if (/\.svgz?$/i.test(name) || /image\/svg/i.test(file.type)) return fail(200, 415, '不支持的文件类型: .svg');
  const now = state.now();
  const stored = state.uploads.put(name, file.type, new Uint8Array(await file.arrayBuffer()), now);
  const field = (key: string): string | null => {
    const value = form.get(key);
    return typeof value === 'string' ? value : null;
  };
  const uploader = user ?? { uid: field('visitorUid') ?? '', nickname: field('visitorNickname') ?? '' };
  const time = state.serverTime();
  return ok(
    {
      uid: randomUUID().replace(/-/g, ''),
      fileName: name,
      fileSize: String(file.size),
      fileUrl: `${request.url.origin}${stored.path}`,
      fileType: file.type || field('fileType') || '',
      client: field('client'),
      type: field('kbType'),
      status: 'SUCCESS',
      user: JSON.stringify(uploader),
      orgUid: field('orgUid'),
      createdAt: time,
      updatedAt: time,
    },
    message,
  );
}

/** The multipart form of a request, or undefined when it is none. */
async function readForm(request: RestRequest): Promise<FormData | undefined> {
  const type = request.contentType ?? '';
  if (!/^multipart\/form-data/i.test(type) || !request.bodyBytes) return undefined;
  try {
    return await new Response(request.bodyBytes as Uint8Array<ArrayBuffer>, {
      headers: { 'content-type': type },
    }).formData();
  } catch {
    return undefined;
  }
}
