import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { type AdminHooks, CORS_HEADERS, handleRestRequest, NOT_FOUND, type RestResponse } from './rest.js';
import type { MockServerState } from './state.js';

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
  const bodyText = await readBody(req);
  if (bodyText === undefined) {
    send(res, { status: 413, body: { code: 413, message: 'request body too large', data: null } });
    return;
  }
  const response = await handleRestRequest(
    state,
    {
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`),
      authorization: req.headers.authorization ?? null,
      bodyText,
    },
    admin,
  );
  send(res, response ?? NOT_FOUND);
}

function send(res: ServerResponse, response: RestResponse): void {
  const headers: Record<string, string> = { ...CORS_HEADERS };
  if (response.body === undefined) {
    res.writeHead(response.status, headers);
    res.end(() => response.afterSend?.());
    return;
  }
  headers['Content-Type'] = 'application/json; charset=utf-8';
  res.writeHead(response.status, headers);
  res.end(JSON.stringify(response.body), () => response.afterSend?.());
}

/** The body as text; undefined when it is over the limit. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
