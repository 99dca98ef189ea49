import { create, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeMessage } from './encoder.js';
import { MessageSchema } from './gen/weiyu/v1/message_pb.js';
import { normalizeMessage, type WireMessageInit, type WireUser } from './wire.js';

/** What protobuf-es writes for a message: the bytes writeMessage must give. */
const protobufEs = (message: WireMessageInit): Uint8Array =>
  toBinary(MessageSchema, create(MessageSchema, normalizeMessage(message)));

// Any code units, lone surrogates too (both write them as U+FFFD), and strings long enough for
// lengths of two and three varint bytes.
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 100, maxLength: 300 }),
);
const userArb: fc.Arbitrary<Partial<WireUser>> = fc.record(
  { uid: text, nickname: text, avatar: text, type: text, extra: text },
  { requiredKeys: [] },
);
const messageArb: fc.Arbitrary<WireMessageInit> = fc.record(
  {
    uid: text,
    type: text,
    content: fc.oneof(text, fc.string({ unit: 'binary-ascii', minLength: 16_000, maxLength: 17_000 })),
    status: text,
    createdAt: text,
    channel: text,
    extra: text,
    thread: fc.record(
      { uid: text, topic: text, type: text, state: text, channel: text, extra: text, user: userArb },
      { requiredKeys: [] },
    ),
    user: userArb,
  },
  { requiredKeys: [] },
);

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('writeMessage', () => {
  it('writes the bytes protobuf-es writes, for any message (property)', () => {
    fc.assert(
      fc.property(messageArb, (message) => {
        expect(hex(writeMessage(normalizeMessage(message)))).toBe(hex(protobufEs(message)));
      }),
      { seed: 20261207, numRuns: 1_000 },
    );
  });

  it('writes empty nested messages that are there, and leaves out those that are not', () => {
    for (const message of [{}, { thread: {} }, { user: {} }, { thread: { user: {} } }, { uid: 'u', thread: {} }]) {
      expect(hex(writeMessage(normalizeMessage(message)))).toBe(hex(protobufEs(message)));
    }
    expect(writeMessage(normalizeMessage({ thread: {} }))).toEqual(Uint8Array.from([0x3a, 0]));
  });

  it('writes surrogate pairs as 4 bytes and a lone surrogate as U+FFFD', () => {
    for (const content of ['😀', 'a😀b', '\ud800', '\udc00x', 'x\ud800', '\ud800\ud800\udc00', 'é', '中文']) {
      expect(hex(writeMessage(normalizeMessage({ content })))).toBe(hex(protobufEs({ content })));
    }
  });

  it('hands out bytes of their own: a later encode, of any size, changes none of them', () => {
    const first = writeMessage(normalizeMessage({ uid: 'a', content: 'first' }));
    const copy = hex(first);
    writeMessage(normalizeMessage({ uid: 'b', content: 'x'.repeat(100_000) }));
    writeMessage(normalizeMessage({ uid: 'c', content: 'third' }));
    expect(hex(first)).toBe(copy);
    expect(first.buffer.byteLength).toBe(first.length);
  });
});
