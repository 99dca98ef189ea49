/**
 * What core needs from the outside world. Core performs no I/O of its own: time, randomness,
 * storage, the environment and the network all come in through these interfaces, so every
 * policy can be tested with a fake clock and in-memory transports.
 */
import type { SdkError, WireMessage } from '@weiyu/protocol';

/**
 * The part of the web platform's `AbortSignal` that core uses, declared here so that core needs
 * no DOM or Node typings. A real `AbortSignal` fits it.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

// ---------------------------------------------------------------------------------------------
// Realtime transport (MQTT over WebSocket in production; in-memory in core's tests)
// ---------------------------------------------------------------------------------------------

/** Credentials and identity of one realtime connection. */
export interface RealtimeConnectOptions {
  /** `${uid}/${channel}/${deviceUid}`: the server takes the part before the first `/` as the user. */
  readonly clientId: string;
  readonly username: string;
  /** The access token. Never logged. */
  readonly password: string;
}

/** What the broker said when it accepted a connection. */
export interface RealtimeConnectResult {
  /** The broker kept a session from an earlier connection (MQTT session present flag). */
  readonly sessionPresent: boolean;
}

/** Something that happened on a realtime connection. */
export type RealtimeEvent =
  /** A message arrived on a subscribed topic. */
  | { readonly type: 'message'; readonly topic: string; readonly payload: Uint8Array }
  /**
   * A connection that was up went down. `error` says why (classified), or is undefined when
   * it was closed by {@link RealtimeTransport.close}. Failed connect attempts do not emit this:
   * their promise rejects instead.
   */
  | { readonly type: 'disconnected'; readonly error: SdkError | undefined }
  /** A problem that did not (yet) close the connection. */
  | { readonly type: 'error'; readonly error: SdkError };

/**
 * Moves bytes to and from the broker. No policy: no retries, no reconnects, no fallback.
 * One transport instance holds at most one connection at a time.
 */
export interface RealtimeTransport {
  /** This tab's or process's device id, the last part of the clientId. */
  readonly deviceUid: string;
  /** Whether a connection is up now. */
  isConnected(): boolean;
  /**
   * Opens a connection. Resolves when the broker accepted it; rejects with an SdkError whose
   * code classifies the failure: `bad_credentials`, `not_authorized`, `connection_refused`,
   * `host_not_found`, `timeout`, `protocol`, `network`, or `closed` when aborted.
   */
  connect(options: RealtimeConnectOptions, signal?: AbortSignalLike): Promise<RealtimeConnectResult>;
  /**
   * Publishes bytes. Resolves when the broker took them (PUBACK at QoS 1; written to the
   * socket at QoS 0). Rejects with `not_connected`, `network` or `timeout`. Taking the bytes
   * says nothing about delivery: only the server's echo does.
   */
  publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void>;
  /** Subscribes to exact topics (no wildcards). Rejects with `not_connected`, `not_authorized`, `timeout`. */
  subscribe(topics: readonly string[], qos: 0 | 1): Promise<void>;
  /** Unsubscribes exact topics. */
  unsubscribe(topics: readonly string[]): Promise<void>;
  /** Closes the connection if any; resolves when it is closed. Safe to call twice. */
  close(): Promise<void>;
  /** Listens to events; returns a function that stops listening. */
  on(listener: (event: RealtimeEvent) => void): () => void;
}

// ---------------------------------------------------------------------------------------------
// REST transport (fetch in production; in-memory in core's tests)
// ---------------------------------------------------------------------------------------------

/** Options common to every REST call. */
export interface RestCallOptions {
  /** Sent as `Authorization: Bearer …`. Absent for anonymous visitor calls. Never logged. */
  readonly accessToken?: string;
  readonly signal?: AbortSignalLike;
}

/** One page of a topic's history, newest first, as the server pages it (from 0). */
export interface HistoryPage {
  readonly messages: readonly WireMessage[];
  readonly pageNumber: number;
  readonly pageSize: number;
  readonly totalPages: number;
  readonly totalElements: number;
  /** Whether this is the last (oldest) page. */
  readonly last: boolean;
}

/**
 * The REST API of the server. Each call resolves with the envelope's `data` when `code` is 200
 * and rejects with an SdkError otherwise: `server_error` (another code; the message is the
 * server's), `unauthenticated` (HTTP 401 or code 401), `not_authorized` (403 or code 403), `http_error` (other status),
 * `protocol` (a body that is not the envelope), `network`, `timeout`.
 */
export interface RestTransport {
  /**
   * `POST /api/v1/message/rest/send` with `{json, client}` (or the visitor endpoint when
   * `visitor` is set). Accepted is not delivered: the realtime echo still follows.
   * Resolves with the message the answer holds, when it holds one: current servers answer with
   * the posted JSON string verbatim (still SENDING, the client's createdAt), older ones with
   * the processed message.
   */
  sendMessage(
    message: WireMessage,
    options: RestCallOptions & { readonly channel: string; readonly visitor?: boolean },
  ): Promise<WireMessage | undefined>;
  /** `GET /api/v1/message/query/topic`: one page of a topic's history, newest first. */
  queryTopic(
    query: { readonly topic: string; readonly pageNumber: number; readonly pageSize: number },
    options?: RestCallOptions,
  ): Promise<HistoryPage>;
}

// ---------------------------------------------------------------------------------------------
// Time, randomness, storage, environment, logs
// ---------------------------------------------------------------------------------------------

/** An opaque timer handle. */
export type TimerHandle = unknown;

/** Where core gets the time and sets timers. Tests pass a fake clock they advance by hand. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Where core gets randomness (message uids, backoff jitter). Tests pass a seeded one. */
export interface RandomSource {
  /** A number in [0, 1). */
  next(): number;
  /** `length` random bytes. */
  bytes(length: number): Uint8Array;
}

/** A small string key-value store: where the outbox lives. */
export interface KeyValueStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every key that starts with `prefix`. */
  keys(prefix: string): Promise<string[]>;
}

/** A change of network or page state. */
export type EnvironmentChange = 'online' | 'offline' | 'visible' | 'hidden';

/** Network and page state, which nudge the connection (reconnect at once when back online). */
export interface Environment {
  isOnline(): boolean;
  isVisible(): boolean;
  /** Listens to changes; returns a function that stops listening. */
  subscribe(listener: (change: EnvironmentChange) => void): () => void;
}

/** Where core writes what it does. Tokens never reach it. */
export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}
