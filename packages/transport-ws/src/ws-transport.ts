import {
  type AbortSignalLike,
  processDeviceUids,
  type RealtimeConnectOptions,
  type RealtimeConnectResult,
  type RealtimeEvent,
  type RealtimeTransport,
  refuseInexactTopics,
  SdkError,
} from '@weiyu/core';
import { encodePublish, encodeSubscribe, encodeUnsubscribe } from './codec.js';
import { Link, type LinkOwner } from './link.js';
import { resolveSettings, type Settings, type WsTransportOptions } from './options.js';

/** A {@link RealtimeTransport} over MQTT 3.1.1 on the platform's WebSocket, as returned by {@link createWsTransport}. */
export interface WsTransport extends RealtimeTransport {
  /** The WebSocket URL it connects to, normalized (path `/websocket` added when there was none). */
  readonly url: string;
}

/**
 * Creates a light realtime transport for `@weiyu/core`: MQTT 3.1.1 over the platform's own
 * WebSocket (subprotocol `mqtt`) with a codec of its own for the packets the SDK uses, for
 * browser apps that must stay small (a visitor widget in someone else's page). The same contract
 * and error codes as `@weiyu/transport-mqtt`; it never reconnects by itself: the chat client owns
 * the backoff. Throws an {@link SdkError} `invalid_argument` for a URL that is not `ws://` or
 * `wss://`, for nonsensical numbers, or when there is no WebSocket to use.
 *
 * @example
 * const realtime = createWsTransport({ url: 'wss://chat.example.com/websocket' });
 */
export function createWsTransport(options: WsTransportOptions): WsTransport {
  return new WsTransportImpl(resolveSettings(options));
}

class WsTransportImpl implements WsTransport {
  readonly url: string;
  readonly deviceUid: string;
  readonly #settings: Settings;
  /** Replaced, never changed, when a listener comes or goes: an emit (one per message) copies nothing. */
  #listeners: ReadonlyArray<(event: RealtimeEvent) => void> = [];
  /** The link of the transport: connecting or up. Events of any other link are ignored. */
  #link: Link | undefined;
  /** Links that were let go and whose socket has not closed yet: connect() and close() wait for them. */
  readonly #ending = new Set<Link>();
  /** Bumped by close(): a connect() that was waiting for an old link when it happened gives up. */
  #closeGeneration = 0;
  readonly #owner: LinkOwner = {
    isCurrent: (link) => this.#link === link,
    forget: (link) => {
      this.#ending.delete(link);
      if (this.#link === link) this.#link = undefined;
    },
    emit: (event) => this.#emit(event),
  };

  /** Whether the deviceUid is the process's and this transport holds it now (from creation or connect() to close()). */
  #holdsProcessUid: boolean;

  constructor(settings: Settings) {
    this.#settings = settings;
    this.url = settings.url;
    this.deviceUid = settings.deviceUid ?? processDeviceUids.lease();
    this.#holdsProcessUid = settings.deviceUid === undefined;
  }

  isConnected(): boolean {
    return this.#link?.state.status === 'connected';
  }

