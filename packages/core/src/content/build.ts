import { err, type MessageType, ok, type Result } from '@weiyu/protocol';
import type { OutgoingContent } from '../api.js';
import { asRecord, isMediaUrl } from './fields.js';
import { isReferenceType } from './text-like.js';

/** What {@link buildContent} produces: the message type and its content as it travels. */
export interface BuiltContent {
  readonly type: MessageType;
  readonly content: string;
}

type Fields = Readonly<Record<string, unknown>>;
type Json = Record<string, string | number>;

/** Thrown inside this module only, turned into an `invalid_content` result at the edge. */
class Invalid {
  constructor(
    readonly message: string,
    readonly field?: string,
  ) {}
}

/**
 * Builds the content of an outgoing message (SPEC §5): text as it is for TEXT and the other
 * text-like types; JSON for IMAGE, FILE, VIDEO, VOICE, AUDIO and LOCATION, with undefined
 * optional fields left out. Never throws: anything unusable (empty text, a media URL that is
 * not an absolute http(s) URL, a negative size, a latitude out of range, …) is an
 * `invalid_content` error whose message says what is wrong.
 *
 * Media types also take the guide's form, the URL in `text` (`{ type: 'IMAGE', text: url }`).
 * DELIVERED, READ and RECALL take the referred message's uid in `text`; TYPING ignores `text`;
 * PREVIEW needs a timestamp, use {@link previewContent}. Any other type (CARD, GOODS, a newer
 * type) sends `text` as it is: the app knows its shape.
 */
export function buildContent(input: OutgoingContent): Result<BuiltContent> {
  const fields = asRecord(input);
  if (!fields) return invalid('content must be an object with a "type"');
  let type = 'content';
  try {
    const given = fields.type;
    if (typeof given !== 'string' || given.trim().length === 0) {
      return invalid('content needs a message "type" (TEXT, IMAGE, …)', 'type');
    }
    type = given;
    return ok({ type, content: contentFor(type, fields) });
  } catch (reason) {
    if (reason instanceof Invalid) return invalid(`${type}: ${reason.message}`, reason.field);
    // A getter or toString of the app's own object threw: still an answer, not a throw.
    return err('invalid_content', `${type}: unreadable content`, { cause: reason });
  }
}

/** The content of a TYPING signal: always empty (SPEC §2). */
export function typingContent(): string {
  return '';
}

/** Options of {@link previewContent}. */
export interface PreviewOptions {
  /** The text box was cleared: the other side removes its preview. Default `false`. */
  readonly clear?: boolean;
  /** When the text was captured, epoch milliseconds (from the client's clock). */
  readonly ts: number;
}

/**
 * The content of a PREVIEW signal, `{"v":1,"content":…,"clear":…,"ts":…}`: what the user is
 * typing, shared live. `ts` must be a finite, non-negative number.
 */
export function previewContent(text: string, options: PreviewOptions): Result<string> {
  if (typeof text !== 'string') return invalid('PREVIEW: text must be a string', 'text');
  if (typeof options.ts !== 'number' || !Number.isFinite(options.ts) || options.ts < 0) {
    return invalid(`PREVIEW: ts must be epoch milliseconds, got ${String(options.ts)}`, 'ts');
  }
  const clear = options.clear ?? false;
  if (typeof clear !== 'boolean') return invalid('PREVIEW: clear must be a boolean', 'clear');
  return ok(JSON.stringify({ v: 1, content: text, clear, ts: options.ts }));
}

/**
 * The content of a DELIVERED, READ or RECALL message: the uid of the message it refers to.
 * The uid must be non-empty and hold no blanks.
 */
export function referenceContent(uid: string): Result<string> {
  try {
    return ok(referenceUid(uid));
  } catch (reason) {
    if (reason instanceof Invalid) return invalid(reason.message, reason.field);
    return err('invalid_content', 'unreadable message uid', { cause: reason });
  }
}

function invalid<T>(message: string, field?: string): Result<T> {
  return err('invalid_content', message, field === undefined ? undefined : { details: { field } });
}

