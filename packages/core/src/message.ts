/**
 * The local message model: what the app sees ({@link LocalMessage}), built from the wire and
 * turned back into it. Never throws on what the network sends.
 */
import {
  type Channel,
  formatServerTime,
  isKnownMessageType,
  type MessageType,
  parseCreatedAt,
  type SdkError,
  threadUserUid,
  type WireMessage,
  type WireThread,
  type WireUser,
} from '@weiyu/protocol';
import type { ChatThread, ChatUser, LocalMessage, LocalStatus, ParsedContent, RobotStream } from './api.js';
import { parseContent } from './content/index.js';
import { parseObject } from './json-object.js';
import { streamOf } from './receive/robot-stream.js';

/** Reads `extra` (a JSON string) into an object; `{}` when absent or not a JSON object. */
function parseExtra(extra: string): Readonly<Record<string, unknown>> {
  // Servers and old clients put all sorts of things here.
  return (extra.length > 0 && parseObject(extra)) || {};
}

/** A user as the app sees it, from the wire (empty fields left out). */
export function userFromWire(user: WireUser | undefined): ChatUser {
  if (!user) return { uid: '' };
  const out: { uid: string; nickname?: string; avatar?: string; type?: string } = { uid: user.uid };
  if (user.nickname) out.nickname = user.nickname;
  if (user.avatar) out.avatar = user.avatar;
  if (user.type) out.type = user.type;
  return out;
}

/** A thread as the app sees it, from the wire. `fallbackTopic` is where it arrived. */
export function threadFromWire(thread: WireThread | undefined, fallbackTopic = ''): ChatThread {
  return threadAt(thread, thread?.topic || fallbackTopic);
}

/** A thread from the wire kept on `topic` (where the client has it), whatever topic it names. */
export function threadAt(thread: WireThread | undefined, topic: string): ChatThread {
  if (!thread) return { uid: '', topic, type: '' };
  const out: { uid: string; topic: string; type: string; state?: string; user?: ChatUser } = {
    uid: thread.uid,
    topic,
    type: thread.type,
  };
  if (thread.state) out.state = thread.state;
  if (thread.user) out.user = userFromWire(thread.user);
  return out;
}

/** What {@link messageFromWire} needs besides the message. */
export interface FromWireContext {
  /** The uid of this client's user: decides `mine`. */
  readonly selfUid: string;
  /** Used when `createdAt` is missing or unreadable (epoch ms). */
  readonly now: number;
  /** The topic the message arrived on, used when it carries no thread. */
  readonly topic?: string;
  /** Its thread, already made from the wire (else made here). */
  readonly thread?: ChatThread;
  /** Its sender, already made from the wire (else made here). */
  readonly user?: ChatUser;
}

/** Turns a wire message into the app's {@link LocalMessage}. Never throws. */
export function messageFromWire(wire: WireMessage, context: FromWireContext): LocalMessage {
  const time = parseCreatedAt(wire.createdAt);
  const user = context.user ?? userFromWire(wire.user);
  const message: { -readonly [K in keyof LocalMessage]: LocalMessage[K] } = {
    uid: wire.uid,
    type: wire.type,
    content: wire.content,
    parsed: safeParse(wire.type, wire.content),
    status: wire.status || 'SUCCESS',
    createdAt: time.ok ? time.value : context.now,
    channel: wire.channel,
    user,
    thread: context.thread ?? threadFromWire(wire.thread, context.topic),
    extra: parseExtra(wire.extra),
    mine: user.uid.length > 0 && user.uid === context.selfUid,
    unknownType: !isKnownMessageType(wire.type),
  };
  const stream = streamOf(wire.type, wire.content);
  if (stream) message.stream = stream;
  return message;
}

/** Parses content; the content parser never throws, but a bug there must not stop receiving. */
function safeParse(type: MessageType, content: string): ParsedContent {
  try {
    return parseContent(type, content);
  } catch {
    return { kind: 'raw', raw: content };
  }
}

/** What {@link createOutgoingMessage} takes. */
export interface OutgoingInit {
  readonly uid: string;
  readonly type: MessageType;
  readonly content: string;
  readonly user: ChatUser;
  readonly thread: ChatThread;
  readonly channel: Channel;
  readonly orgUid?: string;
  /** Local epoch ms. */
  readonly now: number;
}

