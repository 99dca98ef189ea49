import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { type RealtimeEvent, SdkError } from '@weiyu/core';
import { createRecordingLogger } from '@weiyu/core/testing';
import type { AuthErrorCode, AuthenticateError } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createWsTransport, type WsTransport } from './index.js';
import { type AedesServer, startAedesServer } from './testing/aedes-server.js';

const USER = { clientId: 'u1/WEB/device1', username: 'alice', password: 'token-alice' };

let broker: AedesServer | undefined;
const transports: WsTransport[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await Promise.all(cleanups.splice(0).map((c) => c()));
  await broker?.close();
  broker = undefined;
});

/** A broker that accepts alice with her token and nobody else. */
async function startBroker(extra: Parameters<typeof startAedesServer>[0] = {}): Promise<AedesServer> {
  broker = await startAedesServer({
    authenticate(_client, username, password, done) {
      if (username === USER.username && password?.toString() === USER.password) {
        done(null, true);
        return;
      }
      const error = Object.assign(new Error('bad credentials'), { returnCode: 4 as AuthErrorCode });
      done(error satisfies AuthenticateError, null);
    },
    ...extra,
  });
  return broker;
}

function transport(url: string, options: Partial<Parameters<typeof createWsTransport>[0]> = {}): WsTransport {
  const t = createWsTransport({ url, WebSocket, ...options });
  transports.push(t);
  return t;
}

function record(t: WsTransport): RealtimeEvent[] {
  const events: RealtimeEvent[] = [];
  t.on((event) => events.push(event));
  return events;
}

async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SdkError);
    return error as SdkError;
  }
  throw new Error('expected a rejection');
}

