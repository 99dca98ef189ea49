import {
  type DrivenLink,
  type LinkOwner,
  type LinkState,
  type RealtimeConnectOptions,
  SdkError,
  socketClosedOutcome,
} from '@weiyu/core';
// The default import is the one shape that works everywhere: Node loads mqtt's CommonJS build,
// browser bundlers pick `dist/mqtt.esm.js` (its "browser" export), which has no named exports.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type Ack, Acks, describeAck } from './acks.js';
import { classifyMqttError } from './classify-error.js';
import type { Settings } from './options.js';
import type { Platform } from './platform.js';

/** How long `close()` waits for a polite DISCONNECT before it drops the socket. */
const CLOSE_GRACE_MS = 1_000;

/** One mqtt.js client: one connection attempt and, if it succeeds, one connection. */
export class Link implements DrivenLink {
  state: LinkState = { status: 'connecting' };
  readonly client: MqttClient;
  /** Publishes and subscriptions waiting for an ack, with their deadlines. */
  readonly acks: Acks;
  /** Settles the connect promise while it is open (it may still be open just after the CONNACK). */
  failConnect: ((error: SdkError) => void) | undefined;
  /** Resolves once the socket closed: only then is the link really gone. */
  readonly closed: Promise<void>;
  readonly #settings: Settings;
  readonly #platform: Platform;
  readonly #owner: LinkOwner<Link>;
  #markClosed = () => {};
  #dropTimer: ReturnType<typeof setTimeout> | undefined;
  #giveUpTimer: ReturnType<typeof setTimeout> | undefined;
  /** The socket's own error, which mqtt.js may not report: it explains a close before the CONNACK. */
  #streamError: SdkError | undefined;

  /**
   * Creates the mqtt.js client, wires its events and opens the socket. `onConnack` gets the
   * CONNACK's sessionPresent; `platform` is the build's (Node or browser).
   */
  constructor(
    settings: Settings,
    platform: Platform,
    options: RealtimeConnectOptions,
    owner: LinkOwner<Link>,
    onConnack: (sessionPresent: boolean) => void,
  ) {
    this.#settings = settings;
    this.#platform = platform;
    this.#owner = owner;
    this.acks = new Acks(settings.ackTimeoutMs, settings.logUrl);
    this.closed = new Promise<void>((resolve) => {
      this.#markClosed = resolve;
    });
    const client = mqtt.connect(settings.miniProgram?.webSocketUrl ?? settings.url, clientOptions(settings, options));
    this.client = client;
    client.on('connect', (packet) => {
      if (!this.#counts()) return;
      this.#markConnected();
      onConnack(packet.sessionPresent);
    });
    client.on('error', (error) => this.#onError(error));
    // mqtt.js reports messages a broker held in the persistent session (sent right after the
    // CONNACK) before its 'connect' event: the link is up from the CONNACK packet on.
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'connack' && packet.returnCode === 0 && this.#counts()) this.#markConnected();
    });
    client.on('message', (topic, payload) => {
      if (this.state.status !== 'connected' || !this.#counts()) return;
      // A plain Uint8Array over the Buffer's bytes, not a copy (a copy cost a memory block per message):
      // neither mqtt.js nor ws writes into a Buffer it handed out, and core decodes the bytes at once.
      owner.emit({
        type: 'message',
        topic,
        payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.length),
      });
    });
    // Only the socket's close says the link is gone (mqtt.js's end() callback comes earlier).
    client.on('close', () => this.#onSocketClosed());
    client.connect();
    // Mini-programs' sockets take what mqtt.js gives them: only Node's ws stream writes piece by piece.
    if (!settings.miniProgram) platform.prepareStream(client.stream);
    // mqtt.js drops socket errors that carry no `code` (ws's "Unexpected server response: 404"
    // for a wrong path); listening on the stream keeps them for a useful message.
    client.stream?.on('error', (error: unknown) => {
      this.#streamError = classifyMqttError(error, settings.logUrl, platform.classifyError);
    });
  }

  /** Gives a connect attempt up: drops its socket at once. False when the socket had closed already. */
  abandon(): boolean {
    const state = this.state;
    if (state.status === 'closed') return false;
    // Never announced as connected: no `disconnected` for it.
    this.state = { status: 'closing', requested: state.status === 'closing' && state.requested, announced: false };
    this.client.end(true, {}, () => {});
    this.#armBackstop();
    return true;
  }

  /** Ends a connection that connect() announced, politely; its `disconnected` comes once the socket closed. */
  sayGoodbye(): boolean {
    if (this.state.status !== 'connected') return false;
    this.state = { status: 'closing', requested: true, announced: true };
    // A polite DISCONNECT first; mqtt.js would wait for outstanding acks: do not wait for those.
    this.client.end(this.acks.size > 0, {}, () => {});
    this.#armBackstop();
    return true;
  }

  /** Whether this link's events still count: it is the transport's link and not let go. */
  #counts(): boolean {
    const { status } = this.state;
    return (status === 'connecting' || status === 'connected') && this.#owner.isCurrent(this);
  }

