import { SdkError } from '@weiyu/core';
import { describe, expect, it } from 'vitest';
import {
  createPacketReader,
  DISCONNECT_PACKET,
  encodeConnect,
  encodePuback,
  encodePublish,
  encodeSubscribe,
  encodeUnsubscribe,
  PINGREQ_PACKET,
} from './codec.js';

const LIMIT = 1_000_000;
const bytes = (...values: number[]) => Uint8Array.from(values);
const join = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

/** A broker's PUBLISH is a client's PUBLISH: the same bytes both ways. */
function readAll(chunks: Uint8Array[], limit = LIMIT) {
  const reader = createPacketReader(limit);
  const packets = [];
  for (const chunk of chunks) {
    const result = reader.read(chunk);
    packets.push(...result.packets);
    if (result.error) return { packets, error: result.error };
  }
  return { packets, error: undefined };
}

function readError(...chunk: number[]): SdkError {
  const { error } = readAll([Uint8Array.from(chunk)]);
  expect(error).toBeInstanceOf(SdkError);
  expect(error?.code).toBe('protocol');
  return error as SdkError;
}

describe('encoders', () => {
  it('writes CONNECT as MQTT 3.1.1 spells it: protocol name, level 4, flags, keepalive, then the fields', () => {
    const packet = encodeConnect({ clientId: 'c', username: 'u', password: 'p', keepalive: 30, clean: false });
    expect([...packet]).toEqual([
      0x10, 19, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0xc0, 0, 30, 0, 1, 0x63, 0, 1, 0x75, 0, 1, 0x70,
    ]);
    expect(encodeConnect({ clientId: 'c', username: 'u', password: 'p', keepalive: 300, clean: true })[9]).toBe(0xc2);
  });

  it('writes SUBSCRIBE, UNSUBSCRIBE, PUBACK, PINGREQ and DISCONNECT with their fixed flags', () => {
    expect([...encodeSubscribe(258, ['a', 'bc'], 1)]).toEqual([0x82, 11, 1, 2, 0, 1, 0x61, 1, 0, 2, 0x62, 0x63, 1]);
    expect([...encodeUnsubscribe(1, ['a'])]).toEqual([0xa2, 5, 0, 1, 0, 1, 0x61]);
    expect([...encodePuback(0x1234)]).toEqual([0x40, 2, 0x12, 0x34]);
    expect([...PINGREQ_PACKET]).toEqual([0xc0, 0]);
    expect([...DISCONNECT_PACKET]).toEqual([0xe0, 0]);
  });

  it('refuses a field longer than MQTT allows', () => {
    expect(() => encodePublish('t'.repeat(70_000), new Uint8Array(0), 0)).toThrow(SdkError);
  });
});

