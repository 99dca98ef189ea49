import {
  type DrivenLink,
  type LinkOwner,
  type LinkState,
  type RealtimeConnectOptions,
  SdkError,
  socketClosedOutcome,
} from '@weiyu/core';
import { classifySocketError, connackError, skippedError } from './classify.js';
import {
  createPacketReader,
  DISCONNECT_PACKET,
  encodeConnect,
  encodePuback,
  type IncomingPacket,
  type PacketReader,
  PINGREQ_PACKET,
} from './codec.js';
import type { Settings, WebSocketEventLike, WebSocketLike } from './options.js';

/** How long `close()` waits for the closing handshake before it drops the socket. */
const CLOSE_GRACE_MS = 1_000;

/** The packets that answer a request, by the packet id they carry. */
type AckType = 'puback' | 'suback' | 'unsuback';
type Ack = (error: SdkError | undefined, packet?: IncomingPacket) => void;

/** One WebSocket: one connection attempt and, if the broker accepts it, one connection. */
export class Link implements DrivenLink {
  state: LinkState = { status: 'connecting' };
  /** Settles the connect promise while it is open. */
  failConnect: ((error: SdkError) => void) | undefined;
  /** Resolves once the socket closed: only then is the link really gone. */
  readonly closed: Promise<void>;
  readonly #settings: Settings;
  readonly #owner: LinkOwner<Link>;
  readonly #socket: WebSocketLike;
  readonly #reader: PacketReader;
  /** Requests waiting for their ack, by packet id. */
  readonly #acks = new Map<number, Ack>();
  readonly #onConnack: (sessionPresent: boolean) => void;
  #markClosed = () => {};
  #nextId = 0;
  #lastSent = 0;
  /** The broker broke the protocol or went silent: the socket is closing, nothing more is read. */
  #dropping = false;
  #pingTimer: ReturnType<typeof setTimeout> | undefined;
  #pongDeadline: ReturnType<typeof setTimeout> | undefined;
  #dropTimer: ReturnType<typeof setTimeout> | undefined;
  #giveUpTimer: ReturnType<typeof setTimeout> | undefined;
  /** The socket's own error: it explains a close before the CONNACK. */
  #socketError: SdkError | undefined;

