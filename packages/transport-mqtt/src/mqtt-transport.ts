import {
  type AbortSignalLike,
  type Logger,
  type RealtimeConnectOptions,
  type RealtimeConnectResult,
  type RealtimeEvent,
  type RealtimeTransport,
  SdkError,
} from '@weiyu/core';
// The default import is the one shape that works everywhere: Node loads mqtt's CommonJS build,
// browser bundlers pick `dist/mqtt.esm.js` (its "browser" export), which has no named exports.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { classifyMqttError } from './classify-error.js';

/** Options of {@link createMqttTransport}. */
export interface MqttTransportOptions {
  /**
   * The broker's WebSocket URL, `ws://` or `wss://`, e.g. `wss://chat.example.com/websocket`.
   * A URL without a path gets `/websocket`, the only path the Weiyu server serves.
   */
  readonly url: string;
  /**
   * The last part of the clientId (`uid/channel/deviceUid`). Default: a fresh random id per
   * transport, so two tabs or processes of one user never share a clientId (the server lets the
   * newer of two equal clientIds kick the older, forever). Pass a stored one only if it is
   * unique per tab.
   */
  readonly deviceUid?: string;
  /** MQTT keepalive in seconds (default 30). The server drops a connection idle for 1.5 × this. */
  readonly keepalive?: number;
  /** How long one connect attempt may take until CONNACK, WebSocket handshake included (ms, default 30 000). */
  readonly connectTimeoutMs?: number;
  /** How long a publish, subscribe or unsubscribe may wait for the broker's ack (ms, default 10 000). */
  readonly ackTimeoutMs?: number;
  /**
   * Verify the server's TLS certificate on `wss://` (default `true`). `false` accepts any
   * certificate, so anyone on the network path can read and change the traffic, access token
   * included: use it only against a development server with a self-signed certificate. Node
   * only; browsers always verify.
   */
  readonly rejectUnauthorized?: boolean;
  /** MQTT clean session (default `false`: ask the broker to keep the session across connections). */
  readonly clean?: boolean;
  /** Where the transport writes what it does. The password (access token) never reaches it. */
  readonly logger?: Logger;
}

/** A {@link RealtimeTransport} over MQTT 3.1.1 on a WebSocket, as returned by {@link createMqttTransport}. */
export interface MqttTransport extends RealtimeTransport {
  /** The WebSocket URL it connects to, normalized (path `/websocket` added when there was none). */
  readonly url: string;
}

const DEFAULT_KEEPALIVE_S = 30;
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_ACK_TIMEOUT_MS = 10_000;
/** How long `close()` waits for a polite DISCONNECT before it drops the socket. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Creates the realtime transport for `@weiyu/core`: MQTT 3.1.1 over a WebSocket (subprotocol
 * `mqtt`) on mqtt.js, with the options of the Weiyu guide (keepalive 30 s, persistent session,
 * connect timeout 30 s, rescheduled pings). It never reconnects by itself: the chat client owns
 * the backoff. Throws an {@link SdkError} `invalid_argument` for a URL that is not `ws://` or
 * `wss://`, or for nonsensical numbers.
 *
 * @example
 * const realtime = createMqttTransport({ url: 'wss://chat.example.com/websocket' });
 */
export function createMqttTransport(options: MqttTransportOptions): MqttTransport {
  const url = normalizeUrl(options.url);
  const settings: Settings = {
    url,
    logUrl: describeUrl(url),
    deviceUid: options.deviceUid ?? randomDeviceUid(),
    keepalive: positive(options.keepalive, DEFAULT_KEEPALIVE_S, 'keepalive'),
    connectTimeoutMs: positive(options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, 'connectTimeoutMs'),
    ackTimeoutMs: positive(options.ackTimeoutMs, DEFAULT_ACK_TIMEOUT_MS, 'ackTimeoutMs'),
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    clean: options.clean ?? false,
    logger: options.logger,
  };
  if (settings.deviceUid.length === 0 || settings.deviceUid.includes('/')) {
    throw new SdkError('invalid_argument', 'deviceUid must be non-empty and contain no "/"');
  }
  return new MqttTransportImpl(settings);
}

