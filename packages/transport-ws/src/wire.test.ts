/**
 * The transport against brokers that misbehave on purpose: a WebSocket server that answers with
 * the bytes each test scripts (a ping never answered, bytes that are not MQTT, packets cut and
 * joined across messages), and a real aedes broker killed mid-publish.
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

  it('refuses a packet from the broker over maxIncomingPacketBytes', async () => {
    const broker = await scriptedBroker((m) =>
      m[0] === 0x10 ? [CONNACK, encodePublish('user/u1', new Uint8Array(200), 0)] : [],
    );
    const t = transport(broker.url, { maxIncomingPacketBytes: 100 });
    const messages: RealtimeEvent[] = [];
    t.on((event) => event.type === 'message' && messages.push(event));
    const down = nextEvent(t, 'disconnected');
    await t.connect(USER);
    const error = disconnectError(await down);
    expect(error?.code).toBe('protocol');
    expect(error?.details).toMatchObject({ limit: 100 });
    expect(messages).toEqual([]);
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
