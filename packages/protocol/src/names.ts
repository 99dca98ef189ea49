/**
 * The names that travel in the string fields of the wire (SPEC §4). Each list is `as const`;
 * each type still accepts any string, because newer servers add names and we keep them.
 */

/** A string that is not one of the listed names, kept as it came. */
type OtherName = string & Record<never, never>;

/** Message types that carry conversation content. */
export const BASIC_MESSAGE_TYPES = [
  'WELCOME',
  'CONTINUE',
  'SYSTEM',
  'NOTICE',
  'TEXT',
  'IMAGE',
  'FILE',
  'DOCUMENT',
  'AUDIO',
  'VOICE',
  'VIDEO',
  'MUSIC',
  'LOCATION',
  'LINK',
  'CARD',
  'EVENT',
  'EXTRA',
  'GUESS',
  'HOT',
  'SHORTCUT',
  'URL',
  'GOODS',
  'ORDER',
  'PHONE_NUMBER',
  'EMAILL_ADDRESS',
  'WECHAT_NUMBER',
  'FORWARD',
  'STICKER',
  'EMAIL',
  'BUTTON',
] as const;

/** Message types that signal something about other messages or the conversation. */
export const SIGNAL_MESSAGE_TYPES = [
  'TYPING',
  'PREVIEW',
  'PROCESSING',
  'REACTION',
  'PLAYBACK',
  'RECALL',
  'DELIVERED',
  'READ',
  'QUOTATION',
  'KICKOFF',
  'SHAKE',
] as const;

/** Every message type of SPEC §4. */
export const MESSAGE_TYPES = [
  ...BASIC_MESSAGE_TYPES,
  ...SIGNAL_MESSAGE_TYPES,
  'QUEUE',
  'QUEUE_NOTICE',
  'QUEUE_UPDATE',
  'QUEUE_ACCEPT',
  'QUEUE_TIMEOUT',
  'QUEUE_CANCEL',
  'RATE_INVITE',
  'RATE',
  'RATE_SUBMIT',
  'RATE_CANCEL',
  'AUTO_CLOSED',
  'AGENT_CLOSED',
  'VISITOR_CLOSED',
  'TRANSFER',
  'TRANSFER_ACCEPT',
  'TRANSFER_REJECT',
  'TRANSFER_TIMEOUT',
  'TRANSFER_CANCEL',
  'ROBOT',
  'ROBOT_STREAM',
  'ROBOT_STREAM_START',
  'ROBOT_STREAM_END',
  'ROBOT_STREAM_CANCEL',
  'ROBOT_STREAM_ERROR',
  'FORM',
  'FORM_SUBMIT',
  'LEAVE_MSG',
  'LEAVE_MSG_SUBMIT',
  'ERROR',
] as const;
/** A known message type name. */
export type KnownMessageType = (typeof MESSAGE_TYPES)[number];
/** A message type name: a known one or any newer one. */
export type MessageType = KnownMessageType | OtherName;

/** Message statuses the server uses; FAILED is the client's own (see core). */
export const MESSAGE_STATUSES = [
  'SENDING',
  'TIMEOUT',
  'BLOCKED',
  'STRANGER',
  'ERROR',
  'SUCCESS',
  'RECALL',
  'DELIVERED',
  'READ',
  'DESTROYED',
  'UNPROCESSED',
  'PROCESSED',
] as const;
/** A message status the server is known to use. */
export type KnownMessageStatus = (typeof MESSAGE_STATUSES)[number];
/** A message status: a known one or any newer one. */
export type MessageStatus = KnownMessageStatus | OtherName;

/** Thread (conversation) types: one agent, a workgroup, a robot, a group chat, … */
export const THREAD_TYPES = [
  'AGENT',
  'WORKGROUP',
  'ROBOT',
  'MEMBER',
  'GROUP',
  'FEEDBACK',
  'ASSISTANT',
  'CHANNEL',
  'LOCAL',
  'FRIEND',
  'TICKET_INTERNAL',
  'KBASE',
  'KBDOC',
  'LLM',
  'UNIFIED',
  'HISTORY',
  'WORKFLOW',
  'QUEUE',
  'CALLCENTER',
  'TICKET_EXTERNAL',
] as const;
/** A known thread type. */
export type KnownThreadType = (typeof THREAD_TYPES)[number];
/** A thread type: a known one or any newer one. */
export type ThreadType = KnownThreadType | OtherName;

/** Where a customer-service conversation stands, from NEW to CLOSED. */
export const THREAD_STATES = ['NEW', 'ROBOTING', 'OFFLINE', 'QUEUING', 'CHATTING', 'TIMEOUT', 'CLOSED'] as const;
/** A known thread state. */
export type KnownThreadState = (typeof THREAD_STATES)[number];
/** A thread state: a known one or any newer one. */
export type ThreadState = KnownThreadState | OtherName;

/** The roles a participant can have: agent, visitor, robot, system, … */
export const USER_TYPES = [
  'AGENT',
  'SYSTEM',
  'VISITOR',
  'ROBOT',
  'MEMBER',
  'ASSISTANT',
  'CHANNEL',
  'USER',
  'MONITOR',
  'WORKGROUP',
] as const;
/** A known user type. */
export type KnownUserType = (typeof USER_TYPES)[number];
/** A user type: a known one or any newer one. */
export type UserType = KnownUserType | OtherName;

/** The clients a message can come from (web, apps, mini-programs, …), sent in `channel`. */
export const CHANNELS = [
  'WEB',
  'WEB_PC',
  'WEB_H5',
  'WEB_VISITOR',
  'WEB_FLOAT',
  'WEB_ADMIN',
  'IOS',
  'ANDROID',
  'ELECTRON',
  'FLUTTER',
  'UNIAPP',
  'WECHAT',
  'SYSTEM',
  'TEST',
] as const;
/** A known channel. */
export type KnownChannel = (typeof CHANNELS)[number];
/** A channel: a known one or any newer one. */
export type Channel = KnownChannel | OtherName;

// Each guard is made by a call, so each is marked pure: a bundler keeps only the lists of the guards an app calls.
function isIn<T extends string>(list: readonly T[]): (name: string) => name is T {
  const set: ReadonlySet<string> = new Set(list);
  return (name: string): name is T => set.has(name);
}

/** Whether a message type name is one this SDK version knows. */
export const isKnownMessageType = /* @__PURE__ */ isIn(MESSAGE_TYPES);
/** Whether a type is a signal (typing, receipts, recall, …) rather than content. */
export const isSignalMessageType = /* @__PURE__ */ isIn(SIGNAL_MESSAGE_TYPES);
/** Whether a message status is one this SDK version knows. */
export const isKnownMessageStatus = /* @__PURE__ */ isIn(MESSAGE_STATUSES);
/** Whether a thread type is one this SDK version knows. */
export const isKnownThreadType = /* @__PURE__ */ isIn(THREAD_TYPES);
/** Whether a thread state is one this SDK version knows. */
export const isKnownThreadState = /* @__PURE__ */ isIn(THREAD_STATES);
/** Whether a user type is one this SDK version knows. */
export const isKnownUserType = /* @__PURE__ */ isIn(USER_TYPES);
/** Whether a channel is one this SDK version knows. */
export const isKnownChannel = /* @__PURE__ */ isIn(CHANNELS);
