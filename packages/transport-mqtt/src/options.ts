import { type Logger, SdkError } from '@weiyu/core';
import type { MiniProgramSocket, MiniProgramSocketApi } from './mini-program-socket.js';

/** Options of {@link createMqttTransport}. */
export interface MqttTransportOptions {
  /**
   * The broker's WebSocket URL, `ws://` or `wss://`, e.g. `wss://chat.example.com/websocket`.
   * A URL without a path gets `/websocket`, the only path the Weiyu server serves. In a
   * mini-program, `wxs://` (WeChat, `wx.connectSocket`) or `alis://` (Alipay, `my.connectSocket`),
   * `wx://`/`ali://` unencrypted; the socket opens the same URL as `wss://`/`ws://`.
   */
  readonly url: string;
  /**
   * For `wx(s)://` and `ali(s)://` URLs: the object whose `connectSocket()` opens the socket.
   * Default: `globalThis.wx` for wx/wxs, `globalThis.my` for ali/alis. Pass `uni` in uni-app.
   */
  readonly socketApi?: MiniProgramSocketApi;
  /**
   * The last part of the clientId (`uid/channel/deviceUid`): one per device, kept across
   * restarts, never shared by two connections of one user at once (the server lets the newer of
   * two equal clientIds kick the older, and keeps every clientId it ever saw). Default: the
   * process's id (of the page load, in a browser), which a transport holds until close(): a client
   * made again after the previous one closed is the same device; transports open at the same time
   * get `{id}-2`, `{id}-3`, …. In a browser pass `await tabDeviceUid()` from `@weiyu/core`: one id
   * per tab, kept across reloads.
   */
  readonly deviceUid?: string;
  /** MQTT keepalive in seconds (default 30). The server drops a connection idle for 1.5 × this. */
  readonly keepalive?: number;
  /** How long one connect attempt may take until CONNACK, WebSocket handshake included (ms, default 30 000). */
  readonly connectTimeoutMs?: number;
  /** How long a publish, subscribe or unsubscribe may wait for the broker's ack (ms, default 10 000). */
  readonly ackTimeoutMs?: number;
  /**
   * The certificate authorities to trust on `wss://`, as PEM text (one string may hold several
   * certificates), e.g. `readFileSync('dev-ca.pem', 'utf8')`: how to reach a server with a
   * development or private-CA certificate while still verifying it. They replace the default
   * roots for this transport. Node only; in browsers the system's trust store decides.
   */
  readonly ca?: string | readonly string[];
  /**
   * Verify the server's TLS certificate on `wss://` (default `true`). `false` accepts any
   * certificate, so anyone on the network path can read and change the traffic, access token
   * included; creating a `wss://` transport so logs a warning. Prefer `ca` for a development
   * certificate. Node only; browsers and mini-programs always verify.
   */
  readonly rejectUnauthorized?: boolean;
  /** MQTT clean session (default `false`: ask the broker to keep the session across connections). */
  readonly clean?: boolean;
  /** Where the transport writes what it does. The password (access token) never reaches it. */
  readonly logger?: Logger;
}

/**
 * The URL schemes of a mini-program socket, the WebSocket scheme each opens, and the global that
 * has its `connectSocket`. Here rather than in mini-program-socket.ts: the URL check of both
 * entries needs the list, and only the main entry the socket adapter.
 */
export const MINI_PROGRAM_SCHEMES: Readonly<
  Record<string, { readonly webSocket: 'ws:' | 'wss:'; readonly global: 'wx' | 'my' }>
> = {
  'wx:': { webSocket: 'ws:', global: 'wx' },
  'wxs:': { webSocket: 'wss:', global: 'wx' },
  'ali:': { webSocket: 'ws:', global: 'my' },
  'alis:': { webSocket: 'wss:', global: 'my' },
};

