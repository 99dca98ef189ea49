import {
  type AbortSignalLike,
  type HistoryPage,
  type Logger,
  type RestCallOptions,
  type RestTransport,
  SdkError,
  type ThreadListPage,
  type UploadCallOptions,
  type UploadedFile,
  type UploadFile,
  type VisitorTransport,
} from '@weiyu/core';
import { fromRestHistoryJson, fromRestJson, fromRestThreadJson, toRestJson, type WireMessage } from '@weiyu/protocol';
import { type RequestContext, requestEnvelope } from './request.js';
import { readSpringPage } from './spring-page.js';
import { UPLOAD_PATH, uploadFile, VISITOR_UPLOAD_PATH } from './upload.js';
import { initVisitor, requestThread } from './visitor.js';

/** Options of {@link createHttpTransport}. */
export interface HttpTransportOptions {
  /** The REST API's base URL, `http://` or `https://`, e.g. `https://api.example.com` (trailing `/` is fine). */
  readonly baseUrl: string;
  /** The fetch to use (default: the global `fetch`). */
  readonly fetch?: typeof globalThis.fetch;
  /** How long one request may take, body included (ms, default 15 000). */
  readonly timeoutMs?: number;
  /**
   * The largest response body taken, in bytes as decoded (after gzip/br), default
   * {@link DEFAULT_MAX_RESPONSE_BYTES} (4 MiB); a bigger one rejects with `response_too_large`
   * and its socket is closed. The biggest legitimate answer is a history page: raise this if
   * you raise core's `catchUpPageSize` far above 50.
   */
  readonly maxResponseBytes?: number;
  /** Where the transport writes what it does. Tokens and passwords never reach it. */
  readonly logger?: Logger;
  /**
   * The path visitors send to without a login (default {@link VISITOR_SEND_PATH}, current
   * servers); older servers take {@link LEGACY_VISITOR_SEND_PATH}. Must start with `/`.
   */
  readonly visitorSendPath?: string;
  /**
   * The path visitors upload to without a login (default {@link VISITOR_UPLOAD_PATH}, current
   * servers); older ones take {@link LEGACY_VISITOR_UPLOAD_PATH}. Must start with `/`.
   */
  readonly visitorUploadPath?: string;
  /** How long one upload may take, the file's bytes included (ms, default 120 000). */
  readonly uploadTimeoutMs?: number;
}

/** Where current servers take a visitor's message without a login. */
export const VISITOR_SEND_PATH = '/visitor/api/v1/visitor/message/send';

/** Where older servers took a visitor's message without a login. */
export const LEGACY_VISITOR_SEND_PATH = '/visitor/api/v1/message/send';

/** Who logged in, as the server describes them. */
export interface LoginUser {
  /** The user's uid: the `user.uid` to give `createChatClient`. */
  readonly uid: string;
  /** The login name. */
  readonly username?: string;
  /** Display name. */
  readonly nickname?: string;
  /** Avatar image URL. */
  readonly avatar?: string;
  /** A user type name (AGENT, VISITOR, …). */
  readonly type?: string;
}

/** What {@link HttpTransport.login} resolves with. */
export interface LoginResult {
  /** The access token: the MQTT password and the REST bearer token. Keep it out of logs. */
  readonly accessToken: string;
  /** Who logged in. */
  readonly user: LoginUser;
}

/**
 * A {@link RestTransport} on fetch, plus login and the visitor bootstrap ({@link VisitorTransport}:
 * `initVisitor`, `requestThread`, for core's `startVisitor`), as returned by {@link createHttpTransport}.
 */
