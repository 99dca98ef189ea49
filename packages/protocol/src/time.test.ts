import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatServerTime, parseCreatedAt } from './time.js';

function value(input: string | number): number {
  const result = parseCreatedAt(input);
  if (!result.ok) throw result.error;
  return result.value;
}

describe('parseCreatedAt', () => {
  it('reads server time as Asia/Shanghai (UTC+8)', () => {
    expect(value('2024-06-10 14:03:05')).toBe(Date.UTC(2024, 5, 10, 6, 3, 5));
    expect(value('1970-01-01 08:00:00')).toBe(0);
    // Midnight in Shanghai is the previous day in UTC.
    expect(value('2024-01-01 00:00:00')).toBe(Date.UTC(2023, 11, 31, 16, 0, 0));
  });

  it('accepts a T separator, fractions of a second and surrounding blanks', () => {
    expect(value('2024-06-10T14:03:05')).toBe(Date.UTC(2024, 5, 10, 6, 3, 5));
    expect(value('2024-06-10 14:03:05.5')).toBe(Date.UTC(2024, 5, 10, 6, 3, 5, 500));
    expect(value('2024-06-10 14:03:05.123')).toBe(Date.UTC(2024, 5, 10, 6, 3, 5, 123));
    expect(value('  2024-06-10 14:03:05 ')).toBe(Date.UTC(2024, 5, 10, 6, 3, 5));
  });

  it('accepts a leap day that exists', () => {
    expect(value('2024-02-29 12:00:00')).toBe(Date.UTC(2024, 1, 29, 4));
  });

  it('reads epoch milliseconds as a string or a number', () => {
    expect(value('1718000000000')).toBe(1718000000000);
    expect(value('0')).toBe(0);
    expect(value(1718000000000)).toBe(1718000000000);
    expect(value(1718000000000.7)).toBe(1718000000000);
  });

  it('reads ISO 8601 with a zone', () => {
    expect(value('2024-06-10T06:03:05Z')).toBe(Date.UTC(2024, 5, 10, 6, 3, 5));
    expect(value('2024-06-10T14:03:05+08:00')).toBe(Date.UTC(2024, 5, 10, 6, 3, 5));
    expect(value('2024-06-10T14:03:05.250+0800')).toBe(Date.UTC(2024, 5, 10, 6, 3, 5, 250));
  });

  it.each([
    '2024-02-30 10:00:00',
    '2023-02-29 10:00:00',
    '2024-13-01 10:00:00',
    '2024-00-10 10:00:00',
    '2024-04-31 10:00:00',
    '2024-06-10 24:00:00',
    '2024-06-10 23:60:00',
    '2024-06-10 23:59:60',
  ])('refuses the impossible %s', (input) => {
    const result = parseCreatedAt(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid_time');
  });

  it.each([
    '',
    '   ',
    'yesterday',
    '2024-06-10',
    '2024/06/10 14:03:05',
    '14:03:05',
    '1.5e12',
    '0x10',
    'NaN',
    '2024-06-10T14:03:05+25:99',
  ])('refuses garbage %j', (input) => {
    const result = parseCreatedAt(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_time');
      expect(result.error.message.length).toBeLessThan(200);
    }
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('refuses the number %d', (input) => {
    const result = parseCreatedAt(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid_time');
  });

  it('never returns NaN and never throws, whatever the string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), (input) => {
        const result = parseCreatedAt(input);
        if (result.ok) expect(Number.isFinite(result.value)).toBe(true);
        else expect(result.error.code).toBe('invalid_time');
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  it('never returns NaN for strings shaped like server time', () => {
    const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
    fc.assert(
      fc.property(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), (y, mo, d, h, mi, s) => {
        const result = parseCreatedAt(`${y}-${mo}-${d} ${h}:${mi}:${s}`);
        if (result.ok) expect(Number.isFinite(result.value)).toBe(true);
        else expect(result.error.code).toBe('invalid_time');
      }),
      { seed: 8, numRuns: 2000 },
    );
  });
});

describe('formatServerTime', () => {
  it('writes Asia/Shanghai wall time', () => {
    expect(formatServerTime(Date.UTC(2024, 5, 10, 6, 3, 5))).toBe('2024-06-10 14:03:05');
    expect(formatServerTime(0)).toBe('1970-01-01 08:00:00');
    expect(formatServerTime(Date.UTC(2023, 11, 31, 16, 0, 0))).toBe('2024-01-01 00:00:00');
  });

  it('round-trips with parseCreatedAt to the second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        const seconds = Math.floor(ms / 1000) * 1000;
        expect(parseCreatedAt(formatServerTime(ms))).toEqual({ ok: true, value: seconds });
      }),
      { seed: 9, numRuns: 1000 },
    );
  });
});
