import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  type AdminHooks,
  CORS_HEADERS,
  handleRestRequest,
  isUploadPath,
  NOT_FOUND,
  type RestResponse,
} from './rest.js';
import type { MockServerState } from './state.js';
import { MULTIPART_SLACK_BYTES } from './upload-routes.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** A node:http request listener serving the REST API (and `/__admin`) from the shared state. */
export function restRequestListener(state: MockServerState, admin?: AdminHooks): RequestListener {
  return (req, res) => {
    serve(state, admin, req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { code: 500, message: String(error), data: null } });
    });
  };
}

async function serve(
  state: MockServerState,
  admin: AdminHooks | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  // An upload's body may be as big as the largest file taken; every other body is small JSON.
  const limit = isUploadPath(url.pathname) ? state.uploads.maxFileBytes + MULTIPART_SLACK_BYTES : MAX_BODY_BYTES;
  const body = await readBody(req, limit);
  if (body === undefined) {
    // As Spring answers a multipart body over its limit.
    send(res, { status: 413, body: { code: 413, message: 'request body too large', data: null } });
    return;
  }
  const response = await handleRestRequest(
    state,
    {
      method: req.method ?? 'GET',
      url,
      authorization: req.headers.authorization ?? null,
      bodyText: body.toString('utf8'),
      ...(body.length > 0 ? { bodyBytes: new Uint8Array(body.buffer, body.byteOffset, body.length) } : {}),
      contentType: req.headers['content-type'] ?? null,
    },
    admin,
  );
  send(res, response ?? NOT_FOUND);
}

function send(res: ServerResponse, response: RestResponse): void {
  const headers: Record<string, string> = { ...CORS_HEADERS };
  if (response.bytes) {
    headers['Content-Type'] = response.bytes.contentType;
    // A served file is data, never a page of this origin.
    headers['X-Content-Type-Options'] = 'nosniff';
    headers['Content-Security-Policy'] = "default-src 'none'; sandbox";
    res.writeHead(response.status, headers);
    res.end(response.bytes.data, () => response.afterSend?.());
    return;
  }
  if (response.body === undefined) {
    res.writeHead(response.status, headers);
    res.end(() => response.afterSend?.());
    return;
  }
  headers['Content-Type'] = 'application/json; charset=utf-8';
  res.writeHead(response.status, headers);
  res.end(JSON.stringify(response.body), () => response.afterSend?.());
}

/** The body's bytes; undefined when it is over `limit`. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
