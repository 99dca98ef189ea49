/**
 * Hostile payloads, as anyone connected to the real server may post into a thread (it checks
 * nothing, SPEC §2): random bytes, bit flips and truncations of valid messages, valid protobuf
 * with absurd fields, wildcard and foreign thread topics, forged senders, and forged RECALL,
 * ROBOT_STREAM chunks and rewrites of messages the victim shows. Seeded: one seed, one sequence.
 */
import { encodeMessage, formatServerTime, type WireMessageInit } from '@weiyu/protocol';
import type { Prng } from './prng.js';

/** A message the victim shows, which forgeries aim at. */
export interface HostileTarget {
  readonly uid: string;
  /** Its real sender: forgeries never claim this uid (that cannot be told apart from the sender). */
  readonly sender: string;
}

/** What the payloads are built around. */
export interface HostileContext {
  /** The thread's topic: where every payload is published, and the thread.topic of the well-formed ones. */
  readonly topic: string;
  readonly thread: { readonly uid: string; readonly type: string };
  /** A user of the thread (the default sender of well-formed payloads). */
  readonly member: string;
  /** The victim's uid (a forged sender may claim it: then the victim shows a message as its own). */
  readonly victim: string;
  /** Messages the victim shows now. */
  readonly targets: () => readonly HostileTarget[];
  /** The largest payload that keeps the PUBLISH within the server's packet limit. */
  readonly maxPayloadBytes: number;
}

/** The kinds of hostility, each a share of the payloads. */
export const HOSTILE_KINDS = [
  'random-bytes',
  'bit-flips',
  'truncation',
  'unknown-fields',
  'huge-field',
  'unknown-names',
  'empty-uid',
  'deep-json',
  'foreign-thread-topic',
  'forged-sender',
  'forged-recall',
  'forged-stream',
  'rewrite',
  'signal-flood',
] as const;

export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** One hostile payload. */
export interface Hostile {
  readonly kind: HostileKind;
  readonly payload: Uint8Array;
}

/** The next hostile payload. */
export function hostilePayload(prng: Prng, context: HostileContext): Hostile {
  const kind = prng.pick(HOSTILE_KINDS);
  return { kind, payload: build(kind, prng, context) };
}

function build(kind: HostileKind, prng: Prng, c: HostileContext): Uint8Array {
  switch (kind) {
    case 'random-bytes':
      return randomBytes(prng, prng.int(0, 2_000));
    case 'bit-flips':
      return flipBits(prng, encodeMessage(wellFormed(prng, c)));
    case 'truncation': {
      const bytes = encodeMessage(wellFormed(prng, c));
      return bytes.slice(0, prng.int(0, bytes.length - 1));
    }
    case 'unknown-fields':
      return concat(encodeMessage(wellFormed(prng, c)), unknownFields(prng));
    case 'huge-field':
      return hugeField(prng, c);
    case 'unknown-names':
      return encodeMessage(unknownNames(prng, c));
    case 'empty-uid':
      return encodeMessage({ ...wellFormed(prng, c), uid: '' });
    case 'deep-json':
      return deepJson(prng, c);
    case 'foreign-thread-topic':
      return encodeMessage(foreignThread(prng, c));
    case 'forged-sender':
      return encodeMessage({
        ...wellFormed(prng, c),
        user: { uid: prng.pick([c.victim, c.member, '', 'x', uid(prng)]) },
      });
    case 'forged-recall':
    case 'forged-stream':
    case 'rewrite':
      return encodeMessage(forgery(kind, prng, c));
    case 'signal-flood':
      return encodeMessage(signal(prng, c));
  }
}

/** A message the server takes: a new uid, SENDING, the server's time format, on the thread. */
function wellFormed(prng: Prng, c: HostileContext): WireMessageInit {
  return {
    uid: uid(prng),
    type: prng.pick(['TEXT', 'IMAGE', 'FILE', 'LOCATION', 'VIDEO', 'NOTICE'] as const),
    content: `fuzz ${prng.int(0, 1_000_000)}`,
    status: 'SENDING',
    createdAt: formatServerTime(Date.now()),
    channel: 'WEB',
    extra: '{"orgUid":"org_demo"}',
    user: { uid: c.member, nickname: 'fuzz', type: 'AGENT' },
    thread: { uid: c.thread.uid, topic: c.topic, type: c.thread.type, user: { uid: c.victim } },
  };
}

function hugeField(prng: Prng, c: HostileContext): Uint8Array {
  const base = wellFormed(prng, c);
  const room = c.maxPayloadBytes - encodeMessage(base).length - 16;
  const huge = prng.pick(['x', '微', '\u0000', '{"a":']).repeat(Math.max(0, prng.int(room - 200, room)));
  const bytes = (init: WireMessageInit): Uint8Array => encodeMessage(init);
  const candidates: WireMessageInit[] = [
    { ...base, content: huge },
    { ...base, uid: huge },
    { ...base, extra: huge },
    { ...base, createdAt: huge },
    { ...base, type: huge },
    { ...base, user: { uid: c.member, nickname: huge, avatar: huge.slice(0, 10) } },
    { ...base, thread: { uid: huge, topic: c.topic, type: c.thread.type } },
  ];
  const encoded = bytes(prng.pick(candidates as [WireMessageInit, ...WireMessageInit[]]));
  // Multi-byte characters may overshoot: never more than the packet limit allows.
  return encoded.length <= c.maxPayloadBytes ? encoded : encoded.slice(0, c.maxPayloadBytes);
}

