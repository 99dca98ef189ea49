import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import { resolveTiming } from '../timing.js';
import {
  endsCatchUp,
  isAuthRefusal,
  isLinkDown,
  isSubscribeRefusal,
  keepsMessageAfterRestFailure,
  retryDelay,
} from './policy.js';

const error = (code: ConstructorParameters<typeof SdkError>[0]) => new SdkError(code, code);

describe('retry policy', () => {
  it('treats refused credentials as auth refusals, and nothing else', () => {
    expect(
      ['bad_credentials', 'not_authorized', 'unauthenticated'].every((c) =>
        isAuthRefusal(error(c as 'unauthenticated')),
      ),
    ).toBe(true);
    expect(isAuthRefusal(error('network'))).toBe(false);
    expect(isAuthRefusal(error('server_error'))).toBe(false);
  });

  it('keeps a message after a passing REST failure, a non-envelope body or an odd failure', () => {
    expect(keepsMessageAfterRestFailure(error('network'))).toBe(true);
    expect(keepsMessageAfterRestFailure(error('protocol'))).toBe(true);
    expect(keepsMessageAfterRestFailure(error('unknown'))).toBe(true);
    expect(keepsMessageAfterRestFailure(error('unauthenticated'))).toBe(false);
    expect(keepsMessageAfterRestFailure(error('invalid_argument'))).toBe(false);
  });

  it('ends a catch-up only on a refusal; a server error is tried again', () => {
    expect(endsCatchUp(error('not_authorized'))).toBe(true);
    expect(endsCatchUp(error('invalid_topic'))).toBe(true);
    expect(endsCatchUp(error('not_found'))).toBe(true);
    expect(endsCatchUp(error('server_error'))).toBe(false);
    expect(endsCatchUp(error('network'))).toBe(false);
  });

  it('swallows subscribe failures only when the link is down', () => {
    expect(isLinkDown(error('network'), true)).toBe(true);
    expect(isLinkDown(error('not_connected'), true)).toBe(true);
    expect(isLinkDown(error('server_error'), false)).toBe(true);
    expect(isLinkDown(error('server_error'), true)).toBe(false);
    expect(isSubscribeRefusal(error('not_authorized'))).toBe(true);
    expect(isSubscribeRefusal(error('network'))).toBe(false);
  });

  it('paces send and catch-up retries by retryBaseMs/retryMaxMs, defaulting to the reconnect backoff', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(n, { retryBaseMs: 1_000, retryMaxMs: 5_000 }))).toEqual([
      1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
    const followed = resolveTiming({ reconnectBaseMs: 200, reconnectMaxMs: 800 });
    expect([followed.retryBaseMs, followed.retryMaxMs]).toEqual([200, 800]);
    const own = resolveTiming({ reconnectBaseMs: 200, retryBaseMs: 50, retryMaxMs: 100 });
    expect([own.retryBaseMs, own.retryMaxMs]).toEqual([50, 100]);
  });
});
