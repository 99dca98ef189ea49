/**
 * The local message model: what the app sees ({@link LocalMessage}), built from the wire and
 * turned back into it. Never throws on what the network sends.
 */
import {
  type Channel,
  isKnownMessageType,
  type MessageType,
  parseCreatedAt,
  type SdkError,
  type WireMessage,
  type WireThread,
  type WireUser,
} from '@weiyu/protocol';
import type { ChatThread, ChatUser, LocalMessage, LocalStatus, ParsedContent } from './api.js';
import { parseContent } from './content/index.js';

/** Reads `extra` (a JSON string) into an object; `{}` when absent or not a JSON object. */
export function parseExtra(extra: string): Readonly<Record<string, unknown>> {
  if (extra.length === 0) return {};
  try {
    const value: unknown = JSON.parse(extra);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Not JSON: servers and old clients put all sorts of things here.
  }
  return {};
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
  if (!thread) return { uid: '', topic: fallbackTopic, type: '' };
  const out: { uid: string; topic: string; type: string; state?: string; user?: ChatUser } = {
    uid: thread.uid,
    topic: thread.topic || fallbackTopic,
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
}

/** Turns a wire message into the app's {@link LocalMessage}. Never throws. */
export function messageFromWire(wire: WireMessage, context: FromWireContext): LocalMessage {
  const time = parseCreatedAt(wire.createdAt);
  const user = userFromWire(wire.user);
  return {
    uid: wire.uid,
    type: wire.type,
    content: wire.content,
    parsed: safeParse(wire.type, wire.content),
    status: wire.status || 'SUCCESS',
    createdAt: time.ok ? time.value : context.now,
    channel: wire.channel,
    user,
    thread: threadFromWire(wire.thread, context.topic),
    extra: parseExtra(wire.extra),
    mine: user.uid.length > 0 && user.uid === context.selfUid,
    unknownType: !isKnownMessageType(wire.type),
  };
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
 * The wire form of a message of this user: status SENDING (what the server wants to see),
 * createdAt the local epoch ms as a string, extra `{orgUid}` as JSON.
 */
export function messageToWire(message: LocalMessage): WireMessage {
  return {
    uid: message.uid,
    type: message.type,
    content: message.content,
    status: 'SENDING',
    createdAt: String(message.createdAt),
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
      ...(message.thread.user ? { user: userToWire(message.thread.user) } : {}),
    },
  };
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

/** A copy of a message with a new status (and, optionally, the server's time or an error). */
export function withStatus(
  message: LocalMessage,
  status: LocalStatus,
  changes: { readonly createdAt?: number; readonly error?: SdkError; readonly content?: string } = {},
): LocalMessage {
  const { error: _previous, ...rest } = message;
  let next: LocalMessage = { ...rest, status };
  if (changes.error) next = { ...next, error: changes.error };
  if (changes.createdAt !== undefined) next = { ...next, createdAt: changes.createdAt };
  if (changes.content !== undefined) {
    next = { ...next, content: changes.content, parsed: safeParse(next.type, changes.content) };
  }
  return next;
}

/** How far along a message is, for receipts: READ is never downgraded to DELIVERED. */
export function statusRank(status: LocalStatus): number {
  switch (status) {
    case 'READ':
      return 4;
    case 'DELIVERED':
      return 3;
    case 'SUCCESS':
      return 2;
    case 'RECALL':
      return 5;
    default:
      return 1;
  }
}
