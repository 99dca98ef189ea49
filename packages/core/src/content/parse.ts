import { isRobotStreamType, type MessageType, readRobotStream, SdkError } from '@weiyu/protocol';
import type { ParsedContent } from '../api.js';
import { isMediaUrl, lastPathSegment, parseJsonObject, readNumber } from './fields.js';
import { isReferenceType, isTextLikeType } from './text-like.js';

type Fields = Readonly<Record<string, unknown>>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Raised inside this module only; {@link parseContent} turns it into `{ kind: 'invalid' }`. */
class Invalid {
  constructor(readonly message: string) {}
}

/**
 * Reads the content of a received message for its type. Never throws, whatever the input.
 *
 * - Text-like types (TEXT, WELCOME, NOTICE, …) → `text`; DELIVERED, READ, RECALL → `reference`
 *   (the uid, or `{"uid": …}`); PREVIEW → `preview` (JSON, or plain text from older clients).
 * - The pieces of a robot's streamed answer (ROBOT_STREAM, …) → `text`: their JSON `answer`.
 * - IMAGE, FILE, VIDEO, VOICE, AUDIO, LOCATION → their kind, from the shapes of SPEC §5, the
 *   guide's own shapes (`{url, type: 'IMAGE'}`, and its FILE/LOCATION JSON wrapped a second
 *   time inside `url`/`address`), and a bare URL for the media types (older clients). A FILE
 *   without name or size gets the URL's last path segment and size 0.
 * - Numbers may come as numeric strings (`"1024"`). A malformed optional field is dropped; a
 *   missing or malformed required one (url, coordinates) makes the result `invalid`, with the
 *   reason, so that no NaN and no unusable URL ever reaches the app.
 * - Any other type → `raw`: kept as it came.
 */
export function parseContent(type: MessageType, raw: string): ParsedContent {
  let text = '';
  try {
    text = typeof raw === 'string' ? raw : String(raw);
    return parse(String(type), text);
  } catch (reason) {
    const known = reason instanceof Invalid;
    const message = known ? reason.message : `unreadable content: ${String(reason)}`;
    const label = typeof type === 'string' ? type : '?';
    return {
      kind: 'invalid',
      raw: text,
      error: new SdkError('invalid_content', `${label} content: ${message}`, known ? {} : { cause: reason }),
    };
  }
}

function parse(type: string, raw: string): ParsedContent {
  if (isTextLikeType(type)) return { kind: 'text', text: raw };
  // A robot's streamed answer reads as its text so far.
  if (isRobotStreamType(type)) return { kind: 'text', text: readRobotStream(raw).answer };
  if (isReferenceType(type)) return { kind: 'reference', uid: referenceUid(raw) };
  switch (type) {
    case 'PREVIEW':
      return preview(raw);
    case 'IMAGE':
      return image(media(raw));
    case 'FILE':
      return file(media(raw));
    case 'VIDEO':
      return video(media(raw));
    case 'VOICE':
      return voice(media(raw));
    case 'AUDIO':
      return audio(media(raw));
    case 'LOCATION':
      return location(raw);
    default:
      return { kind: 'raw', raw };
  }
}

function referenceUid(raw: string): string {
  const trimmed = raw.trim();
  const object = trimmed.startsWith('{') ? parseJsonObject(trimmed) : undefined;
  const uid = object ? object.uid : trimmed;
  if (typeof uid !== 'string' || uid.trim().length === 0) throw new Invalid('no message uid');
  return uid.trim();
}

function preview(raw: string): ParsedContent {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('{')) return { kind: 'preview', text: raw, clear: false };
  const f = jsonObject(trimmed);
  const content = f.content ?? f.text ?? '';
  if (typeof content !== 'string') throw new Invalid('preview "content" is not a string');
  const out: Mutable<Extract<ParsedContent, { kind: 'preview' }>> = {
    kind: 'preview',
    text: content,
    clear: f.clear === true || f.clear === 'true',
  };
  const ts = readNumber(f.ts);
  if (ts !== undefined && !Number.isNaN(ts)) out.ts = ts;
  return out;
}

function jsonObject(text: string): Fields {
  const object = parseJsonObject(text);
  if (!object) throw new Invalid('not a JSON object');
  return object;
}