interface Settings {
  readonly url: string;
  /** The URL as logs and error messages show it: origin and path, no query, no userinfo. */
  readonly logUrl: string;
  readonly deviceUid: string;
  readonly keepalive: number;
  readonly connectTimeoutMs: number;
  readonly ackTimeoutMs: number;
  readonly rejectUnauthorized: boolean;
  readonly clean: boolean;
  readonly logger: Logger | undefined;
}

/** One mqtt.js client: one connection attempt and, if it succeeds, one connection. */
interface Link {
  readonly client: MqttClient;
  /** CONNACK received and the socket not closed since. */
  up: boolean;
  /** Let go (attempt given up, or the socket closed): its events are ignored from now on. */
  ended: boolean;
  /** `close()` (or a newer `connect()`) asked for this link to end. */
  closing: boolean;
  /** The socket closed (or the backstop gave up waiting for it). */
  socketClosed: boolean;
  /** The last error seen, reported with `disconnected`. */
  lastError: SdkError | undefined;
  /** Rejecters of publishes and subscriptions waiting for an ack. */
  readonly pending: Set<(error: SdkError) => void>;
  /** Settles the connect promise while it is open. */
  failConnect: ((error: SdkError) => void) | undefined;
  /** Resolves once the socket closed: only then is the link really gone. */
  readonly closed: Promise<void>;
  /** Makes sure the link ends in bounded time: drops the socket after a grace period, then stops waiting. */
  armBackstop(): void;
}

class MqttTransportImpl implements MqttTransport {
  readonly url: string;
  readonly deviceUid: string;
  readonly #settings: Settings;
  readonly #listeners = new Set<(event: RealtimeEvent) => void>();
  /** The link of the transport: connecting or up. Events of any other link are ignored. */
  #link: Link | undefined;
  /** Links that were let go and whose socket has not closed yet: connect() and close() wait for them. */
  readonly #ending = new Set<Link>();
  /** Bumped by close(): a connect() that was waiting for an old link when it happened gives up. */
  #closeGeneration = 0;

  constructor(settings: Settings) {
    this.#settings = settings;
    this.url = settings.url;
    this.deviceUid = settings.deviceUid;
  }

  isConnected(): boolean {
    return this.#link?.up === true;
  }

  async connect(options: RealtimeConnectOptions, signal?: AbortSignalLike): Promise<RealtimeConnectResult> {
    if (options.clientId.length === 0) throw new SdkError('invalid_argument', 'clientId must not be empty');
    const generation = this.#closeGeneration;
    const stillWanted = () => {
      if (signal?.aborted) throw new SdkError('closed', 'Connect was aborted');
      if (generation !== this.#closeGeneration) {
        throw new SdkError('closed', 'The connection was closed while connecting');
      }
    };
    stillWanted();
    // One connection at a time: a new attempt replaces whatever was there (an attempt still
    // connecting rejects with `closed`) and opens its socket only once the old one closed. A loop:
    // a concurrent connect() may have opened a link while this one waited; the last one wins.
    while (this.#link || this.#ending.size > 0) {
      await this.#endAll();
      stillWanted();
    }
    return this.#attempt(options, signal);
  }

