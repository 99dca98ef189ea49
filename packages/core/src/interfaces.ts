/**
 * What core needs from the outside world. Core performs no I/O of its own: time, randomness,
 * storage, the environment and the network all come in through these interfaces, so every
 * policy can be tested with a fake clock and in-memory transports.
 */
import type { RestThread, SdkError, WireMessage } from '@weiyu/protocol';

/**
 * The part of the web platform's `AbortSignal` that core uses, declared here so that core needs
 * no DOM or Node typings. A real `AbortSignal` fits it.
 */
export interface AbortSignalLike {
  /** Whether it has been aborted. */
  readonly aborted: boolean;
  /** Why, once aborted. */
  readonly reason?: unknown;
  /** Calls `listener` when it is aborted. */
  addEventListener(type: 'abort', listener: () => void): void;
  /** Stops calling `listener`. */
  removeEventListener(type: 'abort', listener: () => void): void;
}

// ---------------------------------------------------------------------------------------------
// Realtime transport (MQTT over WebSocket in production; in-memory in core's tests)
// ---------------------------------------------------------------------------------------------

/** Credentials and identity of one realtime connection. */
export interface RealtimeConnectOptions {
  /** `${uid}/${channel}/${deviceUid}`: the server takes the part before the first `/` as the user. */
  readonly clientId: string;
  /** The MQTT username: the user's login name. */
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
  | {
      /** A message arrived. */
      readonly type: 'message';
      /** The topic it was published on. */
      readonly topic: string;
      /** Its bytes (a protobuf `weiyu.v1.Message`). */
      readonly payload: Uint8Array;
    }
  /**
   * A connection that was up went down. `error` says why (classified), or is undefined when
   * it was closed by {@link RealtimeTransport.close}. Failed connect attempts do not emit this:
   * their promise rejects instead.
   */
  | {
      /** The connection went down. */
      readonly type: 'disconnected';
      /** Why, or undefined when it was closed on purpose. */
      readonly error: SdkError | undefined;
    }
  /** A problem that did not (yet) close the connection. */
  | {
      /** Something went wrong on a connection that stays up. */
      readonly type: 'error';
      /** What. */
      readonly error: SdkError;
    };

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
  /** Aborts the call (it rejects with `closed`). */
  readonly signal?: AbortSignalLike;
  /**
   * A visitor's call: the visitor endpoints, which take no login (history, uploads). The
   * client sets it when created with `visitor: true`.
   */
  readonly visitor?: boolean;
}

/**
 * A file to upload: what a browser's or Node's `File` has (`new File([bytes], 'a.pdf', { type })`).
 * The transport sends it as it is; core reads only these fields.
 */
export interface UploadFile {
  /** The file name the server stores and shows (not empty). */
  readonly name: string;
  /** Its size in bytes. */
  readonly size: number;
  /** Its MIME type, `''` when unknown. */
  readonly type: string;
}

/** How far an upload is. */
export interface UploadProgress {
  /** Bytes sent so far. */
  readonly loaded: number;
  /** Bytes to send in all (the file's size). */
  readonly total: number;
}

/** Options of {@link RestTransport.upload}. */
export interface UploadCallOptions extends RestCallOptions {
  /**
   * Called as the upload goes on, when the platform tells (see the transport's README): at least
   * once at the start (`loaded` 0) and once when the server has the whole file (`loaded` = `total`).
   * A throw in it is ignored.
   */
  readonly onProgress?: (progress: UploadProgress) => void;
  /** More form fields for the server (e.g. `orgUid`, `visitorUid`, `kbType`). */
  readonly fields?: Readonly<Record<string, string>>;
}

/** Where the server keeps an uploaded file. */
export interface UploadedFile {
  /** The file's http(s) URL. */
  readonly url: string;
  /** The name the server gives it, when it says. */
  readonly name?: string;
  /** Its size as the server counts it, when it says. */
  readonly size?: number;
  /** Its MIME type as the server has it, when it says. */
  readonly mimeType?: string;
}

/**
 * A message as history lists it. `updatedAt` is when the server last changed it (a receipt or
 * a recall moves it on): the real server sorts history by it, newest first.
 */
export type HistoryMessage = WireMessage & {
  /** As the server wrote it (`yyyy-MM-dd HH:mm:ss` or epoch ms); absent or `''` when the server sent none. */
  readonly updatedAt?: string;
};

/**
 * One page of a topic's history as the server pages it (from 0): newest first, by `updatedAt`
 * on the real server (by creation on older ones).
 */
export interface HistoryPage {
  /** The messages of this page, newest first. */
  readonly messages: readonly HistoryMessage[];
  /** This page's number, from 0 (the newest). */
  readonly pageNumber: number;
  /** The page size asked for. */
  readonly pageSize: number;
  /** How many pages the topic's history has. */
  readonly totalPages: number;
  /** How many messages the topic's history has. */
  readonly totalElements: number;
  /** Whether this is the last (oldest) page. */
  readonly last: boolean;
}

/**
 * One page of the user's thread list as the server pages it (from 0): the thread that changed
 * last first. Each item as the server describes it (see `RestThread` of `@weiyu/protocol`).
 */