/**
 * The fields of a media content: its JSON object, or `{url}` for a bare URL. The guide's
 * FILE builder wraps its JSON a second time inside `url`: that inner object is unwrapped.
 */
function media(raw: string): Fields {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('{')) {
    if (isMediaUrl(trimmed)) return { url: trimmed };
    throw new Invalid('neither JSON nor an http(s) URL');
  }
  const outer = jsonObject(trimmed);
  const inner = typeof outer.url === 'string' ? parseJsonObject(outer.url.trim()) : undefined;
  const fields = inner ? { ...outer, ...inner } : outer;
  const url = typeof fields.url === 'string' ? fields.url.trim() : fields.url;
  if (!isMediaUrl(url)) throw new Invalid('"url" is missing or not an http(s) URL');
  return { ...fields, url };
}

function url(f: Fields): string {
  return typeof f.url === 'string' ? f.url : '';
}

/** Copies the optional non-negative numbers that are well formed; drops the others. */
function numbers<K extends string>(f: Fields, keys: readonly K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const key of keys) {
    const n = readNumber(f[key]);
    if (n !== undefined && !Number.isNaN(n) && n >= 0) out[key] = n;
  }
  return out;
}

/** Copies the optional strings; drops values of another type. */
function strings<K extends string>(f: Fields, keys: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = f[key];
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/** A MIME type from `key`, only when it looks like one (the guide puts `type: 'FILE'` there). */
function mime(f: Fields, ...keys: string[]): { mimeType?: string } {
  for (const key of keys) {
    const value = f[key];
    if (typeof value === 'string' && value.includes('/')) return { mimeType: value };
  }
  return {};
}

function image(f: Fields): ParsedContent {
  return { kind: 'image', url: url(f), ...numbers(f, ['width', 'height']), ...strings(f, ['label']) };
}

function file(f: Fields): ParsedContent {
  const size = readNumber(f.size);
  if (size !== undefined && (Number.isNaN(size) || size < 0)) throw new Invalid('"size" is not a number ≥ 0');
  const name = typeof f.name === 'string' && f.name.trim().length > 0 ? f.name : lastPathSegment(url(f)) || 'file';
  return {
    kind: 'file',
    url: url(f),
    name,
    size: size ?? 0,
    ...mime(f, 'type', 'mimeType'),
    ...strings(f, ['label', 'hash']),
  };
}

function video(f: Fields): ParsedContent {
  return {
    kind: 'video',
    url: url(f),
    ...(isMediaUrl(f.coverUrl) ? { coverUrl: f.coverUrl } : {}),
    ...numbers(f, ['duration', 'width', 'height', 'size']),
    ...strings(f, ['format', 'caption']),
    ...mime(f, 'mimeType'),
  };
}

function voice(f: Fields): ParsedContent {
  return { kind: 'voice', url: url(f), ...numbers(f, ['duration']), ...strings(f, ['format', 'caption']) };
}

function audio(f: Fields): ParsedContent {
  return { kind: 'audio', url: url(f), ...numbers(f, ['duration']), ...strings(f, ['format']) };
}

/**
 * LOCATION needs both coordinates: the guide's own form sends only an address, which cannot
 * be shown on a map, so it is `invalid` (the address is still in `raw`). Its builder also
 * wraps the full JSON a second time inside `address`: that inner object is unwrapped.
 */
function location(raw: string): ParsedContent {
  const outer = jsonObject(raw.trim());
  const inner = typeof outer.address === 'string' ? parseJsonObject(outer.address.trim()) : undefined;
  const f = inner ? { ...outer, ...inner } : outer;
  const latitude = coordinate(f.latitude, 'latitude', 90);
  const longitude = coordinate(f.longitude, 'longitude', 180);
  const address = f.address ?? '';
  if (typeof address !== 'string') throw new Invalid('"address" is not a string');
  return { kind: 'location', latitude, longitude, address, ...strings(f, ['label']) };
}

function coordinate(value: unknown, key: string, limit: number): number {
  const n = readNumber(value);
  if (n === undefined) throw new Invalid(`"${key}" is missing`);
  if (Number.isNaN(n) || n < -limit || n > limit)
    throw new Invalid(`"${key}" is not a number in [-${limit}, ${limit}]`);
  return n;
}
