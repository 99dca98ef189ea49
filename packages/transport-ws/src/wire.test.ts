/**
 * The transport against brokers that misbehave on purpose: a WebSocket server that answers with
 * the bytes each test scripts (a ping never answered, bytes that are not MQTT, packets cut and
 * joined across messages, packets over the limit), and a real aedes broker: one sending a message
 * over the limit, one killed mid-publish.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RealtimeEvent } from '@weiyu/core';
import { nextEvent, rejection, startAedesServer, until } from '@weiyu/transport-contract';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { encodePublish } from './codec.js';
import { createWsTransport, type WebSocketConstructor, type WsTransport } from './index.js';

const USER = { clientId: 'u1/WEB/d1', username: 'alice', password: 'token' };
const CONNACK = Uint8Array.of(0x20, 2, 0, 0);
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// The browser's WebSocket fits the option as it is (checked by the compiler, DOM typings).
const browserWebSocket: WebSocketConstructor | undefined = (globalThis as { WebSocket?: typeof globalThis.WebSocket })
  .WebSocket;
void browserWebSocket;

interface Scripted {
  readonly url: string;
  /** Every WebSocket message the server received, in order. */
  readonly received: Uint8Array[];
  /** How many of the server's WebSockets have closed. */
  closed(): number;
}