export interface ThreadListPage {
  /** The threads of this page, the one that changed last first. */
  readonly threads: readonly RestThread[];
  /** This page's number, from 0. */
  readonly pageNumber: number;
  /** The page size asked for. */
  readonly pageSize: number;
  /** How many pages the list has. */
  readonly totalPages: number;
  /** How many threads the list has. */
  readonly totalElements: number;
  /** Whether this is the last page. */
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
   * How far this server's history lags behind the realtime link (ms), when the transport knows
   * (an in-memory server does): the client's default for `timing.historyLagMs`. Unset: the real
   * server's ~5 s.
   */
  readonly historyLagMs?: number;
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
  /**
   * `GET /api/v1/thread/query`: one page of the signed-in user's thread list (an agent's
   * conversations), the thread that changed last first. Optional: without it a client has no
   * thread list (`loadThreads` rejects with `invalid_argument`).
   */
  queryThreads?(
    query: { readonly pageNumber: number; readonly pageSize: number },
    options?: RestCallOptions,
  ): Promise<ThreadListPage>;
  /**
   * Uploads a file (multipart: `POST /api/v1/upload/file`, or the visitor endpoint when
   * `visitor` is set) and resolves with where the server keeps it. Optional: without it, the
   * client's `sendFile` rejects with `invalid_argument`.
   */
  upload?(file: UploadFile, options?: UploadCallOptions): Promise<UploadedFile>;
}

/** What a visitor tells the server about themself (`POST /visitor/api/v1/init`). */
export interface VisitorInitRequest {
  /** The organisation. */
  readonly orgUid: string;
  /** The app's own id for this visitor, kept across visits (the server keys visitors by it and the org). */
  readonly visitorUid?: string;
  /** Display name (the server makes one up when absent). */
  readonly nickname?: string;
  /** Avatar image URL. */
  readonly avatar?: string;
  /** The channel (WEB, WEB_H5, …). */
  readonly channel: string;
  /** More of the server's visitor fields (mobile, email, note, lang, extra, …), sent as they are. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The visitor as the server keeps them. */
export interface VisitorProfile {
  /** The server's uid of the visitor: the user uid of every message they send. */
  readonly uid: string;
  /** The app's own id for them, as the server has it. */
  readonly visitorUid?: string;
  /** Display name. */
  readonly nickname?: string;
  /** Avatar image URL. */
  readonly avatar?: string;
  /**
   * A token, when the deployment issues visitors one (the real server does not: its CONNECT
   * takes any password).
   */
  readonly accessToken?: string;
}

/** Which conversation a visitor asks for (`POST /visitor/api/v1/thread`). */
export interface VisitorThreadRequest {
  /** The visitor's uid ({@link VisitorProfile.uid}). */
  readonly uid: string;
  /** The organisation. */
  readonly orgUid: string;
  /** Who serves them: a workgroup, an agent or a robot. */
  readonly kind: 'WORKGROUP' | 'AGENT' | 'ROBOT';
  /** The uid of that workgroup, agent or robot (the server's `sid`). */
  readonly sid: string;
  /** Straight to a person, past a workgroup's robot. */
  readonly forceAgent?: boolean;
  /** Display name. */
  readonly nickname?: string;
  /** Avatar image URL. */
  readonly avatar?: string;
  /** The channel (WEB, WEB_H5, …). */
  readonly channel: string;
}

/**
 * The visitor endpoints that start a conversation without a login. Each call rejects as the
 * other REST calls do; an answer of the wrong shape is `protocol`.
 */
export interface VisitorTransport {
  /** Creates the visitor, or finds them by `visitorUid` and org and updates them. */
  initVisitor(request: VisitorInitRequest, options?: RestCallOptions): Promise<VisitorProfile>;
  /**
   * Opens (or continues) the visitor's conversation; resolves with the message the server
   * answers with (WELCOME, CONTINUE, QUEUE, an offline notice, …), which carries the thread.
   */
  requestThread(request: VisitorThreadRequest, options?: RestCallOptions): Promise<WireMessage>;
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
  /** Calls `callback` once, `ms` milliseconds from now. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a timer that has not fired (a handle already fired or cleared is ignored). */
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
  /** The value under `key`, or undefined. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key`; rejects when the store is full or fails. */
  set(key: string, value: string): Promise<void>;
  /** Removes `key` (resolves when it is absent too). */
  delete(key: string): Promise<void>;
  /** Every key that starts with `prefix`. */
  keys(prefix: string): Promise<string[]>;
}

/** A change of network or page state. */
export type EnvironmentChange = 'online' | 'offline' | 'visible' | 'hidden';

/** Network and page state, which nudge the connection (reconnect at once when back online). */
export interface Environment {
  /** Whether the device believes it is online (browsers: `navigator.onLine`). */
  isOnline(): boolean;
  /** Whether the page is shown (browsers: `document.visibilityState`). */
  isVisible(): boolean;
  /** Listens to changes; returns a function that stops listening. */
  subscribe(listener: (change: EnvironmentChange) => void): () => void;
}

/** Where core writes what it does. Tokens never reach it. */
export interface Logger {
  /** Detail for tracing a problem: every attempt, packet and timer. */
  debug(message: string, data?: Record<string, unknown>): void;
  /** A change worth knowing: connected, subscribed, caught up. */
  info(message: string, data?: Record<string, unknown>): void;
  /** Something went wrong and the client copes (a retry, a dropped duplicate). */
  warn(message: string, data?: Record<string, unknown>): void;
  /** Something went wrong that the app should hear about. */
  error(message: string, data?: Record<string, unknown>): void;
}
