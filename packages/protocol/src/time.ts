import { err, ok, type Result } from './error.js';

/** Asia/Shanghai is UTC+8 all year (no daylight saving since 1991). */
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
const SERVER_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/;
const EPOCH_MS = /^-?\d{1,16}$/;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * Reads a server time (`createdAt`) into epoch milliseconds: `yyyy-MM-dd HH:mm:ss` in
 * Asia/Shanghai time (current servers), epoch milliseconds as a string (older servers), or
 * an ISO 8601 time with a zone. Anything else is an `invalid_time` error, never NaN.
 */
export function parseCreatedAt(value: string | number): Result<number> {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? ok(Math.trunc(value)) : err('invalid_time', `not a time: ${value}`);
  }
  // Messages in a burst carry the same second: the last time read is kept (results are never changed).
  if (lastParsed !== undefined && value === lastParsed.text) return lastParsed.result;
  const result = parseText(value);
  if (result.ok) lastParsed = { text: value, result };
  return result;
}

let lastParsed: { readonly text: string; readonly result: Result<number> } | undefined;

function parseText(value: string): Result<number> {
  const text = value.trim();
  if (EPOCH_MS.test(text)) return ok(Number(text));
  const m = SERVER_TIME.exec(text);
  if (m) {
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
    const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
    const back = new Date(utc);
    // Date.UTC rolls 2024-02-30 over into March: a round trip catches impossible dates.
    if (
      back.getUTCFullYear() !== year ||
      back.getUTCMonth() !== month - 1 ||
      back.getUTCDate() !== day ||
      hour > 23 ||
      minute > 59 ||
      second > 59
    ) {
      return err('invalid_time', `not a valid date and time: "${truncate(text)}"`);
    }
    return ok(utc - SHANGHAI_OFFSET_MS);
  }
  if (ISO_WITH_ZONE.test(text)) {
    const parsed = Date.parse(text);
    if (Number.isFinite(parsed)) return ok(parsed);
  }
  return err(
    'invalid_time',
    `expected "yyyy-MM-dd HH:mm:ss" (Asia/Shanghai) or epoch milliseconds, got "${truncate(text)}"`,
  );
}

/** Writes epoch milliseconds as the server does: `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai time. */
export function formatServerTime(epochMs: number): string {
  // One second, one text: messages sent in the same second share the last one made.
  const second = Math.floor(epochMs / 1_000);
  if (second === lastFormatted.second) return lastFormatted.text;
  const text = formatSecond(second * 1_000);
  lastFormatted = { second, text };
  return text;
}

let lastFormatted = { second: Number.NaN, text: '' };

function formatSecond(epochMs: number): string {
  const d = new Date(epochMs + SHANGHAI_OFFSET_MS);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
