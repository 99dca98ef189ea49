import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Aedes, type AedesOptions, type Client, type ConnectPacket } from 'aedes';
import { createWebSocketStream, type WebSocket, WebSocketServer } from 'ws';

/** A real aedes broker behind a WebSocket server on 127.0.0.1, for the realtime transports' tests. */
export interface AedesServer {
  /** `ws://127.0.0.1:PORT/websocket`, or `wss://…` when started with a certificate. */
  readonly url: string;
  /** The port it listens on, on 127.0.0.1 (a free one, picked by the system). */
  readonly port: number;
  /** The aedes broker behind the WebSocket server. */
  readonly broker: Aedes;
  /** Every CONNECT packet the broker received, in order. */
  readonly connects: ConnectPacket[];
  /** How many WebSocket connections were opened. */
  webSocketCount(): number;
  /** How many WebSocket connections are open now (the server has not seen them close). */
  openWebSocketCount(): number;
  /** How many WebSocket messages the server received, on every connection: what went on the wire. */
  receivedFrames(): number;
  /** The broker's client with this id, when connected. */
  client(id: string): Client | undefined;
  /** Drops every WebSocket from the server side, without an MQTT goodbye. */
  dropAll(): void;
  /** Closes every connection, the server and the broker; resolves when all are closed. */
  close(): Promise<void>;
}

/** The TLS identity of a `wss://` aedes server, as PEM text. */
export interface AedesServerTls {
  readonly key: string;
  readonly cert: string;
}

/**
 * Starts a broker; `options` are aedes hooks (authenticate, authorizeSubscribe, …). With `tls`
 * it serves `wss://` with that key and certificate.
 */
export async function startAedesServer(options: AedesOptions = {}, tls?: AedesServerTls): Promise<AedesServer> {
  const connects: ConnectPacket[] = [];
  const userPreConnect = options.preConnect;
  const broker = await Aedes.createBroker({
    ...options,
    preConnect(client, packet, callback) {
      connects.push(packet);
      if (userPreConnect) userPreConnect(client, packet, callback);
      else callback(null, true);
    },
  });
  const clients = new Map<string, Client>();
  broker.on('client', (client) => clients.set(client.id, client));
  broker.on('clientDisconnect', (client) => clients.delete(client.id));

  const notFound: RequestListener = (_req, res) => {
    res.writeHead(404).end();
  };
  const server: Server = tls ? createTlsServer({ key: tls.key, cert: tls.cert }, notFound) : createServer(notFound);
  // A client that gives up on the certificate resets the handshake; that is the test, not a fault.
  server.on('tlsClientError', () => {});
  const sockets = new Set<WebSocket>();
  let webSockets = 0;
  let frames = 0;
  const wss = new WebSocketServer({ server, path: '/websocket' });
  wss.on('connection', (ws, req) => {
    webSockets += 1;
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', () => {
      frames += 1;
    });
    const stream = createWebSocketStream(ws);
    stream.on('error', () => {});
    broker.handle(stream, req);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}/websocket`,
    port,
    broker,
    connects,
    webSocketCount: () => webSockets,
    openWebSocketCount: () => sockets.size,
    receivedFrames: () => frames,
    client: (id) => clients.get(id),
    dropAll() {
      for (const ws of sockets) ws.terminate();
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
