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
import { classifyMqttError } from './classify-error.js';
import { Link } from './link.js';
import { type Settings, warnIfUnverified } from './options.js';
import type { Platform } from './platform.js';

/** A {@link RealtimeTransport} over MQTT 3.1.1 on a WebSocket, as returned by {@link createMqttTransport}. */
export interface MqttTransport extends RealtimeTransport {
  /** The WebSocket URL it connects to, normalized (path `/websocket` added when there was none). */
  readonly url: string;
}

/**
 * The transport of checked settings, for every entry: `createMqttTransport` of `@weiyu/transport-mqtt`
 * (create-mqtt-transport.ts) and of `@weiyu/transport-mqtt/web` (web.ts), each in its Node and its
 * browser build, which differ in `platform` only.
 */
export function mqttTransport(settings: Settings, platform: Platform): MqttTransport {
  warnIfUnverified(settings);
  return new MqttTransportImpl(settings, platform);
}

class MqttTransportImpl implements MqttTransport {
  readonly url: string;
  readonly deviceUid: string;
  readonly #settings: Settings;
  readonly #classifyPlatformError: Platform['classifyError'];
  /** Connects, closes and tells the listeners: the link lifecycle this transport shares with transport-ws. */
  readonly #driver: LinkDriver<Link>;

  constructor(settings: Settings, platform: Platform) {
    this.#settings = settings;
    this.#classifyPlatformError = platform.classifyError;
    this.url = settings.url;
    this.#driver = createLinkDriver({
      settings,
      logPrefix: 'mqtt',
      open: (options, owner, onConnack) => new Link(settings, platform, options, owner, onConnack),
      openFailed: (error) => classifyMqttError(error, settings.logUrl, platform.classifyError),
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
    return this.#withAck(`publish to ${topic}`, (link, done) => {
      link.client.publish(topic, toBufferView(payload), { qos }, (error) => done(error));
    });
  }

  subscribe(topics: readonly string[], qos: 0 | 1): Promise<void> {
    if (topics.length === 0) return Promise.resolve();
    const refused = refuseInexactTopics(topics, 'subscribe to');
    if (refused) return Promise.reject(refused);
    return this.#withAck(`subscribe to ${topics.join(', ')}`, (link, done) => {
      link.client.subscribe([...topics], { qos }, (error) => done(error ?? undefined));
    });
  }

  unsubscribe(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return Promise.resolve();
    const refused = refuseInexactTopics(topics, 'unsubscribe from');
    if (refused) return Promise.reject(refused);
    return this.#withAck(`unsubscribe from ${topics.join(', ')}`, (link, done) => {
      link.client.unsubscribe([...topics], (error) => done(error ?? undefined));
    });
  }

  /**
   * Runs an operation that the broker acknowledges. Settles exactly once: on the ack, on an
   * error, when the connection goes down, or at the deadline; never hangs.
   */
  #withAck(what: string, run: (link: Link, done: (error: Error | undefined) => void) => void): Promise<void> {
    const link = this.#driver.connected(what);
    if (link instanceof SdkError) return Promise.reject(link);
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
        run(link, (error) => settle(error ? classifyMqttError(error, url, this.#classifyPlatformError) : undefined));
      } catch (error) {
        settle(classifyMqttError(error, url, this.#classifyPlatformError));
      }
    });
  }

  close(): Promise<void> {
    return this.#driver.close();
  }

  on(listener: (event: RealtimeEvent) => void): () => void {
    return this.#driver.on(listener);
  }
}

/** mqtt.js types the payload as a Buffer; where Buffer exists, hand it a view without copying. */
function toBufferView(payload: Uint8Array): Buffer {
  if (typeof Buffer !== 'undefined') return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  // In browsers mqtt.js's bundled writer takes any Uint8Array.
  return payload as Buffer;
}
