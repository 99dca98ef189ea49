/**
 * A bare mqtt.js client for checking brokers without the SDK (harness self-tests, and a third
 * party that injects or observes traffic).
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** A received publish. */
export interface RawMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
}

/** A connected raw client that records what it receives. */
export interface RawClient extends AsyncDisposable {
  readonly client: MqttClient;
  readonly received: RawMessage[];
  readonly sessionPresent: boolean;
  close(): Promise<void>;
}

/** Connects (MQTT 3.1.1, no auto-reconnect); rejects with mqtt.js's error (with `code` for CONNACK refusals). */
export async function connectRaw(url: string, options: IClientOptions): Promise<RawClient> {
  const client = mqtt.connect(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...options,
  });
  const received: RawMessage[] = [];
  client.on('message', (topic, payload) => {
    received.push({ topic, payload: new Uint8Array(payload) });
  });
  const sessionPresent = await new Promise<boolean>((resolve, reject) => {
    client.once('connect', (packet) => resolve(packet.sessionPresent));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
  const close = async (): Promise<void> => {
    await client.endAsync(true);
  };
  return { client, received, sessionPresent, close, [Symbol.asyncDispose]: close };
}
