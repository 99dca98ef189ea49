/**
 * Our codec (protobuf-es) against a second implementation (protobufjs) reading the same
 * .proto files: fixed cases from cases.json, random messages both ways, and hostile bytes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../codec.js';
import { normalizeMessage, type WireMessage, type WireMessageInit, type WireThread, type WireUser } from '../wire.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const protoDir = path.resolve(here, '../../proto');

interface Case {
  name: string;
  message: WireMessageInit;
  hex: string;
}

const fixtures = JSON.parse(readFileSync(path.join(here, 'cases.json'), 'utf8')) as {
  maxPacketBytes: number;
  cases: Case[];
};

function loadMessageType(): protobuf.Type {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.resolve(protoDir, target));
  root.loadSync(['weiyu/v1/message.proto']);
  return root.lookupType('weiyu.v1.Message');
}

const PbMessage = loadMessageType();

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));

function pbEncode(message: WireMessageInit): Uint8Array {
  return PbMessage.encode(PbMessage.fromObject(message)).finish();
}

type Plain = Record<string, unknown>;

/** protobufjs's decoded object in our WireMessage shape (absent sub-messages stay absent). */
function pbDecode(bytes: Uint8Array): WireMessage {
  const object = PbMessage.toObject(PbMessage.decode(bytes), { defaults: true }) as Plain;
  return toWire(object);
}

function s(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function toUser(o: Plain): WireUser {
  return { uid: s(o.uid), nickname: s(o.nickname), avatar: s(o.avatar), type: s(o.type), extra: s(o.extra) };
}

function toThread(o: Plain): WireThread {
  return {
    uid: s(o.uid),
    topic: s(o.topic),
    type: s(o.type),
    state: s(o.state),
    channel: s(o.channel),
    extra: s(o.extra),
    ...(o.user ? { user: toUser(o.user as Plain) } : {}),
  };
}

function toWire(o: Plain): WireMessage {
  return {
    uid: s(o.uid),
    type: s(o.type),
    content: s(o.content),
    status: s(o.status),
    createdAt: s(o.createdAt),
    channel: s(o.channel),
    extra: s(o.extra),
    ...(o.thread ? { thread: toThread(o.thread as Plain) } : {}),
    ...(o.user ? { user: toUser(o.user as Plain) } : {}),
  };
}

describe('conformance fixtures', () => {
  it('cover every basic and signal type of SPEC §4, the big message and the edge cases', () => {
    const names = fixtures.cases.map((c) => c.name);
    for (const type of ['TEXT', 'IMAGE', 'LOCATION', 'BUTTON', 'EMAILL_ADDRESS', 'TYPING', 'READ', 'SHAKE']) {
      expect(names).toContain(`type ${type}`);
    }
    expect(names).toEqual(expect.arrayContaining(['empty message', 'emoji', 'Chinese text', 'unusual unicode']));
    const sizes = fixtures.cases.map((c) => c.hex.length / 2);
    const largest = Math.max(...sizes);
    expect(largest).toBeLessThanOrEqual(fixtures.maxPacketBytes);
    expect(largest).toBeGreaterThanOrEqual(fixtures.maxPacketBytes - 30);
  });

  describe.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it('our encoder writes exactly the fixture bytes', () => {
      expect(toHex(encodeMessage(c.message))).toBe(c.hex);
    });

    it('protobufjs writes the fixture bytes (the fixture is not stale)', () => {
      expect(toHex(pbEncode(c.message))).toBe(c.hex);
    });

    it('our decoder reads the fixture back to the normalized message', () => {
      const decoded = decodeMessage(fromHex(c.hex));
      expect(decoded).toEqual({ ok: true, value: normalizeMessage(c.message) });
    });

    it('protobufjs reads our bytes to the same values', () => {
      expect(pbDecode(encodeMessage(c.message))).toEqual(normalizeMessage(c.message));
    });
  });
});

// Any code point but lone surrogates (those cannot be UTF-8; see the test below).
const text = fc.string({ unit: 'binary', maxLength: 40 });
const shortText = fc.string({ unit: 'binary', maxLength: 12 });
const userArb: fc.Arbitrary<Partial<WireUser>> = fc.record(
  { uid: shortText, nickname: text, avatar: text, type: shortText, extra: text },
  { requiredKeys: [] },
);
const threadArb: fc.Arbitrary<NonNullable<WireMessageInit['thread']>> = fc.record(
  { uid: shortText, topic: text, type: shortText, state: shortText, channel: shortText, extra: text, user: userArb },
  { requiredKeys: [] },
);
const messageArb: fc.Arbitrary<WireMessageInit> = fc.record(
  {
    uid: shortText,
    type: fc.oneof(fc.constantFrom('TEXT', 'IMAGE', 'READ', 'TYPING', 'NEW_TYPE_2030'), shortText),
    content: fc.string({ unit: 'binary', maxLength: 400 }),
    status: shortText,
    createdAt: fc.oneof(fc.constant('2024-06-10 14:03:05'), shortText),
    channel: shortText,
    extra: text,
    thread: threadArb,
    user: userArb,
  },
  { requiredKeys: [] },
);

