import { SdkError, type SdkErrorCode } from '@weiyu/core';
import type { IncomingPacket } from './codec.js';
import type { WebSocketEventLike } from './options.js';

/** MQTT 3.1.1 CONNACK return codes and what each one means for the app. */
const CONNACK: Readonly<Record<number, readonly [SdkErrorCode, string]>> = {
  1: ['protocol', 'unacceptable protocol version'],
  // The clientId is part of the identity the broker judged; a retry with the same one cannot succeed.
  2: ['bad_credentials', 'client identifier rejected'],
  3: ['connection_refused', 'server unavailable'],
  4: ['bad_credentials', 'bad username or password'],
  5: ['not_authorized', 'not authorized'],
};

const SOCKET_CODES: Readonly<Record<string, SdkErrorCode>> = {
  ECONNREFUSED: 'connection_refused',
  ENOTFOUND: 'host_not_found',
  EAI_AGAIN: 'host_not_found',
};

/** The error of a CONNACK that refused the connection (return code 1–5, or another one). */
export function connackError(returnCode: number, url: string): SdkError {
  const [code, reason] = CONNACK[returnCode] ?? ['connection_refused', 'unknown return code'];
  return new SdkError(code, `${url} refused the connection: ${reason} (CONNACK ${returnCode})`, {
    details: { returnCode },
  });
}

/**
 * What a WebSocket error event says. Browsers say nothing (refused, no such path and a bad
 * certificate look alike); Node's `ws` gives the socket's error code or the HTTP answer.
 */
export function classifySocketError(event: WebSocketEventLike, url: string): SdkError {
  const cause = event.error ?? event;
  const code = (event.error as { code?: unknown } | undefined)?.code;
  const message = event.message ?? (event.error instanceof Error ? event.error.message : '');
  if (typeof code === 'string') {
    const mapped = SOCKET_CODES[code];
    if (mapped) return new SdkError(mapped, `Could not open a WebSocket to ${url} (${code})`, { cause });
    if (code.includes('CERT') || /SSL|TLS/.test(code)) {
      return new SdkError('tls', `The TLS handshake with ${url} failed (${code})`, { cause, details: { code } });
    }
  }
  const upgrade = /Unexpected server response: (\d+)/.exec(message);
  if (upgrade) return upgradeError(Number(upgrade[1]), url, cause);
  return new SdkError(
    'connection_refused',
    `Could not open a WebSocket to ${url}: the server is down or refused it, or the URL, path or certificate is wrong`,
    { cause },
  );
}

/** A WebSocket upgrade answered with a plain HTTP response. */
function upgradeError(status: number, url: string, cause: unknown): SdkError {
  const options = { cause, details: { status } };
  if (status === 401)
    return new SdkError('bad_credentials', `${url} refused the WebSocket upgrade (HTTP 401)`, options);
  if (status === 403) return new SdkError('not_authorized', `${url} refused the WebSocket upgrade (HTTP 403)`, options);
  if (status >= 500) {
    return new SdkError('connection_refused', `${url} answered the WebSocket upgrade with HTTP ${status}`, options);
  }
  return new SdkError(
    'host_not_found',
    `${url} is not an MQTT WebSocket endpoint (HTTP ${status}): check the URL and its path (/websocket)`,
    options,
  );
}

/**
 * The error a PUBLISH over `maxIncomingPacketBytes` gives once skipped, the connection staying up:
 * `response_too_large`, the code of a REST answer over its limit, with the topic in `details`.
 */
export function skippedError(packet: Extract<IncomingPacket, { type: 'skipped' }>, url: string): SdkError {
  const { topic, bytes, limit } = packet;
  return new SdkError(
    'response_too_large',
    `${url} sent a message of ${bytes} bytes on ${topic}, over this transport's limit of ${limit} (maxIncomingPacketBytes): skipped`,
    { details: { topic, packetBytes: bytes, limitBytes: limit } },
  );
}