/** A new message of this user, as `send` creates it: status SENDING. */
export function createOutgoingMessage(init: OutgoingInit): LocalMessage {
  return {
    uid: init.uid,
    type: init.type,
    content: init.content,
    parsed: safeParse(init.type, init.content),
    status: 'SENDING',
    createdAt: init.now,
    channel: init.channel,
    user: init.user,
    thread: init.thread,
    extra: init.orgUid ? { orgUid: init.orgUid } : {},
    mine: true,
    unknownType: !isKnownMessageType(init.type),
  };
}

/**
 * The wire form of a message of this user, as the server and the official clients expect it:
 * status SENDING (what the server wants to see), createdAt in the server's form
 * (`yyyy-MM-dd HH:mm:ss`, Asia/Shanghai), extra `{orgUid}` as JSON, and always a `thread.user`:
 * the app's, or the one the topic names (see {@link threadUserOnWire}).
 */
export function messageToWire(message: LocalMessage): WireMessage {
  return {
    uid: message.uid,
    type: message.type,
    content: message.content,
    status: 'SENDING',
    // The server parses createdAt into a date before it stamps its own; a failed parse drops the message.
    createdAt: formatServerTime(message.createdAt),
    channel: message.channel,
    extra: JSON.stringify(message.extra),
    user: userToWire(message.user),
    thread: {
      uid: message.thread.uid,
      topic: message.thread.topic,
      type: message.thread.type,
      state: message.thread.state ?? '',
      channel: '',
      extra: '',
      user: threadUserOnWire(message),
    },
  };
}

/**
 * `thread.user` of an outgoing message. The official desktop client reads `thread.user.uid`
 * without a check, so it is never left out: the app's thread user when it gave one, else the uid
 * the topic names (the visitor on a visitor's thread, the other member, the group), with this
 * user's nickname and avatar when that uid is this user's own. A topic that names nobody gets
 * a user with an empty uid, which that client still reads.
 */
function threadUserOnWire(message: LocalMessage): WireUser {
  if (message.thread.user) return userToWire(message.thread.user);
  const uid = threadUserUid(message.thread.topic, message.user.uid);
  return uid !== '' && uid === message.user.uid ? userToWire(message.user) : userToWire({ uid });
}

function userToWire(user: ChatUser): WireUser {
  return {
    uid: user.uid,
    nickname: user.nickname ?? '',
    avatar: user.avatar ?? '',
    type: user.type ?? '',
    extra: '',
  };
}

/** What {@link withStatus} may change besides the status. */
export interface StatusUpdate {
  readonly createdAt?: number;
  readonly error?: SdkError;
  readonly content?: string;
  readonly retryAt?: number;
  readonly stream?: RobotStream;
}

/**
 * A copy of a message with a new status (and, optionally, the server's time, an error or when it
 * is retried). The error and `retryAt` it had are not kept: give them again to keep them.
 */
export function withStatus(message: LocalMessage, status: LocalStatus, changes: StatusUpdate = {}): LocalMessage {
  // One copy (the previous error and retry time left out), then filled in: this runs a few times per message sent.
  const next = copyFor(message, changes);
  next.status = status;
  if (changes.error) next.error = changes.error;
  if (changes.retryAt !== undefined) next.retryAt = changes.retryAt;
  if (changes.createdAt !== undefined) next.createdAt = changes.createdAt;
  if (changes.content !== undefined) {
    next.content = changes.content;
    // A stream's text is its answer (below): parsing its content again would cost the answer so far, each piece.
    if (!changes.stream) next.parsed = safeParse(next.type, changes.content);
  }
  if (changes.stream) {
    next.stream = changes.stream;
    // Whatever piece it was first shown with, it reads as the answer so far.
    next.parsed = { kind: 'text', text: changes.stream.answer };
  }
  return next;
}

/**
 * A copy of a message without its error and retry time, for {@link withStatus}. A spread is V8's
 * fast clone, but in optimized code a key added to its copy gives that copy a hidden class of its
 * own (every later read of it megamorphic): only when no key is dropped or added.
 */
function copyFor(
  message: LocalMessage,
  changes: StatusUpdate,
): { -readonly [K in keyof LocalMessage]: LocalMessage[K] } {
  const adds = changes.error || changes.retryAt !== undefined || (changes.stream && !('stream' in message));
  if (!adds && !('error' in message) && !('retryAt' in message)) return { ...message };
  const { error: _previous, retryAt: _retryAt, ...rest } = message;
  return rest;
}
