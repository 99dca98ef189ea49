/**
 * SPEC §1.15, the guide's best practices that the SDK implements itself: heartbeat, network
 * state, unsubscribing, detailed error logs without secrets. (Resend, oversize, duplicates
 * and HTTP fallback are in send.test.ts and realtime.test.ts.)
 */
import { cryptoRandom } from '@weiyu/core';
import { createManualEnvironment, createRecordingLogger } from '@weiyu/core/testing';
import { AGENT, startTestBroker, VISITOR } from '@weiyu/mock-broker/testing';
import { describe, expect, test } from 'vitest';
import { createTestClient } from './harness/client.js';
import { DEMO_THREAD_FOR_AGENT, text } from './harness/fixtures.js';
import { settle, waitFor } from './harness/wait.js';

const TOPIC = DEMO_THREAD_FOR_AGENT.topic;

describe('§1.15 best practices', () => {
  test('§1.15 heartbeat: an idle connection stays up past 1.5 × keepalive', async () => {
    await using broker = await startTestBroker();
    await using visitor = await createTestClient(broker, { ...VISITOR, transport: { keepalive: 1 } });
    await settle(3_500); // the broker drops a silent client after 1.5 s
    expect(visitor.client.isConnected()).toBe(true);
    expect(visitor.events.states()).not.toContain('reconnecting');
  });

  test('§1.15 follow network state: offline pauses retries, online reconnects at once', async () => {
    await using broker = await startTestBroker();
    const environment = createManualEnvironment();
    // Backoff ~20 s: without the online nudge the client would not be back within the test.
    const random = { ...cryptoRandom(), next: () => 0.999 };
    await using visitor = await createTestClient(broker, {
      ...VISITOR,
      timing: { reconnectBaseMs: 20_000, reconnectMaxMs: 20_000 },
      client: { environment, random },
    });
    broker.faults.outage(60_000);
    await visitor.events.waitFor('connection', (s) => s.status === 'reconnecting', { timeoutMs: 8_000 });
    environment.change('offline');
    broker.faults.reset();
    await settle(500);
    expect(visitor.client.isConnected()).toBe(false);
    environment.change('online');
    await waitFor(() => visitor.client.isConnected(), { timeoutMs: 5_000, message: 'connected right after online' });
  });

  test('§1.15 unsubscribe what is not needed: an unsubscribed thread delivers nothing more', async () => {
    await using broker = await startTestBroker();
    await using agent = await createTestClient(broker, { ...AGENT, topics: [TOPIC] });
    await using visitor = await createTestClient(broker, { ...VISITOR, topics: [TOPIC] });
    const first = agent.client.send(DEMO_THREAD_FOR_AGENT, text('while subscribed'));
    await visitor.events.waitFor('message', (m) => m.uid === first.uid);
    await visitor.client.unsubscribe([TOPIC]);
    const second = agent.client.send(DEMO_THREAD_FOR_AGENT, text('after unsubscribe'));
    expect((await second.done).status).toBe('SUCCESS'); // the broker routed it
    await settle(500);
    expect(visitor.events.messages(TOPIC).map((m) => m.uid)).toEqual([first.uid]);
  });

  test('§1.15 detailed error logs: failures are logged with their code, the token never', async () => {
    // pinned to strict for good: only a hardened broker refuses a bad token at CONNECT (the real server takes any); this tests the SDK facing one
    await using broker = await startTestBroker({ mode: 'strict' });
    const logger = createRecordingLogger();
    const secret = 'very-secret-token-0123456789';
    await using bad = await createTestClient(broker, {
      username: VISITOR.username,
      uid: VISITOR.uid,
      accessToken: secret,
      rest: false,
      connect: false,
      client: { logger },
    });
    await bad.client.connect();
    await bad.events.waitFor('connection', (s) => s.status === 'auth-failed', { timeoutMs: 8_000 });
    const warnings = logger.lines.filter((l) => l.startsWith('warn') || l.startsWith('error'));
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.some((l) => /bad_credentials|not_authorized|unauthenticated/.test(l))).toBe(true);
    expect(logger.lines.filter((l) => l.includes(secret))).toEqual([]);
  });
});
