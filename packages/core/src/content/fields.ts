/**
 * Small readers shared by the content builder and parser. Content comes from apps written in
 * plain JavaScript and from the network, so every value is checked at run time.
 */

/** A plain object view of any value, or undefined when it is not a (non-array) object. */
export function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  return undefined;
}

/** Parses JSON text into an object; undefined for anything else. Never throws. */
export function parseJsonObject(text: string): Readonly<Record<string, unknown>> | undefined {
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

const HTTP_URL = /^https?:\/\/[^\s/?#\\]+(?:[/?#].*)?$/i;

/**
 * Whether a string is a media URL the SDK sends and accepts: an absolute `http:` or `https:`
 * URL with a host, no blank at either end, no control character. `data:` and `blob:` URLs are
 * refused on purpose: a `blob:` URL means nothing on the other side, a `data:` URL would blow
 * the 10 KB packet limit, and refusing other schemes keeps `javascript:` out of `<img src>`.
 */
export function isMediaUrl(value: unknown): value is string {
  return typeof value === 'string' && value === value.trim() && !hasControlCharacter(value) && HTTP_URL.test(value);
}

const NUMERIC = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A finite number from a number or a numeric string (`"1024"`); `undefined` when absent
 * (undefined or null), `NaN` when present but not a finite number. Callers turn NaN into an
 * error or drop the field: it never reaches a result.
 */
export function readNumber(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value === 'string') {
    const text = value.trim();
    if (!NUMERIC.test(text)) return Number.NaN;
    const n = Number(text);
    return Number.isFinite(n) ? n : Number.NaN;
  }
  return Number.NaN;
}

/** The last path segment of a URL, decoded when it can be; `''` when there is none. */
export function lastPathSegment(url: string): string {
  const path = url.replace(/^[a-z]+:\/\/[^/?#]*/i, '').replace(/[?#].*$/, '');
  const segment =
    path
      .split('/')
      .filter((s) => s.length > 0)
      .pop() ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