export interface HttpTransport extends RestTransport, VisitorTransport {
  /**
   * `POST /api/v1/upload/file` (the visitor endpoint with `visitor: true`, no login): the file
   * as the multipart field `file`, with `fileName`, `fileType` and `options.fields`. Resolves with
   * the server's `data.fileUrl` (or `data`, a bare URL, on older servers), which must be an
   * http(s) URL, else `protocol`. An upload over the server's limit (HTTP or code 413) is
   * `oversize`; other failures as every call. Progress: fetch reports nothing while the body goes
   * out, so `onProgress` hears `loaded: 0` at the start and `loaded: total` once the server answered.
   */
  upload(file: UploadFile, options?: UploadCallOptions): Promise<UploadedFile>;
  /** The base URL, without trailing slashes. */
  readonly baseUrl: string;
  /**
   * `GET /api/v1/thread/query?pageNumber=&pageSize=`: one page of the signed-in user's thread
   * list (`ThreadResponse` items read by `fromRestThreadJson`; an item without a uid or topic is
   * skipped). Data that is no page rejects with `protocol`; every other failure as the other calls.
   */
  queryThreads(
    query: { readonly pageNumber: number; readonly pageSize: number },
    options?: RestCallOptions,
  ): Promise<ThreadListPage>;
  /**
   * `POST /auth/v1/login` with `{username, password, ...extra}`: exactly one request, never
   * retried (the server locks the account for 10 minutes after 3 wrong passwords). Resolves with
   * the access token and the user; rejects with `bad_credentials` when the server refuses the
   * login (HTTP 401/403, or HTTP 200 `code: -1` — a wrong password, its message the server's,
   * e.g. "用户名或密码错误，还可尝试2次", `details.attemptsLeft` when it names them), and
   * otherwise as every other call (`server_error` carrying the server's message, …).
   */
  login(
    username: string,
    password: string,
    extra?: Readonly<Record<string, unknown>>,
    options?: { readonly signal?: AbortSignalLike },
  ): Promise<LoginResult>;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_UPLOAD_TIMEOUT_MS = 120_000;

/**
 * The default of `maxResponseBytes`: 4 MiB. The largest legitimate answer is a history page of
 * core's default 50 messages, each at most the server's 10,240-byte packet: 512,000 bytes as
 * protobuf, up to about twice that as the server's JSON (escaped content, its extra fields).
 * 4 MiB leaves four times that room and still bounds what one hostile answer can cost.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

const PATHS = {
  send: '/api/v1/message/rest/send',
  history: '/api/v1/message/query/topic',
  visitorHistory: '/visitor/api/v1/message/thread/topic',
  threads: '/api/v1/thread/query',
  login: '/auth/v1/login',
} as const;

/**
 * Creates the REST transport for `@weiyu/core` on `fetch`: the fallback send path, history for
 * catch-up, the thread list, and login. Each call resolves with the envelope's `data` when the server says
 * `code: 200` and rejects with a classified {@link SdkError} otherwise; each call has a deadline
 * (`timeoutMs`), a body limit (`maxResponseBytes`) and ends at once when its `signal` aborts.
 * Throws `invalid_argument` when `baseUrl` is not an absolute http(s) URL or no fetch exists.
 *
 * @example
 * const rest = createHttpTransport({ baseUrl: 'https://api.example.com' });
 */
export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new SdkError('invalid_argument', `timeoutMs must be a positive number, got ${timeoutMs}`);
  }
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes <= 0) {
    throw new SdkError('invalid_argument', `maxResponseBytes must be a positive whole number, got ${maxResponseBytes}`);
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') {
    throw new SdkError('invalid_argument', 'No fetch available: pass one in the options');
  }
  const logger = options.logger;
  const visitorSendPath = checkPath('visitorSendPath', options.visitorSendPath ?? VISITOR_SEND_PATH);
  const visitorUploadPath = checkPath('visitorUploadPath', options.visitorUploadPath ?? VISITOR_UPLOAD_PATH);
  const uploadTimeoutMs = options.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
  if (!Number.isFinite(uploadTimeoutMs) || uploadTimeoutMs <= 0) {
    throw new SdkError('invalid_argument', `uploadTimeoutMs must be a positive number, got ${uploadTimeoutMs}`);
  }
  const context: RequestContext = {
    baseUrl,
    // Called unbound, a browser's fetch throws "Illegal invocation".
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timeoutMs,
    maxResponseBytes,
    logger,
  };

  return {
    baseUrl,

    async sendMessage(message, callOptions): Promise<WireMessage | undefined> {
      const data = await requestEnvelope(context, {
        method: 'POST',
        path: callOptions.visitor ? visitorSendPath : PATHS.send,
        body: { json: JSON.stringify(toRestJson(message)), client: callOptions.channel },
        accessToken: loginToken(callOptions),
        signal: callOptions.signal,
      });
      if (data === undefined || data === null) return undefined;
      const decoded = fromRestJson(data);
      if (decoded.ok) return decoded.value;
      logger?.debug('http: send answer is not a message', { uid: message.uid, reason: decoded.error.message });
      return undefined;
    },

    async queryTopic(query, callOptions: RestCallOptions = {}): Promise<HistoryPage> {
      // A visitor has no login: their history is the visitor endpoint's, by `threadTopic`.
      const data = await requestEnvelope(context, {
        method: 'GET',
        path: callOptions.visitor ? PATHS.visitorHistory : PATHS.history,
        query: {
          [callOptions.visitor ? 'threadTopic' : 'topic']: query.topic,
          pageNumber: query.pageNumber,
          pageSize: query.pageSize,
        },
        accessToken: loginToken(callOptions),
        signal: callOptions.signal,
      });
      // updatedAt kept: catch-up pages by it (a receipt moves an old message up).
      const { items, ...page } = readSpringPage(data, query, fromRestHistoryJson, 'history', logger);
      return { messages: items, ...page };
    },

    upload(file, callOptions = {}): Promise<UploadedFile> {
      const path = callOptions.visitor ? visitorUploadPath : UPLOAD_PATH;
      return uploadFile(context, { path, timeoutMs: uploadTimeoutMs }, file, callOptions);
    },

    initVisitor: (request, callOptions = {}) => initVisitor(context, request, callOptions),
    requestThread: (request, callOptions = {}) => requestThread(context, request, callOptions),
    async queryThreads(query, callOptions: RestCallOptions = {}): Promise<ThreadListPage> {
      const data = await requestEnvelope(context, {
        method: 'GET',
        path: PATHS.threads,
        query: { pageNumber: query.pageNumber, pageSize: query.pageSize },
        accessToken: callOptions.accessToken,
        signal: callOptions.signal,
      });
      const { items, ...page } = readSpringPage(data, query, fromRestThreadJson, 'the thread list', logger);
      return { threads: items, ...page };
    },

    async login(username, password, extra = {}, callOptions = {}): Promise<LoginResult> {
      let data: unknown;
      try {
        data = await requestEnvelope(context, {
          method: 'POST',
          path: PATHS.login,
          body: { ...extra, username, password },
          signal: callOptions.signal,
        });
      } catch (error) {
        throw loginRefusal(error) ?? error;
      }
      return toLoginResult(data);
    },
  };
}

