import { fromRestJson, type WireMessage } from '@weiyu/protocol';
import { DEFAULT_HISTORY_PAGE_SIZE } from '@weiyu/protocol/server';
import { bearer, fail, intParam, ok, parseBody, type RestRequest, type RestResponse } from './rest-common.js';
import { type MockServerState, publicUser } from './state.js';
import type { RestFault } from './types.js';
import { serveFile, uploadAsUser, uploadAsVisitor } from './upload-routes.js';
import { initVisitor, requestThread } from './visitor-routes.js';

export type { Envelope, RestRequest, RestResponse } from './rest-common.js';

/** Headers every answer carries, so browsers on any origin can call the mock server. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type',
  'Access-Control-Max-Age': '600',
};

/** What only a running broker can do, offered to the `/__admin` endpoints. */
export interface AdminHooks {
  /** Drops matching connections (all when no filter); returns how many. */
  drop(filter: { clientId?: string; userUid?: string }): number;
  /** Refuses connections and drops existing ones for `ms`. */
  outage(ms: number): void;
  /** Restarts the servers (called after the answer went out). */
  restart(): void;
  /** Clears the broker-side faults (outage). */
  reset(): void;
  /** What `GET /__admin/state` shows besides the state's own counts. */
  describe(): Record<string, unknown>;
  /** Whether the server closed: requests still in flight then get a 503 and change nothing. */
  isClosed?(): boolean;
}

/**
 * Answers one REST request against the shared state: login, send, visitor send, history,
 * and the `/__admin` endpoints. Returns undefined for a route it does not know.
 */
export async function handleRestRequest(
  state: MockServerState,
  request: RestRequest,
  admin?: AdminHooks,
): Promise<RestResponse | undefined> {
  const method = request.method.toUpperCase();
  const path = request.url.pathname.replace(/\/+$/, '') || '/';
  if (method === 'OPTIONS') return { status: 204 };
  if (path.startsWith('/__admin/')) return adminRoute(state, method, path, request, admin);

  if (method === 'GET' && path.startsWith('/file/')) return serveFile(state, request);
  const route = ROUTES[`${method} ${path}`];
  if (!route) return undefined;
  if (admin?.isClosed?.()) return CLOSED;
  const fault = state.takeRestFault();
  if (fault?.delayMs) {
    // A tracked wait: close() and a fault reset end it, so no timer outlives the server.
    const outcome = await state.restDelay(fault.delayMs);
    // A closed server answers nothing more: above all, no delayed send is stored after close.
    if (outcome === 'closed' || admin?.isClosed?.()) return CLOSED;
    // A reset cleared the fault this request met: it goes on as if there had been none.
    if (outcome === 'reset') return route(state, request);
  }
  if (fault && (fault.status !== undefined || fault.code !== undefined)) return faultResponse(fault);
  return route(state, request);
}

/** What a request still in flight gets when the server closed. */
const CLOSED: RestResponse = fail(503, 503, 'the mock server closed');

type Route = (state: MockServerState, request: RestRequest) => RestResponse | Promise<RestResponse>;

const ROUTES: Readonly<Record<string, Route>> = {
  'POST /auth/v1/login': login,
  'POST /api/v1/message/rest/send': sendAsUser,
  // Current servers' visitor endpoint, and the one older servers had: both answer alike.
  'POST /visitor/api/v1/visitor/message/send': sendAsVisitor,
  'POST /visitor/api/v1/message/send': sendAsVisitor,
  'GET /api/v1/message/query/topic': queryTopic,
  'GET /visitor/api/v1/message/thread/topic': queryTopicAsVisitor,
  'POST /api/v1/upload/file': uploadAsUser,
  // The visitor bootstrap: current servers take JSON, older clients sent a GET with the same fields.
  'POST /visitor/api/v1/init': initVisitor,
  'GET /visitor/api/v1/init': initVisitor,
  'POST /visitor/api/v1/thread': requestThread,
  'GET /visitor/api/v1/thread': requestThread,
  // Current servers' visitor upload, and the path older servers and web widgets use.
  'POST /visitor/api/v1/upload/file': uploadAsVisitor,
  'POST /visitor/api/upload/file': uploadAsVisitor,
  'GET /api/v1/thread/query': queryThreads,
};

