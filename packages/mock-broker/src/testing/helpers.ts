import { randomUUID } from 'node:crypto';
import { decodeMessage, encodeMessage, type WireMessage, type WireMessageInit } from '@weiyu/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { MockBroker } from '../broker.js';
import { DEMO_THREAD, ORG_UID, VISITOR } from './seed-users.js';

/** The demo thread's topic, which most of the broker's tests publish on. */
export const THREAD_TOPIC = DEMO_THREAD.topic;

/** A publish an mqtt.js test client received: its topic, its bytes and the message they decode to. */
export interface ReceivedPublish {
  topic: string;
  message: WireMessage | undefined;
  bytes: Buffer;
}

/** An mqtt.js client that keeps what it receives and can wait for a message. */
export interface MqttTestClient {
  mqtt: MqttClient;
  received: ReceivedPublish[];
  waitFor(predicate: (r: ReceivedPublish) => boolean): Promise<ReceivedPublish>;
  closed: Promise<void>;
  end(): Promise<void>;
}

export function wrap(client: MqttClient): MqttTestClient {
  const received: ReceivedPublish[] = [];
  const waiters: Array<{ predicate: (r: ReceivedPublish) => boolean; resolve: (r: ReceivedPublish) => void }> = [];
  client.on('message', (topic, payload) => {
    const decoded = decodeMessage(payload);
    const r: ReceivedPublish = { topic, message: decoded.ok ? decoded.value : undefined, bytes: payload };
    received.push(r);
    for (const w of [...waiters]) {
      if (w.predicate(r)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(r);
      }
    }
  });
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  return {
    mqtt: client,
    received,
    closed,
    waitFor(predicate) {
      const found = received.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    end: async () => {
      await client.endAsync(true);
    },
  };
}

/** Connects as a seeded user with a fresh token. */
export async function connectAs(
  broker: MockBroker,
  user: { uid: string; username: string; password: string },
  options: IClientOptions & { device?: string } = {},
): Promise<MqttTestClient> {
  const { accessToken } = broker.login(user.username, user.password);
  const { device, ...rest } = options;
  const client = await mqtt.connectAsync(broker.mqttUrl, {
    protocolVersion: 4,
    clientId: `${user.uid}/web/${device ?? randomUUID()}`,
    username: user.username,
    password: accessToken,
    clean: false,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...rest,
  });
  return wrap(client);
}

/** A TEXT message on the demo thread. */
export function textMessage(overrides: WireMessageInit = {}): WireMessageInit {
  return {
    uid: randomUUID(),
    type: 'TEXT',
    content: 'hello',
    status: 'SENDING',
    createdAt: '2024-01-01 00:00:00',
    channel: 'WEB',
    user: { uid: VISITOR.uid, nickname: '访客', type: 'VISITOR' },
    thread: DEMO_THREAD,
    extra: JSON.stringify({ orgUid: ORG_UID }),
    ...overrides,
  };
}

export async function publish(
  client: MqttTestClient,
  topic: string,
  message: WireMessageInit | Uint8Array,
): Promise<void> {
  const bytes = message instanceof Uint8Array ? message : encodeMessage(message);
  await client.mqtt.publishAsync(topic, Buffer.from(bytes), { qos: 1 });
}

export const byUid = (uid: string) => (r: ReceivedPublish) => r.message?.uid === uid;

/** A hand-made MQTT 3.1.1 CONNECT packet (for raw WebSocket tests). */
export function connectPacket(options: {
  clientId: string;
  username: string;
  password: string;
  keepalive: number;
}): Buffer {
  const str = (s: string) => {
    const bytes = Buffer.from(s, 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(options.keepalive);
  const variable = Buffer.concat([str('MQTT'), Buffer.from([4, 0x80 | 0x40 | 0x02]), keepalive]);
  const payload = Buffer.concat([str(options.clientId), str(options.username), str(options.password)]);
  const body = Buffer.concat([variable, payload]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  let x = n;
  do {
    let byte = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) byte |= 0x80;
    bytes.push(byte);
  } while (x > 0);
  return Buffer.from(bytes);
}
