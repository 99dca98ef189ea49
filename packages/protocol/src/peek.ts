/**
 * Reading a message's uid (and type) from its protobuf bytes without decoding the rest: for a
 * receiver that drops most copies of what it sent itself (the server echoes every signal to its
 * sender) and would otherwise decode each one whole first.
 */
import { type DescMessage, ScalarType } from '@bufbuild/protobuf';
import { MessageSchema } from './gen/weiyu/v1/message_pb.js';
import { MAX_EXTRA_LENGTH, MAX_NAME_LENGTH, MAX_PROFILE_LENGTH, MAX_TOPIC_LENGTH, MAX_UID_LENGTH } from './limits.js';

/**
 * What a message's fields hold, by field number: a string (the most UTF-8 bytes taken: the limits
 * of {@link checkIds} and {@link checkFields}, else no limit) or a nested message's fields.
 */
type Shape = ReadonlyMap<number, number | Shape>;

const PROFILE = { nickname: MAX_PROFILE_LENGTH, avatar: MAX_PROFILE_LENGTH, type: MAX_NAME_LENGTH } as const;

/**
 * The limits {@link checkIds} and {@link checkFields} keep, by path (`user.uid`): their strings are
 * taken only up to that many bytes (a character is one byte or more, so within them in bytes is within them).
 */
const LIMITS: Readonly<Record<string, number>> = {
  uid: MAX_UID_LENGTH,
  type: MAX_NAME_LENGTH,
  status: MAX_NAME_LENGTH,
  channel: MAX_NAME_LENGTH,
  extra: MAX_EXTRA_LENGTH,
  'user.uid': MAX_UID_LENGTH,
  ...prefixed('user.', PROFILE),
  'thread.uid': MAX_UID_LENGTH,
  'thread.topic': MAX_TOPIC_LENGTH,
  'thread.type': MAX_NAME_LENGTH,
  'thread.state': MAX_NAME_LENGTH,
  'thread.user.uid': MAX_UID_LENGTH,
  ...prefixed('thread.user.', PROFILE),
};

function prefixed(prefix: string, limits: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(limits).map(([name, limit]) => [`${prefix}${name}`, limit]));
}

/** The shape of a schema, from its descriptor (so it follows the .proto files). A field of any other kind is not in it. */
function shapeOf(desc: DescMessage, path: string): Shape {
  const shape = new Map<number, number | Shape>();
  for (const field of desc.fields) {
    const name = `${path}${field.localName}`;
    if (field.fieldKind === 'message') shape.set(field.number, shapeOf(field.message, `${name}.`));
    else if (field.fieldKind === 'scalar' && field.scalar === ScalarType.STRING) {
      shape.set(field.number, LIMITS[name] ?? Number.POSITIVE_INFINITY);
    }
  }
  return shape;
}

let messageShape: Shape | undefined;
let uidField = 0;
let typeField = 0;

/** The message's shape and the numbers of its uid and type fields, made at the first call. */
function message(): Shape {
  if (!messageShape) {
    messageShape = shapeOf(MessageSchema, '');
    uidField = MessageSchema.field.uid?.number ?? 0;
    typeField = MessageSchema.field.type?.number ?? 0;
  }
  return messageShape;
}

/** Protobuf's length-delimited wire type: strings and nested messages. */
const LENGTH_DELIMITED = 2;

/** A walk's position, and where the last uid and type fields of the top level lie ([start, end); -1: none). */
interface Cursor {
  pos: number;
  uidStart: number;
  uidEnd: number;
  typeStart: number;
  typeEnd: number;
}

/** A varint of at most 4 bytes (under 2^28: tags and lengths of anything a packet holds), or -1. */
function varint(bytes: Uint8Array, cursor: Cursor, end: number): number {
  let value = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (cursor.pos >= end) return -1;
    const byte = bytes[cursor.pos++] as number;
    value |= (byte & 0x7f) << shift;
    if (byte < 0x80) return value;
  }
  return -1;
}

/** The platform's TextDecoder as protobuf-es uses it for strings (fatal, BOM kept); the package has no DOM typings. */
interface Utf8Decoder {
  decode(bytes: Uint8Array): string;
}
type DecoderClass = new (label: string, options: { fatal: boolean; ignoreBOM: boolean }) => Utf8Decoder;

let decoder: Utf8Decoder | undefined;