function unknownNames(prng: Prng, c: HostileContext): WireMessageInit {
  const odd = (): string =>
    prng.pick(['HOLOGRAM', 'text', '', ' TEXT', '💥', 'READ\u0000', 'null', randomText(prng, 40)]);
  const base = wellFormed(prng, c);
  return {
    ...base,
    type: odd(),
    status: prng.chance(0.5) ? odd() : 'SENDING',
    channel: odd(),
    user: { uid: c.member, type: odd() },
    thread: { uid: c.thread.uid, topic: c.topic, type: prng.chance(0.3) ? odd() : c.thread.type, state: odd() },
    createdAt: prng.pick([formatServerTime(Date.now()), '0', '-1', '9999-99-99 99:99:99', '1e400', '']),
  };
}

function deepJson(prng: Prng, c: HostileContext): Uint8Array {
  const depth = prng.int(100, Math.floor(c.maxPayloadBytes / 8));
  const content = prng.chance(0.5)
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"url":'.repeat(depth)}"x"${'}'.repeat(depth)}`;
  const type = prng.pick(['IMAGE', 'FILE', 'LOCATION', 'VIDEO', 'PREVIEW', 'KICKOFF', 'TEXT'] as const);
  const base = wellFormed(prng, c);
  const init: WireMessageInit = prng.chance(0.3) ? { ...base, extra: content } : { ...base, type, content };
  const bytes = encodeMessage(init);
  return bytes.length <= c.maxPayloadBytes ? bytes : bytes.slice(0, c.maxPayloadBytes);
}

/** Thread topics that are not the thread's: wildcards, invalid filters, neighbours, substrings. */
function foreignThread(prng: Prng, c: HostileContext): WireMessageInit {
  const topic = prng.pick([
    '#',
    '+',
    'org/#',
    `${c.topic}/#`,
    `${c.topic.slice(0, c.topic.lastIndexOf('/'))}/+`,
    'org/agent/+/+',
    `${c.topic}x`,
    c.topic.slice(0, -1),
    c.topic.slice(0, c.topic.lastIndexOf('/')),
    `/${c.topic}`,
    `${c.topic}/`,
    'org//agent',
    `org/agent/${uid(prng)}/${c.victim}`,
    `user/${c.victim}x`,
    `org/agent/${c.member}/${c.victim}\u0000`,
    randomText(prng, prng.int(1, 300)),
  ]);
  return { ...wellFormed(prng, c), thread: { uid: uid(prng), topic, type: c.thread.type } };
}

/** A RECALL, a stream chunk or a rewrite of a message shown, by anyone but its sender (or a new text by it). */
function forgery(kind: 'forged-recall' | 'forged-stream' | 'rewrite', prng: Prng, c: HostileContext): WireMessageInit {
  const targets = c.targets();
  const target = targets[prng.int(0, targets.length - 1)];
  const base = wellFormed(prng, c);
  if (!target) return base;
  const impostor = prng.pick([c.victim, '', 'x', uid(prng), c.member === target.sender ? 'y' : c.member]);
  const user = { uid: impostor, nickname: 'impostor', type: 'AGENT' };
  switch (kind) {
    case 'forged-recall':
      return { ...base, type: 'RECALL', content: target.uid, user };
    case 'forged-stream':
      return { ...base, uid: target.uid, type: 'ROBOT_STREAM', content: ' [forged chunk]', user };
    case 'rewrite':
      // The sender's own uid with another text is a rewrite too: what is shown never changes.
      return {
        ...base,
        uid: target.uid,
        content: 'rewritten',
        user: prng.chance(0.5) ? user : { uid: target.sender },
      };
  }
}

function signal(prng: Prng, c: HostileContext): WireMessageInit {
  const type = prng.pick(['TYPING', 'PREVIEW', 'DELIVERED', 'READ', 'PROCESSING', 'KICKOFF'] as const);
  const targets = c.targets();
  const content =
    type === 'PREVIEW'
      ? prng.pick(['{"v":1,"content":"hi","clear":false}', '{"clear":true}', '{', randomText(prng, 200)])
      : type === 'DELIVERED' || type === 'READ'
        ? (targets[prng.int(0, Math.max(0, targets.length - 1))]?.uid ?? uid(prng))
        : '';
  return { ...wellFormed(prng, c), type, content, user: { uid: `typist-${prng.int(0, 100_000)}` } };
}

function uid(prng: Prng): string {
  let out = '';
  for (let i = 0; i < 32; i++) out += '0123456789abcdef'[prng.int(0, 15)];
  return out;
}

function randomBytes(prng: Prng, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = prng.int(0, 255);
  return bytes;
}

function randomText(prng: Prng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++)
    out += String.fromCodePoint(prng.pick([prng.int(0x20, 0x7e), prng.int(0x80, 0xffff)]));
  return out.replace(/[\uD800-\uDFFF]/g, '?');
}

function flipBits(prng: Prng, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  for (let n = prng.int(1, 8); n > 0 && out.length > 0; n--) {
    const i = prng.int(0, out.length - 1);
    out[i] = (out[i] ?? 0) ^ (1 << prng.int(0, 7));
  }
  return out;
}

/** Fields the schema does not have: a varint (field 15), bytes (field 100), a fixed64 (field 31). */
function unknownFields(prng: Prng): Uint8Array {
  const bytes = randomBytes(prng, prng.int(0, 64));
  return concat(
    Uint8Array.of(15 << 3, prng.int(0, 127)),
    // Tags as varints: (100 << 3) | 2 = 0xa2 0x06, (31 << 3) | 1 = 0xf9 0x01.
    Uint8Array.of(0xa2, 0x06, bytes.length),
    bytes,
    Uint8Array.of(0xf9, 0x01, 1, 2, 3, 4, 5, 6, 7, 8),
  );
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