const DEFAULT_KEEPALIVE_S = 30;
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/** The options of a transport, checked and with their defaults. */
export interface Settings {
  readonly url: string;
  /** The URL as logs and error messages show it: origin and path, no query, no userinfo. */
  readonly logUrl: string;
  /** How to open the socket in a mini-program (`wx(s)://`, `ali(s)://`); undefined for ws/wss. */
  readonly miniProgram: MiniProgramSocket | undefined;
  /** The deviceUid passed, if any; without one the transport leases the process's. */
  readonly deviceUid: string | undefined;
  readonly keepalive: number;
  readonly connectTimeoutMs: number;
  readonly ackTimeoutMs: number;
  /** PEM certificates to trust instead of the default roots, if any. */
  readonly ca: readonly string[] | undefined;
  readonly rejectUnauthorized: boolean;
  readonly clean: boolean;
  readonly logger: Logger | undefined;
}

/**
 * How a `wx(s)://` or `ali(s)://` URL gets its socket: `miniProgramSocket` in the main entry, a
 * refusal in `@weiyu/transport-mqtt/web`. Undefined for `ws://` and `wss://`. Passed in, so that an
 * entry which never opens a mini-program socket does not bundle the adapter.
 */
export type OpenMiniProgramSocket = (url: URL, api: MiniProgramSocketApi | undefined) => MiniProgramSocket | undefined;

/** Checks the options and fills in the defaults; throws `invalid_argument` for what cannot work. */
export function resolveSettings(options: MqttTransportOptions, openMiniProgram: OpenMiniProgramSocket): Settings {
  const url = normalizeUrl(options.url);
  const settings: Settings = {
    url,
    logUrl: describeUrl(url),
    miniProgram: openMiniProgram(new URL(url), options.socketApi),
    deviceUid: options.deviceUid,
    keepalive: positive(options.keepalive, DEFAULT_KEEPALIVE_S, 'keepalive'),
    connectTimeoutMs: positive(options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, 'connectTimeoutMs'),
    ackTimeoutMs: positive(options.ackTimeoutMs, DEFAULT_ACK_TIMEOUT_MS, 'ackTimeoutMs'),
    ca: certificates(options.ca),
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    clean: options.clean ?? false,
    logger: options.logger,
  };
  if (settings.deviceUid !== undefined && (settings.deviceUid.length === 0 || settings.deviceUid.includes('/'))) {
    throw new SdkError('invalid_argument', 'deviceUid must be non-empty and contain no "/"');
  }
  return settings;
}

/**
 * Says, once per transport, that `rejectUnauthorized: false` leaves a `wss://` connection open to
 * anyone on the path: through the transport's logger, or the console when it has none.
 */
export function warnIfUnverified(settings: Settings): void {
  if (settings.rejectUnauthorized || !settings.url.startsWith('wss:')) return;
  const message =
    'mqtt: rejectUnauthorized is false: the server certificate is not verified, so anyone on the network path can read and alter the traffic, access token included. Use it for development only; pass the development CA in `ca` instead.';
  const data = { url: settings.logUrl };
  if (settings.logger) settings.logger.warn(message, data);
  else console.warn(`[weiyu] ${message}`, data);
}

/** The `ca` option as a list; throws `invalid_argument` for what is not PEM certificates (a file path, say). */
function certificates(ca: string | readonly string[] | undefined): readonly string[] | undefined {
  if (ca === undefined) return undefined;
  const list = typeof ca === 'string' ? [ca] : ca;
  if (list.length === 0 || list.some((pem) => !pem.includes('-----BEGIN CERTIFICATE-----'))) {
    throw new SdkError(
      'invalid_argument',
      'ca must be PEM certificates (-----BEGIN CERTIFICATE-----…), not a file name',
    );
  }
  return [...list];
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
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:' && MINI_PROGRAM_SCHEMES[url.protocol] === undefined) {
    throw new SdkError(
      'invalid_argument',
      `The broker URL must be ws://, wss:// (or wxs://, alis:// in a mini-program), got ${url.protocol}//`,
    );
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
  // wxs:// and the other mini-program schemes are not "special": their origin reads "null".
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new SdkError('invalid_argument', `${name} must be a positive number, got ${value}`);
  }
  return value;
}