/** The string at [start, end) as protobuf-es reads it (strictly), or undefined when it is no UTF-8. ASCII is made here. */
function text(bytes: Uint8Array, start: number, end: number): string | undefined {
  if (start < 0) return '';
  let ascii = end - start <= 64;
  for (let i = start; ascii && i < end; i++) ascii = (bytes[i] as number) < 0x80;
  if (ascii) {
    // From a plain array of char codes: one call, no string grown char by char.
    codes.length = end - start;
    for (let i = start; i < end; i++) codes[i - start] = bytes[i] as number;
    return String.fromCharCode.apply(null, codes);
  }
  const { TextDecoder } = globalThis as unknown as { TextDecoder: DecoderClass };
  decoder ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    return decoder.decode(bytes.subarray(start, end));
  } catch {
    return undefined;
  }
}
const codes: number[] = [];

/** Whether bytes [start, end) are UTF-8 as protobuf-es reads strings: ASCII checked here, the rest by the decoder. */
function isUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((bytes[i] as number) >= 0x80) return text(bytes, start, end) !== undefined;
  return true;
}

/**
 * Walks the fields in [cursor.pos, end) as `shape` says; false at anything else: a field number or
 * wire type it does not have, a length past the end, or (`deep`) a string that is no UTF-8, an id
 * over its limit, a nested message not as its shape says. Not `deep`: the fields' bytes are not read.
 */
function walk(bytes: Uint8Array, cursor: Cursor, end: number, shape: Shape, deep: boolean): boolean {
  while (cursor.pos < end) {
    const tag = varint(bytes, cursor, end);
    const field = shape.get(tag >>> 3);
    const length = varint(bytes, cursor, end);
    if (tag < 0 || (tag & 7) !== LENGTH_DELIMITED || field === undefined || length < 0) return false;
    const start = cursor.pos;
    const stop = start + length;
    if (stop > end) return false;
    if (shape === messageShape && tag >>> 3 === uidField) {
      cursor.uidStart = start;
      cursor.uidEnd = stop;
    } else if (shape === messageShape && tag >>> 3 === typeField) {
      cursor.typeStart = start;
      cursor.typeEnd = stop;
    }
    if (typeof field !== 'number') {
      if (deep && !walk(bytes, cursor, stop, field, true)) return false;
    } else if (deep && (length > field || !isUtf8(bytes, start, stop))) return false;
    cursor.pos = stop;
  }
  return true;
}

/** Walks a message's bytes: where its uid and type lie, or undefined when they are not as {@link walk} takes them. */
function walkMessage(bytes: Uint8Array, deep: boolean): Cursor | undefined {
  const cursor: Cursor = { pos: 0, uidStart: -1, uidEnd: -1, typeStart: -1, typeEnd: -1 };
  return walk(bytes, cursor, bytes.length, message(), deep) ? cursor : undefined;
}

/**
 * The uid and type of a message's protobuf bytes, read without decoding it: only when the bytes
 * are a message {@link decodeMessage} decodes, with this uid and type, and whose ids and fields
 * are within the limits {@link checkIds} and {@link checkFields} keep. Otherwise undefined — also
 * for what is valid but unusual (unknown fields, a field of another wire type, a field over its
 * limit in bytes), which a full decode then judges. Never throws. About a third of a decode's time for a receipt.
 */
export function peekMessage(bytes: Uint8Array): { readonly uid: string; readonly type: string } | undefined {
  const at = walkMessage(bytes, true);
  // Both are UTF-8: the walk checked every string.
  return at && { uid: text(bytes, at.uidStart, at.uidEnd) ?? '', type: text(bytes, at.typeStart, at.typeEnd) ?? '' };
}

/**
 * The uid of a message's protobuf bytes (the last uid field, as protobuf reads it), found by a
 * walk over the top-level fields alone — nothing else is read or checked, so a message may have
 * this uid and still not decode: {@link peekMessage} or {@link decodeMessage} says whether it
 * does. Undefined when the top level is not the message's fields within the bytes, or the uid is
 * no UTF-8 within {@link MAX_UID_LENGTH} bytes. Never throws; cheap (no copy of anything but the uid).
 */
export function readMessageUid(bytes: Uint8Array): string | undefined {
  const at = walkMessage(bytes, false);
  return at && at.uidEnd - at.uidStart <= MAX_UID_LENGTH ? text(bytes, at.uidStart, at.uidEnd) : undefined;
}
