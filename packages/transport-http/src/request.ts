import { type AbortSignalLike, type Logger, SdkError } from '@weiyu/core';
import { onAbort } from './abort.js';
import { readBodyText } from './body.js';

/** What a request needs besides its path. */
export interface RequestSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number>>;
  readonly body?: unknown;
  /** A multipart body (uploads): sent as it is, fetch sets its Content-Type with the boundary. */
  readonly form?: FormData;
  /** This request's deadline, when not the transport's `timeoutMs` (uploads take longer). */
  readonly timeoutMs?: number;
  readonly accessToken?: string | undefined;
  readonly signal?: AbortSignalLike | undefined;
}

/** Shared settings of every request of one transport. */
export interface RequestContext {
  readonly baseUrl: string;
  readonly fetch: typeof globalThis.fetch;
  readonly timeoutMs: number;
  /** The largest body read, decoded (see `maxResponseBytes`). */
  readonly maxResponseBytes: number;
  readonly logger: Logger | undefined;
}

/**
 * Sends one request and returns the envelope's `data` when the server says `code: 200`.
 * Everything else becomes an {@link SdkError} (see the README's table). The access token only
 * ever goes into the Authorization header: no message, detail or log line carries it.
 */
export async function requestEnvelope(context: RequestContext, spec: RequestSpec): Promise<unknown> {
  const what = `${spec.method} ${spec.path}`;
  const url = buildUrl(context.baseUrl, spec);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
  if (spec.accessToken) headers.Authorization = `Bearer ${spec.accessToken}`;

  if (spec.signal?.aborted) throw new SdkError('closed', `${what} was aborted`);
  // The deadline does not rely on fetch honouring the signal: an injected fetch may ignore it,
  // and a body can stall after the headers. Both the fetch and the body read race `deadline`,
  // which rejects when the timer or the caller's signal fires; the abort is only a courtesy.
  const controller = new AbortController();
  let ended: SdkError | undefined;
  let rejectDeadline: (error: SdkError) => void = () => {};
  const deadline = new Promise<never>((_resolve, reject) => {
    rejectDeadline = reject;
  });
  // Nobody may be racing it any more when it fires: that must not be an unhandled rejection.
  deadline.catch(() => {});
  const end = (error: SdkError) => {
    if (ended) return;
    ended = error;
    rejectDeadline(error);
    controller.abort();
  };
  const timeoutMs = spec.timeoutMs ?? context.timeoutMs;
  const timer = setTimeout(() => end(new SdkError('timeout', `${what} took longer than ${timeoutMs} ms`)), timeoutMs);
  const unlisten = onAbort(spec.signal, () => end(new SdkError('closed', `${what} was aborted`)));

  context.logger?.debug('http: request', { method: spec.method, path: spec.path });
  try {
    let status: number;
    let text: string;
    try {
      const response = await Promise.race([
        settledLater(
          context.fetch(url, {
            method: spec.method,
            headers,
            body: spec.form ?? (spec.body === undefined ? undefined : JSON.stringify(spec.body)),
            signal: controller.signal,
          }),
        ),
        deadline,
      ]);
      status = response.status;
      // Read under the same deadline: a server that sends headers and then stalls is a timeout too.
      const body = readBodyText(response, { maxBytes: context.maxResponseBytes, what, signal: controller.signal });
      text = await Promise.race([settledLater(body), deadline]);
    } catch (error) {
      // Whatever ended it, the socket goes now rather than when the server lets go.
      controller.abort();
      if (ended) throw ended;
      if (error instanceof SdkError) throw error;
      throw classifyFetchFailure(error, what);
    }
    const result = readEnvelope(what, status, text);
    context.logger?.debug('http: response', { method: spec.method, path: spec.path, status });
    return result;
  } catch (error) {
    const sdkError = SdkError.from(error);
    context.logger?.warn('http: request failed', {
      method: spec.method,
      path: spec.path,
      code: sdkError.code,
      message: sdkError.message,
    });
    throw sdkError;
  } finally {
    clearTimeout(timer);
    unlisten();
  }
}

