/**
 * The two pairs the run compares, behind one face: the SDK (a visitor's client sending, an agent's
 * receiving) and raw mqtt.js (QoS 1, the same protobuf bytes, the sender subscribed to see the
 * server's echo), both through the same mock broker and the same proxies.
 */
import { type ChatClient, createChatClient } from '@weiyu/core';
import { DEMO_THREAD } from '@weiyu/mock-broker/testing';
import { decodeMessage, encodeMessage } from '@weiyu/protocol';
import { createHttpTransport } from '@weiyu/transport-http';
import { createMqttTransport } from '@weiyu/transport-mqtt';
import mqtt, { type MqttClient } from 'mqtt';
import { type BenchLogin, rawWire, TEXT } from './shared.js';

/** Where each side connects. */
export interface Links {
  readonly senderUrl: string;
  readonly receiverUrl: string;
  readonly httpUrl: string;
}

/** One sender and one receiver on the demo thread. */
export interface Pair {
  readonly name: string;
  /** Sends one message now; returns its uid. */
  send(): string;
  /** The sender learns that the server has the message (the echo, for both pairs). */
  onConfirmed(listener: (uid: string) => void): void;
  /** The receiver got the message. */
  onReceived(listener: (uid: string) => void): void;
  /** Messages the sender holds that have not started (the SDK's QUEUED ones; raw mqtt.js: its offline queue). */
  waiting(): number;
  /** Resolves when the sender's link is up (again). */
  senderUp(): Promise<void>;
  /** Resolves when the sender's link is down. */
  senderDown(): Promise<void>;
  close(): Promise<void>;
}

/** Options of the SDK pair. */
export interface SdkPairOptions {
  /** The receiver sends DELIVERED for each message (the SDK's default). */
  readonly receipts: boolean;
  readonly sendWindow?: number | undefined;
  /** With the REST fallback (default true). */
  readonly rest?: boolean;
}

/** The SDK pair: two chat clients, the visitor sending. */
export async function sdkPair(
  logins: { agent: BenchLogin; visitor: BenchLogin },
  links: Links,
  options: SdkPairOptions,
): Promise<Pair> {
  const client = (login: BenchLogin, url: string, autoDelivered: boolean): ChatClient =>
    createChatClient({
      user: login.user,
      realtime: createMqttTransport({ url }),
      ...(options.rest === false ? {} : { rest: createHttpTransport({ baseUrl: links.httpUrl }) }),
      auth: { username: login.user.username, accessToken: login.accessToken },
      autoDelivered,
      // A burst of thousands at once is the point here: the outbox may hold them all.
      timing: {
        outboxLimit: 100_000,
        // The broker writes history at once (server.ts): no second catch-up pass in the middle of a run.
        historyLagMs: 0,
        reconnectBaseMs: 100,
        reconnectMaxMs: 200,
        ...(options.sendWindow === undefined ? {} : { sendWindow: options.sendWindow }),
      },
    });
  const sender = client(logins.visitor, links.senderUrl, false);
  const receiver = client(logins.agent, links.receiverUrl, options.receipts);
  for (const c of [sender, receiver]) {
    await c.connect();
    await c.subscribe([DEMO_THREAD.topic]);
    // The first catch-up of a client reads the thread's history (earlier runs' messages, up to its
    // budget) and holds live messages meanwhile: let it end, so a run measures sending, not that.
    if (options.rest !== false) await c.catchUp(DEMO_THREAD.topic);
  }
  const confirmed = new Set<string>();
  const queued = new Set<string>();
  const window = options.sendWindow === undefined ? '' : `, window ${options.sendWindow}`;
  const name = `SDK${options.receipts ? ' + receipts' : ''}${window}${options.rest === false ? ', no REST' : ''}`;
  return {
    name,
    send() {
      const sent = sender.send(DEMO_THREAD, { type: 'TEXT', text: TEXT });
      if (sent.status === 'QUEUED') queued.add(sent.uid);
      return sent.uid;
    },
    onConfirmed(listener) {
      sender.on('status', ({ message }) => {
        if (message.status !== 'QUEUED') queued.delete(message.uid);
        // A receipt may confirm it before the echo: the first of them counts.
        if (message.status === 'SUCCESS' || message.status === 'DELIVERED' || message.status === 'READ') {
          if (confirmed.has(message.uid)) return;
          confirmed.add(message.uid);
          listener(message.uid);
        }
      });
    },
    onReceived(listener) {
      receiver.on('message', (message) => listener(message.uid));
    },
    waiting: () => queued.size,
    senderUp: () => until(sender, (status) => status === 'connected'),
    senderDown: () => until(sender, (status) => status !== 'connected'),
    async close() {
      await Promise.all([sender.dispose(), receiver.dispose()]);
    },
  };
}