/** Whether a path takes a multipart upload (its body may be as big as the largest file). */
export function isUploadPath(path: string): boolean {
  const route = ROUTES[`POST ${path.replace(/\/+$/, '')}`];
  return route === uploadAsUser || route === uploadAsVisitor;
}

function faultResponse(fault: RestFault): RestResponse {
  const status = fault.status ?? 200;
  const code = fault.code ?? (fault.status !== undefined ? fault.status : 500);
  return fail(status, code, fault.message ?? 'injected fault');
}

/** A wrong password is HTTP 200 `{code: -1, data: false}` saying how many tries are left; the third locks the account. */
function login(state: MockServerState, request: RestRequest): RestResponse {
  const body = parseBody(request.bodyText);
  if (!body) return fail(200, 400, 'request body must be JSON');
  const { username, password } = body;
  if (typeof username !== 'string' || typeof password !== 'string') {
    return fail(200, 400, 'username and password are required');
  }
  const attempt = state.loginAttempt(username, password);
  if (!attempt.ok) return { status: 200, body: { code: -1, message: attempt.message, data: false } };
  return ok(attempt.result);
}

function sendAsUser(state: MockServerState, request: RestRequest): RestResponse {
  const auth = state.authenticate(bearer(request));
  if (!auth.ok) return fail(401, 401, 'unauthorized');
  return send(state, request, auth.user.uid);
}

/** No token: the real server takes anyone's message here; `strict` wants a known visitor of the thread. */
function sendAsVisitor(state: MockServerState, request: RestRequest): RestResponse {
  return send(state, request, undefined, (message) => {
    const uid = message.user?.uid ?? '';
    if (state.user(uid)?.type !== 'VISITOR') return 'message.user is not a known visitor';
    return undefined;
  });
}

/**
 * The body `{json: "<message JSON>", client}`: the real server answers `data` = the posted
 * string as it is, without looking at it, and routes the message afterwards (an invalid one is
 * dropped, silently). `strict` refuses with 403 a sender who is not the token's user or not in
 * the thread.
 */
function send(
  state: MockServerState,
  request: RestRequest,
  senderUid: string | undefined,
  strictCheck?: (message: WireMessage) => string | undefined,
): RestResponse {
  const body = parseBody(request.bodyText);
  if (!body) return fail(200, 500, 'request body must be JSON');
  const parsed = body.json === undefined ? undefined : fromRestJson(body.json);
  const message = parsed?.ok ? parsed.value : undefined;
  if (message && state.mode === 'strict') {
    const sender = senderUid ?? message.user?.uid ?? '';
    const reason = strictCheck?.(message) ?? forbiddenSender(state, message, sender);
    if (reason) return fail(403, 403, `forbidden: ${reason}`);
  }
  if (message) state.route(message, senderUid === undefined ? {} : { senderUid });
  return ok(body.json ?? null);
}

function forbiddenSender(state: MockServerState, message: WireMessage, senderUid: string): string | undefined {
  if ((message.user?.uid ?? '') !== senderUid) return 'message.user is not the token user';
  return state.mayUse(senderUid, message.thread?.topic ?? '') ? undefined : 'not a participant of this thread';
}

/** Any token may read any topic on the real server; `strict` wants a participant. Size 10 by default, no cap. */
function queryTopic(state: MockServerState, request: RestRequest): RestResponse {
  const auth = state.authenticate(bearer(request));
  if (!auth.ok) return fail(401, 401, 'unauthorized');
  const params = request.url.searchParams;
  const topic = params.get('topic') ?? '';
  if (!topic) return fail(200, 400, 'topic is required');
  if (!state.mayUse(auth.user.uid, topic)) return fail(403, 403, 'forbidden: not a participant of this thread');
  return historyAnswer(state, topic, params);
}

/** One page of `topic`'s history as the server answers it (page and size from the query). */
function historyAnswer(state: MockServerState, topic: string, params: URLSearchParams): RestResponse {
  const page = state.historyPage(topic, {
    pageNumber: intParam(params.get('pageNumber'), 0),
    pageSize: intParam(params.get('pageSize'), DEFAULT_HISTORY_PAGE_SIZE),
  });
  if (!page.ok) return fail(200, 500, page.reason);
  const { ok: _ok, ...data } = page;
  return ok(data);
}

