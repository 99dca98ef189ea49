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
import { Ack, type AckSubject, describeAck } from './acks.js';
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
    return this.#withAck({ verb: 'publish to', topics: topic }, (link, ack) => {
      link.client.publish(topic, toBufferView(payload), { qos }, (error) => this.#acked(ack, error));
    });
  }

  subscribe(topics: readonly string[], qos: 0 | 1): Promise<void> {
    if (topics.length === 0) return Promise.resolve();
    const refused = refuseInexactTopics(topics, 'subscribe to');
    if (refused) return Promise.reject(refused);
    return this.#withAck({ verb: 'subscribe to', topics }, (link, ack) => {
      link.client.subscribe([...topics], { qos }, (error) => this.#acked(ack, error ?? undefined));
    });
  }

  unsubscribe(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return Promise.resolve();
    const refused = refuseInexactTopics(topics, 'unsubscribe from');
    if (refused) return Promise.reject(refused);
    return this.#withAck({ verb: 'unsubscribe from', topics }, (link, ack) => {
      link.client.unsubscribe([...topics], (error) => this.#acked(ack, error ?? undefined));
    });
  }

  /**
   * Runs an operation that the broker acknowledges. Settles exactly once: on the ack, on an
   * error, when the connection goes down, or at the deadline (the link's {@link Acks}); never hangs.
   * The texts of its errors are made only when it fails.
   */
  #withAck(subject: AckSubject, run: (link: Link, ack: Ack) => void): Promise<void> {
    const link = this.#driver.connected(describeAck(subject));
    if (link instanceof SdkError) return Promise.reject(link);
    return new Promise<void>((resolve, reject) => {
      const ack = new Ack(link.acks, subject, resolve, reject);
      link.acks.add(ack);
      try {
        run(link, ack);
      } catch (error) {
        this.#acked(ack, error);
      }
    });
  }

  /** mqtt.js called back (or threw): the ack came, or the error it reported, classified. */
  #acked(ack: Ack, error: unknown): void {
    ack.settle(error ? classifyMqttError(error, this.#settings.logUrl, this.#classifyPlatformError) : undefined);
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
