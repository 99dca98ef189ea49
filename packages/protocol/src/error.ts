/**
 * Every failure the SDK reports, whatever the package, is an {@link SdkError} with one of
 * these codes. The list is closed: switch on it exhaustively.
 */
export const SDK_ERROR_CODES = [
  /** The caller passed something unusable (empty uid, bad option). */
  'invalid_argument',
  /** Message content failed validation (empty text, a media URL that is not a URL, …). */
  'invalid_content',
  /** A topic with a wildcard, an empty segment or a leading slash. */
  'invalid_topic',
  /** A time string that is neither `yyyy-MM-dd HH:mm:ss` nor epoch milliseconds. */
  'invalid_time',
  /** Bytes or JSON that do not decode to a message. */
  'decode_failed',
  /** An encoded message over the packet limit. */
  'oversize',
  /** The realtime link is not up. */
  'not_connected',
  /** A deadline passed. */
  'timeout',
  /** The server refused the connection (ECONNREFUSED). */
  'connection_refused',
  /** The host name does not resolve (ENOTFOUND), or the URL/path is wrong. */
  'host_not_found',
  /**
   * TLS failed: the server's certificate is not trusted (self-signed, unknown CA, expired, for
   * another host) or the TLS handshake failed. Not retryable: trying again meets the same
   * certificate; fix the certificate or trust its CA.
   */
  'tls',
  /** The server did not accept the username/token (MQTT CONNACK 4, login refused). */
  'bad_credentials',
  /** Authenticated but not allowed (MQTT CONNACK 5, HTTP 403). */
  'not_authorized',
  /** No token, or the token was rejected (HTTP 401). */
  'unauthenticated',
  /** Another connection with the same clientId, or a KICKOFF, ended this one. */
  'kicked',
  /** The peer broke the protocol (unexpected envelope, bad packet). */
  'protocol',
  /** A REST call answered with an envelope code other than 200; the message is the server's. */
  'server_error',
  /** A REST call answered with an HTTP status that is not 2xx (and not 401/403). */
  'http_error',
  /**
   * A REST answer's body is over the transport's limit (`maxResponseBytes`; counted after
   * gzip/br are inflated); `details` has `limitBytes` and `contentLength` or `receivedBytes`.
   * Retryable: the request was fine and the fault is the server's or a proxy's, as for
   * `http_error`, so a message sent over REST stays in the outbox and is sent again.
   * `@weiyu/transport-ws` gives it too, as an `error` event on a connection that stays up, for a
   * message from the broker over its `maxIncomingPacketBytes`, skipped; `details` has `topic`,
   * `packetBytes` and `limitBytes`.
   */
  'response_too_large',
  /** The network failed (socket closed, fetch failed). */
  'network',
  /** The outbox holds as many messages as it may, or the store it is kept in is full. */
  'outbox_full',
  /**
   * The outbox store failed: a call threw or did not answer in time, or a record in it could not
   * be read. The client goes on without it: messages are still sent, but not kept across a restart.
   */
  'storage',
  /** The client was disposed or disconnected by hand. */
  'closed',
  /** No message with that uid is known. */
  'not_found',
  /** Anything else. */
  'unknown',
] as const;

/** One of {@link SDK_ERROR_CODES}. */
export type SdkErrorCode = (typeof SDK_ERROR_CODES)[number];

const RETRYABLE: ReadonlySet<SdkErrorCode> = new Set<SdkErrorCode>([
  'not_connected',
  'timeout',
  'connection_refused',
  'host_not_found',
  'network',
  'http_error',
  'response_too_large',
]);

/** Options of {@link SdkError}. */
export interface SdkErrorOptions {
  /** The underlying error, kept for logs; never shown to end users as is. */
  cause?: unknown;
  /** Structured facts about the failure (HTTP status, server code, sizes). */
  details?: Readonly<Record<string, unknown>>;
}

/** The one error class of the SDK: a closed `code`, a readable message, an optional `cause`. */
export class SdkError extends Error {
  /** Always `'SdkError'`. */
  override readonly name = 'SdkError';
  /** What went wrong, from a closed list: switch on it. */
  readonly code: SdkErrorCode;
  /** Structured facts about the failure (HTTP status, server code, sizes); `{}` when none. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: SdkErrorCode, message: string, options: SdkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** Whether trying the same thing again later may succeed (network trouble, timeouts). */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }

  /** Wraps anything thrown into an SdkError; an SdkError is returned as is. */
  static from(reason: unknown, code: SdkErrorCode = 'unknown'): SdkError {
    if (reason instanceof SdkError) return reason;
    if (reason instanceof Error) return new SdkError(code, reason.message, { cause: reason });
    return new SdkError(code, String(reason), { cause: reason });
  }
}

/** A value or a typed error: what functions that must never throw return. */
export type Result<T> =
  | {
      /** It worked. */
      readonly ok: true;
      /** The value. */
      readonly value: T;
    }
  | {
      /** It failed. */
      readonly ok: false;
      /** Why. */
      readonly error: SdkError;
    };

/** A successful {@link Result}. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** A failed {@link Result}. */
export function err<T = never>(code: SdkErrorCode, message: string, options?: SdkErrorOptions): Result<T> {
  return { ok: false, error: new SdkError(code, message, options) };
}