/** A visitor's history (`threadTopic`): no login on the real server; `strict` wants a known visitor of the thread's topic. */
function queryTopicAsVisitor(state: MockServerState, request: RestRequest): RestResponse {
  const params = request.url.searchParams;
  const topic = params.get('threadTopic') ?? '';
  if (!topic) return ok(emptyPage(params));
  if (state.mode === 'strict') {
    const uid = topic.split('/').pop() ?? '';
    if (state.user(uid)?.type !== 'VISITOR' || !state.mayUse(uid, topic)) {
      return fail(403, 403, 'forbidden: not a visitor of this thread');
    }
  }
  return historyAnswer(state, topic, params);
}

/** The token user's thread list, newest change first; size 10 by default, no cap. */
function queryThreads(state: MockServerState, request: RestRequest): RestResponse {
  const auth = state.authenticate(bearer(request));
  if (!auth.ok) return fail(401, 401, 'unauthorized');
  const params = request.url.searchParams;
  const page = state.threadPage(auth.user.uid, {
    pageNumber: intParam(params.get('pageNumber'), 0),
    pageSize: intParam(params.get('pageSize'), DEFAULT_HISTORY_PAGE_SIZE),
  });
  if (!page.ok) return fail(200, 500, page.reason);
  const { ok: _ok, ...data } = page;
  return ok(data);
}

/** What the server answers for a query without a topic: no filter matches nothing here (the mock keeps no org index). */
function emptyPage(params: URLSearchParams): Record<string, unknown> {
  const size = intParam(params.get('pageSize'), DEFAULT_HISTORY_PAGE_SIZE);
  return {
    content: [],
    totalElements: 0,
    totalPages: 0,
    number: 0,
    size,
    numberOfElements: 0,
    first: true,
    last: true,
    empty: true,
  };
}

async function adminRoute(
  state: MockServerState,
  method: string,
  path: string,
  request: RestRequest,
  admin: AdminHooks | undefined,
): Promise<RestResponse | undefined> {
  if (method === 'GET' && path === '/__admin/state') {
    return ok({
      ...(admin?.describe() ?? {}),
      faults: { rest: state.restFault ?? null, holdEchoes: state.echoesHeld, heldEchoes: state.heldEchoCount },
      counts: { users: state.users().length, threads: state.threads().length, messages: state.messageCount },
      users: state.users().map(publicUser),
      threads: state.threads(),
    });
  }
  if (method !== 'POST') return undefined;
  const body = request.bodyText.trim() === '' ? {} : parseBody(request.bodyText);
  if (!body) return fail(200, 400, 'request body must be JSON');
  switch (path) {
    case '/__admin/faults/rest':
      state.setRestFault(restFaultFrom(body));
      return ok({ rest: state.restFault ?? null });
    case '/__admin/faults/hold-echoes':
      state.holdEchoes(body.on === true);
      return ok({ holdEchoes: state.echoesHeld });
    case '/__admin/faults/reset':
      state.resetFaults();
      admin?.reset();
      return ok(null);
    case '/__admin/faults/drop': {
      if (!admin) return fail(200, 501, 'no broker to drop connections from');
      const filter: { clientId?: string; userUid?: string } = {};
      if (typeof body.clientId === 'string') filter.clientId = body.clientId;
      if (typeof body.userUid === 'string') filter.userUid = body.userUid;
      return ok({ dropped: admin.drop(filter) });
    }
    case '/__admin/faults/outage': {
      if (!admin) return fail(200, 501, 'no broker to take down');
      if (typeof body.ms !== 'number' || !(body.ms >= 0)) return fail(200, 400, '"ms" must be a number ≥ 0');
      admin.outage(body.ms);
      return ok({ ms: body.ms });
    }
    case '/__admin/restart':
      if (!admin) return fail(200, 501, 'no broker to restart');
      return { ...ok(null), afterSend: () => admin.restart() };
    default:
      return undefined;
  }
}

function restFaultFrom(body: Record<string, unknown>): RestFault {
  const fault: RestFault = {};
  for (const key of ['status', 'code', 'rate', 'delayMs', 'times'] as const) {
    const value = body[key];
    if (typeof value === 'number' && Number.isFinite(value)) fault[key] = value;
  }
  if (typeof body.message === 'string') fault.message = body.message;
  return fault;
}

/** The 404 envelope for a route no one knows. */
export const NOT_FOUND: RestResponse = fail(404, 404, 'not found');
