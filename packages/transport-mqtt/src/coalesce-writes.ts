/**
 * One WebSocket frame per tick instead of one per piece. mqtt.js writes each packet in pieces
 * (fixed header, topic, packet id, payload), corked until the next tick; over Node's `ws` stream
 * every piece then goes as a frame of its own (five for a PUBLISH), each a socket write. With a
 * `_writev`, what one tick wrote goes as one frame, as mqtt.js already does in browsers. MQTT
 * over WebSocket lets a frame carry any part of any number of packets.
 */

/** The part of a Node writable stream this touches. */
interface WritableLike {
  _write?: (chunk: Uint8Array, encoding: string, callback: (error?: Error | null) => void) => void;
  _writev?: ((chunks: Array<{ chunk: unknown }>, callback: (error?: Error | null) => void) => void) | null;
}

/** Gives a Node stream that writes chunk by chunk a `_writev` that writes them as one. */
export function coalesceWrites(stream: unknown): void {
  if (typeof Buffer === 'undefined' || typeof stream !== 'object' || stream === null) return;
  const writable = stream as WritableLike;
  const write = writable._write;
  if (typeof write !== 'function' || typeof writable._writev === 'function') return;
  writable._writev = function (chunks, callback) {
    const pieces = chunks.map(({ chunk }) =>
      typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer),
    );
    write.call(this, Buffer.concat(pieces), 'buffer', callback);
  };
}
