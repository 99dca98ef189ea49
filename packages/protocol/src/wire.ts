import type { Channel, MessageStatus, MessageType, ThreadState, ThreadType, UserType } from './names.js';

/** A participant as it travels. Every field is a string; absent means `''`. */
export interface WireUser {
  uid: string;
  nickname: string;
  avatar: string;
  type: UserType;
  /** JSON held as a string. */
  extra: string;
}

/** A conversation as it travels. */
export interface WireThread {
  uid: string;
  /** The thread's topic, e.g. `org/agent/{agentUid}/{visitorUid}`. */
  topic: string;
  type: ThreadType;
  state: ThreadState;
  user?: WireUser;
  channel: Channel;
  /** Not reliable: older servers had a different field here. */
  extra: string;
}

/** One message or signal as it travels, on MQTT (protobuf) and over REST (JSON). */
export interface WireMessage {
  uid: string;
  type: MessageType;
  /** Text, or JSON held as a string for media types. */
  content: string;
  status: MessageStatus;
  /** `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai time, or epoch milliseconds, as a string. */
  createdAt: string;
  channel: Channel;
  thread?: WireThread;
  user?: WireUser;
  /** JSON held as a string, e.g. `{"orgUid":"…"}`. */
  extra: string;
}

/** What {@link encodeMessage} takes: any subset of the fields. */
export type WireMessageInit = Partial<Omit<WireMessage, 'thread' | 'user'>> & {
  thread?: Partial<Omit<WireThread, 'user'>> & { user?: Partial<WireUser> };
  user?: Partial<WireUser>;
};

/** Fills every absent field with its wire default (`''`), as decoding would. */
export function normalizeMessage(init: WireMessageInit): WireMessage {
  const message: WireMessage = {
    uid: init.uid ?? '',
    type: init.type ?? '',
    content: init.content ?? '',
    status: init.status ?? '',
    createdAt: init.createdAt ?? '',
    channel: init.channel ?? '',
    extra: init.extra ?? '',
  };
  if (init.thread) message.thread = normalizeThread(init.thread);
  if (init.user) message.user = normalizeUser(init.user);
  return message;
}

function normalizeThread(init: NonNullable<WireMessageInit['thread']>): WireThread {
  const thread: WireThread = {
    uid: init.uid ?? '',
    topic: init.topic ?? '',
    type: init.type ?? '',
    state: init.state ?? '',
    channel: init.channel ?? '',
    extra: init.extra ?? '',
  };
  if (init.user) thread.user = normalizeUser(init.user);
  return thread;
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
