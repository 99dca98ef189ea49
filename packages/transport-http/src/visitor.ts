/**
 * The visitor bootstrap endpoints, which take no login: `POST /visitor/api/v1/init` (the
 * visitor, created or found by `visitorUid` and org) and `POST /visitor/api/v1/thread` (the
 * conversation with a workgroup, an agent or a robot: the server answers with a message that
 * carries the thread). Bodies as the server's `VisitorRequest` binds them.
 */
import {
  type RestCallOptions,
  SdkError,
  type VisitorInitRequest,
  type VisitorProfile,
  type VisitorThreadRequest,
} from '@weiyu/core';
import { fromRestJson, type WireMessage } from '@weiyu/protocol';
import { type RequestContext, requestEnvelope } from './request.js';

const INIT_PATH = '/visitor/api/v1/init';
const THREAD_PATH = '/visitor/api/v1/thread';

/** The server's thread type numbers (`ThreadTypeEnum`): its `type` field is the number as a string. */
const THREAD_TYPE = { AGENT: '0', WORKGROUP: '1', ROBOT: '2' } as const;

/** `POST /visitor/api/v1/init` → the visitor, `data.uid` required. */
export async function initVisitor(
  context: RequestContext,
  request: VisitorInitRequest,
  options: RestCallOptions,
): Promise<VisitorProfile> {
  const { extra, ...fields } = request;
  const data = await requestEnvelope(context, {
    method: 'POST',
    path: INIT_PATH,
    // Older servers read `client`, current ones `channel`.
    body: { ...extra, ...fields, client: request.channel },
    signal: options.signal,
  });
  const record = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  if (typeof record.uid !== 'string' || record.uid === '') {
    throw new SdkError('protocol', `POST ${INIT_PATH} answered without a visitor (data.uid)`);
  }
  const profile: { -readonly [K in keyof VisitorProfile]: VisitorProfile[K] } = { uid: record.uid };
  for (const key of ['visitorUid', 'nickname', 'avatar', 'accessToken'] as const) {
    const value = record[key];
    if (typeof value === 'string' && value !== '') profile[key] = value;
  }
  return profile;
}

/** `POST /visitor/api/v1/thread` → the message the server answers with; it must carry a thread topic. */
export async function requestThread(
  context: RequestContext,
  request: VisitorThreadRequest,
  options: RestCallOptions,
): Promise<WireMessage> {
  const { kind, ...fields } = request;
  const data = await requestEnvelope(context, {
    method: 'POST',
    path: THREAD_PATH,
    body: { ...fields, type: THREAD_TYPE[kind], forceAgent: request.forceAgent === true, client: request.channel },
    signal: options.signal,
  });
  const message = fromRestJson(data);
  if (!message.ok || !message.value.thread?.topic) {
    throw new SdkError(
      'protocol',
      `POST ${THREAD_PATH} answered without a message carrying a thread (data.thread.topic)`,
    );
  }
  return message.value;
}
