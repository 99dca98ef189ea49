import { SdkError } from '@weiyu/core';

/** What {@link readBodyText} needs besides the response. */
export interface BodyLimit {
  /** The most decoded bytes taken; one more ends the read with `response_too_large`. */
  readonly maxBytes: number;
  /** The request, for the error message (`GET /path`). */
  readonly what: string;
  /** Fires when the request ends (deadline, the caller's abort): the read stops at once. */
  readonly signal: AbortSignal;
}

/**
 * Reads a response body as UTF-8 text, refusing one over `maxBytes` with `response_too_large`.
 * Counts the bytes it reads, not `Content-Length`: fetch inflates gzip and br itself, so a small
 * compressed body can be huge. An unencoded body whose `Content-Length` already says too much is
 * refused before a byte of it is read. Past the limit the stream is cancelled (the socket closes).
 */
export async function readBodyText(response: Response, limit: BodyLimit): Promise<string> {
  const declared = declaredLength(response);
  if (declared !== undefined && declared > limit.maxBytes && !isEncoded(response)) {
    throw tooLarge(limit, response.status, { contentLength: declared });
  }
  const body = response.body;
  if (body === null) return '';
  const reader = body.getReader();
  // A fetch that ignores its signal leaves a stalled read pending: cancelling ends it.
  const stop = () => {
    reader.cancel().catch(() => {});
  };
  limit.signal.addEventListener('abort', stop);
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > limit.maxBytes) {
        stop();
        throw tooLarge(limit, response.status, { receivedBytes: received });
      }
      chunks.push(value);
    }
  } finally {
    limit.signal.removeEventListener('abort', stop);
  }
  return decodeUtf8(chunks, received);
}

function tooLarge(limit: BodyLimit, status: number, measured: Record<string, number>): SdkError {
  return new SdkError(
    'response_too_large',
    `${limit.what} answered with a body over the limit of ${limit.maxBytes} bytes (maxResponseBytes)`,
    { details: { status, limitBytes: limit.maxBytes, ...measured } },
  );
}

function declaredLength(response: Response): number | undefined {
  const raw = response.headers.get('content-length');
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw);
}

/** Whether fetch inflates the body: then `Content-Length` counts compressed bytes, not what we read. */
function isEncoded(response: Response): boolean {
  const encoding = response.headers.get('content-encoding')?.trim().toLowerCase();
  return encoding !== undefined && encoding !== '' && encoding !== 'identity';
}

/** As `response.text()` decodes: UTF-8, a leading BOM dropped, bad sequences replaced. */
function decodeUtf8(chunks: readonly Uint8Array[], length: number): string {
  const whole = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(whole);
}
