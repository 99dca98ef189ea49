/**
 * The official Bytedesk desktop client's view of the wire (SPEC §2b), written from its schema
 * and its handler's reads, for interop tests: a protobuf reader and writer of its own (no
 * shared code with our codec), so a mistake in our .proto cannot hide here.
 *
 * Its schema (older generated code):
 * - `Message`: uid 1, type 2, content 3, status 4, createdAt 5, **client 6**, thread 7, user 8, extra 9
 * - `Thread`:  uid 1, topic 2, type 3, state 4, user 5, **extra 6** (ours: channel 6, extra 7)
 * - `User`:    uid 1, nickname 2, avatar 3, type 4, extra 5
 *
 * Its MQTT handler reads `thread.user.uid`, `user.uid` and the thread's uid, type and topic with
 * no null check: a message without `thread`, `thread.user` or `user` throws in it and is never
 * shown. {@link desktopReceive} does the same reads and throws the same way.
 */

/** A decoded `User` of the desktop's schema (absent fields are `''`, as its getters return). */
export interface DesktopUser {
  readonly uid: string;
  readonly nickname: string;
  readonly avatar: string;
  readonly type: string;
  readonly extra: string;
}

/** A decoded `Thread` of the desktop's (old) schema: field 6 is `extra`. */
export interface DesktopThread {
  readonly uid: string;
  readonly topic: string;
  readonly type: string;
  readonly state: string;
  readonly user: DesktopUser | undefined;
  readonly extra: string;
}

/** A decoded `Message` of the desktop's schema: field 6 is `client`. */
export interface DesktopMessage {
  readonly uid: string;
  readonly type: string;
  readonly content: string;
  readonly status: string;
  readonly createdAt: string;
  readonly client: string;
  readonly thread: DesktopThread | undefined;
  readonly user: DesktopUser | undefined;
  readonly extra: string;
}

type FieldKind = 'string' | 'message';

const MESSAGE_FIELDS: Readonly<Record<number, readonly [string, FieldKind]>> = {
  1: ['uid', 'string'],
  2: ['type', 'string'],
  3: ['content', 'string'],
  4: ['status', 'string'],
  5: ['createdAt', 'string'],
  6: ['client', 'string'],
  7: ['thread', 'message'],
  8: ['user', 'message'],
  9: ['extra', 'string'],
};
const THREAD_FIELDS: Readonly<Record<number, readonly [string, FieldKind]>> = {
  1: ['uid', 'string'],
  2: ['topic', 'string'],
  3: ['type', 'string'],
  4: ['state', 'string'],
  5: ['user', 'message'],
  6: ['extra', 'string'],
};
const USER_FIELDS: Readonly<Record<number, readonly [string, FieldKind]>> = {
  1: ['uid', 'string'],
  2: ['nickname', 'string'],
  3: ['avatar', 'string'],
  4: ['type', 'string'],
  5: ['extra', 'string'],
};

const utf8 = new TextDecoder();
const toUtf8 = new TextEncoder();

/** Reads the fields of one protobuf message: strings and nested bytes by number; unknown fields skipped. */
function readFields(
  bytes: Uint8Array,
  schema: Readonly<Record<number, readonly [string, FieldKind]>>,
): Map<string, string | Uint8Array> {
  const fields = new Map<string, string | Uint8Array>();
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const byte = bytes[at++];
      if (byte === undefined) throw new RangeError('truncated varint');
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new RangeError('varint too long');
  };
  while (at < bytes.length) {
    const tag = varint();
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (wireType === 0) varint();
    else if (wireType === 1) at += 8;
    else if (wireType === 5) at += 4;
    else if (wireType === 2) {
      const length = varint();
      const chunk = bytes.subarray(at, at + length);
      if (chunk.length !== length) throw new RangeError('truncated field');
      at += length;
      const field = schema[number];
      if (field) fields.set(field[0], field[1] === 'string' ? utf8.decode(chunk) : chunk);
    } else throw new RangeError(`wire type ${wireType} is not supported`);
    if (at > bytes.length) throw new RangeError('truncated field');
  }
  return fields;
}

function text(fields: Map<string, string | Uint8Array>, name: string): string {
  const value = fields.get(name);
  return typeof value === 'string' ? value : '';
}

function nested(fields: Map<string, string | Uint8Array>, name: string): Uint8Array | undefined {
  const value = fields.get(name);
  return value instanceof Uint8Array ? value : undefined;
}

function readUser(bytes: Uint8Array | undefined): DesktopUser | undefined {
  if (!bytes) return undefined;
  const f = readFields(bytes, USER_FIELDS);
  return {
    uid: text(f, 'uid'),
    nickname: text(f, 'nickname'),
    avatar: text(f, 'avatar'),
    type: text(f, 'type'),
    extra: text(f, 'extra'),
  };
}

function readThread(bytes: Uint8Array | undefined): DesktopThread | undefined {
  if (!bytes) return undefined;
  const f = readFields(bytes, THREAD_FIELDS);
  return {
    uid: text(f, 'uid'),
    topic: text(f, 'topic'),
    type: text(f, 'type'),
    state: text(f, 'state'),
    user: readUser(nested(f, 'user')),
    extra: text(f, 'extra'),
  };
}

