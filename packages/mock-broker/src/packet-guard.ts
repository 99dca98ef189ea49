import { Duplex } from 'node:stream';
import { createWebSocketStream, type WebSocket } from 'ws';

/**
 * Follows MQTT packet boundaries in a byte stream (fixed header: one type byte, then the
 * "remaining length" varint) and says when a packet is bigger than the limit. Like the real
 * server (Netty's MqttDecoder), it measures the remaining length: variable header + payload.
 */
export class PacketSizeGuard {
  readonly #max: number;
  #phase: 'type' | 'length' | 'body' = 'type';
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  #remaining = 0;

  constructor(maxPacketBytes: number) {
    this.#max = maxPacketBytes;
  }

  /** Feeds bytes; false as soon as a packet over the limit (or a broken length) shows up. */
  accept(chunk: Uint8Array): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.#phase === 'type') {
        i += 1;
        this.#phase = 'length';
        this.#length = 0;
        this.#multiplier = 1;
        this.#lengthBytes = 0;
      } else if (this.#phase === 'length') {
        const byte = chunk[i] ?? 0;
        i += 1;
        this.#length += (byte & 0x7f) * this.#multiplier;
        this.#multiplier *= 128;
        this.#lengthBytes += 1;
        if (this.#length > this.#max) return false;
        if ((byte & 0x80) === 0) {
          this.#remaining = this.#length;
          this.#phase = this.#remaining > 0 ? 'body' : 'type';
        } else if (this.#lengthBytes >= 4) {
          return false;
        }
      } else {
        const take = Math.min(this.#remaining, chunk.length - i);
        i += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#phase = 'type';
      }
    }
    return true;
  }
}

/**
 * Sets the session-present flag of the CONNACK going out first on a connection when
 * `sessionPresent()` says so: aedes writes a CONNACK byte by byte (type, length, flags, code),
 * and the real server may say "session present" where aedes, keeping no session, would not.
 */
export function connackSessionFlag(sessionPresent: () => boolean): (chunk: Buffer) => Buffer {
  let offset = 0;
  let isConnack = false;
  return (chunk) => {
    const start = offset;
    offset += chunk.length;
    if (start === 0) isConnack = chunk[0] === 0x20;
    const flagsAt = 2 - start;
    if (!isConnack || flagsAt < 0 || flagsAt >= chunk.length || !sessionPresent()) return chunk;
    const copy = Buffer.from(chunk);
    copy[flagsAt] = (copy[flagsAt] ?? 0) | 0x01;
    return copy;
  };
}

/**
 * A stream over a WebSocket for aedes that closes the connection, without a word, as soon
 * as a packet over `maxPacketBytes` arrives; the oversize packet never reaches the broker.
 * `outgoing` may rewrite what the broker writes (see {@link connackSessionFlag}). What the
 * broker writes in one tick goes out as one frame.
 */
export function guardedWebSocketStream(
  ws: WebSocket,
  maxPacketBytes: number,
  onOversize: () => void,
  outgoing: (chunk: Buffer) => Buffer = (chunk) => chunk,
): Duplex {
  const inner = createWebSocketStream(ws);
  const guard = new PacketSizeGuard(maxPacketBytes);
  let tripped = false;
  const outer = new Duplex({
    allowHalfOpen: false,
    read() {
      inner.resume();
    },
    write(chunk: Buffer, encoding, callback) {
      inner.write(outgoing(chunk), encoding, callback);
    },
    // aedes writes a packet in pieces, corked until the next tick: what one tick wrote goes as
    // one WebSocket frame and one socket write, not one per piece (MQTT over WebSocket lets a
    // frame carry any part of any number of packets).
    writev(chunks: Array<{ chunk: Buffer }>, callback) {
      inner.write(Buffer.concat(chunks.map(({ chunk }) => outgoing(chunk))), callback);
    },
    final(callback) {
      inner.end();
      callback();
    },
    destroy(error, callback) {
      inner.destroy(error ?? undefined);
      callback(error);
    },
  });
  inner.on('data', (chunk: Buffer) => {
    if (tripped) return;
    if (!guard.accept(chunk)) {
      tripped = true;
      onOversize();
      ws.terminate();
      outer.destroy();
      return;
    }
    if (!outer.push(chunk)) inner.pause();
  });
  inner.on('end', () => outer.push(null));
  inner.on('error', (error) => outer.destroy(error));
  inner.on('close', () => outer.destroy());
  return outer;
}
