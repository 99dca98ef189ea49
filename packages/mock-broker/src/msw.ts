import { type HttpHandler, HttpResponse, http } from 'msw';
import { CORS_HEADERS, handleRestRequest } from './rest.js';
import { MockServerState, type MockServerStateOptions } from './state.js';

export { MockServerState, type MockServerStateOptions } from './state.js';
export type { MockThread, MockUser, RestFault, SeedData } from './types.js';

/** Options of {@link createMswHandlers}. */
export interface MswHandlersOptions {
  /** Where the app sends its REST calls, e.g. `http://127.0.0.1:9003` or `https://api.example.test/prefix`. */
  baseUrl: string;
  /**
   * The server state to answer from; share one with a running broker (`broker.state`) or
   * keep a reference to inspect history and switch faults. A fresh default-seeded one when absent.
   */
  state?: MockServerState;
  /** Options for the fresh state when `state` is absent. */
  stateOptions?: MockServerStateOptions;
}

/**
 * MSW request handlers giving the mock server's REST behaviour without a server: login,
 * send, visitor send, history, the envelope, 401/403, REST faults and held echoes, from the
 * same code as the HTTP server. Requests to unknown paths fall through to other handlers.
 * Node only (tokens are signed with node:crypto).
 *
 * @example
 * import { setupServer } from 'msw/node';
 * const server = setupServer(...createMswHandlers({ baseUrl: 'http://api.test' }));
 * server.listen();
 */
export function createMswHandlers(options: MswHandlersOptions): HttpHandler[] {
  const state = options.state ?? new MockServerState(options.stateOptions);
  const base = new URL(options.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const pattern = `${base.origin}${prefix}/*`;
  return [
    http.all(pattern, async ({ request }) => {
      const url = new URL(request.url);
      if (prefix) url.pathname = url.pathname.slice(prefix.length) || '/';
      const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
      const bytes = hasBody ? new Uint8Array(await request.arrayBuffer()) : new Uint8Array();
      const response = await handleRestRequest(state, {
        method: request.method,
        url,
        authorization: request.headers.get('authorization'),
        bodyText: new TextDecoder().decode(bytes),
        ...(bytes.byteLength > 0 ? { bodyBytes: bytes } : {}),
        contentType: request.headers.get('content-type'),
      });
      if (!response) return undefined;
      if (response.bytes) {
        return new HttpResponse(response.bytes.data, {
          status: response.status,
          headers: { ...CORS_HEADERS, 'Content-Type': response.bytes.contentType, 'X-Content-Type-Options': 'nosniff' },
        });
      }
      if (response.body === undefined)
        return new HttpResponse(null, { status: response.status, headers: CORS_HEADERS });
      return new HttpResponse(JSON.stringify(response.body), {
        status: response.status,
        headers: { ...CORS_HEADERS, 'Content-Type': 'application/json; charset=utf-8' },
      });
    }),
  ];
}
