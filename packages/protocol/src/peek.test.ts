import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from './codec.js';
import {
  checkFields,
  checkIds,
  MAX_EXTRA_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PROFILE_LENGTH,
  MAX_TOPIC_LENGTH,
  MAX_UID_LENGTH,
} from './limits.js';
import { peekMessage, readMessageUid } from './peek.js';
import type { WireMessageInit, WireUser } from './wire.js';

const text = fc.string({ unit: 'binary', maxLength: 40 });
const shortText = fc.string({ unit: 'binary', maxLength: 12 });
const userArb: fc.Arbitrary<Partial<WireUser>> = fc.record(
  { uid: shortText, nickname: text, avatar: text, type: shortText, extra: text },
  { requiredKeys: [] },
);
const messageArb: fc.Arbitrary<WireMessageInit> = fc.record(
  {
    uid: fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), shortText),
    type: fc.oneof(fc.constantFrom('TEXT', 'DELIVERED', 'READ', 'TYPING', 'STREAM'), shortText),
    content: fc.string({ unit: 'binary', maxLength: 200 }),
    status: shortText,
    createdAt: fc.oneof(fc.constant('2024-06-10 14:03:05'), shortText),
    channel: shortText,
    extra: text,
    thread: fc.record(
      {
        uid: shortText,
        topic: text,
        type: shortText,
        state: shortText,
        channel: shortText,
        extra: text,
        user: userArb,
      },
      { requiredKeys: [] },
    ),
    user: userArb,
  },
  { requiredKeys: [] },
);

/** Bytes made from an encoded message: cut short, a byte changed, bytes put in, or glued to another. */
const mangledArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(messageArb, fc.nat()).map(([m, cut]) => {
    const bytes = encodeMessage(m);
    return bytes.subarray(0, cut % (bytes.length + 1));
  }),
  fc.tuple(messageArb, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([m, at, value]) => {
    const bytes = encodeMessage(m).slice();
    if (bytes.length > 0) bytes[at % bytes.length] = value;
    return bytes;
  }),
  fc.tuple(messageArb, fc.nat(), fc.uint8Array({ maxLength: 8 })).map(([m, at, extra]) => {
    const bytes = encodeMessage(m);
    const where = at % (bytes.length + 1);
    return Uint8Array.from([...bytes.subarray(0, where), ...extra, ...bytes.subarray(where)]);
  }),
  fc.tuple(messageArb, messageArb).map(([a, b]) => Uint8Array.from([...encodeMessage(a), ...encodeMessage(b)])),
  fc.uint8Array({ maxLength: 64 }),
);

/** A field as protobuf writes it: the tag, then for wire type 2 the length and the bytes. */
function field(no: number, wireType: number, body: readonly number[]): number[] {
  const tag = (no << 3) | wireType;
  return wireType === 2 ? [tag, body.length, ...body] : [tag, ...body];
}
const ascii = (s: string): number[] => [...new TextEncoder().encode(s)];

/** peekMessage never throws, and what it reads is what a full decode gives, of a message checkIds and checkFields take. */
function agreesWithDecode(bytes: Uint8Array): void {
  const peeked = peekMessage(bytes);
  if (peeked === undefined) return;
  const decoded = decodeMessage(bytes);
  expect(decoded.ok).toBe(true);
  if (!decoded.ok) return;
  expect(peeked).toEqual({ uid: decoded.value.uid, type: decoded.value.type });
  expect(checkIds(decoded.value).ok).toBe(true);
  expect(checkFields(decoded.value).ok).toBe(true);
}

