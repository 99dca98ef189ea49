/**
 * The MQTT 3.1.1 packets the SDK uses, as pure functions on Uint8Array: no Buffer, no streams.
 * Encoders for what a client sends; a reader for what a broker sends, which takes WebSocket
 * messages holding several packets or part of one, and answers a typed `protocol` error for
 * bytes that are not MQTT, never a throw.
 */
import { SdkError } from '@weiyu/core';

/** A packet a broker sends to a client, decoded. */
export type IncomingPacket =
  /** The broker's answer to CONNECT: 0 accepted, 1–5 refused. */
  | { readonly type: 'connack'; readonly sessionPresent: boolean; readonly returnCode: number }
  /** A message on a subscribed topic; `packetId` is set at QoS 1. */
  | {
      readonly type: 'publish';
      readonly topic: string;
      readonly payload: Uint8Array;
      readonly qos: 0 | 1;
      readonly packetId: number;
    }
  /** The broker took a QoS 1 PUBLISH. */
  | { readonly type: 'puback'; readonly packetId: number }
  /** The broker's answer to SUBSCRIBE: one granted QoS per topic, 0x80 for a refusal. */
  | { readonly type: 'suback'; readonly packetId: number; readonly granted: readonly number[] }
  /** The broker's answer to UNSUBSCRIBE. */
  | { readonly type: 'unsuback'; readonly packetId: number }
  /** The broker's answer to PINGREQ. */
  | { readonly type: 'pingresp' }
  /**
   * A PUBLISH over the reader's limit: its payload was discarded as it arrived, only its head was
   * read (topic, and `packetId` at QoS 1, to ack it). `bytes` is its remaining length.
   */
  | {
      readonly type: 'skipped';
      readonly topic: string;
      readonly qos: 0 | 1;
      readonly packetId: number;
      readonly bytes: number;
      readonly limit: number;
    };

/** What the fields of CONNECT carry. */
export interface ConnectFields {
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  /** Seconds, 1–65535. */
  readonly keepalive: number;
  /** MQTT clean session. */
  readonly clean: boolean;
}

/** The largest remaining length MQTT can express (four bytes of seven bits). */
const MAX_REMAINING_LENGTH = 268_435_455;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** PINGREQ: the whole packet. */
export const PINGREQ_PACKET: Uint8Array = Uint8Array.of(0xc0, 0);
/** DISCONNECT: the whole packet. */
export const DISCONNECT_PACKET: Uint8Array = Uint8Array.of(0xe0, 0);

/** A UTF-8 string or binary field: two bytes of length, then the bytes. */
function field(bytes: Uint8Array, what: string): Uint8Array {
  if (bytes.length > 0xffff)
    throw new SdkError('invalid_argument', `${what} is longer than MQTT allows (65,535 bytes)`);
  const out = new Uint8Array(2 + bytes.length);
  out[0] = bytes.length >> 8;
  out[1] = bytes.length & 0xff;
  out.set(bytes, 2);
  return out;
}

const text = (value: string, what: string): Uint8Array => field(utf8.encode(value), what);
const twoBytes = (n: number): Uint8Array => Uint8Array.of(n >> 8, n & 0xff);

