import { type Logger, MAX_PACKET_BYTES, SdkError } from '@weiyu/core';

/** What the transport gets with a WebSocket message, an error or a close: the parts it reads. */
export interface WebSocketEventLike {
  /** The event's name. */
  readonly type?: string;
  /** A message's data: an ArrayBuffer (binaryType `arraybuffer`), or text. */
  readonly data?: unknown;
  /** A close's code. */
  readonly code?: number;
  /** What went wrong, where the platform says (Node's `ws` does; browsers never do). */
  readonly message?: string;
  /** The error behind an error event, where the platform gives it (Node's `ws` does). */
  readonly error?: unknown;
}

/** The part of a WebSocket the transport uses: the browser's `WebSocket`, or the `ws` package's in Node. */
export interface WebSocketLike {
  /** Set to `'arraybuffer'` before the socket opens. */
  binaryType: string;
  /** Sends one binary message. */
  send(data: Uint8Array): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Listens to `open`, `message`, `error` and `close`. */
  addEventListener(type: 'open' | 'message' | 'error' | 'close', listener: (event: WebSocketEventLike) => void): void;
}

/** Opens a WebSocket: `new WebSocket(url, 'mqtt')`. */
export type WebSocketConstructor = new (url: string, protocols: string | string[]) => WebSocketLike;

/** Options of {@link createWsTransport}. */
export interface WsTransportOptions {
  /**
   * The broker's WebSocket URL, `ws://` or `wss://`, e.g. `wss://chat.example.com/websocket`.
   * A URL without a path gets `/websocket`, the only path the Weiyu server serves.
   */
  readonly url: string;
  /**
   * The WebSocket class (default `globalThis.WebSocket`, which browsers and Node 22 have). In Node 20
   * pass the `ws` package's: `import { WebSocket } from 'ws'`.
   */
  readonly WebSocket?: WebSocketConstructor;
  /**
   * The last part of the clientId (`uid/channel/deviceUid`), as for `@weiyu/transport-mqtt`:
   * default the process's (the page load's) id, held from creation to close(); in a browser pass
   * `await tabDeviceUid()` from `@weiyu/core` for one id per tab, kept across reloads.
   */
  readonly deviceUid?: string;
  /** MQTT keepalive in seconds (default 30): a PINGREQ goes out when nothing else went for this long. */
  readonly keepalive?: number;
  /** How long the broker may take to answer a PINGREQ before the link counts as dead (ms, default 10 000). */
  readonly pingTimeoutMs?: number;
  /** How long one connect attempt may take until CONNACK, WebSocket handshake included (ms, default 30 000). */
  readonly connectTimeoutMs?: number;
  /** How long a publish, subscribe or unsubscribe may wait for the broker's ack (ms, default 10 000). */
  readonly ackTimeoutMs?: number;
  /** The largest packet sent: a publish over it rejects with `oversize` (bytes, default 10 240, the server's limit). */
  readonly maxPacketBytes?: number;
  /** The largest packet taken from the broker: a bigger one is a `protocol` error (bytes, default 262 144). */
  readonly maxIncomingPacketBytes?: number;
  /** MQTT clean session (default `false`: ask the broker to keep the session across connections). */
  readonly clean?: boolean;
  /** Where the transport writes what it does. The password (access token) never reaches it. */
  readonly logger?: Logger;
}

/** The options of a transport, checked and with their defaults. */
export interface Settings {
  readonly url: string;
  /** The URL as logs and error messages show it: origin and path, no query. */
  readonly logUrl: string;
  readonly WebSocket: WebSocketConstructor;
  readonly deviceUid: string | undefined;
  readonly keepalive: number;
  readonly pingTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly ackTimeoutMs: number;
  readonly maxPacketBytes: number;
  readonly maxIncomingPacketBytes: number;
  readonly clean: boolean;
  readonly logger: Logger | undefined;
}

/** Checks the options and fills in the defaults; throws `invalid_argument` for what cannot work. */
export function resolveSettings(options: WsTransportOptions): Settings {
  const url = normalizeUrl(options.url);
  const parsed = new URL(url);
  const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (WebSocket === undefined) {
    throw new SdkError('invalid_argument', "This runtime has no WebSocket: pass one (Node 20: the ws package's)");
  }
  const keepalive = positive(options.keepalive, 30, 'keepalive');
  if (keepalive > 0xffff || !Number.isInteger(keepalive)) {
    throw new SdkError('invalid_argument', `keepalive must be whole seconds up to 65535, got ${keepalive}`);
  }
  if (options.deviceUid !== undefined && (options.deviceUid.length === 0 || options.deviceUid.includes('/'))) {
    throw new SdkError('invalid_argument', 'deviceUid must be non-empty and contain no "/"');
  }
  return {
    url,
    logUrl: `${parsed.protocol}//${parsed.host}${parsed.pathname}`,
    WebSocket,
    deviceUid: options.deviceUid,
    keepalive,
    pingTimeoutMs: positive(options.pingTimeoutMs, 10_000, 'pingTimeoutMs'),
    connectTimeoutMs: positive(options.connectTimeoutMs, 30_000, 'connectTimeoutMs'),
    ackTimeoutMs: positive(options.ackTimeoutMs, 10_000, 'ackTimeoutMs'),
    maxPacketBytes: positive(options.maxPacketBytes, MAX_PACKET_BYTES, 'maxPacketBytes'),
    maxIncomingPacketBytes: positive(options.maxIncomingPacketBytes, 262_144, 'maxIncomingPacketBytes'),
    clean: options.clean ?? false,
    logger: options.logger,
  };
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
  // Credentials belong in connect(), where they are never logged; a URL is logged freely.
  if (url.username || url.password) throw new SdkError('invalid_argument', 'The broker URL must not carry credentials');
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/websocket';
  // A WebSocket refuses a URL with a fragment, which means nothing to a server anyway.
  url.hash = '';
  return url.toString();
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new SdkError('invalid_argument', `${name} must be a positive number, got ${value}`);
  }
  return value;
}