function contentFor(type: string, f: Fields): string {
  switch (type) {
    case 'TEXT': {
      const text = requireString(f, 'text');
      if (text.trim().length === 0) throw new Invalid('text must not be empty', 'text');
      return text;
    }
    case 'IMAGE':
      return json({ url: mediaUrl(f), ...optionalNumbers(f, 'width', 'height'), ...optionalStrings(f, 'label') });
    case 'FILE':
      return json({
        url: mediaUrl(f),
        name: fileName(f),
        size: requireNumber(f, 'size'),
        ...mimeType(f, 'type'),
        ...optionalStrings(f, 'label', 'hash'),
      });
    case 'VIDEO':
      return json({
        url: mediaUrl(f),
        ...optionalUrl(f, 'coverUrl'),
        ...optionalNumbers(f, 'duration', 'width', 'height'),
        ...optionalStrings(f, 'format'),
        ...mimeType(f, 'mimeType'),
        ...optionalNumbers(f, 'size'),
        ...optionalStrings(f, 'caption'),
      });
    case 'VOICE':
      return json({
        url: mediaUrl(f),
        ...optionalNumbers(f, 'duration'),
        ...optionalStrings(f, 'format', 'caption'),
      });
    case 'AUDIO':
      return json({ url: mediaUrl(f), ...optionalNumbers(f, 'duration'), ...optionalStrings(f, 'format') });
    case 'LOCATION':
      return json({
        latitude: coordinate(f, 'latitude', 90),
        longitude: coordinate(f, 'longitude', 180),
        address: requireString(f, 'address'),
        ...optionalStrings(f, 'label'),
      });
    case 'TYPING':
      return typingContent();
    case 'PREVIEW':
      throw new Invalid('a preview needs a timestamp: build it with previewContent(text, { ts })');
    default:
      if (isReferenceType(type)) return referenceUid(f.text, 'text');
      return requireString(f, 'text');
  }
}

function json(value: Json): string {
  return JSON.stringify(value);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) {
    return String(value);
  }
  return `a value of type ${Array.isArray(value) ? 'array' : typeof value}`;
}

function requireString(f: Fields, key: string): string {
  const value = f[key];
  if (typeof value !== 'string') throw new Invalid(`${key} must be a string, got ${describe(value)}`, key);
  return value;
}

function referenceUid(value: unknown, field = 'uid'): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new Invalid(`the referred message uid must be a non-empty string, got ${describe(value)}`, field);
  }
  if (/\s/.test(value)) throw new Invalid(`a message uid holds no blanks, got ${describe(value)}`, field);
  return value;
}

/** The media URL: `url`, or the guide's form with the URL in `text`. */
function mediaUrl(f: Fields): string {
  const key = f.url === undefined && typeof f.text === 'string' ? 'text' : 'url';
  const value = f[key];
  if (!isMediaUrl(value)) {
    throw new Invalid(`url must be an absolute http(s) URL (upload the file first), got ${describe(value)}`, key);
  }
  return value;
}

function optionalUrl(f: Fields, key: string): Json {
  const value = f[key];
  if (value === undefined) return {};
  if (!isMediaUrl(value)) throw new Invalid(`${key} must be an absolute http(s) URL, got ${describe(value)}`, key);
  return { [key]: value };
}

function fileName(f: Fields): string {
  const name = f.name;
  if (typeof name !== 'string' || name.trim().length === 0) {
    throw new Invalid(`name must be a non-empty string, got ${describe(name)}`, 'name');
  }
  return name;
}

/** A non-negative finite number; `-0` is written as `0`. */
function nonNegative(value: unknown, key: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Invalid(`${key} must be a finite number ≥ 0, got ${describe(value)}`, key);
  }
  return value + 0;
}

function requireNumber(f: Fields, key: string): number {
  return nonNegative(f[key], key);
}

function optionalNumbers(f: Fields, ...keys: string[]): Json {
  const out: Json = {};
  for (const key of keys) if (f[key] !== undefined) out[key] = nonNegative(f[key], key);
  return out;
}

function optionalStrings(f: Fields, ...keys: string[]): Json {
  const out: Json = {};
  for (const key of keys) if (f[key] !== undefined) out[key] = requireString(f, key);
  return out;
}

const MIME = /^[\w.+-]+\/[\w.+-]+(?:\s*;.*)?$/;

/** `mimeType`, checked to look like `type/subtype`, written under `as` (FILE says `type`). */
function mimeType(f: Fields, as: string): Json {
  const value = f.mimeType;
  if (value === undefined) return {};
  if (typeof value !== 'string' || !MIME.test(value)) {
    throw new Invalid(`mimeType must look like "type/subtype", got ${describe(value)}`, 'mimeType');
  }
  return { [as]: value };
}

function coordinate(f: Fields, key: string, limit: number): number {
  const value = f[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < -limit || value > limit) {
    throw new Invalid(`${key} must be a number in [-${limit}, ${limit}], got ${describe(value)}`, key);
  }
  return value + 0;
}
