import { MESSAGE_TYPES } from '@weiyu/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OutgoingContent, ParsedContent } from '../api.js';
import { buildContent, previewContent, referenceContent } from './build.js';
import { parseContent } from './parse.js';
import { TEXT_LIKE_TYPES } from './text-like.js';

const SEED = 5150;
const RUNS = 500;

// Valid inputs for every OutgoingContent variant.
const text = fc.string({ unit: 'binary', maxLength: 60 });
const nonBlank = text.filter((s) => s.trim().length > 0);
const size = fc.double({ min: 0, max: 1e12, noNaN: true }).map((n) => n + 0);
const pathChar = fc.constantFrom(...'abcXYZ019-_.~%/报告文件😀'.split(''), '/', ' ');
const httpUrl = fc.oneof(
  fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true }),
  fc
    .tuple(fc.constantFrom('http', 'https', 'HTTPS'), fc.domain(), fc.string({ unit: pathChar, maxLength: 20 }))
    .map(([scheme, host, path]) => `${scheme}://${host}/${path.trim()}`),
);
const mime = fc
  .tuple(fc.constantFrom('image', 'application', 'video', 'audio'), fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{0,10}$/))
  .map(([a, b]) => `${a}/${b}`);
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const image = fc.record(
  { type: fc.constant('IMAGE' as const), url: httpUrl, width: opt(size), height: opt(size), label: opt(text) },
  { requiredKeys: ['type', 'url'] },
);
const file = fc.record(
  {
    type: fc.constant('FILE' as const),
    url: httpUrl,
    name: nonBlank,
    size,
    mimeType: opt(mime),
    label: opt(text),
    hash: opt(text),
  },
  { requiredKeys: ['type', 'url', 'name', 'size'] },
);
const video = fc.record(
  {
    type: fc.constant('VIDEO' as const),
    url: httpUrl,
    coverUrl: opt(httpUrl),
    duration: opt(size),
    width: opt(size),
    height: opt(size),
    format: opt(text),
    mimeType: opt(mime),
    size: opt(size),
    caption: opt(text),
  },
  { requiredKeys: ['type', 'url'] },
);
const voice = fc.record(
  { type: fc.constant('VOICE' as const), url: httpUrl, duration: opt(size), format: opt(text), caption: opt(text) },
  { requiredKeys: ['type', 'url'] },
);
const audio = fc.record(
  { type: fc.constant('AUDIO' as const), url: httpUrl, duration: opt(size), format: opt(text) },
  { requiredKeys: ['type', 'url'] },
);
const location = fc.record(
  {
    type: fc.constant('LOCATION' as const),
    latitude: fc.double({ min: -90, max: 90, noNaN: true }).map((n) => n + 0),
    longitude: fc.double({ min: -180, max: 180, noNaN: true }).map((n) => n + 0),
    address: text,
    label: opt(text),
  },
  { requiredKeys: ['type', 'latitude', 'longitude', 'address'] },
);
const textMessage = fc.record({ type: fc.constant('TEXT' as const), text: nonBlank });
const textLike = fc.record({ type: fc.constantFrom(...TEXT_LIKE_TYPES.filter((t) => t !== 'TEXT')), text });
const uid = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((s) => !/\s/.test(s));
const reference = fc.record({ type: fc.constantFrom('DELIVERED', 'READ', 'RECALL'), text: uid });
const appDefined = fc.record({
  type: fc.oneof(fc.constantFrom('CARD', 'GOODS', 'ORDER', 'KICKOFF', 'EVENT'), fc.stringMatching(/^X_[A-Z]{1,8}$/)),
  text,
});

const outgoing: fc.Arbitrary<OutgoingContent> = fc.oneof(
  image,
  file,
  video,
  voice,
  audio,
  location,
  textMessage,
  textLike,
  reference,
  appDefined,
);