/** A WebSocket server that answers each message with what `answer` returns for it (CONNACK to CONNECT by default). */
async function scriptedBroker(
  answer: (message: Uint8Array, socket: WsSocket) => Array<Uint8Array | string> = (m) =>
    m[0] === 0x10 ? [CONNACK] : [],
): Promise<Scripted> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, path: '/websocket', handleProtocols: () => 'mqtt' });
  const received: Uint8Array[] = [];
  let closed = 0;
  wss.on('connection', (socket) => {
    socket.on('close', () => {
      closed += 1;
    });
    socket.on('message', (data: Buffer) => {
      const message = new Uint8Array(data);
      received.push(message);
      for (const reply of answer(message, socket)) socket.send(reply);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const socket of wss.clients) socket.terminate();
    await new Promise((resolve) => wss.close(resolve));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/websocket`,
    received,
    closed: () => closed,
  };
}

function transport(url: string, options: Partial<Parameters<typeof createWsTransport>[0]> = {}): WsTransport {
  const t = createWsTransport({ url, WebSocket, connectTimeoutMs: 3_000, ...options });
  cleanups.push(() => t.close());
  return t;
}

const disconnectError = (event: RealtimeEvent) => (event.type === 'disconnected' ? event.error : undefined);

describe('createWsTransport on the wire', () => {
  it('opens the WebSocket with the mqtt subprotocol and sends CONNECT as its first message', async () => {
    let protocol = '';
    const broker = await scriptedBroker((message, socket) => {
      protocol = socket.protocol;
      return message[0] === 0x10 ? [CONNACK] : [];
    });
    await transport(broker.url).connect(USER);
    expect(protocol).toBe('mqtt');
    expect(broker.received[0]?.[0]).toBe(0x10);
  });

  it('pings when idle, and a PINGREQ left unanswered is a dead link: disconnected with network', async () => {
    const broker = await scriptedBroker();
    const t = transport(broker.url, { keepalive: 1, pingTimeoutMs: 200 });
    await t.connect(USER);
    const event = await nextEvent(t, 'disconnected');
    expect(broker.received.some((m) => m[0] === 0xc0 && m[1] === 0)).toBe(true);
    expect(disconnectError(event)?.code).toBe('network');
    expect(t.isConnected()).toBe(false);
    await until(() => broker.closed() === 1, 3_000);
  });

  it('stays up on a broker that answers its pings', async () => {
    const broker = await startAedesServer();
    cleanups.push(() => broker.close());
    const t = transport(broker.url, { keepalive: 1, pingTimeoutMs: 300 });
    const events: RealtimeEvent[] = [];
    t.on((event) => events.push(event));
    await t.connect(USER);
    const before = broker.receivedFrames();
    await until(() => broker.receivedFrames() >= before + 2, 3_000);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(t.isConnected()).toBe(true);
    expect(events).toEqual([]);
  });

  it('closes the connection on bytes that are not MQTT, with a protocol error and no throw', async () => {
    for (const garbage of [Uint8Array.of(0xf0, 0), Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 1), 'text']) {
      let socket: WsSocket | undefined;
      const broker = await scriptedBroker((message, s) => {
        socket = s;
        return message[0] === 0x10 ? [CONNACK] : [];
      });
      const t = transport(broker.url);
      await t.connect(USER);
      const down = nextEvent(t, 'disconnected');
      socket?.send(garbage);
      expect(disconnectError(await down)?.code).toBe('protocol');
      expect(disconnectError(await down)?.message).toContain(broker.url);
      await until(() => broker.closed() === 1, 3_000);
    }
  });

  it('rejects connect() with protocol when the answer to CONNECT is not a CONNACK', async () => {
    const broker = await scriptedBroker(() => [Uint8Array.of(0x40, 2, 0, 1)]);
    expect((await rejection(transport(broker.url).connect(USER))).code).toBe('protocol');
    await until(() => broker.closed() === 1, 3_000);
  });

  it('skips a PUBLISH over maxIncomingPacketBytes: acks it, reports response_too_large, stays up', async () => {
    const big = encodePublish('user/u1', new Uint8Array(200), 1, 41);
    const small = encodePublish('user/u1', Uint8Array.of(7), 0);
    // The big one cut across three messages, the small one joined to its end.
    const broker = await scriptedBroker((m) =>
      m[0] === 0x10
        ? [CONNACK, big.subarray(0, 3), big.subarray(3, 100), Uint8Array.from([...big.subarray(100), ...small])]
        : [],
    );
    const t = transport(broker.url, { maxIncomingPacketBytes: 100 });
    const events: RealtimeEvent[] = [];
    t.on((event) => events.push(event));
    await t.connect(USER);
    await until(() => events.some((e) => e.type === 'message'), 3_000);
    expect(events).toHaveLength(2);
    const [report, message] = events;
    const error = report?.type === 'error' ? report.error : undefined;
    expect(error?.code).toBe('response_too_large');
    expect(error?.message).toContain(broker.url);
    expect(error?.details).toEqual({ topic: 'user/u1', packetBytes: 2 + 7 + 2 + 200, limitBytes: 100 });
    expect(message).toEqual({ type: 'message', topic: 'user/u1', payload: Uint8Array.of(7) });
    await until(() => broker.received.length === 2, 3_000);
    expect([...(broker.received[1] ?? [])]).toEqual([0x40, 2, 0, 41]);
    expect(t.isConnected()).toBe(true);
    expect(broker.closed()).toBe(0);
  });

  it('closes the connection on a packet over maxIncomingPacketBytes that is no PUBLISH, with protocol', async () => {
    const suback = Uint8Array.from([0x90, 200, 1, 0, 1, ...new Uint8Array(198)]);
    const broker = await scriptedBroker((m) => (m[0] === 0x10 ? [CONNACK, suback] : []));
    const t = transport(broker.url, { maxIncomingPacketBytes: 100 });
    const down = nextEvent(t, 'disconnected');
    await t.connect(USER);
    const error = disconnectError(await down);
    expect(error?.code).toBe('protocol');
    expect(error?.details).toMatchObject({ bytes: 200, limit: 100 });
  });

  it('skips a 300 KB message from a real aedes broker and stays up: the next one arrives, the big one is acked', async () => {
    const broker = await startAedesServer();
    cleanups.push(() => broker.close());
    const t = transport(broker.url);
    const events: RealtimeEvent[] = [];
    t.on((event) => events.push(event));
    await t.connect(USER);
    await t.subscribe(['org/group/g1'], 1);
    const acked: number[] = [];
    broker.broker.on('ack', (packet) => {
      if (packet && 'payload' in packet) acked.push(packet.payload.length);
    });
    const publish = (payload: Buffer) =>
      new Promise<void>((resolve, reject) =>
        broker.broker.publish(
          { cmd: 'publish', topic: 'org/group/g1', payload, qos: 1, retain: false, dup: false },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    await publish(Buffer.alloc(300 * 1024, 0x5a));
    await publish(Buffer.from('small'));
    await until(() => events.some((e) => e.type === 'message'), 5_000);
    const [report, message] = events;
    expect(events).toHaveLength(2);
    const error = report?.type === 'error' ? report.error : undefined;
    expect(error?.code).toBe('response_too_large');
    expect(error?.details).toEqual({
      topic: 'org/group/g1',
      packetBytes: 2 + 12 + 2 + 300 * 1024,
      limitBytes: 262_144,
    });
    expect(message).toEqual({ type: 'message', topic: 'org/group/g1', payload: new TextEncoder().encode('small') });
    await until(() => acked.length === 2, 3_000);
    expect(acked).toEqual([300 * 1024, 5]);
    expect(t.isConnected()).toBe(true);
    expect(broker.webSocketCount()).toBe(1);
    expect(broker.openWebSocketCount()).toBe(1);
  });

  it('reads a CONNACK cut in two and the PUBLISH joined to its end, and acks a QoS 1 PUBLISH', async () => {
    const publish = encodePublish('user/u1', Uint8Array.of(1, 2, 3), 1, 42);
    const broker = await scriptedBroker((m) =>
      m[0] === 0x10 ? [CONNACK.subarray(0, 1), Uint8Array.from([...CONNACK.subarray(1), ...publish])] : [],
    );
    const t = transport(broker.url);
    const message = nextEvent(t, 'message');
    await t.connect(USER);
    expect(await message).toEqual({ type: 'message', topic: 'user/u1', payload: Uint8Array.of(1, 2, 3) });
    await until(() => broker.received.length === 2, 3_000);
    expect([...(broker.received[1] ?? [])]).toEqual([0x40, 2, 0, 42]);
  });

  it('refuses a publish over maxPacketBytes with oversize, with nothing on the wire', async () => {
    const broker = await scriptedBroker();
    const t = transport(broker.url);
    await t.connect(USER);
    const error = await rejection(t.publish('user/u1', new Uint8Array(10_240), 1));
    expect(error.code).toBe('oversize');
    expect(broker.received).toHaveLength(1);
    expect(t.isConnected()).toBe(true);
  });

  it('rejects a pending publish and emits disconnected when the broker is killed mid-publish', async () => {
    const broker = await startAedesServer({ authorizePublish() {} });
    const t = transport(broker.url, { ackTimeoutMs: 5_000 });
    await t.connect(USER);
    const down = nextEvent(t, 'disconnected');
    const pending = rejection(t.publish('user/u1', Uint8Array.of(1), 1));
    await until(() => broker.receivedFrames() >= 2, 3_000);
    await broker.close();
    expect((await pending).code).toBe('network');
    expect(disconnectError(await down)?.code).toBe('network');
    expect((await rejection(t.publish('user/u1', Uint8Array.of(1), 1))).code).toBe('not_connected');
  });
});