  /** One connect attempt; sets `#link` synchronously, so no other attempt can slip in. */
  #attempt(options: RealtimeConnectOptions, signal: AbortSignalLike | undefined): Promise<RealtimeConnectResult> {
    const { logUrl, connectTimeoutMs } = this.#settings;
    this.#settings.logger?.debug('mqtt: connecting', { url: logUrl, clientId: options.clientId });
    return new Promise<RealtimeConnectResult>((resolve, reject) => {
      let settled = false;
      let link: Link | undefined;
      const finish = () => {
        settled = true;
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
        if (link) link.failConnect = undefined;
      };
      const fail = (error: SdkError) => {
        if (settled) return;
        finish();
        if (link) this.#drop(link);
        this.#settings.logger?.debug('mqtt: connect failed', { url: logUrl, code: error.code, message: error.message });
        reject(error);
      };
      const onAbort = () => fail(new SdkError('closed', 'Connect was aborted'));
      const deadline = setTimeout(
        () => fail(new SdkError('timeout', `${logUrl} did not accept the connection within ${connectTimeoutMs} ms`)),
        connectTimeoutMs,
      );
      signal?.addEventListener('abort', onAbort);
      try {
        link = this.#open(options, (sessionPresent) => {
          if (settled) return;
          finish();
          this.#settings.logger?.info('mqtt: connected', { url: logUrl, sessionPresent });
          resolve({ sessionPresent });
        });
      } catch (error) {
        fail(classifyMqttError(error, logUrl));
        return;
      }
      link.failConnect = fail;
      this.#link = link;
    });
  }

  /** Creates the mqtt.js client and wires its events to this transport. */
  #open(options: RealtimeConnectOptions, onConnack: (sessionPresent: boolean) => void): Link {
    const s = this.#settings;
    const clientOptions: IClientOptions = {
      protocolVersion: 4,
      clientId: options.clientId,
      username: options.username,
      password: options.password,
      keepalive: s.keepalive,
      clean: s.clean,
      connectTimeout: s.connectTimeoutMs,
      reschedulePings: true,
      // The chat client owns reconnects and resubscriptions; mqtt.js must never do either.
      reconnectPeriod: 0,
      reconnectOnConnackError: false,
      // Handlers go on before the socket opens, so no event is missed.
      manualConnect: true,
      resubscribe: false,
      queueQoSZero: false,
      rejectUnauthorized: s.rejectUnauthorized,
    };
    const client = mqtt.connect(s.url, clientOptions);
    let markClosed = () => {};
    const closed = new Promise<void>((resolve) => {
      markClosed = resolve;
    });
    let dropTimer: ReturnType<typeof setTimeout> | undefined;
    let giveUpTimer: ReturnType<typeof setTimeout> | undefined;
    const link: Link = {
      client,
      up: false,
      ended: false,
      closing: false,
      socketClosed: false,
      lastError: undefined,
      pending: new Set(),
      failConnect: undefined,
      closed,
      armBackstop: () => {
        if (dropTimer !== undefined || link.socketClosed) return;
        // A polite DISCONNECT gets this long; then the socket goes. Should even that not bring
        // the 'close' event, the link counts as closed after as long again: no wait is unbounded.
        dropTimer = setTimeout(() => client.stream?.destroy(), CLOSE_GRACE_MS);
        giveUpTimer = setTimeout(() => {
          s.logger?.warn('mqtt: the socket did not report closing; giving up on it', { url: s.logUrl });
          onSocketClosed();
        }, 2 * CLOSE_GRACE_MS);
      },
    };
    const current = () => this.#link === link && !link.ended;
    let streamError: SdkError | undefined;
    client.on('connect', (packet) => {
      if (!current()) return;
      link.up = true;
      onConnack(packet.sessionPresent);
    });
    client.on('error', (error) => {
      const classified = classifyMqttError(error, s.logUrl);
      if (link.failConnect) {
        link.failConnect(classified);
        return;
      }
      if (!current() || link.closing) return;
      link.lastError = classified;
      s.logger?.warn('mqtt: error', { url: s.logUrl, code: classified.code, message: classified.message });
      this.#emit({ type: 'error', error: classified });
    });
    // mqtt.js reports messages a broker held in the persistent session (sent right after the
    // CONNACK) before its 'connect' event: the link is up from the CONNACK packet on.
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'connack' && packet.returnCode === 0 && current()) link.up = true;
    });
    client.on('message', (topic, payload) => {
      if (!link.up || !current() || link.closing) return;
      // A copy: the app may keep it, and mqtt.js may reuse the Buffer's memory.
      this.#emit({ type: 'message', topic, payload: new Uint8Array(payload) });
    });
    const onSocketClosed = () => {
      if (link.socketClosed) return;
      link.socketClosed = true;
      clearTimeout(dropTimer);
      clearTimeout(giveUpTimer);
      this.#ending.delete(link);
      link.failConnect?.(
        streamError ??
          new SdkError(
            'connection_refused',
            `The WebSocket to ${s.logUrl} closed before the broker answered: is the server up and the path right?`,
          ),
      );
      const wasUp = link.up;
      link.ended = true;
      link.up = false;
      if (this.#link === link) this.#link = undefined;
      const error = link.closing
        ? new SdkError('closed', 'The connection was closed')
        : (link.lastError ??
          new SdkError('network', `The connection to ${s.logUrl} was lost`, streamError ? { cause: streamError } : {}));
      for (const reject of link.pending) reject(error);
      link.pending.clear();
      // Stop mqtt.js's own timers and stores; it must not try anything by itself.
      client.end(true, {}, () => {});
      markClosed();
      if (wasUp) {
        s.logger?.info('mqtt: disconnected', { url: s.logUrl, code: link.closing ? undefined : error.code });
        this.#emit({ type: 'disconnected', error: link.closing ? undefined : error });
      }
    };
    // Only the socket's close says the link is gone (mqtt.js's end() callback comes earlier).
    client.on('close', onSocketClosed);
    client.connect();
    // mqtt.js drops socket errors that carry no `code` (ws's "Unexpected server response: 404"
    // for a wrong path); listening on the stream keeps them for a useful message.
    client.stream?.on('error', (error: unknown) => {
      streamError = classifyMqttError(error, s.logUrl);
    });
    return link;
  }

  /** Gives a connect attempt up: drops its socket at once. `closed` resolves when the socket closed. */
  #drop(link: Link): void {
    link.ended = true;
    // Never announced as connected: no `disconnected` for it.
    link.up = false;
    if (this.#link === link) this.#link = undefined;
    if (link.socketClosed) return;
    this.#ending.add(link);
    link.client.end(true, {}, () => {});
    link.armBackstop();
  }

  /** Ends a link for close() or a newer connect(): an attempt is given up, a connection says goodbye. */
  #shut(link: Link): void {
    link.closing = true;
    if (link.failConnect) {
      link.failConnect(new SdkError('closed', 'The connection was closed while connecting'));
      return;
    }
    // Let go at once: no publish may start on it, no event comes from it but its `disconnected`.
    if (this.#link === link) this.#link = undefined;
    if (link.socketClosed || this.#ending.has(link)) return;
    this.#ending.add(link);
    // A polite DISCONNECT first; mqtt.js would wait for outstanding acks: do not wait for those.
    link.client.end(link.pending.size > 0, {}, () => {});
    link.armBackstop();
  }

  /** Ends the current link and waits until every socket this transport opened is closed. */
  async #endAll(): Promise<void> {
    const link = this.#link;
    if (link) this.#shut(link);
    await Promise.all([...this.#ending].map((ending) => ending.closed));
  }

  publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void> {
    return this.#withAck(`publish to ${topic}`, (link, done) => {
      link.client.publish(topic, toBufferView(payload), { qos }, (error) => done(error));
    });
  }

  subscribe(topics: readonly string[], qos: 0 | 1): Promise<void> {
    if (topics.length === 0) return Promise.resolve();
    const bad = topics.find(isUnsafeTopic);
    if (bad !== undefined) return Promise.reject(unsafeTopic(bad));
    return this.#withAck(`subscribe to ${topics.join(', ')}`, (link, done) => {
      link.client.subscribe([...topics], { qos }, (error) => done(error ?? undefined));
    });
  }

  unsubscribe(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return Promise.resolve();
    const bad = topics.find(isUnsafeTopic);
    if (bad !== undefined) return Promise.reject(unsafeTopic(bad));
    return this.#withAck(`unsubscribe from ${topics.join(', ')}`, (link, done) => {
      link.client.unsubscribe([...topics], (error) => done(error ?? undefined));
    });
  }

  /**
   * Runs an operation that the broker acknowledges. Settles exactly once: on the ack, on an
   * error, when the connection goes down, or at the deadline; never hangs.
   */
  #withAck(what: string, run: (link: Link, done: (error: Error | undefined) => void) => void): Promise<void> {
    const link = this.#link;
    if (!link?.up) return Promise.reject(new SdkError('not_connected', `Cannot ${what}: not connected`));
    const { logUrl: url, ackTimeoutMs } = this.#settings;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error: SdkError | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        link.pending.delete(onDown);
        if (error) reject(error);
        else resolve();
      };
      const onDown = (error: SdkError) =>
        settle(
          error.code === 'closed'
            ? new SdkError('closed', `Cannot ${what}: the connection was closed`, { cause: error })
            : new SdkError('network', `Cannot ${what}: the connection was lost`, { cause: error }),
        );
      const deadline = setTimeout(
        () => settle(new SdkError('timeout', `${url} did not acknowledge the ${what} within ${ackTimeoutMs} ms`)),
        ackTimeoutMs,
      );
      link.pending.add(onDown);
      try {
        run(link, (error) => settle(error ? classifyMqttError(error, url) : undefined));
      } catch (error) {
        settle(classifyMqttError(error, url));
      }
    });
  }

  async close(): Promise<void> {
    // A connect() waiting for an old link to close must not carry on once close() was called.
    this.#closeGeneration += 1;
    await this.#endAll();
  }

  on(listener: (event: RealtimeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #emit(event: RealtimeEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        // A listener's bug must not break the connection or starve the other listeners.
        this.#settings.logger?.error('mqtt: event listener threw', { type: event.type, error: String(error) });
      }
    }
  }
}