  #markConnected(): void {
    if (this.state.status === 'connecting') this.state = { status: 'connected', lastError: undefined };
  }

  #onError(error: unknown): void {
    const { logUrl, logger } = this.#settings;
    const classified = classifyMqttError(error, logUrl, this.#platform.classifyError);
    if (this.failConnect) {
      this.failConnect(classified);
      return;
    }
    if (this.state.status !== 'connected' || !this.#counts()) return;
    this.state = { status: 'connected', lastError: classified };
    logger?.warn('mqtt: error', { url: logUrl, code: classified.code, message: classified.message });
    this.#owner.emit({ type: 'error', error: classified });
  }

  /** Makes sure the link ends in bounded time: drops the socket after a grace period, then stops waiting. */
  #armBackstop(): void {
    if (this.#dropTimer !== undefined || this.state.status === 'closed') return;
    // A polite DISCONNECT gets this long; then the socket goes. Should even that not bring
    // the 'close' event, the link counts as closed after as long again: no wait is unbounded.
    this.#dropTimer = setTimeout(() => this.client.stream?.destroy(), CLOSE_GRACE_MS);
    this.#giveUpTimer = setTimeout(() => {
      this.#settings.logger?.warn('mqtt: the socket did not report closing; giving up on it', {
        url: this.#settings.logUrl,
      });
      this.#onSocketClosed();
    }, 2 * CLOSE_GRACE_MS);
  }

  #onSocketClosed(): void {
    const state = this.state;
    if (state.status === 'closed') return;
    this.state = { status: 'closed' };
    clearTimeout(this.#dropTimer);
    clearTimeout(this.#giveUpTimer);
    this.#owner.forget(this);
    const { logUrl, logger } = this.#settings;
    const attempt = this.failConnect;
    const outcome = socketClosedOutcome(state, {
      attempting: attempt !== undefined,
      logUrl,
      socketError: this.#streamError,
    });
    if (attempt && outcome.connectError) attempt(outcome.connectError);
    this.acks.failAll((ack) => ackError(ack, outcome.requestError));
    // Stop mqtt.js's own timers and stores; it must not try anything by itself.
    this.client.end(true, {}, () => {});
    this.#markClosed();
    const { disconnected } = outcome;
    if (disconnected) {
      logger?.info('mqtt: disconnected', { url: logUrl, code: disconnected.error?.code });
      this.#owner.emit(disconnected);
    }
  }
}

/** Why an operation waiting for its ack failed when the link went down: `closed` after close(), else `network`. */
function ackError(ack: Ack, cause: SdkError): SdkError {
  const what = describeAck(ack);
  return cause.code === 'closed'
    ? new SdkError('closed', `Cannot ${what}: the connection was closed`, { cause })
    : new SdkError('network', `Cannot ${what}: the connection was lost`, { cause });
}

/** The mqtt.js options of one connection: the Weiyu guide's settings, and no automatic anything. */
function clientOptions(settings: Settings, options: RealtimeConnectOptions): IClientOptions {
  return {
    protocolVersion: 4,
    clientId: options.clientId,
    username: options.username,
    password: options.password,
    keepalive: settings.keepalive,
    clean: settings.clean,
    connectTimeout: settings.connectTimeoutMs,
    reschedulePings: true,
    // The chat client owns reconnects and resubscriptions; mqtt.js must never do either.
    reconnectPeriod: 0,
    reconnectOnConnackError: false,
    // Handlers go on before the socket opens, so no event is missed.
    manualConnect: true,
    resubscribe: false,
    queueQoSZero: false,
    rejectUnauthorized: settings.rejectUnauthorized,
    ...(mqttDebugWanted() ? {} : { log: noLog }),
    ...(settings.ca === undefined ? {} : { ca: [...settings.ca] }),
    // A mini-program socket goes through mqtt.js's browser stream, fed a WebSocket-like adapter.
    ...(settings.miniProgram && { forceNativeWebSocket: true, createWebsocket: settings.miniProgram.createWebSocket }),
  };
}

const noLog = (): void => {};

/**
 * Whether mqtt.js's own debug lines are asked for (`DEBUG` in Node, `localStorage.debug` in
 * browsers). Otherwise its client gets a `log` that does nothing: it writes a line for every
 * packet through `debug`, a call each even when that is off (about 1 % of a burst's CPU).
 */
export function mqttDebugWanted(): boolean {
  const g = globalThis as {
    process?: { env?: { DEBUG?: string } };
    localStorage?: { getItem(key: string): string | null };
  };
  try {
    return Boolean(g.process?.env?.DEBUG || g.localStorage?.getItem('debug'));
  } catch {
    // A storage that refuses to be read (a sandboxed frame): leave mqtt.js as it is.
    return true;
  }
}