/**
 * `promise`, marked as handled: when it loses the race against the deadline and rejects later
 * (the abort reaching fetch), that is no unhandled rejection. The race still sees its rejection.
 */
function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

function buildUrl(baseUrl: string, spec: RequestSpec): string {
  let url = `${baseUrl}${spec.path}`;
  if (spec.query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(spec.query)) params.set(key, String(value));
    url += `?${params.toString()}`;
  }
  return url;
}

/** Reads `{code, message, data}`; see SPEC §2 for what the server sends. */
export function readEnvelope(what: string, status: number, text: string): unknown {
  const parsed = parseJson(text);
  const envelope = asEnvelope(parsed);
  const serverMessage = envelope && typeof envelope.message === 'string' && envelope.message ? envelope.message : '';
  const details = { status, ...(envelope ? { code: envelope.code } : {}) };

  if (status === 401) {
    return fail('unauthenticated', serverMessage || `${what}: not authenticated (HTTP 401)`, details);
  }
  if (status === 403) {
    return fail('not_authorized', serverMessage || `${what}: not allowed (HTTP 403)`, details);
  }
  if (status < 200 || status > 299) {
    return fail('http_error', `${what} answered HTTP ${status}${serverMessage ? `: ${serverMessage}` : ''}`, details);
  }
  if (parsed === undefined) return fail('protocol', `${what} answered with a body that is not JSON`, { status });
  if (!envelope) return fail('protocol', `${what} answered JSON that is not a {code, message, data} envelope`, details);
  // Some deployments answer HTTP 200 with an auth code in the envelope: it means the same.
  if (envelope.code === 401) {
    return fail('unauthenticated', serverMessage || `${what}: not authenticated (code 401)`, details);
  }
  if (envelope.code === 403) {
    return fail('not_authorized', serverMessage || `${what}: not allowed (code 403)`, details);
  }
  if (envelope.code !== 200) {
    return fail('server_error', serverMessage || `${what} failed with code ${envelope.code}`, details);
  }
  return envelope.data;
}

function fail(code: SdkError['code'], message: string, details: Record<string, unknown>): never {
  throw new SdkError(code, message, { details });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

interface Envelope {
  readonly code: number;
  readonly message: unknown;
  readonly data: unknown;
}

function asEnvelope(value: unknown): Envelope | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  // Some servers send the code as a string.
  const code = typeof record.code === 'string' && /^-?\d+$/.test(record.code) ? Number(record.code) : record.code;
  if (typeof code !== 'number') return undefined;
  return { code, message: record.message, data: record.data };
}

const REFUSED = new Set(['ECONNREFUSED']);
const NOT_FOUND = new Set(['ENOTFOUND', 'EAI_AGAIN']);

/** fetch rejects with a bare TypeError; Node puts the socket's error code in `cause`. */
function classifyFetchFailure(error: unknown, what: string): SdkError {
  const code = socketCode(error);
  if (code && REFUSED.has(code)) {
    return new SdkError('connection_refused', `${what}: the server refused the connection (${code})`, {
      cause: error,
      details: { code },
    });
  }
  if (code && NOT_FOUND.has(code)) {
    return new SdkError('host_not_found', `${what}: cannot resolve the server's host (${code})`, {
      cause: error,
      details: { code },
    });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new SdkError('network', `${what} failed: ${code ?? reason}`, {
    cause: error,
    details: code ? { code } : {},
  });
}

function socketCode(error: unknown, depth = 0): string | undefined {
  if (depth > 3 || typeof error !== 'object' || error === null) return undefined;
  const record = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof record.code === 'string' && /^E[A-Z_]+$/.test(record.code)) return record.code;
  // Node reports a refused dual-stack connect as an AggregateError of one error per address.
  if (Array.isArray(record.errors)) {
    for (const inner of record.errors) {
      const code = socketCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return socketCode(record.cause, depth + 1);
}