  /** Opens the socket; CONNECT goes out once it is open. `onConnack` gets the CONNACK's sessionPresent. */
  constructor(
    settings: Settings,
    options: RealtimeConnectOptions,
    owner: LinkOwner<Link>,
    onConnack: (sessionPresent: boolean) => void,
  ) {
    this.#settings = settings;
    this.#owner = owner;
    this.#onConnack = onConnack;
    this.#reader = createPacketReader(settings.maxIncomingPacketBytes);
    this.closed = new Promise<void>((resolve) => {
      this.#markClosed = resolve;
    });
    const socket = new settings.WebSocket(settings.url, 'mqtt');
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => this.#onOpen(options));
    socket.addEventListener('message', (event) => this.#onMessage(event));
    socket.addEventListener('error', (event) => {
      this.#socketError ??= classifySocketError(event, settings.logUrl);
    });
    socket.addEventListener('close', () => this.#onSocketClosed());
  }

  /** Sends a packet that wants no answer (QoS 0 PUBLISH). */
  send(packet: Uint8Array): void {
    this.#socket.send(packet);
    this.#lastSent = Date.now();
  }

  /**
   * Sends the packet `build` makes with a fresh packet id and resolves with the broker's answer
   * of type `expect` carrying that id. Settles exactly once: on the answer, when the connection
   * goes down, or at the deadline.
   */
  request(build: (packetId: number) => Uint8Array, expect: AckType, what: string): Promise<IncomingPacket> {
    const id = this.#freeId();
    const { logUrl, ackTimeoutMs } = this.#settings;
    return new Promise((resolve, reject) => {
      const settle: Ack = (error, packet) => {
        clearTimeout(deadline);
        this.#acks.delete(id);
        if (error) reject(new SdkError(error.code, `Cannot ${what}: ${error.message}`, { cause: error }));
        else if (packet?.type !== expect)
          reject(new SdkError('protocol', `${logUrl} answered ${what} with a ${packet?.type}`));
        else resolve(packet);
      };
      const deadline = setTimeout(
        () => settle(new SdkError('timeout', `${logUrl} did not acknowledge it within ${ackTimeoutMs} ms`)),
        ackTimeoutMs,
      );
      this.#acks.set(id, settle);
      try {
        this.send(build(id));
      } catch (error) {
        settle(SdkError.from(error, 'network'));
      }
    });
  }

  /** Gives a connect attempt up: drops its socket at once. False when the socket had closed already. */
  abandon(): boolean {
    const state = this.state;
    if (state.status === 'closed') return false;
    // Never announced as connected: no `disconnected` for it.
    this.state = { status: 'closing', requested: state.status === 'closing' && state.requested, announced: false };
    this.#closeSocket();
    return true;
  }

  /** Ends a connection that connect() announced, politely; its `disconnected` comes once the socket closed. */
  sayGoodbye(): boolean {
    if (this.state.status !== 'connected') return false;
    this.state = { status: 'closing', requested: true, announced: true };
    try {
      this.send(DISCONNECT_PACKET);
    } catch {
      // A socket that cannot take the goodbye is closing anyway.
    }
    this.#closeSocket();
    return true;
  }

  /** Whether this link's events still count: it is the transport's link and not let go. */
  #counts(): boolean {
    const { status } = this.state;
    return (status === 'connecting' || status === 'connected') && !this.#dropping && this.#owner.isCurrent(this);
  }

  #onOpen(options: RealtimeConnectOptions): void {
    if (!this.#counts()) return;
    const { keepalive, clean } = this.#settings;
    try {
      this.send(encodeConnect({ ...options, keepalive, clean }));
    } catch (error) {
      this.failConnect?.(SdkError.from(error, 'invalid_argument'));
    }
  }

  #onMessage(event: WebSocketEventLike): void {
    if (!this.#counts()) return;
    const { data } = event;
    const bytes =
      data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
          : undefined;
    if (bytes === undefined) {
      this.#breach(new SdkError('protocol', 'The broker sent a text message: MQTT over WebSocket is binary'));
      return;
    }
    const { packets, error } = this.#reader.read(bytes);
    for (const packet of packets) {
      this.#onPacket(packet);
      if (!this.#counts()) return;
    }
    if (error) this.#breach(error);
  }

  #onPacket(packet: IncomingPacket): void {
    if (this.state.status === 'connecting') {
      if (packet.type !== 'connack') this.#breach(new SdkError('protocol', `A ${packet.type} before the CONNACK`));
      else if (packet.returnCode !== 0) this.failConnect?.(connackError(packet.returnCode, this.#settings.logUrl));
      else {
        this.state = { status: 'connected', lastError: undefined };
        this.#armPing(this.#settings.keepalive * 1000);
        this.#onConnack(packet.sessionPresent);
      }
      return;
    }
    switch (packet.type) {
      case 'publish':
        if (packet.qos === 1) this.send(encodePuback(packet.packetId));
        this.#owner.emit({ type: 'message', topic: packet.topic, payload: packet.payload });
        return;
      case 'skipped':
        // Acked like any PUBLISH: the broker must not send it again.
        if (packet.qos === 1) this.send(encodePuback(packet.packetId));
        this.#report(skippedError(packet, this.#settings.logUrl));
        return;
      case 'pingresp':
        clearTimeout(this.#pongDeadline);
        this.#pongDeadline = undefined;
        return;
      case 'connack':
        this.#breach(new SdkError('protocol', 'A second CONNACK'));
        return;
      default:
        // An ack for a request that timed out already is late, not wrong.
        this.#acks.get(packet.packetId)?.(undefined, packet);
    }
  }

  /** A PINGREQ when nothing went out for a keepalive; no PINGRESP within `pingTimeoutMs` is a dead link. */
  #armPing(ms: number): void {
    this.#pingTimer = setTimeout(() => {
      const keepaliveMs = this.#settings.keepalive * 1000;
      const idle = Date.now() - this.#lastSent;
      if (idle < keepaliveMs) {
        this.#armPing(keepaliveMs - idle);
        return;
      }
      this.send(PINGREQ_PACKET);
      this.#pongDeadline ??= setTimeout(() => {
        const { logUrl, pingTimeoutMs } = this.#settings;
        this.#breach(new SdkError('network', `${logUrl} did not answer a ping within ${pingTimeoutMs} ms`));
      }, this.#settings.pingTimeoutMs);
      this.#armPing(keepaliveMs);
    }, ms);
  }

