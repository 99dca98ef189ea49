/**
 * A TCP proxy on 127.0.0.1 that holds every chunk `delayMs` before passing it on, each way: a
 * round trip through it costs 2 × `delayMs` more than loopback. It can also take the link down
 * (an outage: every connection cut, new ones refused) and bring it back.
 */
import net from 'node:net';

/** A running proxy. */
export interface DelayProxy {
  readonly port: number;
  /** Cuts every connection and refuses new ones (on), or accepts again (off). */
  outage(on: boolean): void;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (a port on 127.0.0.1) that delays each direction by `delayMs`. */
export async function startDelayProxy(target: number, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    forward(client, upstream, delayMs);
    forward(upstream, client, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    outage(on) {
      down = on;
      if (on) for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Passes what `from` reads to `to`, each chunk `delayMs` later (same delay for all: order kept). */
function forward(from: net.Socket, to: net.Socket, delayMs: number): void {
  const later = (fn: () => void): void => {
    if (delayMs === 0) fn();
    else setTimeout(fn, delayMs);
  };
  from.on('data', (chunk) => later(() => to.destroyed || to.write(chunk)));
  from.on('end', () => later(() => to.end()));
  from.on('error', () => to.destroy());
  from.on('close', () => later(() => to.destroy()));
}
