/**
 * A server that takes connections and never says a word: a WebSocket upgrade to it stays
 * "connecting", a REST call to it never gets an answer. Its only resources are its listener and
 * the sockets its clients open; its one timer is unref'd (it keeps nothing alive).
 *
 * A connection that sends nothing within {@link EMPTY_CONNECTION_MS} is closed: fetch (undici)
 * opens a spare connection to the same origin right after a request on it is aborted, and keeps
 * it idle (its end unref'd) for seconds; this server's end of it would look like a socket left
 * open by the client under test. A real call sends its request at once (well within a second,
 * even on a loaded machine).
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';

/** How long a connection may stay silent before this server closes it (ms). */
export const EMPTY_CONNECTION_MS = 1_000;

/** A running silent server, closed at the end of its `await using` block. */
export interface SilentServer extends AsyncDisposable {
  /** `ws://127.0.0.1:PORT`, for an MQTT transport that will never connect. */
  readonly wsUrl: string;
  /** `http://127.0.0.1:PORT`, for a REST transport that will never get an answer. */
  readonly httpUrl: string;
  /** Connections open now that carried something (a request, an upgrade): those their clients have not closed yet. */
  open(): number;
  /** Connections taken so far, with the first bytes each sent (a request line, an upgrade; '' for none). */
  readonly heard: readonly string[];
  close(): Promise<void>;
}

/** Starts a silent server on a free port of 127.0.0.1. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const heard: string[] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    const index = heard.push('') - 1;
    const empty = setTimeout(() => {
      if (heard[index] === '') socket.destroy();
    }, EMPTY_CONNECTION_MS);
    empty.unref();
    socket.on('data', (chunk) => {
      if ((heard[index] ?? '').length < 200) heard[index] = `${heard[index] ?? ''}${chunk.toString('latin1')}`;
    });
    socket.on('close', () => {
      clearTimeout(empty);
      sockets.delete(socket);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    wsUrl: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    open: () => [...sockets].filter((socket) => socket.bytesRead > 0).length,
    heard,
    close,
    [Symbol.asyncDispose]: close,
  };
}