describe('peekMessage', () => {
  it('reads the uid and type of every message encoded, as a decode does', () => {
    fc.assert(
      fc.property(messageArb, (message) => {
        const bytes = encodeMessage(message);
        const decoded = decodeMessage(bytes);
        if (!decoded.ok) throw decoded.error;
        expect(peekMessage(bytes)).toEqual({ uid: decoded.value.uid, type: decoded.value.type });
      }),
      { seed: 20261203, numRuns: 800 },
    );
  });

  it('never throws on bytes cut short, changed or made up, and reads only what a decode would', () => {
    fc.assert(fc.property(mangledArb, agreesWithDecode), { seed: 20261204, numRuns: 3_000 });
  });

  it('gives up on bytes cut short at every length', () => {
    const bytes = encodeMessage({ uid: 'a'.repeat(32), type: 'DELIVERED', thread: { topic: 't', user: { uid: 'u' } } });
    for (let cut = 1; cut < bytes.length; cut++) {
      const part = bytes.subarray(0, cut);
      agreesWithDecode(part);
      // A prefix that ends between two fields is a valid message itself; any other one is not.
      if (decodeMessage(part).ok) continue;
      expect(peekMessage(part)).toBeUndefined();
    }
  });

  it('takes the last uid when there are several, as protobuf does', () => {
    const bytes = Uint8Array.from([
      ...field(1, 2, ascii('first')),
      ...field(2, 2, ascii('READ')),
      ...field(1, 2, ascii('last')),
    ]);
    expect(peekMessage(bytes)).toEqual({ uid: 'last', type: 'READ' });
    agreesWithDecode(bytes);
  });

  it('leaves what is valid but unusual to the full decode: unknown fields, other wire types', () => {
    const uid = field(1, 2, ascii('u1'));
    expect(peekMessage(Uint8Array.from([...uid, ...field(15, 2, ascii('x'))]))).toBeUndefined();
    expect(peekMessage(Uint8Array.from([...uid, ...field(15, 0, [1])]))).toBeUndefined();
    expect(peekMessage(Uint8Array.from([...uid, ...field(3, 0, [1])]))).toBeUndefined();
    expect(peekMessage(Uint8Array.from([...uid, ...field(7, 2, field(9, 2, ascii('x')))]))).toBeUndefined();
    expect(peekMessage(Uint8Array.from([...uid, ...field(7, 2, field(5, 2, field(6, 2, [])))]))).toBeUndefined();
  });

  it('gives up on a string that is no UTF-8, anywhere in the message', () => {
    const uid = field(1, 2, ascii('u1'));
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const top = Uint8Array.from([...uid, ...field(3, 2, bad)]);
      expect(decodeMessage(top).ok).toBe(false);
      expect(peekMessage(top)).toBeUndefined();
      const nested = Uint8Array.from([...uid, ...field(7, 2, field(5, 2, field(2, 2, bad)))]);
      expect(decodeMessage(nested).ok).toBe(false);
      expect(peekMessage(nested)).toBeUndefined();
    }
    const chinese = Uint8Array.from([...uid, ...field(8, 2, field(2, 2, ascii('小明')))]);
    expect(peekMessage(chinese)).toEqual({ uid: 'u1', type: '' });
  });

  it('gives up on a nested field that runs past its message, which protobuf-es would let pass', () => {
    // The thread is 3 bytes long, but its topic field says 5: the bytes after it are the topic's.
    const bytes = Uint8Array.from([...field(1, 2, ascii('u1')), 0x3a, 3, 0x12, 5, 0x61, 0x62, 0x63, 0x64, 0x65]);
    expect(peekMessage(bytes)).toBeUndefined();
  });

  it('gives up on ids over the limits checkIds keeps, in UTF-8 bytes', () => {
    const long = 'a'.repeat(MAX_UID_LENGTH + 1);
    expect(peekMessage(encodeMessage({ uid: long }))).toBeUndefined();
    expect(peekMessage(encodeMessage({ uid: 'u', user: { uid: long } }))).toBeUndefined();
    expect(peekMessage(encodeMessage({ uid: 'u', thread: { uid: long } }))).toBeUndefined();
    expect(peekMessage(encodeMessage({ uid: 'u', thread: { user: { uid: long } } }))).toBeUndefined();
    expect(
      peekMessage(encodeMessage({ uid: 'u', thread: { topic: 't'.repeat(MAX_TOPIC_LENGTH + 1) } })),
    ).toBeUndefined();
    expect(peekMessage(encodeMessage({ uid: 'a'.repeat(MAX_UID_LENGTH), content: long }))).toEqual({
      uid: 'a'.repeat(MAX_UID_LENGTH),
      type: '',
    });
    // Three bytes a character: within the limit in characters, over it in bytes: the full decode judges.
    expect(peekMessage(encodeMessage({ uid: '明'.repeat(50) }))).toBeUndefined();
  });

  it('gives up on the fields over the limits checkFields keeps, and takes them at their limits', () => {
    const at = (n: number) => 'x'.repeat(n);
    const over: WireMessageInit[] = [
      { extra: at(MAX_EXTRA_LENGTH + 1) },
      { type: at(MAX_NAME_LENGTH + 1) },
      { status: at(MAX_NAME_LENGTH + 1) },
      { channel: at(MAX_NAME_LENGTH + 1) },
      { user: { nickname: at(MAX_PROFILE_LENGTH + 1) } },
      { user: { avatar: at(MAX_PROFILE_LENGTH + 1) } },
      { user: { type: at(MAX_NAME_LENGTH + 1) } },
      { thread: { type: at(MAX_NAME_LENGTH + 1) } },
      { thread: { state: at(MAX_NAME_LENGTH + 1) } },
      { thread: { user: { nickname: at(MAX_PROFILE_LENGTH + 1) } } },
      { thread: { user: { avatar: at(MAX_PROFILE_LENGTH + 1) } } },
      { thread: { user: { type: at(MAX_NAME_LENGTH + 1) } } },
    ];
    for (const message of over) {
      const bytes = encodeMessage({ uid: 'u', ...message });
      const decoded = decodeMessage(bytes);
      expect(decoded.ok && checkFields(decoded.value).ok).toBe(false);
      expect(peekMessage(bytes)).toBeUndefined();
    }
    const full = encodeMessage({
      uid: 'u',
      extra: at(MAX_EXTRA_LENGTH),
      type: at(MAX_NAME_LENGTH),
      user: { nickname: at(MAX_PROFILE_LENGTH) },
      thread: { state: at(MAX_NAME_LENGTH), user: { avatar: at(MAX_PROFILE_LENGTH) } },
    });
    expect(peekMessage(full)).toEqual({ uid: 'u', type: at(MAX_NAME_LENGTH) });
    agreesWithDecode(full);
  });

  it('reads an empty message as the defaults, as a decode does', () => {
    expect(peekMessage(new Uint8Array())).toEqual({ uid: '', type: '' });
    agreesWithDecode(new Uint8Array());
  });

  it('reads a long or non-ASCII type as the decoder does', () => {
    for (const type of ['T'.repeat(MAX_NAME_LENGTH), 'TÉXT', '打字']) {
      expect(peekMessage(encodeMessage({ uid: 'u', type }))).toEqual({ uid: 'u', type });
    }
  });
});

