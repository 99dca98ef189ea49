import { describe, expect, it } from 'vitest';
import { err, ok, SDK_ERROR_CODES, SdkError } from './error.js';

describe('SdkError', () => {
  it('carries code, message, cause and details', () => {
    const cause = new Error('boom');
    const error = new SdkError('network', 'socket closed', { cause, details: { attempt: 2 } });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SdkError');
    expect(error.code).toBe('network');
    expect(error.message).toBe('socket closed');
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ attempt: 2 });
  });

  it('defaults details to an empty object and leaves cause unset', () => {
    const error = new SdkError('unknown', 'x');
    expect(error.details).toEqual({});
    expect('cause' in error).toBe(false);
  });

  it('marks only transient failures retryable', () => {
    const retryable = SDK_ERROR_CODES.filter((code) => new SdkError(code, '').retryable);
    expect(sorted(retryable)).toEqual(
      sorted([
        'not_connected',
        'timeout',
        'connection_refused',
        'host_not_found',
        'network',
        'http_error',
        'response_too_large',
      ]),
    );
  });

  it('from() keeps an SdkError, wraps an Error, and stringifies anything else', () => {
    const original = new SdkError('timeout', 't');
    expect(SdkError.from(original)).toBe(original);
    const wrapped = SdkError.from(new TypeError('bad'), 'protocol');
    expect([wrapped.code, wrapped.message]).toEqual(['protocol', 'bad']);
    expect(wrapped.cause).toBeInstanceOf(TypeError);
    const fromString = SdkError.from('oops');
    expect([fromString.code, fromString.message, fromString.cause]).toEqual(['unknown', 'oops', 'oops']);
  });

  it('has each code once', () => {
    expect(new Set(SDK_ERROR_CODES).size).toBe(SDK_ERROR_CODES.length);
  });
});

describe('Result', () => {
  it('ok and err build the two shapes', () => {
    expect(ok(1)).toEqual({ ok: true, value: 1 });
    const failed = err('invalid_argument', 'no', { details: { field: 'uid' } });
    expect(failed.ok).toBe(false);
    if (!failed.ok) {
      expect(failed.error.code).toBe('invalid_argument');
      expect(failed.error.details).toEqual({ field: 'uid' });
    }
  });
});

function sorted(list: readonly string[]): string[] {
  return [...list].sort();
}