function nextEvent(t: WsTransport, type: RealtimeEvent['type']): Promise<RealtimeEvent> {
  return new Promise((resolve) => {
    const off = t.on((event) => {
      if (event.type !== type) return;
      off();
      resolve(event);
    });
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP server that accepts connections and never says a word. */
async function silentServer(): Promise<{ port: number }> {
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as AddressInfo).port };
}

/**
 * A WebSocket server at /websocket that takes the upgrade and never answers MQTT CONNECT.
 * `open()` counts the TCP connections the server has not seen close, `received()` the
 * WebSocket messages that reached it (a client sends CONNECT only once its WebSocket is open).
 */
async function muteBroker(): Promise<{ url: string; open(): number; received(): number }> {
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => res.writeHead(404).end());
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const wss = new WebSocketServer({ server, path: '/websocket' });
  let received = 0;
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', () => {
      received += 1;
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise((resolve) => wss.close(resolve));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/websocket`,
    open: () => sockets.size,
    received: () => received,
  };
}

/** Waits until `condition` holds; fails after `ms`. */
async function until(condition: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await delay(5);
  }
}

/** TCP sockets of this process whose handle is not closed yet (both ends of a loopback connection count). */
function tcpSockets(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length;
}

describe('createWsTransport', () => {
  it('normalizes the URL and refuses what is not ws:// or wss://', () => {
    expect(createWsTransport({ WebSocket, url: 'ws://127.0.0.1:9885' }).url).toBe('ws://127.0.0.1:9885/websocket');
    expect(createWsTransport({ WebSocket, url: 'wss://chat.example.com/mqtt' }).url).toBe(
      'wss://chat.example.com/mqtt',
    );
    for (const url of ['http://127.0.0.1:9885/websocket', 'not a url', 'ws://user:secret@127.0.0.1/websocket']) {
      expect(() => createWsTransport({ WebSocket, url })).toThrow(SdkError);
    }
    expect(() => createWsTransport({ WebSocket, url: 'ws://127.0.0.1', keepalive: 0 })).toThrow(/keepalive/);
  });

  it("takes the process's deviceUid: the same after a close, another while one is open, unless one is passed", async () => {
    const a = createWsTransport({ WebSocket, url: 'ws://127.0.0.1:1' });
    expect(a.deviceUid).toMatch(/^[0-9a-f]{32}(-\d+)?$/);
    const root = a.deviceUid.slice(0, 32);
    // Open at the same time: two devices, which never kick each other.
    const b = createWsTransport({ WebSocket, url: 'ws://127.0.0.1:1' });
    expect(b.deviceUid).not.toBe(a.deviceUid);
    expect(b.deviceUid.startsWith(`${root}-`)).toBe(true);
    // Made again after a close (a restart of the client): the same device to the server.
    await a.close();
    expect(createWsTransport({ WebSocket, url: 'ws://127.0.0.1:1' }).deviceUid).toBe(a.deviceUid);
    expect(createWsTransport({ WebSocket, url: 'ws://127.0.0.1:1', deviceUid: 'tab-7' }).deviceUid).toBe('tab-7');
    await b.close();
  });

  it('warns when a closed transport connects again while another one took its deviceUid', async () => {
    const b = await startBroker();
    const logger = createRecordingLogger();
    const first = transport(b.url, { logger });
    await first.connect(USER);
    await first.close();
    const second = transport(b.url);
    expect(second.deviceUid).toBe(first.deviceUid);
    expect(logger.lines.filter((line) => line.includes('same deviceUid'))).toEqual([]);
    await first.connect(USER);
    expect(logger.lines.filter((line) => line.includes('same deviceUid'))).toHaveLength(1);
  });

  it('connects, subscribes, publishes and receives binary payloads', async () => {
    const b = await startBroker();
    const t = transport(b.url);
    const result = await t.connect(USER);
    expect(result).toEqual({ sessionPresent: false });
    expect(t.isConnected()).toBe(true);

    await t.subscribe(['org/agent/a1/v1'], 1);
    const payload = new Uint8Array(256).map((_, i) => i);
    const received = nextEvent(t, 'message');
    await t.publish('org/agent/a1/v1', payload, 1);
    const event = await received;
    expect(event).toEqual({ type: 'message', topic: 'org/agent/a1/v1', payload });
    expect(event.type === 'message' && event.payload.constructor).toBe(Uint8Array);

    await t.publish('org/agent/a1/v1', new Uint8Array([0, 1, 2]).subarray(1), 0);
    const second = await nextEvent(t, 'message');
    expect(second.type === 'message' && [...second.payload]).toEqual([1, 2]);

    await t.unsubscribe(['org/agent/a1/v1']);
  });

  it('sends clientId, username, password, MQTT 3.1.1, clean=false and keepalive as given', async () => {
    const b = await startBroker();
    const t = transport(b.url, { keepalive: 20 });
    await t.connect(USER);
    expect(b.connects).toHaveLength(1);
    const packet = b.connects[0];
    expect(packet?.clientId).toBe(USER.clientId);
    expect(packet?.username).toBe(USER.username);
    expect(packet?.password?.toString()).toBe(USER.password);
    expect(packet?.protocolVersion).toBe(4);
    expect(packet?.protocolId).toBe('MQTT');
    expect(packet?.clean).toBe(false);
    expect(packet?.keepalive).toBe(20);
  });

  it('reports a kept session after reconnecting with clean=false', async () => {
    const b = await startBroker();
    const t = transport(b.url);
    await t.connect(USER);
    await t.subscribe(['user/u1'], 1);
    await t.close();
    expect(await t.connect(USER)).toEqual({ sessionPresent: true });
  });

  it('rejects a wrong password with bad_credentials, without the password in the message', async () => {
    const b = await startBroker();
    const t = transport(b.url);
    const error = await rejection(t.connect({ ...USER, password: 'wrong-token' }));
    expect(error.code).toBe('bad_credentials');
    expect(error.details).toMatchObject({ returnCode: 4 });
    expect(error.message).not.toContain('wrong-token');
    expect(t.isConnected()).toBe(false);
  });

  it('maps CONNACK 5 to not_authorized and 2 to bad_credentials', async () => {
    let returnCode = 5;
    await startBroker({
      authenticate(_client, _username, _password, done) {
        done(Object.assign(new Error('no'), { returnCode: returnCode as AuthErrorCode }), null);
      },
    });
    const url = broker?.url ?? '';
    expect((await rejection(transport(url).connect(USER))).code).toBe('not_authorized');
    returnCode = 2;
    expect((await rejection(transport(url).connect(USER))).code).toBe('bad_credentials');
  });

  it('rejects a refused subscription with not_authorized and stays connected', async () => {
    const b = await startBroker({
      authorizeSubscribe(_client, subscription, callback) {
        callback(null, subscription.topic.startsWith('user/u1') ? subscription : null);
      },
    });
    const t = transport(b.url);
    await t.connect(USER);
    await t.subscribe(['user/u1'], 1);
    const error = await rejection(t.subscribe(['user/someone-else'], 1));
    expect(error.code).toBe('not_authorized');
    expect(t.isConnected()).toBe(true);
  });

  it('refuses wildcard and empty topics before anything goes on the wire', async () => {
    const b = await startBroker();
    const t = transport(b.url);
    await t.connect(USER);
    expect((await rejection(t.subscribe(['org/#'], 1))).code).toBe('invalid_topic');
    expect((await rejection(t.subscribe(['org/+/x'], 1))).code).toBe('invalid_topic');
    expect((await rejection(t.unsubscribe(['']))).code).toBe('invalid_topic');
    expect(t.isConnected()).toBe(true);
  });

  it('refuses to publish to a wildcard, empty or NUL topic, with nothing on the wire', async () => {
    const b = await startBroker();
    const t = transport(b.url);
    const events = record(t);
    await t.connect(USER);
    const before = b.receivedFrames();
    for (const topic of ['org/agent/+/v1', 'org/#', '#', '+', '', 'org/a\u0000b']) {
      for (const qos of [0, 1] as const) {
        const error = await rejection(t.publish(topic, new Uint8Array([1]), qos));
        expect(error.code).toBe('invalid_topic');
        expect(error.retryable).toBe(false);
      }
    }
    await delay(100);
    expect(b.receivedFrames()).toBe(before);
    expect(t.isConnected()).toBe(true);
    expect(events).toEqual([]);
    // The connection still carries a good publish.
    await t.publish('org/agent/a1/v1', new Uint8Array([2]), 1);
    expect(b.receivedFrames()).toBeGreaterThan(before);
  });

  it('refuses NUL in a subscribe or unsubscribe topic too', async () => {
    const b = await startBroker();
    const t = transport(b.url);
    await t.connect(USER);
    const before = b.receivedFrames();
    expect((await rejection(t.subscribe(['user/u1', 'user/a\u0000b'], 1))).code).toBe('invalid_topic');
    expect((await rejection(t.unsubscribe(['user/a\u0000b']))).code).toBe('invalid_topic');
    await delay(50);
    expect(b.receivedFrames()).toBe(before);
    expect(t.isConnected()).toBe(true);
  });

  it('classifies a port where nothing listens as connection_refused', async () => {
    const port = await closedPort();
    const url = `ws://127.0.0.1:${port}/websocket`;
    const error = await rejection(transport(url, { connectTimeoutMs: 5_000 }).connect(USER));
    expect(error.code).toBe('connection_refused');
    expect(error.message).toContain(url);
  });

  it('fails on a wrong WebSocket path with a classified error naming the URL', async () => {
    const b = await startBroker();
    const url = `ws://127.0.0.1:${b.port}/wrong-path`;
    const error = await rejection(transport(url, { connectTimeoutMs: 5_000 }).connect(USER));
    expect(error.code).toBe('host_not_found');
    expect(error.message).toContain(url);
  });

  it('fails on an HTTP server that is no broker at all', async () => {
    const server = createHttpServer((_req, res) => res.writeHead(404).end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/websocket`;
    const error = await rejection(transport(url, { connectTimeoutMs: 5_000 }).connect(USER));
    expect(['host_not_found', 'connection_refused']).toContain(error.code);
    expect(error.message).toContain(url);
  });

  it('times out against a server that accepts TCP but never answers', async () => {
    const { port } = await silentServer();
    const t = transport(`ws://127.0.0.1:${port}/websocket`, { connectTimeoutMs: 200 });
    const error = await rejection(t.connect(USER));
    expect(error.code).toBe('timeout');
    expect(t.isConnected()).toBe(false);
  });

  it('rejects with closed when the signal aborts, and when close() interrupts', async () => {
    const { port } = await silentServer();
    const t = transport(`ws://127.0.0.1:${port}/websocket`, { connectTimeoutMs: 5_000 });
    const controller = new AbortController();
    const attempt = t.connect(USER, controller.signal);
    controller.abort();
    expect((await rejection(attempt)).code).toBe('closed');

    const aborted = new AbortController();
    aborted.abort();
    expect((await rejection(t.connect(USER, aborted.signal))).code).toBe('closed');

    const events = record(t);
    const second = t.connect(USER);
    await t.close();
    expect((await rejection(second)).code).toBe('closed');
    expect(events).toEqual([]);
  });

  it('emits one disconnected with an error when the broker drops the socket, and never reconnects', async () => {
    const b = await startBroker();
    const t = transport(b.url);
    const events = record(t);
    await t.connect(USER);
    expect(b.webSocketCount()).toBe(1);

    b.dropAll();
    await nextEvent(t, 'disconnected');
    await delay(300);
    const disconnects = events.filter((e) => e.type === 'disconnected');
    expect(disconnects).toHaveLength(1);
    const error = disconnects[0]?.type === 'disconnected' ? disconnects[0].error : undefined;
    expect(error?.code).toBe('network');
    expect(t.isConnected()).toBe(false);
    expect(b.webSocketCount()).toBe(1);

    // The transport works again when asked to.
    await t.connect(USER);
    expect(b.webSocketCount()).toBe(2);
  });

  it('emits disconnected without an error once after close(), and close() is safe twice', async () => {
    const b = await startBroker();
    const t = transport(b.url);
    const events = record(t);
    await t.connect(USER);
    await t.close();
    await t.close();
    expect(events).toEqual([{ type: 'disconnected', error: undefined }]);
    expect(t.isConnected()).toBe(false);
  });

  it('replaces a live connection when connect() is called again', async () => {
    const b = await startBroker();
    const t = transport(b.url);
    const events = record(t);
    await t.connect(USER);
    await t.connect(USER);
    expect(t.isConnected()).toBe(true);
    expect(b.webSocketCount()).toBe(2);
    expect(events).toEqual([{ type: 'disconnected', error: undefined }]);
  });

  it('serialises overlapping connect() calls: the last one wins and no orphan connection is left', async () => {
    const b = await startBroker();
    const t = transport(b.url);
    await t.connect(USER);
    const events = record(t);
    const device2 = { ...USER, clientId: 'u1/WEB/device2' };
    const [first, second] = await Promise.allSettled([t.connect(USER), t.connect(device2)]);
    expect(first.status === 'rejected' && first.reason instanceof SdkError && first.reason.code).toBe('closed');
    expect(second.status).toBe('fulfilled');
    expect(t.isConnected()).toBe(true);
    await until(() => b.openWebSocketCount() <= 1);
    await delay(100);
    expect(b.openWebSocketCount()).toBe(1);
    expect(b.client(device2.clientId)).toBeDefined();
    expect(b.client(USER.clientId)).toBeUndefined();

    await t.close();
    await until(() => b.openWebSocketCount() === 0);
    // Whatever the broker does to any socket now, no event may come from an orphaned link.
    b.dropAll();
    await delay(100);
    expect(events).toEqual([
      { type: 'disconnected', error: undefined },
      { type: 'disconnected', error: undefined },
    ]);
  });

  it('a connect() waiting for the old connection to close gives up when close() is called meanwhile', async () => {
    const b = await startBroker();
    const t = transport(b.url);
    await t.connect(USER);
    const events = record(t);
    const attempt = rejection(t.connect(USER));
    await t.close();
    expect((await attempt).code).toBe('closed');
    await delay(100);
    expect(t.isConnected()).toBe(false);
    expect(b.connects).toHaveLength(1);
    expect(events).toEqual([{ type: 'disconnected', error: undefined }]);
    await until(() => b.openWebSocketCount() === 0);

    // The same with the caller's signal instead of close().
    await t.connect(USER);
    const controller = new AbortController();
    const aborted = rejection(t.connect(USER, controller.signal));
    controller.abort();
    expect((await aborted).code).toBe('closed');
    expect(t.isConnected()).toBe(false);
    expect(b.connects).toHaveLength(2);
  });

  it('close() during a connect attempt resolves once the socket is closed', async () => {
    const mute = await muteBroker();
    const t = transport(mute.url, { connectTimeoutMs: 5_000 });
    const before = tcpSockets();
    const attempt = rejection(t.connect(USER));
    // The WebSocket is open and CONNECT went out; the server never answers it.
    // The server counts the upgrade before the client has read the answer: wait for CONNECT.
    await until(() => mute.open() === 1 && mute.received() >= 1 && tcpSockets() === before + 2);
    await t.close();
    // The transport's end is closed the moment close() resolves; the server's follows.
    expect(tcpSockets()).toBeLessThanOrEqual(before + 1);
    expect((await attempt).code).toBe('closed');
    await until(() => mute.open() === 0, 500);
  });

  it('keeps a query and its secrets out of log lines and error messages', async () => {
    const b = await startBroker();
    const logger = createRecordingLogger();
    const t = transport(`${b.url}?token=s3cret`, { logger });
    const events = record(t);
    await t.connect(USER);
    b.dropAll();
    await nextEvent(t, 'disconnected');
    const port = await closedPort();
    const refused = await rejection(
      transport(`ws://127.0.0.1:${port}/websocket?token=s3cret#frag`, { logger, connectTimeoutMs: 5_000 }).connect(
        USER,
      ),
    );
    expect(refused.message).toContain(`ws://127.0.0.1:${port}/websocket`);
    const invalid = (() => {
      try {
        createWsTransport({ WebSocket, url: 'chat.example.com/websocket?token=s3cret' });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(invalid).toBeInstanceOf(SdkError);
    const texts = [
      ...logger.lines,
      ...events.map((e) => (e.type === 'message' ? '' : (e.error?.message ?? ''))),
      refused.message,
      invalid instanceof Error ? invalid.message : '',
    ];
    expect(logger.lines.length).toBeGreaterThan(2);
    for (const text of texts) expect(text).not.toContain('s3cret');
    expect(logger.lines.some((line) => line.includes(b.url))).toBe(true);
  });

  it('rejects publish, subscribe and unsubscribe with not_connected when down', async () => {
    const b = await startBroker();
    const t = transport(b.url);
    expect((await rejection(t.publish('user/u1', new Uint8Array([1]), 1))).code).toBe('not_connected');
    expect((await rejection(t.subscribe(['user/u1'], 1))).code).toBe('not_connected');
    expect((await rejection(t.unsubscribe(['user/u1']))).code).toBe('not_connected');
    await t.connect(USER);
    await t.close();
    expect((await rejection(t.publish('user/u1', new Uint8Array([1]), 0))).code).toBe('not_connected');
  });

  it('never leaves a publish hanging: no PUBACK → timeout; connection lost → network', async () => {
    const b = await startBroker({
      // Holding authorization back holds the PUBACK back.
      authorizePublish() {},
    });
    const t = transport(b.url, { ackTimeoutMs: 200 });
    await t.connect(USER);
    expect((await rejection(t.publish('user/u1', new Uint8Array([1]), 1))).code).toBe('timeout');

    const pending = t.publish('user/u1', new Uint8Array([2]), 1);
    const lost = rejection(pending);
    b.dropAll();
    expect((await lost).code).toBe('network');
  });

  it('rejects pending publishes with closed on close()', async () => {
    const b = await startBroker({ authorizePublish() {} });
    const t = transport(b.url, { ackTimeoutMs: 5_000 });
    await t.connect(USER);
    const pending = rejection(t.publish('user/u1', new Uint8Array([1]), 1));
    await t.close();
    expect((await pending).code).toBe('closed');
  });

  it('keeps calling other listeners when one throws, and stops calling one that unsubscribed', async () => {
    const b = await startBroker();
    const t = transport(b.url);
    t.on(() => {
      throw new Error('listener bug');
    });
    const seen: string[] = [];
    const off = t.on((event) => seen.push(event.type));
    await t.connect(USER);
    await t.subscribe(['user/u1'], 0);
    const received = nextEvent(t, 'message');
    await t.publish('user/u1', new Uint8Array([7]), 0);
    await received;
    off();
    await t.close();
    expect(seen).toEqual(['message']);
  });
});
