/**
 * The protobuf encoder of a message: the bytes protobuf-es' `toBinary` writes, written into one
 * scratch buffer kept between calls and copied out once. `toBinary` made a message object first
 * (`create`) and a writer whose buffer starts at 128 bytes and doubles, copying, for every message.
 * Every field of the three schemas is a string or a nested message, each written here by name in
 * the .proto's order with its number's tag; encoder.test.ts compares the bytes with protobuf-es'
 * on random messages, so a change of the .proto that is not made here fails there.
 */
import type { WireMessage, WireThread, WireUser } from './wire.js';

/** Kept between calls (encodes are synchronous); grown as needed, let go when it grew large. */
let out = new Uint8Array(4_096);
let pos = 0;

interface Utf8Encoder {
  encodeInto(text: string, into: Uint8Array): { read: number; written: number };
}
let encoder: Utf8Encoder | undefined;

/** Room for `size` more bytes. */
function reserve(size: number): void {
  if (pos + size <= out.length) return;
  let length = out.length * 2;
  while (length < pos + size) length *= 2;
  const bigger = new Uint8Array(length);
  bigger.set(out.subarray(0, pos));
  out = bigger;
}

function varintSize(value: number): number {
  let size = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 128)) size++;
  return size;
}

function writeVarint(at: number, value: number): number {
  let rest = value;
  let i = at;
  for (; rest >= 0x80; rest = Math.floor(rest / 128)) out[i++] = (rest % 128) | 0x80;
  out[i++] = rest;
  return i;
}

/** The UTF-8 length of a string as TextEncoder writes it (a lone surrogate as U+FFFD, 3 bytes). */
function utf8Length(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      length += 1;
      continue;
    }
    // 3 bytes for one code unit, and 4 for a surrogate pair's two: the low one adds nothing.
    length += 2;
    if (code <= 0xdbff && code >= 0xd800) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) i++;
    }
  }
  return length;
}

/** A string field (none when empty, as proto3 leaves it out): ASCII by its char codes, the rest by the TextEncoder. */
function writeText(no: number, value: string): void {
  const units = value.length;
  if (units === 0) return;
  reserve(6 + 3 * units);
  out[pos++] = (no << 3) | 2;
  // Taken as ASCII until a code says otherwise: then as many bytes as code units.
  const start = pos + varintSize(units);
  let i = 0;
  for (; i < units; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x80) break;
    out[start + i] = code;
  }
  if (i === units) {
    pos = writeVarint(pos, units) + units;
    return;
  }
  const length = utf8Length(value);
  pos = writeVarint(pos, length);
  encoder ??= new (globalThis as unknown as { TextEncoder: new () => Utf8Encoder }).TextEncoder();
  pos += encoder.encodeInto(value, out.subarray(pos, pos + length)).written;
}

/** A nested message field: its tag, a length byte, its fields; moved on when its length needs more bytes. */
function writeNested<T>(no: number, value: T | undefined, fields: (value: T) => void): void {
  if (!value) return;
  reserve(2);
  out[pos++] = (no << 3) | 2;
  const at = pos++;
  fields(value);
  const length = pos - at - 1;
  const extra = varintSize(length) - 1;
  if (extra > 0) {
    reserve(extra);
    out.copyWithin(at + 1 + extra, at + 1, pos);
    pos += extra;
  }
  writeVarint(at, length);
}

function userFields(u: WireUser): void {
  writeText(1, u.uid);
  writeText(2, u.nickname);
  writeText(3, u.avatar);
  writeText(4, u.type);
  writeText(5, u.extra);
}

function threadFields(t: WireThread): void {
  writeText(1, t.uid);
  writeText(2, t.topic);
  writeText(3, t.type);
  writeText(4, t.state);
  writeNested(5, t.user, userFields);
  writeText(6, t.channel);
  writeText(7, t.extra);
}

/**
 * The protobuf bytes of a normalized message (every string field a string, nested ones there or
 * not), byte for byte what `toBinary(MessageSchema, create(MessageSchema, message))` writes.
 */
export function writeMessage(m: WireMessage): Uint8Array {
  pos = 0;
  writeText(1, m.uid);
  writeText(2, m.type);
  writeText(3, m.content);
  writeText(4, m.status);
  writeText(5, m.createdAt);
  writeText(6, m.channel);
  writeNested(7, m.thread, threadFields);
  writeNested(8, m.user, userFields);
  writeText(9, m.extra);
  const bytes = out.slice(0, pos);
  if (out.length > 65_536) out = new Uint8Array(4_096);
  return bytes;
}
