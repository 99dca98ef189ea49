/**
 * The rules of the Bytedesk server (SPEC §2), for servers that stand in for it in tests and
 * development: the mock broker and core's in-memory network both run on these. Pure: no I/O,
 * time passed in. Not needed by apps.
 */

/** The chunk rule itself is the wire's (`@weiyu/protocol`), shared with clients; kept here for servers. */
export { appendRobotStream } from '../robot-stream.js';
export { mayUseTopic, type ServerDirectory, type UserProfile } from './access.js';
export { type Admission, admit } from './admission.js';
export { type KickoffInit, kickoffMessage } from './kickoff.js';
export { LoginGuard, type LoginGuardOptions, type LoginRefusal } from './login-guard.js';
export { type MessageKind, messageKind, NEVER_STORED_TYPES } from './message-kinds.js';
export { type HistoryPageOf, MessageStore, type StoredRecord } from './message-store.js';
export {
  DEFAULT_HISTORY_LAG_MS,
  DEFAULT_HISTORY_PAGE_SIZE,
  type EchoTiming,
  type HistoryOrder,
  type RecallEffect,
  type ResolvedServerRulesOptions,
  resolveServerRulesOptions,
  type ServerMode,
  type ServerRulesOptions,
  type TimeFormat,
} from './options.js';
export {
  type MessageResponseJson,
  type ServerThreadJson,
  type ServerUserJson,
  toMessageResponse,
} from './server-json.js';
export {
  type Acceptance,
  type AcceptContext,
  type Echo,
  type PageRefusal,
  ServerRules,
  type ServerRulesInit,
  type SubscribeDecision,
} from './server-rules.js';
export {
  cloneWireMessage,
  freezeWireMessage,
  isFrozenWireMessage,
  serverTime,
  stamp,
  throughServerDtos,
} from './stamp.js';
export {
  classifyFilter,
  clientIdUser,
  type FilterKind,
  filterMatches,
  reversedMemberTopic,
  sessionPresentFlag,
} from './subscriptions.js';
export { ThreadBook, type ThreadBookOptions, type ThreadRow, type ThreadSeed } from './thread-book.js';
export type { ThreadContentJson, ThreadResponseJson } from './thread-json.js';
export { countsAsUnread } from './unread.js';
