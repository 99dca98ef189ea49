import { describe } from 'vitest';
import { type TransportFactory, useHarness } from './harness.js';
import { failureTests } from './suite/failures.js';
import { lifecycleTests } from './suite/lifecycle.js';
import { optionsTests } from './suite/options.js';
import { publishTests } from './suite/publish.js';
import { sessionTests } from './suite/session.js';
import { topicTests } from './suite/topics.js';

/**
 * The realtime transport contract of `@weiyu/core` as one suite: registers, under `describe(name)`,
 * every test a realtime transport of the SDK must pass, run against a real aedes broker over a
 * real WebSocket on 127.0.0.1 (free ports), with transports made by `create`. Call it from the
 * transport's own test file; what only that transport does stays in its own tests.
 */
export function describeRealtimeTransport(name: string, create: TransportFactory): void {
  describe(name, () => {
    const harness = useHarness(create);
    optionsTests(harness);
    sessionTests(harness);
    topicTests(harness);
    failureTests(harness);
    lifecycleTests(harness);
    publishTests(harness);
  });
}
