import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING, resolveTiming } from './timing.js';

describe('resolveTiming', () => {
  it('sizes catch-up for the real server: 6,000 messages per pass, history 5 s behind', () => {
    expect(DEFAULT_TIMING.catchUpPageSize * DEFAULT_TIMING.catchUpMaxPages).toBe(6_000);
    expect(resolveTiming().historyLagMs).toBe(5_000);
  });

  it('takes the history lag the REST transport tells of its server, unless the app sets one', () => {
    expect(resolveTiming({}, { historyLagMs: 0 }).historyLagMs).toBe(0);
    expect(resolveTiming({ historyLagMs: 2_000 }, { historyLagMs: 0 }).historyLagMs).toBe(2_000);
    expect(resolveTiming({}, {}).historyLagMs).toBe(5_000);
  });

  it('lets send and catch-up retries follow the reconnect backoff unless set', () => {
    expect(resolveTiming({ reconnectBaseMs: 100, reconnectMaxMs: 900 })).toMatchObject({
      retryBaseMs: 100,
      retryMaxMs: 900,
    });
    expect(resolveTiming({ reconnectBaseMs: 100, retryBaseMs: 7 }).retryBaseMs).toBe(7);
  });
});
