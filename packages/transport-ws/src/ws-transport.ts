import {
  type AbortSignalLike,
  createLinkDriver,
  type LinkDriver,
  type RealtimeConnectOptions,
  type RealtimeConnectResult,
  type RealtimeEvent,
  type RealtimeTransport,
  refuseInexactTopics,
  SdkError,
} from '@weiyu/core';
import { encodePublish, encodeSubscribe, encodeUnsubscribe } from './codec.js';
import { Link } from './link.js';
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
  /** Connects, closes and tells the listeners: the link lifecycle this transport shares with transport-mqtt. */
  readonly #driver: LinkDriver<Link>;

  constructor(settings: Settings) {
    this.#settings = settings;
    this.url = settings.url;
    this.#driver = createLinkDriver({
      settings,
      logPrefix: 'ws',
      open: (options, owner, onConnack) => new Link(settings, options, owner, onConnack),
      openFailed: (error) =>
        new SdkError(
          'connection_refused',
          `Could not open a WebSocket to ${settings.logUrl} (${error instanceof Error ? error.name : 'error'})`,
          { cause: error },
        ),
    });
    this.deviceUid = this.#driver.deviceUid;
  }

  isConnected(): boolean {
    return this.#driver.isConnected();
  }

  connect(options: RealtimeConnectOptions, signal?: AbortSignalLike): Promise<RealtimeConnectResult> {
    return this.#driver.connect(options, signal);
  }

  publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void> {
    const refused = refuseInexactTopics([topic], 'publish to');
    if (refused) return Promise.reject(refused);
    const link = this.#driver.connected(`publish to ${topic}`);
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
    const link = this.#driver.connected(what);
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
    const link = this.#driver.connected(what);
    if (link instanceof SdkError) throw link;
    await link.request((id) => encodeUnsubscribe(id, topics), 'unsuback', what);
  }

  close(): Promise<void> {
    return this.#driver.close();
  }

  on(listener: (event: RealtimeEvent) => void): () => void {
    return this.#driver.on(listener);
  }
}