/** Resolves when the client's connection state passes the test (now or later). */
function until(client: ChatClient, test: (status: string) => boolean): Promise<void> {
  if (test(client.state.status)) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const off = client.on('connection', (state) => {
      if (!test(state.status)) return;
      off();
      resolve();
    });
  });
}

/**
 * The raw pair: two mqtt.js clients, QoS 1, the same bytes the SDK sends. Confirmed by the
 * server's echo, or (`puback`) by mqtt.js's PUBACK: after a reconnect mqtt.js sends its offline
 * queue before it has subscribed again, so the echoes of those messages never come to it.
 */
export async function rawPair(
  logins: { agent: BenchLogin; visitor: BenchLogin },
  links: Links,
  confirmBy: 'echo' | 'puback' = 'echo',
  receipts = false,
): Promise<Pair> {
  const connect = (login: BenchLogin, url: string, device: string): Promise<MqttClient> =>
    mqtt.connectAsync(url, {
      protocolVersion: 4,
      clientId: `${login.user.uid}/WEB/${device}`,
      username: login.user.username,
      password: login.accessToken,
      reconnectPeriod: 100,
    });
  const sender = await connect(logins.visitor, links.senderUrl, 'bench-raw-sender');
  const receiver = await connect(logins.agent, links.receiverUrl, 'bench-raw-receiver');
  await Promise.all([sender, receiver].map((c) => c.subscribeAsync(DEMO_THREAD.topic, { qos: 1 })));
  const sent = new Set<string>();
  const offline: string[] = [];
  sender.on('connect', () => offline.splice(0));
  const confirmed: Array<(uid: string) => void> = [];
  const confirm = (uid: string): void => {
    if (sent.delete(uid)) for (const listener of confirmed) listener(uid);
  };
  if (confirmBy === 'echo') {
    sender.on('message', (_topic, payload) => {
      const decoded = decodeMessage(payload);
      if (decoded.ok) confirm(decoded.value.uid);
    });
  }
  return {
    name: `raw mqtt.js${confirmBy === 'echo' ? '' : ' (PUBACK)'}${receipts ? ' + receipts' : ''}`,
    send() {
      const wire = rawWire(logins.visitor.user, TEXT);
      sent.add(wire.uid);
      if (!sender.connected) offline.push(wire.uid);
      sender.publish(DEMO_THREAD.topic, Buffer.from(encodeMessage(wire)), { qos: 1 }, (error) => {
        if (!error && confirmBy === 'puback') confirm(wire.uid);
      });
      return wire.uid;
    },
    onConfirmed(listener) {
      confirmed.push(listener);
    },
    onReceived(listener) {
      receiver.on('message', (_topic, payload) => {
        const decoded = decodeMessage(payload);
        if (!decoded.ok || decoded.value.user?.uid !== logins.visitor.user.uid || decoded.value.type !== 'TEXT') return;
        listener(decoded.value.uid);
        // As the SDK's receiver does by default: a DELIVERED (content: the uid) for each message, QoS 1.
        if (receipts) {
          const delivered = { ...rawWire(logins.agent.user, decoded.value.uid), type: 'DELIVERED' };
          receiver.publish(DEMO_THREAD.topic, Buffer.from(encodeMessage(delivered)), { qos: 1 });
        }
      });
    },
    waiting: () => offline.length,
    senderUp: () => (sender.connected ? Promise.resolve() : new Promise((r) => sender.once('connect', () => r()))),
    senderDown: () => (sender.connected ? new Promise((r) => sender.once('close', () => r())) : Promise.resolve()),
    async close() {
      await Promise.all([sender.endAsync(true), receiver.endAsync(true)]);
    },
  };
}