const SEED = 20240610;

describe('properties against protobufjs', () => {
  it('protobufjs decodes what we encode to the same values', () => {
    fc.assert(
      fc.property(messageArb, (message) => {
        expect(pbDecode(encodeMessage(message))).toEqual(normalizeMessage(message));
      }),
      { seed: SEED, numRuns: 600 },
    );
  });

  it('we decode what protobufjs encodes to the same values', () => {
    fc.assert(
      fc.property(messageArb, (message) => {
        expect(decodeMessage(pbEncode(message))).toEqual({ ok: true, value: normalizeMessage(message) });
      }),
      { seed: SEED + 1, numRuns: 600 },
    );
  });

  it('both encoders write the same bytes', () => {
    fc.assert(
      fc.property(messageArb, (message) => {
        expect(toHex(encodeMessage(message))).toBe(toHex(pbEncode(message)));
      }),
      { seed: SEED + 2, numRuns: 600 },
    );
  });

  it('encode then decode gives the normalized message back', () => {
    fc.assert(
      fc.property(messageArb, (message) => {
        expect(decodeMessage(encodeMessage(message))).toEqual({ ok: true, value: normalizeMessage(message) });
      }),
      { seed: SEED + 3, numRuns: 600 },
    );
  });

  it('a lone surrogate is written as U+FFFD (valid UTF-8), unlike protobufjs', () => {
    // protobufjs writes the surrogate's three bytes (invalid UTF-8); we never put invalid
    // UTF-8 on the wire, so our bytes decode everywhere.
    const decoded = decodeMessage(encodeMessage({ content: 'a\ud800b' }));
    expect(decoded.ok && decoded.value.content).toBe('a\ufffdb');
  });
});

/** Calls decodeMessage and checks that it answered with a Result instead of throwing. */
function decodeSafely(bytes: Uint8Array): ReturnType<typeof decodeMessage> {
  let result: ReturnType<typeof decodeMessage> | undefined;
  expect(() => {
    result = decodeMessage(bytes);
  }).not.toThrow();
  if (result === undefined) throw new Error('decodeMessage returned nothing');
  if (!result.ok) expect(result.error.code).toBe('decode_failed');
  return result;
}

describe('robustness: decodeMessage never throws', () => {
  it('10,000 random byte strings each give a Result', () => {
    let failures = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        if (!decodeSafely(bytes).ok) failures += 1;
      }),
      { seed: SEED + 4, numRuns: 10_000 },
    );
    // Most random bytes are not protobuf: the error path was really taken.
    expect(failures).toBeGreaterThan(1000);
  });

  it('every truncation of every fixture gives a Result', () => {
    for (const c of fixtures.cases.filter((f) => f.hex.length < 2000)) {
      const bytes = fromHex(c.hex);
      for (let end = 0; end < bytes.length; end += 1) decodeSafely(bytes.subarray(0, end));
    }
  });

  it('a truncated encoding of a nested message is an error', () => {
    const bytes = encodeMessage({ uid: 'abc', thread: { topic: 'org/group/g1', user: { uid: 'u' } } });
    for (const end of [1, 2, 4, bytes.length - 1]) {
      const result = decodeSafely(bytes.subarray(0, end));
      expect(result.ok, `cut at ${end}`).toBe(false);
    }
  });

  it.each([
    ['a lone tag byte', '0a'],
    ['a length past the end', '1a05616263'],
    ['field number 0', '00'],
    ['wire type 7 (none such)', '0f'],
    ['an unterminated varint', 'ff'],
    ['field 1 as varint 10, read as a length past the end', '080a'],
    ['a thread whose length runs past the end', '3a020801'],
    ['invalid UTF-8 in content', '1a02ffff'],
    ['a truncated UTF-8 sequence at the end of extra', '4a02c3'],
    ['an end-group tag without a start', '0c'],
  ])('%s (%s) is a decode_failed error', (_label, hex) => {
    const result = decodeSafely(fromHex(hex));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('decode_failed');
      expect(result.error.details.length).toBe(hex.length / 2);
    }
  });

  it('mis-typed fields give a Result whatever the wire type', () => {
    // Every tag of fields 1..9 with every wire type, followed by a few payload bytes.
    const payloads = ['', '00', '01', '0141', '0000000000000000', '02c3a9'];
    for (let field = 1; field <= 9; field += 1) {
      for (let wireType = 0; wireType <= 7; wireType += 1) {
        for (const payload of payloads) {
          const tag = ((field << 3) | wireType).toString(16).padStart(2, '0');
          decodeSafely(fromHex(tag + payload));
        }
      }
    }
  });

  it('unknown fields are skipped, as protobuf requires', () => {
    // Field 15 (string "zz") before a valid uid field.
    const result = decodeSafely(fromHex('7a027a7a0a0141'));
    expect(result).toEqual({ ok: true, value: normalizeMessage({ uid: 'A' }) });
  });
});