/** Decodes bytes with the desktop client's schema. Absent sub-messages stay `undefined`. */
export function desktopDecode(bytes: Uint8Array): DesktopMessage {
  const f = readFields(bytes, MESSAGE_FIELDS);
  return {
    uid: text(f, 'uid'),
    type: text(f, 'type'),
    content: text(f, 'content'),
    status: text(f, 'status'),
    createdAt: text(f, 'createdAt'),
    client: text(f, 'client'),
    thread: readThread(nested(f, 'thread')),
    user: readUser(nested(f, 'user')),
    extra: text(f, 'extra'),
  };
}

/** What the desktop client makes of a message: its thread entry, its message entry, what it does. */
export interface DesktopReceipt {
  readonly thread: {
    readonly uid: string;
    readonly type: string;
    readonly topic: string;
    readonly user: { readonly uid: string; readonly nickname: string; readonly avatar: string };
  };
  readonly message: {
    readonly uid: string;
    readonly createdAt: string;
    readonly client: string;
    readonly type: string;
    readonly status: string;
    readonly content: string;
    readonly user: { readonly uid: string; readonly nickname: string; readonly avatar: string };
  };
  /** How its handler dispatches the message when someone else sent it. */
  readonly action:
    | { readonly kind: 'status'; readonly uid: string; readonly status: string }
    | { readonly kind: 'typing' }
    | { readonly kind: 'recall'; readonly uid: string }
    | { readonly kind: 'shown' };
}

/** `value`, or the TypeError the desktop's unchecked `value.getX()` throws on an absent sub-message. */
function unchecked<T>(value: T | undefined, read: string): T {
  if (value === undefined) throw new TypeError(`Cannot read properties of undefined (reading '${read}')`);
  return value;
}

/**
 * Receives bytes as the desktop client's MQTT handler does: decodes them, reads the thread (and
 * `thread.user`) and the sender without a check, and dispatches by type. Throws a TypeError
 * where that client would crash.
 */
export function desktopReceive(bytes: Uint8Array): DesktopReceipt {
  const m = desktopDecode(bytes);
  const thread = unchecked(m.thread, 'getUid');
  const threadUser = unchecked(thread.user, 'getUid');
  const user = unchecked(m.user, 'getUid');
  return {
    thread: {
      uid: thread.uid,
      type: thread.type,
      topic: thread.topic,
      user: { uid: threadUser.uid, nickname: threadUser.nickname, avatar: threadUser.avatar },
    },
    message: {
      uid: m.uid,
      createdAt: m.createdAt,
      client: m.client,
      type: m.type,
      status: m.status,
      content: m.content,
      user: { uid: user.uid, nickname: user.nickname, avatar: user.avatar },
    },
    action: desktopAction(m),
  };
}

function desktopAction(m: DesktopMessage): DesktopReceipt['action'] {
  switch (m.type) {
    case 'READ':
    case 'DELIVERED':
      // A receipt's content is the uid of the message it acknowledges.
      return { kind: 'status', uid: m.content, status: m.type };
    case 'TYPING':
    case 'PROCESSING':
      return { kind: 'typing' };
    case 'RECALL':
      return { kind: 'recall', uid: m.content };
    default:
      return { kind: 'shown' };
  }
}

/** A message as the desktop client builds one before publishing it (its field set, its layout). */
export interface DesktopOutgoing {
  readonly uid: string;
  readonly type: string;
  readonly content: string;
  readonly createdAt: string;
  readonly orgUid: string;
  readonly thread: {
    readonly uid: string;
    readonly type: string;
    readonly topic: string;
    readonly user: { readonly uid: string; readonly nickname?: string; readonly avatar?: string };
    /** Only servers with the old layout put something here (Thread field 6). */
    readonly extra?: string;
  };
  readonly user: { readonly uid: string; readonly nickname: string; readonly avatar: string; readonly type: string };
}

function varintBytes(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** Writes a length-delimited field; proto3 leaves empty strings out, sub-messages are always written. */
function field(number: number, value: string | Uint8Array | undefined): number[] {
  if (value === undefined || value === '') return [];
  const payload = typeof value === 'string' ? toUtf8.encode(value) : value;
  return [...varintBytes(number * 8 + 2), ...varintBytes(payload.length), ...payload];
}

function message(...fields: number[][]): Uint8Array {
  return new Uint8Array(fields.flat());
}

/**
 * Encodes a message the way the desktop client builds it: status SENDING, client WEB, thread
 * {uid, type, topic, user {uid, nickname, avatar}}, the sender with nickname, avatar and type,
 * extra `{"orgUid": …}`, in its own field layout.
 */
export function desktopEncode(m: DesktopOutgoing): Uint8Array {
  const threadUser = message(
    field(1, m.thread.user.uid),
    field(2, m.thread.user.nickname),
    field(3, m.thread.user.avatar),
  );
  const thread = message(
    field(1, m.thread.uid),
    field(2, m.thread.topic),
    field(3, m.thread.type),
    field(5, threadUser),
    field(6, m.thread.extra),
  );
  const user = message(field(1, m.user.uid), field(2, m.user.nickname), field(3, m.user.avatar), field(4, m.user.type));
  return message(
    field(1, m.uid),
    field(2, m.type),
    field(3, m.content),
    field(4, 'SENDING'),
    field(5, m.createdAt),
    field(6, 'WEB'),
    field(7, thread),
    field(8, user),
    field(9, JSON.stringify({ orgUid: m.orgUid })),
  );
}