describe('readMessageUid', () => {
  it('reads the uid of every message encoded whose uid is within the limit in bytes, as a decode does', () => {
    fc.assert(
      fc.property(messageArb, (message) => {
        const bytes = encodeMessage(message);
        const decoded = decodeMessage(bytes);
        if (!decoded.ok) throw decoded.error;
        const { uid } = decoded.value;
        const within = new TextEncoder().encode(uid).length <= MAX_UID_LENGTH;
        expect(readMessageUid(bytes)).toBe(within ? uid : undefined);
      }),
      { seed: 20261205, numRuns: 800 },
    );
  });

  it('never throws, and where it reads a uid of bytes that decode, it is theirs', () => {
    fc.assert(
      fc.property(mangledArb, (bytes) => {
        const uid = readMessageUid(bytes);
        const decoded = decodeMessage(bytes);
        if (uid !== undefined && decoded.ok) expect(uid).toBe(decoded.value.uid);
        const peeked = peekMessage(bytes);
        if (peeked !== undefined) expect(uid).toBe(peeked.uid);
      }),
      { seed: 20261206, numRuns: 3_000 },
    );
  });

  it('reads the uid of a message whose nested parts do not decode: it reads the top level only', () => {
    const bytes = Uint8Array.from([...field(1, 2, ascii('u1')), ...field(7, 2, field(2, 2, [0xff]))]);
    expect(decodeMessage(bytes).ok).toBe(false);
    expect(readMessageUid(bytes)).toBe('u1');
    expect(peekMessage(bytes)).toBeUndefined();
  });

  it('gives up on a top level cut short, of another wire type or field, or a uid that is no UTF-8', () => {
    expect(readMessageUid(Uint8Array.from([...field(1, 2, ascii('u1')), 0x1a, 9, 0x61]))).toBeUndefined();
    expect(readMessageUid(Uint8Array.from([...field(1, 2, ascii('u1')), ...field(3, 0, [1])]))).toBeUndefined();
    expect(readMessageUid(Uint8Array.from(field(1, 2, [0x61, 0xff])))).toBeUndefined();
    expect(readMessageUid(Uint8Array.from([...field(1, 2, ascii('u1')), ...field(15, 2, [])]))).toBeUndefined();
    expect(readMessageUid(Uint8Array.from(field(1, 2, ascii('明'))))).toBe('明');
    expect(readMessageUid(encodeMessage({ uid: 'a'.repeat(MAX_UID_LENGTH + 1) }))).toBeUndefined();
    expect(readMessageUid(Uint8Array.from([0x0a, 0x80, 0x80, 0x80, 0x80, 0x01]))).toBeUndefined();
    expect(readMessageUid(new Uint8Array())).toBe('');
  });
});