describe('the packet reader', () => {
  it('reads back a PUBLISH at QoS 0 and 1, UTF-8 topic and binary payload intact', () => {
    const payload = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
    const { packets } = readAll([encodePublish('org/话题/1', payload, 1, 65_535), encodePublish('t', bytes(9), 0)]);
    expect(packets).toEqual([
      { type: 'publish', topic: 'org/话题/1', payload, qos: 1, packetId: 65_535 },
      { type: 'publish', topic: 't', payload: bytes(9), qos: 0, packetId: 0 },
    ]);
  });

  it('takes remaining lengths across every varint boundary', () => {
    // Remaining length = 3 + size: 127 | 128, 16,383 | 16,384, 2,097,151 | 2,097,152.
    for (const size of [0, 124, 125, 16_380, 16_381, 2_097_148, 2_097_149]) {
      const payload = new Uint8Array(size).fill(7);
      const packet = encodePublish('t', payload, 0);
      expect(packet.length).toBe(
        1 + (size + 3 < 128 ? 1 : size + 3 < 16_384 ? 2 : size + 3 < 2_097_152 ? 3 : 4) + size + 3,
      );
      const { packets, error } = readAll([packet], 3_000_000);
      expect(error).toBeUndefined();
      expect(packets[0]?.type === 'publish' && packets[0].payload.length).toBe(size);
    }
  });

  it('completes a packet cut anywhere, and reads several packets from one message', () => {
    const stream = join(
      bytes(0x20, 2, 1, 0),
      encodePublish('a/b', bytes(1, 2, 3), 1, 7),
      bytes(0x40, 2, 0, 7),
      bytes(0x90, 4, 0, 8, 1, 0x80),
      bytes(0xb0, 2, 0, 9),
      bytes(0xd0, 0),
    );
    const expected = [
      { type: 'connack', sessionPresent: true, returnCode: 0 },
      { type: 'publish', topic: 'a/b', payload: bytes(1, 2, 3), qos: 1, packetId: 7 },
      { type: 'puback', packetId: 7 },
      { type: 'suback', packetId: 8, granted: [1, 0x80] },
      { type: 'unsuback', packetId: 9 },
      { type: 'pingresp' },
    ];
    expect(readAll([stream]).packets).toEqual(expected);
    for (let cut = 1; cut < stream.length; cut += 1) {
      expect(readAll([stream.subarray(0, cut), stream.subarray(cut)]).packets).toEqual(expected);
    }
    expect(readAll([...stream].map((b) => bytes(b))).packets).toEqual(expected);
  });

  it('hands out payloads that own their bytes', () => {
    const frame = join(encodePublish('t', bytes(1, 2), 0), encodePublish('t', bytes(3), 0));
    const { packets } = readAll([frame]);
    const first = packets[0];
    expect(first?.type === 'publish' && first.payload.buffer.byteLength).toBe(2);
  });

  it('refuses a packet over the limit that is no PUBLISH as soon as its header arrives', () => {
    const header = bytes(0x90, 0x80, 0x80, 0x10); // a SUBACK of remaining length 262,144, no body yet
    const { packets, error } = readAll([header], 262_143);
    expect(packets).toEqual([]);
    expect(error?.code).toBe('protocol');
    expect(error?.details).toMatchObject({ bytes: 262_144, limit: 262_143 });
  });

  it('answers malformed bytes with a protocol error, never a throw', () => {
    readError(0x30, 0xff, 0xff, 0xff, 0xff, 0x01); // a five-byte remaining length
    readError(0x20, 3, 0, 0, 0); // CONNACK of three bytes
    readError(0x20, 2, 2, 0); // CONNACK with reserved flags
    readError(0x41, 2, 0, 1); // PUBACK with flags
    readError(0x40, 3, 0, 1, 0); // PUBACK of three bytes
    readError(0x36, 3, 0, 1, 0x61); // QoS 3
    readError(0x34, 5, 0, 1, 0x61, 0, 1); // QoS 2, which this client never subscribes at
    readError(0x30, 3, 0, 5, 0x61); // a topic longer than the packet
    readError(0x30, 4, 0, 2, 0xc3, 0x28); // a topic that is not UTF-8
    readError(0x32, 5, 0, 1, 0x61, 0, 0); // QoS 1 with packet id 0
    readError(0x90, 3, 0, 1, 3); // SUBACK return code 3
    readError(0x90, 2, 0, 1); // SUBACK without return codes
    readError(0xd0, 1, 0); // PINGRESP with a body
    expect(readError(0x10, 0).details).toMatchObject({ packetType: 1 }); // CONNECT: brokers never send it
    readError(0x00, 0);
    readError(0xf0, 0);
  });

  it('stays failed once it found an error', () => {
    const reader = createPacketReader(LIMIT);
    expect(reader.read(bytes(0xf0, 0)).error?.code).toBe('protocol');
    const after = reader.read(bytes(0xd0, 0));
    expect(after.packets).toEqual([]);
    expect(after.error?.code).toBe('protocol');
  });
});

