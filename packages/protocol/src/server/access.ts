import { parseTopic } from '../topics.js';

/**
 * What access rules need to know of the server's users and threads; every member is optional
 * (a server without a directory knows only what topics name).
 */
export interface ServerDirectory {
  /** Whether a user exists; absent: every user does. */
  readonly hasUser?: (uid: string) => boolean;
  /** A user's organisation. */
  readonly orgOf?: (uid: string) => string | undefined;
  /** The users taking part in the thread of a topic, besides those its topic names. */
  readonly participantsOf?: (topic: string) => readonly string[] | undefined;
  /** A workgroup's agents. */
  readonly agentsOf?: (workgroupUid: string) => readonly string[] | undefined;
  /** How a user is shown (thread lists name the other side). */
  readonly profileOf?: (uid: string) => UserProfile | undefined;
}

/** How a user is shown: what the thread list tells of the other side. */
export interface UserProfile {
  /** Display name. */
  readonly nickname: string;
  /** Avatar image URL; `''` when none. */
  readonly avatar: string;
  /** A user type name (AGENT, VISITOR, …). */
  readonly type: string;
}

/**
 * Whether a user may subscribe and publish to an exact topic in `strict` mode (the real server
 * has no such rule): their own `user/` and `system/` topics, their org's `org/` topic, and the
 * threads they take part in (participants, the uids the topic names, a workgroup's agents).
 */
export function mayUseTopic(userUid: string, topic: string, directory: ServerDirectory = {}): boolean {
  if (directory.hasUser && !directory.hasUser(userUid)) return false;
  const parsed = parseTopic(topic);
  if (!parsed.ok) return false;
  const t = parsed.value;
  switch (t.kind) {
    case 'user':
    case 'system':
      return t.uid === userUid;
    case 'org':
      return directory.orgOf?.(userUid) === t.orgUid;
    default:
      break;
  }
  if (directory.participantsOf?.(topic)?.includes(userUid)) return true;
  switch (t.kind) {
    case 'agent':
      return t.agentUid === userUid || t.visitorUid === userUid;
    case 'workgroup':
      return t.visitorUid === userUid || (directory.agentsOf?.(t.workgroupUid)?.includes(userUid) ?? false);
    case 'robot':
      return t.robotUid === userUid || t.visitorUid === userUid;
    case 'member':
      return t.selfUid === userUid || t.otherUid === userUid;
    case 'group':
      return false;
  }
}