/** The envelope code of a wrong password (HTTP 200): `{code: -1, message, data: false}`. */
const WRONG_PASSWORD_CODE = -1;

/** A login failure that means the credentials were refused, as `bad_credentials`; else undefined. */
function loginRefusal(error: unknown): SdkError | undefined {
  if (!(error instanceof SdkError)) return undefined;
  const refused =
    error.code === 'unauthenticated' ||
    error.code === 'not_authorized' ||
    (error.code === 'server_error' && error.details.code === WRONG_PASSWORD_CODE);
  if (!refused) return undefined;
  const attemptsLeft = /还可尝试\s*(\d+)\s*次/.exec(error.message)?.[1];
  const details = attemptsLeft === undefined ? error.details : { ...error.details, attemptsLeft: Number(attemptsLeft) };
  return new SdkError('bad_credentials', error.message, { cause: error, details });
}

/** The token for a call: none for a visitor's (their endpoints take no login, and a visitor's token may be a stand-in). */
function loginToken(options: RestCallOptions): string | undefined {
  return options.visitor ? undefined : options.accessToken;
}

function checkPath(name: string, path: string): string {
  if (!path.startsWith('/') || /[?#]/.test(path)) {
    throw new SdkError('invalid_argument', `${name} must be a path starting with "/", got "${path}"`);
  }
  return path;
}

function normalizeBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SdkError('invalid_argument', `baseUrl must be an absolute http(s) URL, got "${redactRaw(raw)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SdkError('invalid_argument', `baseUrl must be http:// or https://, got ${url.protocol}//`);
  }
  if (url.search || url.hash) {
    throw new SdkError('invalid_argument', 'baseUrl must have no query or fragment');
  }
  if (url.username || url.password) {
    // fetch refuses such a URL anyway, and names it whole in its error: never carry them.
    throw new SdkError('invalid_argument', 'baseUrl must not carry credentials (user:password@)');
  }
  return url.toString().replace(/\/+$/, '');
}

/** A string that is not a URL, echoed only when it has no place for a secret (`?query`, `#hash`, `user:pw@`). */
function redactRaw(raw: string): string {
  return /[?#@]/.test(raw) ? '(not shown: it has a query, fragment or credentials)' : raw;
}

function toLoginResult(data: unknown): LoginResult {
  const record = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const user = typeof record.user === 'object' && record.user !== null ? (record.user as Record<string, unknown>) : {};
  if (typeof record.accessToken !== 'string' || record.accessToken === '' || typeof user.uid !== 'string') {
    throw new SdkError('protocol', 'Login answered without {accessToken, user: {uid}}');
  }
  return {
    accessToken: record.accessToken,
    user: {
      uid: user.uid,
      ...optionalString('username', user.username),
      ...optionalString('nickname', user.nickname),
      ...optionalString('avatar', user.avatar),
      ...optionalString('type', user.type),
    },
  };
}

function optionalString<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  return (typeof value === 'string' ? { [key]: value } : {}) as { [P in K]?: string };
}