function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Echoed only when it has no place for a secret (a query, a fragment, `user:pw@`).
    const shown = /[?#@]/.test(raw) ? '(not shown: it has a query, fragment or credentials)' : `"${raw}"`;
    throw new SdkError('invalid_argument', `Not an absolute URL: ${shown} (expected ws://host:port/websocket)`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new SdkError('invalid_argument', `The broker URL must be ws:// or wss://, got ${url.protocol}//`);
  }
  if (url.username || url.password) {
    // Credentials belong in connect(), where they are never logged; a URL is logged freely.
    throw new SdkError('invalid_argument', 'The broker URL must not carry credentials');
  }
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/websocket';
  return url.toString();
}

/**
 * The URL for logs and error messages: origin and path only. A query (`?token=…`) or userinfo
 * may carry a secret, and both are logged and thrown freely.
 */
function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new SdkError('invalid_argument', `${name} must be a positive number, got ${value}`);
  }
  return value;
}

/** 32 lowercase hex characters: a UUID's worth of randomness, without dashes. */
function randomDeviceUid(): string {
  const bytes = new Uint8Array(16);
  // getRandomValues works on plain http pages too, where randomUUID does not exist.
  globalThis.crypto.getRandomValues(bytes);
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** mqtt.js types the payload as a Buffer; where Buffer exists, hand it a view without copying. */
function toBufferView(payload: Uint8Array): Buffer {
  if (typeof Buffer !== 'undefined') return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  // In browsers mqtt.js's bundled writer takes any Uint8Array.
  return payload as Buffer;
}

/** Wildcards never match on the Weiyu server, and a bad one makes it drop the connection. */
function isUnsafeTopic(topic: string): boolean {
  return topic.length === 0 || topic.includes('+') || topic.includes('#');
}

function unsafeTopic(topic: string): SdkError {
  return new SdkError('invalid_topic', `Exact topics only (no wildcards, not empty): "${topic}"`);
}