  /** Something went wrong that leaves the connection up: an `error` event. */
  #report(error: SdkError): void {
    this.#settings.logger?.warn('ws: error', { url: this.#settings.logUrl, code: error.code, message: error.message });
    this.#owner.emit({ type: 'error', error });
  }

  /** The broker broke the protocol (or went silent): the attempt fails, or the connection closes with `error`. */
  #breach(error: SdkError): void {
    const { logUrl, logger } = this.#settings;
    const reported = error.message.includes(logUrl)
      ? error
      : new SdkError(error.code, `${logUrl}: ${error.message}`, { cause: error, details: error.details });
    if (this.failConnect) {
      this.failConnect(reported);
      return;
    }
    if (this.state.status !== 'connected') return;
    this.state = { status: 'connected', lastError: reported };
    logger?.warn('ws: closing the connection', { url: logUrl, code: reported.code, message: reported.message });
    this.#dropping = true;
    this.#closeSocket();
  }

  /** A packet id no request waits on, 1–65535. */
  #freeId(): number {
    do this.#nextId = (this.#nextId % 0xffff) + 1;
    while (this.#acks.has(this.#nextId));
    return this.#nextId;
  }

  /** Closes the socket and makes sure the link ends in bounded time, whatever the socket does. */
  #closeSocket(): void {
    this.#stopPings();
    try {
      this.#socket.close();
    } catch {
      // Closing twice or while connecting may throw on some platforms; the backstop follows.
    }
    if (this.#dropTimer !== undefined || this.state.status === 'closed') return;
    // Node's ws waits long for a dead peer's closing handshake: after a grace period it goes.
    const terminate = (this.#socket as { terminate?: () => void }).terminate;
    this.#dropTimer = setTimeout(() => terminate?.call(this.#socket), CLOSE_GRACE_MS);
    this.#giveUpTimer = setTimeout(() => {
      this.#settings.logger?.warn('ws: the socket did not report closing; giving up on it', {
        url: this.#settings.logUrl,
      });
      this.#onSocketClosed();
    }, 2 * CLOSE_GRACE_MS);
  }

  #stopPings(): void {
    clearTimeout(this.#pingTimer);
    clearTimeout(this.#pongDeadline);
    this.#pingTimer = undefined;
    this.#pongDeadline = undefined;
  }

  #onSocketClosed(): void {
    const state = this.state;
    if (state.status === 'closed') return;
    this.state = { status: 'closed' };
    this.#stopPings();
    clearTimeout(this.#dropTimer);
    clearTimeout(this.#giveUpTimer);
    this.#owner.forget(this);
    const { logUrl, logger } = this.#settings;
    const attempt = this.failConnect;
    const outcome = socketClosedOutcome(state, {
      attempting: attempt !== undefined,
      logUrl,
      socketError: this.#socketError,
    });
    if (attempt && outcome.connectError) attempt(outcome.connectError);
    // A request's caller hears `closed` or `network`; the cause says more.
    const error = outcome.requestError;
    const dropped =
      error.code === 'closed' || error.code === 'network'
        ? error
        : new SdkError('network', `The connection to ${logUrl} was lost (${error.code})`, { cause: error });
    for (const ack of [...this.#acks.values()]) ack(dropped);
    this.#markClosed();
    const { disconnected } = outcome;
    if (disconnected) {
      logger?.info('ws: disconnected', { url: logUrl, code: disconnected.error?.code });
      this.#owner.emit(disconnected);
    }
  }
}
