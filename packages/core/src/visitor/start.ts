/**
 * A visitor widget's start: from an organisation and a workgroup, agent or robot id, without a
 * login and without knowing a topic. Init makes (or finds) the visitor, the thread request opens
 * (or continues) their conversation; what the server answers is checked before the app builds a
 * client on it, since anyone may answer anything.
 */
import { type Channel, SdkError, validateTopic } from '@weiyu/protocol';
import type { ChatAuth, ChatThread, ChatUser, LocalMessage } from '../api.js';
import { systemClock } from '../clock.js';
import type { AbortSignalLike, Clock, VisitorTransport } from '../interfaces.js';
import { messageFromWire, threadFromWire } from '../message.js';

/** Options of {@link startVisitor}. Exactly one of `workgroupUid`, `agentUid`, `robotUid`. */
export interface StartVisitorOptions {
  /** The organisation (the widget's `org`). */
  readonly orgUid: string;
  /** A workgroup serves the visitor (its robot first, when it has one and `forceAgent` is not set). */
  readonly workgroupUid?: string;
  /** One agent serves the visitor. */
  readonly agentUid?: string;
  /** A robot serves the visitor. */
  readonly robotUid?: string;
  /** The app's own id for this visitor, to find them again on the next visit (keep it, e.g. in localStorage). */
  readonly visitorUid?: string;
  /** Display name (the server makes one up when absent). */
  readonly nickname?: string;
  /** Avatar image URL. */
  readonly avatar?: string;
  /** The channel (default `WEB`); give the client the same. */
  readonly channel?: Channel;
  /** Straight to a person, past a workgroup's robot. */
  readonly forceAgent?: boolean;
  /** More of the server's visitor fields for init (mobile, email, note, lang, extra, …). */
  readonly profile?: Readonly<Record<string, unknown>>;
  /** Aborts both calls (the promise rejects with `closed`). */
  readonly signal?: AbortSignalLike;
  /** The time the welcome message falls back to when the server's is unreadable (default: the system clock). */
  readonly clock?: Pick<Clock, 'now'>;
}

/** What a visitor's start gives: who they are, their thread, and what to connect with. */
export interface VisitorSession {
  /** The visitor as the server keeps them: the `user` for `createChatClient`. */
  readonly user: ChatUser;
  /** The app's own id for them, as the server has it (keep it for the next visit). */
  readonly visitorUid?: string;
  /** The organisation: the `orgUid` for `createChatClient`. */
  readonly orgUid: string;
  /** Their conversation: subscribe to `thread.topic` and send on it. */
  readonly thread: ChatThread;
  /**
   * The server's answer to the thread request (WELCOME, CONTINUE, QUEUE, an offline notice, …).
   * The server publishes it on the thread too, and catch-up brings it with the same uid: key
   * what you show by uid.
   */
  readonly welcome: LocalMessage;
  /**
   * The `auth` for `createChatClient`. The real server issues visitors no token and takes any
   * CONNECT password (SPEC §2), while the client connects only with a non-empty token (an empty
   * one means anonymous, REST only): so this is the server's token when it gives one, else a
   * stand-in (`visitor:{uid}`). A client created with `visitor: true` never sends it over REST.
   */
  readonly auth: ChatAuth;
}

/**
 * Starts a visitor: `initVisitor`, then `requestThread` for the workgroup, agent or robot.
 * Rejects with `invalid_argument` for unusable options, `protocol` when the server answers a
 * visitor uid that cannot be one (empty, with `/`, `+` or `#`) or a thread that is not this
 * visitor's with the one asked for (its topic must name both), and as each REST call rejects.
 *
 * ```ts
 * const session = await startVisitor(rest, { orgUid: 'org_demo', workgroupUid: 'workgroup_demo' });
 * const client = createChatClient({ user: session.user, orgUid: session.orgUid, auth: session.auth, visitor: true, realtime, rest });
 * await client.connect();
 * await client.subscribe([session.thread.topic]);
 * client.send(session.thread, { type: 'TEXT', text: 'Hello' });
 * ```
 */
export async function startVisitor(rest: VisitorTransport, options: StartVisitorOptions): Promise<VisitorSession> {
  const { kind, sid } = servedBy(options);
  const channel = options.channel ?? 'WEB';
  const call = options.signal ? { signal: options.signal, visitor: true } : { visitor: true };
  const profile = await rest.initVisitor(
    {
      orgUid: options.orgUid,
      channel,
      ...pick(options, ['visitorUid', 'nickname', 'avatar'] as const),
      ...(options.profile ? { extra: options.profile } : {}),
    },
    call,
  );
  const uid = profile.uid;
  if (typeof uid !== 'string' || !isUid(uid)) {
    throw new SdkError('protocol', 'visitor init answered a uid that cannot be one (empty, or with / + #)');
  }
  const user: ChatUser = { uid, type: 'VISITOR', ...pick(profile, ['nickname', 'avatar'] as const) };
  const answer = await rest.requestThread(
    {
      uid,
      orgUid: options.orgUid,
      kind,
      sid,
      channel,
      ...(options.forceAgent ? { forceAgent: true } : {}),
      ...pick(user, ['nickname', 'avatar'] as const),
    },
    call,
  );
  const topic = answer.thread?.topic ?? '';
  const segments = topic.split('/');
  if (!validateTopic(topic).ok || !segments.includes(uid) || !segments.includes(sid)) {
    throw new SdkError('protocol', `the thread request answered a thread that is not this visitor's with ${sid}`, {
      details: { topic },
    });
  }
  const thread = threadFromWire(answer.thread, topic);
  const now = (options.clock ?? systemClock).now();
  return {
    user,
    ...(profile.visitorUid ? { visitorUid: profile.visitorUid } : {}),
    orgUid: options.orgUid,
    thread,
    welcome: { ...messageFromWire(answer, { selfUid: uid, now, topic }), thread },
    auth: { username: uid, accessToken: profile.accessToken || `visitor:${uid}` },
  };
}

/** Which of workgroup, agent, robot serves the visitor: exactly one, a usable uid. */
function servedBy(options: StartVisitorOptions): {
  readonly kind: 'WORKGROUP' | 'AGENT' | 'ROBOT';
  readonly sid: string;
} {
  if (typeof options.orgUid !== 'string' || !isUid(options.orgUid)) {
    throw new SdkError('invalid_argument', 'startVisitor needs an orgUid');
  }
  const given = (
    [
      ['WORKGROUP', options.workgroupUid],
      ['AGENT', options.agentUid],
      ['ROBOT', options.robotUid],
    ] as const
  ).filter(([, sid]) => sid !== undefined);
  const [first] = given;
  if (given.length !== 1 || !first || typeof first[1] !== 'string' || !isUid(first[1])) {
    throw new SdkError('invalid_argument', 'startVisitor needs exactly one of workgroupUid, agentUid, robotUid');
  }
  return { kind: first[0], sid: first[1] };
}

/** A uid that can stand in a topic segment. */
function isUid(value: string): boolean {
  return value.length > 0 && value.length <= 256 && !/[/+#\s]/.test(value);
}

/** The string fields of `from` that are set and not empty. */
function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = from[key];
    if (typeof value === 'string' && value !== '') out[key] = value;
  }
  return out;
}
