import type { Message } from './gen/weiyu/v1/message_pb.js';
import type { Thread } from './gen/weiyu/v1/thread_pb.js';
import type { User } from './gen/weiyu/v1/user_pb.js';
import type { Channel, MessageStatus, MessageType, ThreadState, ThreadType, UserType } from './names.js';

/** The fields of a generated protobuf-es message: not `$typeName` or `$unknown`, which never travel. */
type FieldName<Generated> = Exclude<keyof Generated, `$${string}`>;

/**
 * A generated message as plain read-only data: its fields, each as generated unless `Narrowed`
 * gives it a closer type (a name union, a nested wire type). The fields come from the generated
 * code, so a field added to the .proto shows up here by itself and one renamed or retyped there
 * fails to compile here: the two cannot drift.
 */
type WireShape<
  Generated,
  Narrowed extends {
    readonly [K in keyof Narrowed]: K extends FieldName<Generated>
      ? Generated[K] extends string
        ? string
        : unknown
      : never;
  },
> = {
  readonly [K in keyof Generated as K extends FieldName<Generated> ? K : never]: K extends keyof Narrowed
    ? Narrowed[K]
    : Generated[K];
};

/** A participant as it travels (`weiyu.v1.User`). Every field is a string; absent means `''`. */
export type WireUser = WireShape<
  User,
  {
    /** A {@link UserType} name (AGENT, VISITOR, …). */
    type: UserType;
  }
>;

/** A conversation as it travels (`weiyu.v1.Thread`). */
export type WireThread = WireShape<
  Thread,
  {
    /** A {@link ThreadType} name (AGENT, WORKGROUP, …). */
    type: ThreadType;
    /** A {@link ThreadState} name (NEW, CHATTING, CLOSED, …). */
    state: ThreadState;
    /** A {@link Channel} name: the client the thread was started from. */
    channel: Channel;
    /** The other side of the conversation, as the server sets it. */
    user: WireUser;
  }
>;

/** One message or signal as it travels (`weiyu.v1.Message`), on MQTT (protobuf) and over REST (JSON). */
export type WireMessage = WireShape<
  Message,
  {
    /** A {@link MessageType} name (TEXT, IMAGE, TYPING, …). */
    type: MessageType;
    /** A {@link MessageStatus} name (SENDING, SUCCESS, READ, …). */
    status: MessageStatus;
    /** A {@link Channel} name: the client it was sent from. */
    channel: Channel;
    /** The conversation it belongs to. */
    thread: WireThread;
    /** The sender. */
    user: WireUser;
  }
>;

/** What {@link encodeMessage} takes: any subset of the fields. */
export type WireMessageInit = Partial<Omit<WireMessage, 'thread' | 'user'>> & {
  /** The conversation, any subset of its fields. */
  thread?: Partial<Omit<WireThread, 'user'>> & {
    /** The other side of the conversation, any subset of its fields. */
    user?: Partial<WireUser>;
  };
  /** The sender, any subset of its fields. */
  user?: Partial<WireUser>;
};

/** Fills every absent field with its wire default (`''`), as decoding would. */
export function normalizeMessage(init: WireMessageInit): WireMessage {
  return {
    uid: init.uid ?? '',
    type: init.type ?? '',
    content: init.content ?? '',
    status: init.status ?? '',
    createdAt: init.createdAt ?? '',
    channel: init.channel ?? '',
    extra: init.extra ?? '',
    ...(init.thread ? { thread: normalizeThread(init.thread) } : {}),
    ...(init.user ? { user: normalizeUser(init.user) } : {}),
  };
}

function normalizeThread(init: NonNullable<WireMessageInit['thread']>): WireThread {
  return {
    uid: init.uid ?? '',
    topic: init.topic ?? '',
    type: init.type ?? '',
    state: init.state ?? '',
    channel: init.channel ?? '',
    extra: init.extra ?? '',
    ...(init.user ? { user: normalizeUser(init.user) } : {}),
  };
}

function normalizeUser(init: Partial<WireUser>): WireUser {
  return {
    uid: init.uid ?? '',
    nickname: init.nickname ?? '',
    avatar: init.avatar ?? '',
    type: init.type ?? '',
    extra: init.extra ?? '',
  };
}
