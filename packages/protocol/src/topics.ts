import { err, ok, type Result, SdkError } from './error.js';
import { MAX_TOPIC_LENGTH } from './limits.js';

/** A topic of SPEC §2, taken apart. */
export type ParsedTopic =
  | {
      /** `user/{uid}`: a user's own topic. */
      readonly kind: 'user';
      /** The user. */
      readonly uid: string;
    }
  | {
      /** `system/{uid}`: a user's system notices. */
      readonly kind: 'system';
      /** The user. */
      readonly uid: string;
    }
  | {
      /** `org/{orgUid}`: organisation-wide notices. */
      readonly kind: 'org';
      /** The organisation. */
      readonly orgUid: string;
    }
  | {
      /** `org/agent/{agentUid}/{visitorUid}`: a visitor with one agent. */
      readonly kind: 'agent';
      /** The agent. */
      readonly agentUid: string;
      /** The visitor. */
      readonly visitorUid: string;
    }
  | {
      /** `org/workgroup/{workgroupUid}/{visitorUid}`: a visitor with a workgroup. */
      readonly kind: 'workgroup';
      /** The workgroup. */
      readonly workgroupUid: string;
      /** The visitor. */
      readonly visitorUid: string;
    }
  | {
      /** `org/robot/{robotUid}/{visitorUid}`: a visitor with a robot. */
      readonly kind: 'robot';
      /** The robot. */
      readonly robotUid: string;
      /** The visitor. */
      readonly visitorUid: string;
    }
  | {
      /** `org/member/{selfUid}/{otherUid}`: two members of an organisation. */
      readonly kind: 'member';
      /** The member whose side of the conversation this topic is. */
      readonly selfUid: string;
      /** The other member. */
      readonly otherUid: string;
    }
  | {
      /** `org/group/{groupUid}`: a group chat. */
      readonly kind: 'group';
      /** The group. */
      readonly groupUid: string;
    };

/** The kinds of topic; the thread kinds are every kind but user, system and org. */
export type TopicKind = ParsedTopic['kind'];

/** Why a segment is refused, or undefined when it is fine. */
function segmentProblem(segment: string): string | undefined {
  if (segment.length === 0) return 'an empty segment';
  if (segment.includes('+') || segment.includes('#')) return 'a wildcard (+ or #)';
  if (segment.includes('/')) return 'a "/" inside a segment';
  if (segment.includes('\u0000')) return 'a NUL character';
  return undefined;
}

function join(segments: readonly string[]): string {
  for (const s of segments) {
    const problem = segmentProblem(s);
    if (problem) throw new SdkError('invalid_topic', `topic segment "${s}" has ${problem}`);
  }
  return segments.join('/');
}

/**
 * Builders for the topics of SPEC §2. Each throws an `invalid_topic` {@link SdkError} for a
 * uid that is empty or holds a wildcard or a slash: such a topic would close the connection
 * on the real server.
 */
export const topics = {
  /** `user/{uid}`: a user's own topic. */
  user: (uid: string): string => join(['user', uid]),
  /** `system/{uid}`: force-logout and other system notices. */
  system: (uid: string): string => join(['system', uid]),
  /** `org/{orgUid}`: organisation-wide notices. */
  org: (orgUid: string): string => join(['org', orgUid]),
  /** `org/agent/{agentUid}/{visitorUid}`: a visitor talking to one agent. */
  agent: (agentUid: string, visitorUid: string): string => join(['org', 'agent', agentUid, visitorUid]),
  /** `org/workgroup/{workgroupUid}/{visitorUid}`: a visitor talking to a workgroup. */
  workgroup: (workgroupUid: string, visitorUid: string): string => join(['org', 'workgroup', workgroupUid, visitorUid]),
  /** `org/robot/{robotUid}/{visitorUid}`: a visitor talking to a robot. */
  robot: (robotUid: string, visitorUid: string): string => join(['org', 'robot', robotUid, visitorUid]),
  /** `org/member/{self}/{other}`: two members of an organisation. */
  member: (selfUid: string, otherUid: string): string => join(['org', 'member', selfUid, otherUid]),
  /** `org/group/{groupUid}`: a group chat. */
  group: (groupUid: string): string => join(['org', 'group', groupUid]),
} as const;

