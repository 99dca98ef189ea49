/**
 * A minimal MQTT 3.1.1 client over `ws` for the broker run: CONNECT, SUBSCRIBE at QoS 1, QoS 1
 * PUBLISH from pre-encoded packets, and PUBACK for what it receives — no store, no callbacks per
 * packet, no decoding of payloads. mqtt.js costs more per message than either broker, so with it
 * the clients, not the broker, set the pace of a burst; with this one the broker does.
 */
import WebSocket from 'ws';

const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;
const SUBACK = 9;

/** The remaining-length bytes of an MQTT fixed header. */
function remainingLength(n: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return bytes;
}

/** A packet: fixed header byte, remaining length, body. */
function packet(first: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([first, ...remainingLength(body.length)]), body]);
}

/** A UTF-8 string with its two-byte length. */
function mqttString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function uint16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** A QoS 1 PUBLISH with packet id `id`. */
export function publishPacket(topic: string, id: number, payload: Uint8Array): Buffer {
  return packet(0x32, Buffer.concat([mqttString(topic), uint16(id), payload]));
}

/** What a lean client counts. */
export interface LeanCounts {
  /** PUBLISH packets received (each answered with a PUBACK). */
  received: number;
  /** PUBACKs received for its own PUBLISHes. */
  acked: number;
}

/** A connected lean client. */
export interface LeanClient {
  readonly counts: LeanCounts;
  /** Called after every frame that changed the counts. */
  onCount: (() => void) | undefined;
  subscribe(topic: string): Promise<void>;
  /** Writes the packets, one WebSocket frame each. */
  send(packets: readonly Buffer[]): void;
  close(): Promise<void>;
}

/** Connects (clean session, no keepalive) and resolves once the CONNACK accepted it. */
export async function connectLean(
  url: string,
  login: { readonly clientId: string; readonly username: string; readonly password: string },
): Promise<LeanClient> {
  const ws = new WebSocket(url, 'mqtt');
  ws.binaryType = 'nodebuffer';
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const counts: LeanCounts = { received: 0, acked: 0 };
  let rest: Buffer = Buffer.alloc(0);
  let waiting: { type: number; resolve: (body: Buffer) => void } | undefined;
  const client: LeanClient = {
    counts,
    onCount: undefined,
    async subscribe(topic) {
      const suback = next(SUBACK);
      ws.send(packet(0x82, Buffer.concat([uint16(1), mqttString(topic), Buffer.from([1])])));
      const body = await suback;
      if (body[2] !== 1) throw new Error(`SUBACK refused ${topic}`);
    },
    send(packets) {
      for (const p of packets) ws.send(p);
    },
    close: () =>
      new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.send(Buffer.from([0xe0, 0]));
        ws.close();
      }),
  };
  const next = (type: number) =>
    new Promise<Buffer>((resolve) => {
      waiting = { type, resolve };
    });
  ws.on('message', (data: Buffer) => {
    const bytes = rest.length ? Buffer.concat([rest, data]) : data;
    const acks: Buffer[] = [];
    let offset = 0;
    let counted = false;
    while (offset < bytes.length) {
      // The fixed header: type, then up to four remaining-length bytes.
      let length = 0;
      let multiplier = 1;
      let at = offset + 1;
      let complete = false;
      while (at < bytes.length) {
        const byte = bytes[at++] as number;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || at + length > bytes.length) break;
      const first = bytes[offset] as number;
      const type = first >> 4;
      const body = bytes.subarray(at, at + length);
      if (type === PUBLISH) {
        counts.received += 1;
        counted = true;
        if (((first >> 1) & 3) > 0) {
          const topicLength = body.readUInt16BE(0);
          acks.push(Buffer.from([0x40, 2, body[2 + topicLength] as number, body[3 + topicLength] as number]));
        }
      } else if (type === PUBACK) {
        counts.acked += 1;
        counted = true;
      } else if (waiting && type === waiting.type) {
        const { resolve } = waiting;
        waiting = undefined;
        resolve(Buffer.from(body));
      }
      offset = at + length;
    }
    rest = offset < bytes.length ? Buffer.from(bytes.subarray(offset)) : Buffer.alloc(0);
    if (acks.length) ws.send(Buffer.concat(acks));
    if (counted) client.onCount?.();
  });
  const connack = next(CONNACK);
  const flags = 0x80 | 0x40 | 0x02; // username, password, clean session
  ws.send(
    packet(
      0x10,
      Buffer.concat([
        mqttString('MQTT'),
        Buffer.from([4, flags]),
        uint16(0),
        mqttString(login.clientId),
        mqttString(login.username),
        mqttString(login.password),
      ]),
    ),
  );
  const body = await connack;
  if (body[1] !== 0) throw new Error(`CONNACK refused: ${body[1]}`);
  return client;
}