describe('the packet reader on a PUBLISH over its limit', () => {
  const LIMIT_256K = 262_144;
  const big = (qos: 0 | 1, size = 300 * 1024) =>
    encodePublish('org/group/g1', new Uint8Array(size).fill(0x5a), qos, 77);
  const small = encodePublish('org/group/g1', bytes(1, 2, 3), 1, 78);
  const skipped = (qos: 0 | 1, size = 300 * 1024, limit = LIMIT_256K) => ({
    type: 'skipped',
    topic: 'org/group/g1',
    qos,
    packetId: qos === 1 ? 77 : 0,
    bytes: 2 + 12 + qos * 2 + size,
    limit,
  });
  const smallPublish = { type: 'publish', topic: 'org/group/g1', payload: bytes(1, 2, 3), qos: 1, packetId: 78 };
  const chunks = (stream: Uint8Array, size: number) =>
    Array.from({ length: Math.ceil(stream.length / size) }, (_, i) => stream.subarray(i * size, (i + 1) * size));

  it('skips it across many WebSocket messages, at QoS 0 and 1, and reads the packet after it in the same message', () => {
    for (const qos of [0, 1] as const) {
      const stream = join(bytes(0x40, 2, 0, 5), big(qos), small);
      for (const size of [1_000, 4_096, 65_536, stream.length]) {
        const { packets, error } = readAll(chunks(stream, size), LIMIT_256K);
        expect(error).toBeUndefined();
        expect(packets).toEqual([{ type: 'puback', packetId: 5 }, skipped(qos), smallPublish]);
      }
    }
  });

  it('skips it when cut anywhere: in its header, its topic, its packet id, its payload or at its end', () => {
    const size = 1_000;
    const stream = join(big(1, size), small);
    const want = [skipped(1, size, 100), smallPublish];
    for (let cut = 1; cut < stream.length; cut += 1) {
      expect(readAll([stream.subarray(0, cut), stream.subarray(cut)], 100)).toEqual({
        packets: want,
        error: undefined,
      });
    }
    expect(readAll(chunks(stream, 1), 100)).toEqual({ packets: want, error: undefined });
  });

  it('keeps none of its payload: 64 MiB of it pass through without the memory growing', () => {
    const reader = createPacketReader(LIMIT_256K);
    const mib = new Uint8Array(1 << 20);
    // Remaining length 0x4000005, as four seven-bit digits: topic length, topic `t`, 64 MiB, 2 bytes.
    const header = bytes(0x30, 0x85, 0x80, 0x80, 0x20, 0, 1, 0x74);
    expect(reader.read(header)).toEqual({ packets: [] });
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 64; i += 1) expect(reader.read(mib)).toEqual({ packets: [] });
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
    const { packets } = reader.read(join(bytes(0, 0), small));
    expect(packets).toEqual([
      { type: 'skipped', topic: 't', qos: 0, packetId: 0, bytes: 0x4000005, limit: LIMIT_256K },
      smallPublish,
    ]);
  });

  it('answers a head that is not a PUBLISH a broker may send with a protocol error, and stays failed', () => {
    const payload = new Uint8Array(200);
    for (const head of [
      bytes(0x34, 201, 1, 0, 1, 0x61, 0, 1), // QoS 2
      bytes(0x30, 201, 1, 0xff, 0xff), // a topic longer than the packet
      bytes(0x30, 201, 1, 0, 2, 0xc3, 0x28), // a topic that is not UTF-8
      bytes(0x32, 201, 1, 0, 1, 0x61, 0, 0), // QoS 1 with packet id 0
    ]) {
      const reader = createPacketReader(100);
      const packet = join(head, payload.subarray(0, 201 - (head.length - 3)));
      const { packets, error } = reader.read(join(packet, small));
      expect(packets).toEqual([]);
      expect(error?.code).toBe('protocol');
      expect(reader.read(small).error?.code).toBe('protocol');
    }
  });
});