/** Builds the topic string of a parsed topic. */
export function buildTopic(topic: ParsedTopic): string {
  switch (topic.kind) {
    case 'user':
      return topics.user(topic.uid);
    case 'system':
      return topics.system(topic.uid);
    case 'org':
      return topics.org(topic.orgUid);
    case 'agent':
      return topics.agent(topic.agentUid, topic.visitorUid);
    case 'workgroup':
      return topics.workgroup(topic.workgroupUid, topic.visitorUid);
    case 'robot':
      return topics.robot(topic.robotUid, topic.visitorUid);
    case 'member':
      return topics.member(topic.selfUid, topic.otherUid);
    case 'group':
      return topics.group(topic.groupUid);
  }
}

/**
 * Takes a topic apart. Never throws: a wildcard, an empty segment, a leading slash or a
 * shape not in SPEC §2 is an `invalid_topic` error.
 */
export function parseTopic(topic: string): Result<ParsedTopic> {
  if (topic.startsWith('/')) return err('invalid_topic', `topic "${topic}" starts with "/"`);
  const parts = topic.split('/');
  for (const part of parts) {
    const problem = segmentProblem(part);
    if (problem) return err('invalid_topic', `topic "${topic}" has ${problem}`);
  }
  const [a, b, c, d] = parts;
  if (parts.length === 2 && b !== undefined) {
    if (a === 'user') return ok({ kind: 'user', uid: b });
    if (a === 'system') return ok({ kind: 'system', uid: b });
    if (a === 'org') return ok({ kind: 'org', orgUid: b });
  }
  if (a === 'org' && parts.length === 3 && b === 'group' && c !== undefined) {
    return ok({ kind: 'group', groupUid: c });
  }
  if (a === 'org' && parts.length === 4 && c !== undefined && d !== undefined) {
    if (b === 'agent') return ok({ kind: 'agent', agentUid: c, visitorUid: d });
    if (b === 'workgroup') return ok({ kind: 'workgroup', workgroupUid: c, visitorUid: d });
    if (b === 'robot') return ok({ kind: 'robot', robotUid: c, visitorUid: d });
    if (b === 'member') return ok({ kind: 'member', selfUid: c, otherUid: d });
  }
  return err('invalid_topic', `topic "${topic}" is not one of the known shapes`);
}

/**
 * Checks that a string can be subscribed to as an exact topic: no wildcard, no empty
 * segment, no leading slash, at most {@link MAX_TOPIC_LENGTH} characters. Unlike {@link parseTopic}
 * it accepts shapes it does not know.
 */
export function validateTopic(topic: string): Result<string> {
  if (topic.length > MAX_TOPIC_LENGTH) return err('invalid_topic', `topic over ${MAX_TOPIC_LENGTH} characters`);
  if (topic.startsWith('/')) return err('invalid_topic', `topic "${topic}" starts with "/"`);
  for (const part of topic.split('/')) {
    const problem = segmentProblem(part);
    if (problem) return err('invalid_topic', `topic "${topic}" has ${problem}`);
  }
  return ok(topic);
}

/** Whether a parsed topic is a conversation (not a user, system or org topic). */
export function isThreadTopic(topic: ParsedTopic): boolean {
  return topic.kind !== 'user' && topic.kind !== 'system' && topic.kind !== 'org';
}

/** Agents' side channel of a thread: `{thread topic}_internal`. */
const INTERNAL_SUFFIX = '_internal';

/** Visitor threads: `org/{kind}/{uid}/{visitorUid}` (LLM robot topics add `/{random}`). */
const VISITOR_THREAD_KINDS: ReadonlySet<string> = new Set(['agent', 'workgroup', 'robot', 'unified']);

/**
 * The uid that `thread.user` carries on a thread topic, as the server and the official clients
 * fill it: the visitor on a visitor's thread (`org/agent|workgroup|robot|unified/{uid}/{visitorUid}`,
 * LLM robot topics with their extra segment too), whoever sends; the other member on
 * `org/member/{a}/{b}` (the one that is not `selfUid`); the group on `org/group/{groupUid}`. An
 * `_internal` side channel names the same uid as its thread. `''` for a topic that names no such
 * uid (user, system, org, queue, unknown shapes). Never throws.
 */
export function threadUserUid(topic: string, selfUid: string): string {
  const base = topic.endsWith(INTERNAL_SUFFIX) ? topic.slice(0, -INTERNAL_SUFFIX.length) : topic;
  const parts = base.split('/');
  if (parts[0] !== 'org' || parts.some((part) => segmentProblem(part) !== undefined)) return '';
  const [, kind = '', first = '', second = ''] = parts;
  if (kind === 'group' && parts.length === 3) return first;
  if (kind === 'member' && parts.length === 4) return selfUid === second ? first : second;
  if (VISITOR_THREAD_KINDS.has(kind) && (parts.length === 4 || (kind === 'robot' && parts.length === 5))) {
    return second;
  }
  return '';
}