/** A whole packet: the fixed header (`header`, the remaining length) and `parts` after it. */
function packet(header: number, parts: readonly Uint8Array[]): Uint8Array {
  let remaining = 0;
  for (const part of parts) remaining += part.length;
  if (remaining > MAX_REMAINING_LENGTH) throw new SdkError('oversize', 'The packet is larger than MQTT allows');
  const lengthBytes: number[] = [];
  let n = remaining;
  do {
    const digit = n % 128;
    n = Math.floor(n / 128);
    lengthBytes.push(n > 0 ? digit | 0x80 : digit);
  } while (n > 0);
  const out = new Uint8Array(1 + lengthBytes.length + remaining);
  out[0] = header;
  out.set(lengthBytes, 1);
  let offset = 1 + lengthBytes.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** CONNECT, MQTT 3.1.1 (protocol level 4), with username and password. */
export function encodeConnect(fields: ConnectFields): Uint8Array {
  const flags = 0x80 | 0x40 | (fields.clean ? 0x02 : 0);
  const variable = Uint8Array.of(
    0,
    4,
    0x4d,
    0x51,
    0x54,
    0x54,
    4,
    flags,
    fields.keepalive >> 8,
    fields.keepalive & 0xff,
  );
  return packet(0x10, [
    variable,
    text(fields.clientId, 'The clientId'),
    text(fields.username, 'The username'),
    text(fields.password, 'The password'),
  ]);
}

/** PUBLISH at QoS 0 or 1 (`packetId` is used at QoS 1 only), never retained. */
export function encodePublish(topic: string, payload: Uint8Array, qos: 0 | 1, packetId = 0): Uint8Array {
  const parts = [text(topic, 'The topic')];
  if (qos === 1) parts.push(twoBytes(packetId));
  parts.push(payload);
  return packet(0x30 | (qos << 1), parts);
}

/** PUBACK for a QoS 1 PUBLISH the broker sent. */
export function encodePuback(packetId: number): Uint8Array {
  return Uint8Array.of(0x40, 2, packetId >> 8, packetId & 0xff);
}

/** SUBSCRIBE to exact topics, each at `qos`. */
export function encodeSubscribe(packetId: number, topics: readonly string[], qos: 0 | 1): Uint8Array {
  const parts = [twoBytes(packetId)];
  for (const topic of topics) parts.push(text(topic, 'The topic'), Uint8Array.of(qos));
  return packet(0x82, parts);
}

/** UNSUBSCRIBE from exact topics. */
export function encodeUnsubscribe(packetId: number, topics: readonly string[]): Uint8Array {
  return packet(0xa2, [twoBytes(packetId), ...topics.map((topic) => text(topic, 'The topic'))]);
}

/** What {@link PacketReader.read} found in the bytes so far. */
export interface ReadResult {
  /** The packets completed, in order. */
  readonly packets: IncomingPacket[];
  /** Set when the bytes are not MQTT a broker may send: the connection must close. */
  readonly error?: SdkError;
}

/** Reads a broker's byte stream, one WebSocket message at a time. */
export interface PacketReader {
  /** Takes the next bytes; a packet cut across messages is completed by the next ones. */
  read(chunk: Uint8Array): ReadResult;
}

const malformed = (message: string, details: Record<string, unknown> = {}): SdkError =>
  new SdkError('protocol', `Malformed MQTT from the broker: ${message}`, { details });

/**
 * A reader for a broker's packets. A packet whose remaining length is over `maxPacketBytes` is
 * never buffered: a PUBLISH is skipped — its bytes discarded as they arrive, only its head (topic
 * and packet id, at most 65,539 bytes) kept — and comes out as a `skipped` packet once its last
 * byte went by; any other packet type is an error as soon as its header arrives. Once it found an
 * error, it answers that error for every later chunk.
 */
export function createPacketReader(maxPacketBytes: number): PacketReader {
  let rest: Uint8Array = EMPTY;
  let skipping: Skipping | undefined;
  let failed: SdkError | undefined;
  const fail = (packets: IncomingPacket[], error: SdkError): ReadResult => {
    failed = error;
    rest = EMPTY;
    skipping = undefined;
    return { packets, error };
  };
  return {
    read(chunk) {
      if (failed) return { packets: [], error: failed };
      // While skipping, nothing is kept from earlier chunks: `rest` is empty.
      const bytes = rest.length === 0 ? chunk : concat(rest, chunk);
      const packets: IncomingPacket[] = [];
      let offset = 0;
      while (offset < bytes.length) {
        if (skipping) {
          offset = skipInto(skipping, bytes, offset);
          if (skipping.left > 0) break;
          const decoded = skippedPacket(skipping, maxPacketBytes);
          skipping = undefined;
          if (decoded instanceof SdkError) return fail(packets, decoded);
          packets.push(decoded);
          continue;
        }
        const frame = frameAt(bytes, offset, maxPacketBytes);
        if (frame === undefined) break;
        if (frame instanceof SdkError) return fail(packets, frame);
        if ('skip' in frame) {
          skipping = frame.skip;
          offset = frame.body;
          continue;
        }
        const decoded = decode(bytes, frame);
        if (decoded instanceof SdkError) return fail(packets, decoded);
        packets.push(decoded);
        offset = frame.end;
      }
      // A copy of the tail only: the chunk's memory is not held for one cut packet.
      rest = skipping || offset === bytes.length ? EMPTY : bytes.slice(offset);
      return { packets };
    },
  };
}

const EMPTY = new Uint8Array(0);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Where one packet lies in the bytes: its first byte, where its body starts and where it ends. */
interface Frame {
  readonly header: number;
  readonly body: number;
  readonly end: number;
}

/** A PUBLISH over the limit being skipped: its head as far as it came, and how much of it is still to come. */
interface Skipping {
  /** The fixed header's flags (QoS). */
  readonly flags: number;
  /** Its remaining length. */
  readonly bytes: number;
  /** Bytes of its body still to come. */
  left: number;
  /** The first bytes of its body: topic length, topic, packet id; `filled` of them are in. */
  head: Uint8Array;
  filled: number;
}

/**
 * The packet starting at `offset`; undefined when its bytes have not all arrived yet. A PUBLISH
 * over the limit is to be skipped from `body` on, whatever of it has arrived.
 */
function frameAt(
  bytes: Uint8Array,
  offset: number,
  maxPacketBytes: number,
): Frame | { readonly body: number; readonly skip: Skipping } | SdkError | undefined {
  let remaining = 0;
  for (let i = 0; i < 4; i += 1) {
    const digit = bytes[offset + 1 + i];
    if (digit === undefined) return undefined;
    remaining += (digit & 0x7f) * 128 ** i;
    if ((digit & 0x80) === 0) {
      const header = bytes[offset] ?? 0;
      const body = offset + 2 + i;
      if (remaining > maxPacketBytes) {
        if (header >> 4 === 3) {
          const skip = { flags: header & 0x0f, bytes: remaining, left: remaining, head: EMPTY, filled: 0 };
          return { body, skip };
        }
        return new SdkError(
          'protocol',
          `The broker sent a packet of ${remaining} bytes, over this transport's limit of ${maxPacketBytes}`,
          { details: { bytes: remaining, limit: maxPacketBytes } },
        );
      }
      const end = body + remaining;
      return end > bytes.length ? undefined : { header, body, end };
    }
  }
  return malformed('a remaining length longer than four bytes');
}

/** Takes what of a skipped PUBLISH lies in `bytes` from `offset`: keeps its head, drops the rest. Returns where it ends. */
function skipInto(skip: Skipping, bytes: Uint8Array, offset: number): number {
  const end = offset + Math.min(skip.left, bytes.length - offset);
  let at = offset;
  for (let want = headLength(skip); skip.filled < want && at < end; want = headLength(skip)) {
    if (skip.head.length < want) skip.head = grow(skip.head, want);
    const n = Math.min(want - skip.filled, end - at);
    skip.head.set(bytes.subarray(at, at + n), skip.filled);
    skip.filled += n;
    at += n;
  }
  skip.left -= end - offset;
  return end;
}

/** How many bytes of a skipped PUBLISH's body its head takes: two until the topic's length is in. */
function headLength(skip: Skipping): number {
  const { head, filled, flags } = skip;
  const length = filled < 2 ? 2 : 2 + (((head[0] ?? 0) << 8) | (head[1] ?? 0)) + (flags & 0x06 ? 2 : 0);
  return Math.min(length, skip.bytes);
}

function grow(head: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(head, 0);
  return out;
}

/** A skipped PUBLISH once its last byte went by: its head read as a PUBLISH without payload. */
function skippedPacket(skip: Skipping, limit: number): IncomingPacket | SdkError {
  const head = decodePublish(skip.flags, skip.head.subarray(0, skip.filled));
  if (head instanceof SdkError || head.type !== 'publish') return head;
  return { type: 'skipped', topic: head.topic, qos: head.qos, packetId: head.packetId, bytes: skip.bytes, limit };
}

function decode(bytes: Uint8Array, frame: Frame): IncomingPacket | SdkError {
  const type = frame.header >> 4;
  const flags = frame.header & 0x0f;
  const body = bytes.subarray(frame.body, frame.end);
  if (type === 3) return decodePublish(flags, body);
  if (flags !== 0) return malformed(`flags ${flags} on a packet of type ${type}`, { packetType: type });
  const id = ((body[0] ?? 0) << 8) | (body[1] ?? 0);
  switch (type) {
    case 2:
      if (body.length !== 2 || ((body[0] ?? 0) & 0xfe) !== 0) return malformed('a CONNACK of the wrong shape');
      return { type: 'connack', sessionPresent: body[0] === 1, returnCode: body[1] ?? 0 };
    case 4:
    case 11:
      if (body.length !== 2) return malformed(`a ${type === 4 ? 'PUBACK' : 'UNSUBACK'} of ${body.length} bytes`);
      return type === 4 ? { type: 'puback', packetId: id } : { type: 'unsuback', packetId: id };
    case 9:
      return decodeSuback(id, body);
    case 13:
      if (body.length !== 0) return malformed('a PINGRESP with a body');
      return { type: 'pingresp' };
    default:
      return new SdkError('protocol', `The broker sent a packet a client never gets (type ${type})`, {
        details: { packetType: type },
      });
  }
}

function decodePublish(flags: number, body: Uint8Array): IncomingPacket | SdkError {
  const qos = (flags >> 1) & 3;
  if (qos > 1) return malformed(`a PUBLISH at QoS ${qos}, which this client never subscribes at`, { qos });
  const topicLength = ((body[0] ?? 0) << 8) | (body[1] ?? 0);
  const payloadStart = 2 + topicLength + qos * 2;
  if (body.length < payloadStart) return malformed('a PUBLISH shorter than its topic');
  let topic: string;
  try {
    topic = strictUtf8.decode(body.subarray(2, 2 + topicLength));
  } catch {
    return malformed('a PUBLISH topic that is not UTF-8');
  }
  const packetId = qos === 1 ? ((body[2 + topicLength] ?? 0) << 8) | (body[3 + topicLength] ?? 0) : 0;
  if (qos === 1 && packetId === 0) return malformed('a QoS 1 PUBLISH with packet id 0');
  // A copy: the message is the app's to keep, without the rest of the frame.
  return { type: 'publish', topic, payload: body.slice(payloadStart), qos: qos as 0 | 1, packetId };
}

function decodeSuback(packetId: number, body: Uint8Array): IncomingPacket | SdkError {
  if (body.length < 3) return malformed('a SUBACK without return codes');
  const granted = [...body.subarray(2)];
  if (granted.some((g) => g !== 0 && g !== 1 && g !== 2 && g !== 0x80)) return malformed('a SUBACK return code');
  return { type: 'suback', packetId, granted };
}