/** Drops undefined fields, so that expectations compare shapes exactly. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** What the receiver must read for content the sender built from `x` (written apart from the code). */
function expectedParsed(x: OutgoingContent): ParsedContent {
  const f = x as unknown as Record<string, unknown>;
  const { type, ...rest } = f;
  switch (type) {
    case 'IMAGE':
      return defined({ kind: 'image', ...rest }) as ParsedContent;
    case 'FILE':
      return defined({ kind: 'file', ...rest }) as ParsedContent;
    case 'VIDEO':
      return defined({ kind: 'video', ...rest }) as ParsedContent;
    case 'VOICE':
      return defined({ kind: 'voice', ...rest }) as ParsedContent;
    case 'AUDIO':
      return defined({ kind: 'audio', ...rest }) as ParsedContent;
    case 'LOCATION':
      return defined({ kind: 'location', ...rest }) as ParsedContent;
    case 'TYPING':
      return { kind: 'text', text: '' };
    case 'DELIVERED':
    case 'READ':
    case 'RECALL':
      return { kind: 'reference', uid: String(f.text) };
    case 'CARD':
    case 'GOODS':
    case 'ORDER':
    case 'KICKOFF':
    case 'EVENT':
      return { kind: 'raw', raw: String(f.text) };
    default:
      if (typeof type === 'string' && type.startsWith('X_')) return { kind: 'raw', raw: String(f.text) };
      return { kind: 'text', text: String(f.text) };
  }
}

describe('content round trip: parseContent(type, buildContent(x).content)', () => {
  it('gives back what was built, for every content type', () => {
    fc.assert(
      fc.property(outgoing, (x) => {
        const built = buildContent(x);
        if (!built.ok) throw built.error;
        expect(built.value.type).toBe(x.type);
        expect(parseContent(built.value.type, built.value.content)).toEqual(expectedParsed(x));
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('previews and references round-trip', () => {
    fc.assert(
      fc.property(text, fc.boolean(), fc.integer({ min: 0, max: 2 ** 45 }), (t, clear, ts) => {
        const content = previewContent(t, { clear, ts });
        if (!content.ok) throw content.error;
        expect(parseContent('PREVIEW', content.value)).toEqual({ kind: 'preview', text: t, clear, ts });
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
    fc.assert(
      fc.property(uid, fc.constantFrom('DELIVERED', 'READ', 'RECALL'), (u, type) => {
        const content = referenceContent(u);
        if (!content.ok) throw content.error;
        expect(parseContent(type, content.value)).toEqual({ kind: 'reference', uid: u });
      }),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });
});

const KINDS = new Set([
  'text',
  'image',
  'file',
  'video',
  'voice',
  'audio',
  'location',
  'preview',
  'reference',
  'raw',
  'invalid',
]);

/** Raw strings worth throwing at the parser: anything, JSON of anything, near-valid shapes. */
const rawContent = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string(),
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify({ url: v, name: v, size: v, latitude: v, longitude: v, address: v })),
  fc
    .record({ url: fc.oneof(httpUrl, fc.json()), size: fc.jsonValue(), width: fc.jsonValue(), ts: fc.jsonValue() })
    .map((r) => JSON.stringify(r)),
  fc.jsonValue().map((v) => JSON.stringify({ address: JSON.stringify(v), url: JSON.stringify(v) })),
);
const anyType = fc.oneof(fc.constantFrom(...MESSAGE_TYPES), fc.string({ unit: 'binary', maxLength: 12 }));

describe('parseContent never throws', () => {
  it('for any type name and any raw string, and never yields NaN', () => {
    fc.assert(
      fc.property(anyType, rawContent, (type, raw) => {
        let parsed: ParsedContent | undefined;
        expect(() => {
          parsed = parseContent(type, raw);
        }).not.toThrow();
        if (parsed === undefined) throw new Error('no result');
        expect(KINDS.has(parsed.kind)).toBe(true);
        if (parsed.kind === 'invalid') {
          expect(parsed.error.code).toBe('invalid_content');
          expect(parsed.raw).toBe(raw);
        }
        for (const value of Object.values(parsed)) {
          if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
        }
      }),
      { seed: SEED + 3, numRuns: 5000 },
    );
  });

  it('buildContent never throws either, whatever it is given', () => {
    const anything = fc.record(
      {
        type: fc.oneof(fc.constantFrom(...MESSAGE_TYPES), fc.anything()),
        text: fc.anything(),
        url: fc.oneof(httpUrl, fc.anything()),
        name: fc.anything(),
        size: fc.oneof(fc.double(), fc.anything()),
        latitude: fc.oneof(fc.double(), fc.anything()),
        longitude: fc.double(),
        address: fc.anything(),
        width: fc.anything(),
        mimeType: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(anything, (input) => {
        const result = buildContent(input as unknown as OutgoingContent);
        if (!result.ok) expect(result.error.code).toBe('invalid_content');
        else expect(typeof result.value.content).toBe('string');
      }),
      { seed: SEED + 4, numRuns: 3000 },
    );
  });
});
