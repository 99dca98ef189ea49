import { describe, expect, it } from 'vitest';
import { SDK_ERROR_CODES, SdkError } from './error.js';
import { describeError, SDK_ERROR_MESSAGES, SDK_LOCALES, type SdkLocale } from './error-messages.js';

const HAN = /\p{Script=Han}/u;

describe('SDK_ERROR_MESSAGES', () => {
  it.each(SDK_LOCALES)('%s has a sentence for every code, and only for codes', (locale) => {
    const table: Readonly<Record<string, unknown>> = SDK_ERROR_MESSAGES[locale];
    for (const code of SDK_ERROR_CODES) {
      expect(typeof table[code] === 'string' && table[code].trim().length > 0, `${locale} lacks "${code}"`).toBe(true);
    }
    expect(Object.keys(table).sort()).toEqual([...SDK_ERROR_CODES].sort());
  });

  it('zh-CN is Chinese and en is not', () => {
    for (const code of SDK_ERROR_CODES) {
      expect(SDK_ERROR_MESSAGES['zh-CN'][code], code).toMatch(HAN);
      expect(SDK_ERROR_MESSAGES.en[code], code).not.toMatch(HAN);
    }
  });

  it.each(SDK_LOCALES)('%s says something different for each code', (locale) => {
    const sentences = SDK_ERROR_CODES.map((code) => SDK_ERROR_MESSAGES[locale][code]);
    expect(new Set(sentences).size).toBe(sentences.length);
  });
});

describe('describeError', () => {
  it.each(SDK_ERROR_CODES)('%s reads from the table in both languages', (code) => {
    // http_error without a status and server_error without a message: the sentence alone.
    const error = new SdkError(code, code === 'server_error' ? '' : 'developer text');
    for (const locale of SDK_LOCALES) {
      expect(describeError(error, locale)).toBe(SDK_ERROR_MESSAGES[locale][code]);
    }
  });

  it('speaks English by default', () => {
    expect(describeError(new SdkError('timeout', 'x'))).toBe('The server did not answer in time.');
  });

  it("appends the server's own message to server_error", () => {
    const error = new SdkError('server_error', '用户名或密码错误，还可尝试2次', { details: { code: -1 } });
    expect(describeError(error, 'zh-CN')).toBe('服务器返回错误：用户名或密码错误，还可尝试2次');
    expect(describeError(error, 'en')).toBe('The server reported an error: 用户名或密码错误，还可尝试2次');
  });

  it('appends the HTTP status to http_error', () => {
    const error = new SdkError('http_error', 'GET /x answered 502', { details: { status: 502 } });
    expect(describeError(error, 'zh-CN')).toBe('服务器返回 HTTP 错误：HTTP 502');
    expect(describeError(error)).toBe('The server answered with an HTTP error: HTTP 502');
  });

  it('says how many login attempts are left when the server named them', () => {
    const error = new SdkError('bad_credentials', '用户名或密码错误，还可尝试2次', { details: { attemptsLeft: 2 } });
    expect(describeError(error, 'zh-CN')).toBe('用户名、密码或访问令牌错误：还可尝试 2 次');
    expect(describeError(error)).toBe('Wrong username, password or access token: 2 attempts left');
  });

  it('reads anything that is not an SdkError as unknown, without throwing', () => {
    for (const thrown of [new TypeError('boom'), 'text', undefined, null, 42, { code: 'timeout' }]) {
      expect(describeError(thrown, 'zh-CN')).toBe(SDK_ERROR_MESSAGES['zh-CN'].unknown);
    }
  });

  it('falls back to English for a locale it does not have (plain JavaScript callers)', () => {
    const error = new SdkError('network', 'x');
    expect(describeError(error, 'fr' as SdkLocale)).toBe(SDK_ERROR_MESSAGES.en.network);
  });
});
