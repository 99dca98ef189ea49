/**
 * The visitor bootstrap as the real server answers it (`VisitorRestControllerVisitor`), no login:
 *
 * - `POST /visitor/api/v1/init` (`VisitorRequest` as JSON; older clients sent a GET with the
 *   same fields as query parameters): finds the visitor by `visitorUid` (or `uid`) and org, or
 *   creates one with a server uid, and answers the `VisitorResponse` (`uid`, `visitorUid`,
 *   `nickname`, …; no token).
 * - `POST /visitor/api/v1/thread` (`uid` = the visitor's server uid, `orgUid`, `type` = the
 *   `ThreadTypeEnum` number as a string — `0` agent, `1` workgroup, `2` robot; anything that is no
 *   number reads as `0` — and `sid` = whose): opens the thread `org/{agent|workgroup|robot}/{sid}/{uid}`
 *   with a WELCOME from the agent, or continues an open one with CONTINUE; the message is
 *   published on the thread as the server publishes it, and answered as `data`. A `sid` the server
 *   does not know is HTTP 200 `{code: 500}`, as its wrapped exception.
 */
import { randomUUID } from 'node:crypto';
import type { WireMessage } from '@weiyu/protocol';
import { fail, ok, parseBody, type RestRequest, type RestResponse } from './rest-common.js';
import type { MockServerState } from './state.js';
import type { MockUser } from './types.js';

/** `ThreadTypeEnum` numbers the mock serves, with the topic kind and thread type they make. */
const THREAD_KINDS: Readonly<Record<string, { readonly segment: string; readonly type: string }>> = {
  '0': { segment: 'agent', type: 'AGENT' },
  '1': { segment: 'workgroup', type: 'WORKGROUP' },
  '2': { segment: 'robot', type: 'ROBOT' },
};

const WELCOME_TIP = '您好，请问有什么可以帮助您？';
const CONTINUE_TIP = '继续会话';

/** `/visitor/api/v1/init`: the visitor, found or created. */
export function initVisitor(state: MockServerState, request: RestRequest): RestResponse {
  const fields = visitorFields(request);
  if (!fields) return fail(400, 400, 'request body must be JSON');
  const orgUid = text(fields.orgUid);
  const key = text(fields.visitorUid) || text(fields.uid);
  const found = key ? state.visitorByKey(orgUid, key) : undefined;
  const nickname = text(fields.nickname);
  const avatar = text(fields.avatar);
  const visitor: MockUser = found
    ? { ...found, ...(nickname ? { nickname } : {}), ...(avatar ? { avatar } : {}) }
    : newVisitor(state, orgUid, nickname, avatar);
  state.addUser(visitor);
  const visitorUid = key || visitor.uid;
  state.rememberVisitor(orgUid, visitorUid, visitor.uid);
  const time = state.serverTime();
  return ok({
    uid: visitor.uid,
    visitorUid,
    nickname: visitor.nickname,
    avatar: visitor.avatar ?? '',
    lang: text(fields.lang) || 'ZH_CN',
    channel: text(fields.channel) || text(fields.client) || 'WEB',
    status: 'ONLINE',
    orgUid: orgUid || null,
    extra: typeof fields.extra === 'string' ? fields.extra : '{}',
    tagList: [],
    customFieldList: [],
    vipLevel: 0,
    createdAt: time,
    updatedAt: time,
  });
}

/** `/visitor/api/v1/thread`: the visitor's thread with an agent, a workgroup or a robot, as a message carrying it. */
export function requestThread(state: MockServerState, request: RestRequest): RestResponse {
  const fields = visitorFields(request);
  if (!fields) return fail(400, 400, 'request body must be JSON');
  const uid = text(fields.uid);
  const sid = text(fields.sid);
  const kind = THREAD_KINDS[/^\d+$/.test(text(fields.type)) ? text(fields.type) : '0'];
  const visitor = state.user(uid);
  if (!kind) return fail(200, 500, `Thread type ${text(fields.type)} not supported`);
  if (visitor?.type !== 'VISITOR') return fail(200, 500, `visitor ${uid} not found`);
  const host = hostOf(state, kind.type, sid);
  if (!host) return fail(200, 500, `Failed to create thread for type ${kind.type}`);
  const topic = `org/${kind.segment}/${sid}/${uid}`;
  const existing = state.thread(topic);
  const threadUid = existing?.uid ?? randomUUID().replace(/-/g, '');
  if (!existing) state.addThread({ uid: threadUid, topic, type: kind.type, participants: [uid, host.uid] });
  const visitorJson = { uid, nickname: visitor.nickname, avatar: visitor.avatar ?? '', type: 'VISITOR' };
  const message: WireMessage = {
    uid: randomUUID().replace(/-/g, ''),
    type: existing ? 'CONTINUE' : 'WELCOME',
    content: existing ? CONTINUE_TIP : WELCOME_TIP,
    status: 'SUCCESS',
    createdAt: state.serverTime(),
    channel: 'SYSTEM',
    extra: JSON.stringify({ orgUid: text(fields.orgUid) }),
    user: { uid: host.uid, nickname: host.nickname, avatar: host.avatar ?? '', type: host.type, extra: '' },
    thread: {
      uid: threadUid,
      topic,
      type: kind.type,
      state: 'CHATTING',
      channel: '',
      extra: '',
      user: { ...visitorJson, extra: '' },
    },
  };
  // Published on the thread (stored, except CONTINUE) as the server sends it, and answered.
  const routed = state.route(message);
  const sent = routed.ok ? routed.message : message;
  return ok({
    uid: sent.uid,
    type: sent.type,
    content: sent.content,
    status: sent.status,
    createdAt: sent.createdAt,
    client: sent.channel,
    extra: sent.extra,
    user: { uid: host.uid, nickname: host.nickname, avatar: host.avatar ?? '', type: host.type },
    thread: { uid: threadUid, topic, type: kind.type, status: 'CHATTING', user: visitorJson },
  });
}

/** Who serves a thread of a type: the agent, the workgroup's first agent, or the robot; undefined when unknown. */
function hostOf(state: MockServerState, type: string, sid: string): MockUser | undefined {
  if (type === 'WORKGROUP') {
    const agent = state.workgroup(sid)?.agents[0];
    return agent === undefined ? undefined : state.user(agent);
  }
  const user = state.user(sid);
  return user?.type === type ? user : undefined;
}

function newVisitor(state: MockServerState, orgUid: string, nickname: string, avatar: string): MockUser {
  const uid = `${state.now()}${String(Math.floor(state.random() * 1e6)).padStart(6, '0')}`;
  return {
    uid,
    username: uid,
    // Visitors never log in: a password no one knows.
    password: randomUUID(),
    nickname: nickname || `访客${uid.slice(-4)}`,
    avatar,
    type: 'VISITOR',
    ...(orgUid ? { orgUid } : {}),
  };
}

/** The request's fields: the JSON body, or the query parameters of a GET (older clients). */
function visitorFields(request: RestRequest): Record<string, unknown> | undefined {
  if (request.method.toUpperCase() === 'GET') return Object.fromEntries(request.url.searchParams);
  return parseBody(request.bodyText);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}