  async connect(options: RealtimeConnectOptions, signal?: AbortSignalLike): Promise<RealtimeConnectResult> {
    if (options.clientId.length === 0) throw new SdkError('invalid_argument', 'clientId must not be empty');
    this.#holdProcessUid();
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
    this.#settings.logger?.debug('ws: connecting', { url: logUrl, clientId: options.clientId });
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
        this.#settings.logger?.debug('ws: connect failed', { url: logUrl, code: error.code, message: error.message });
        reject(error);
      };
      const onAbort = () => fail(new SdkError('closed', 'Connect was aborted'));
      const deadline = setTimeout(
        () => fail(new SdkError('timeout', `${logUrl} did not accept the connection within ${connectTimeoutMs} ms`)),
        connectTimeoutMs,
      );
      signal?.addEventListener('abort', onAbort);
      try {
        link = new Link(this.#settings, options, this.#owner, (sessionPresent) => {
          if (settled) return;
          finish();
          this.#settings.logger?.info('ws: connected', { url: logUrl, sessionPresent });
          resolve({ sessionPresent });
        });
      } catch (error) {
        fail(
          new SdkError(
            'connection_refused',
            `Could not open a WebSocket to ${logUrl} (${error instanceof Error ? error.name : 'error'})`,
            { cause: error },
          ),
        );
        return;
      }
      link.failConnect = fail;
      this.#link = link;
    });
  }

  /** Gives a connect attempt up: drops its socket at once. `closed` resolves when the socket closed. */
  #drop(link: Link): void {
    if (this.#link === link) this.#link = undefined;
    if (link.abandon()) this.#ending.add(link);
  }

  /** Ends a link for close() or a newer connect(): an attempt is given up, a connection says goodbye. */
  #shut(link: Link): void {
    if (link.failConnect) {
      // Given up on request: connect() rejects with `closed`, and that failure abandons the link.
      link.state = { status: 'closing', requested: true, announced: false };
      link.failConnect(new SdkError('closed', 'The connection was closed while connecting'));
      return;
    }
    // Let go at once: no publish may start on it, no event comes from it but its `disconnected`.
    if (this.#link === link) this.#link = undefined;
    if (link.sayGoodbye()) this.#ending.add(link);
  }

  /** Ends the current link and waits until every socket this transport opened is closed. */
  async #endAll(): Promise<void> {
    const link = this.#link;
    if (link) this.#shut(link);
    await Promise.all([...this.#ending].map((ending) => ending.closed));
  }

  publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void> {
    const refused = refuseInexactTopics([topic], 'publish to');
    if (refused) return Promise.reject(refused);
    const link = this.#connected(`publish to ${topic}`);
    if (link instanceof SdkError) return Promise.reject(link);
    const packet = (packetId?: number) => {
      const bytes = encodePublish(topic, payload, qos, packetId);
      const limit = this.#settings.maxPacketBytes;
      if (bytes.length <= limit) return bytes;
      throw new SdkError('oversize', `A PUBLISH of ${bytes.length} bytes to ${topic} is over the limit of ${limit}`, {
        details: { bytes: bytes.length, limit },
      });
    };
    try {
      if (qos === 0) {
        link.send(packet());
        return Promise.resolve();
      }
      return link.request(packet, 'puback', `publish to ${topic}`).then(() => undefined);
    } catch (error) {
      return Promise.reject(SdkError.from(error, 'network'));
    }
  }

  async subscribe(topics: readonly string[], qos: 0 | 1): Promise<void> {
    if (topics.length === 0) return;
    const refused = refuseInexactTopics(topics, 'subscribe to');
    if (refused) throw refused;
    const what = `subscribe to ${topics.join(', ')}`;
    const link = this.#connected(what);
    if (link instanceof SdkError) throw link;
    const suback = await link.request((id) => encodeSubscribe(id, topics, qos), 'suback', what);
    const granted = suback.type === 'suback' ? suback.granted : [];
    if (granted.length !== topics.length || granted.some((g) => g === 0x80)) {
      throw new SdkError('not_authorized', `${this.#settings.logUrl} refused the ${what} (SUBACK 0x80)`, {
        details: { granted },
      });
    }
  }

  async unsubscribe(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    const refused = refuseInexactTopics(topics, 'unsubscribe from');
    if (refused) throw refused;
    const what = `unsubscribe from ${topics.join(', ')}`;
    const link = this.#connected(what);
    if (link instanceof SdkError) throw link;
    await link.request((id) => encodeUnsubscribe(id, topics), 'unsuback', what);
  }

  /** The link when it is connected, else a `not_connected` error. */
  #connected(what: string): Link | SdkError {
    const link = this.#link;
    if (link?.state.status === 'connected') return link;
    return new SdkError('not_connected', `Cannot ${what}: not connected`);
  }
  async close(): Promise<void> {
    // A connect() waiting for an old link to close must not carry on once close() was called.
    this.#closeGeneration += 1;
    if (this.#holdsProcessUid) {
      // A transport made from now on may be this device again.
      processDeviceUids.release(this.deviceUid);
      this.#holdsProcessUid = false;
    }
    await this.#endAll();
  }

  /** Takes the process's deviceUid back after a close(); says so when another transport has it now. */
  #holdProcessUid(): void {
    if (this.#holdsProcessUid || this.#settings.deviceUid !== undefined) return;
    this.#holdsProcessUid = processDeviceUids.take(this.deviceUid);
    if (!this.#holdsProcessUid) {
      this.#settings.logger?.warn('ws: another transport of this process connects with the same deviceUid', {
        deviceUid: this.deviceUid,
        hint: 'the two kick each other if they are one user: give each its own deviceUid',
      });
    }
  }

  on(listener: (event: RealtimeEvent) => void): () => void {
    if (!this.#listeners.includes(listener)) this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  #emit(event: RealtimeEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        // A listener's bug must not break the connection or starve the other listeners.
        this.#settings.logger?.error('ws: event listener threw', { type: event.type, error: String(error) });
      }
    }
  }
}
