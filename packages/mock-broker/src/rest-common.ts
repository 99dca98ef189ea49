/** What every REST route of the mock server shares: the request and answer shapes, the envelope, the token. */

/** A REST request, whatever carried it (node:http or MSW). */
export interface RestRequest {
  method: string;
  url: URL;
  /** The `Authorization` header, if any. */
  authorization: string | null;
  /** The raw body as UTF-8 text; empty when there is none. */
  bodyText: string;
  /** The raw body's bytes (multipart uploads read them); absent when there is none. */
  bodyBytes?: Uint8Array;
  /** The `Content-Type` header, if any. */
  contentType?: string | null;
}

/** A REST answer: an HTTP status and a JSON body (none for 204), or bytes (a file served). */
export interface RestResponse {
  status: number;
  body?: unknown;
  /** Bytes sent as they are, with their content type (a body is not sent then). */
  bytes?: { readonly data: Uint8Array; readonly contentType: string };
  /** Run once the answer went out (e.g. restart the server that carried it). */
  afterSend?: () => void;
}

/** The envelope every Bytedesk REST answer uses. */
export interface Envelope {
  code: number;
  message: string;
  data: unknown;
}

/** `code 200` with `data`, on HTTP 200. */
export const ok = (data: unknown, message = 'success'): RestResponse => ({
  status: 200,
  body: envelope(200, message, data),
});

/** A failure envelope (`data: null`) on an HTTP status (the real server answers most failures on HTTP 200). */
export const fail = (status: number, code: number, message: string): RestResponse => ({
  status,
  body: envelope(code, message, null),
});

/** The envelope. */
export function envelope(code: number, message: string, data: unknown): Envelope {
  return { code, message, data };
}

/** The token of `Authorization: Bearer …`, or the `accessToken` query parameter. */
export function bearer(request: RestRequest): string | undefined {
  const header = request.authorization?.trim();
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header);
    return match?.[1]?.trim();
  }
  return request.url.searchParams.get('accessToken') ?? undefined;
}

/** A JSON object body, or undefined. */
export function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** An integer query parameter, or `fallback`. */
export function intParam(value: string | null, fallback: number): number {
  if (value === null || value.trim() === '') return fallback;
  const n = Number(value);
  return Number.isInteger(n) ? n : fallback;
}
