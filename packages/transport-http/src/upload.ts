/**
 * Uploads: the multipart form the server's upload endpoints read, and their answer read back
 * into an {@link UploadedFile}. The request itself goes through `requestEnvelope`, with its
 * deadline, body limit and error classification.
 */
import { SdkError, type UploadCallOptions, type UploadedFile, type UploadFile } from '@weiyu/core';
import { type RequestContext, requestEnvelope } from './request.js';

/** Where a logged-in user uploads. */
export const UPLOAD_PATH = '/api/v1/upload/file';

/** Where a visitor uploads without a login (current servers). */
export const VISITOR_UPLOAD_PATH = '/visitor/api/v1/upload/file';

/** Where older servers (and the official web widget's older builds) took a visitor's upload. */
export const LEGACY_VISITOR_UPLOAD_PATH = '/visitor/api/upload/file';

/** What an upload needs besides the request context. */
export interface UploadSettings {
  readonly path: string;
  readonly timeoutMs: number;
}

/**
 * Sends `file` as the form field `file` with `fileName` and `fileType` (what the server's
 * `UploadRequest` binds) and the caller's fields, and reads where the server put it. fetch
 * tells nothing while a body goes out, so progress is reported at the start and once the
 * server answered: it had the whole file by then.
 */
export async function uploadFile(
  context: RequestContext,
  settings: UploadSettings,
  file: UploadFile,
  options: UploadCallOptions,
): Promise<UploadedFile> {
  const form = formOf(file, options.fields);
  const total = file.size;
  report(options, 0, total);
  const data = await requestEnvelope(context, {
    method: 'POST',
    path: settings.path,
    form,
    timeoutMs: settings.timeoutMs,
    accessToken: options.visitor ? undefined : options.accessToken,
    signal: options.signal,
  }).catch((error: unknown) => {
    throw asUploadError(error);
  });
  const uploaded = readUploaded(data, context.baseUrl, settings.path);
  report(options, total, total);
  return uploaded;
}

function formOf(file: UploadFile, fields: Readonly<Record<string, string>> = {}): FormData {
  const Blob = globalThis.Blob;
  if (typeof FormData !== 'function' || typeof Blob !== 'function') {
    throw new SdkError('invalid_argument', 'Uploads need FormData and Blob (browsers, Node 20+)');
  }
  if (!(file instanceof Blob)) throw new SdkError('invalid_argument', 'file must be a File or a Blob with a name');
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  form.append('fileName', file.name);
  form.append('fileType', file.type || 'application/octet-stream');
  form.append('file', file, file.name);
  return form;
}

function report(options: UploadCallOptions, loaded: number, total: number): void {
  try {
    options.onProgress?.({ loaded, total });
  } catch {
    // A failing progress callback is the app's: the upload goes on.
  }
}

/** HTTP 413 or code 413: the server's size limit (retrying cannot help); other failures as they are. */
function asUploadError(error: unknown): unknown {
  if (!(error instanceof SdkError)) return error;
  const { status, code } = error.details;
  if (status !== 413 && code !== 413) return error;
  return new SdkError('oversize', error.message, { cause: error, details: error.details });
}

/**
 * The answer's `data`: an `UploadResponse` with `fileUrl` (current servers) or the URL itself
 * (older ones). A URL that is not http(s) is refused: it would become a link in a message.
 */
function readUploaded(data: unknown, baseUrl: string, path: string): UploadedFile {
  const record = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : undefined;
  const raw = typeof data === 'string' ? data : record?.fileUrl;
  const url = typeof raw === 'string' ? httpUrl(raw, baseUrl) : undefined;
  if (url === undefined) {
    throw new SdkError('protocol', `POST ${path} answered without an http(s) file URL (data.fileUrl)`);
  }
  if (!record) return { url };
  const sized = typeof record.fileSize === 'number' || (typeof record.fileSize === 'string' && record.fileSize !== '');
  const size = sized ? Number(record.fileSize) : Number.NaN;
  return {
    url,
    ...(typeof record.fileName === 'string' && record.fileName ? { name: record.fileName } : {}),
    ...(Number.isSafeInteger(size) && size >= 0 ? { size } : {}),
    ...(typeof record.fileType === 'string' && record.fileType ? { mimeType: record.fileType } : {}),
  };
}

function httpUrl(raw: string, baseUrl: string): string | undefined {
  try {
    const url = new URL(raw.trim(), `${baseUrl}/`);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}
