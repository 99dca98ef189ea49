import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { WebSocketServer } from 'ws';

/** Takes a function that closes what a test started, to run after the test. */
export type Defer = (cleanup: () => Promise<void>) => void;

/** A port of 127.0.0.1 where nothing listens. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP server that accepts connections and never says a word. */
export async function silentServer(defer: Defer): Promise<{ port: number }> {
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  defer(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as AddressInfo).port };
}

/** An HTTP server that is no broker at all: 404 to everything, upgrades included. Resolves to its port. */
export async function notFoundServer(defer: Defer): Promise<number> {
  const server = createHttpServer((_req, res) => res.writeHead(404).end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  defer(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

/** What {@link muteBroker} serves, and what it counts. */
export interface MuteBroker {
  /** `ws://127.0.0.1:PORT/websocket`. */
  readonly url: string;
  /** The TCP connections the server has not seen close. */
  open(): number;
  /** The WebSocket messages that reached it (a client sends CONNECT only once its WebSocket is open). */
  received(): number;
}

/** A WebSocket server at /websocket that takes the upgrade and never answers MQTT CONNECT. */
export async function muteBroker(defer: Defer): Promise<MuteBroker> {
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
  defer(async () => {
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
