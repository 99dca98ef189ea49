import { expect, it } from 'vitest';
import { type Harness, USER } from '../harness.js';
import { delay, record, rejection } from '../wait.js';

/** Topics the SDK never uses (wildcards, empty, NUL) are refused before anything goes on the wire. */
export function topicTests(h: Harness): void {
  it('refuses wildcard and empty topics before anything goes on the wire', async () => {
    const b = await h.startBroker();
    const t = h.transport(b.url);
    await t.connect(USER);
    expect((await rejection(t.subscribe(['org/#'], 1))).code).toBe('invalid_topic');
    expect((await rejection(t.subscribe(['org/+/x'], 1))).code).toBe('invalid_topic');
    expect((await rejection(t.unsubscribe(['']))).code).toBe('invalid_topic');
    expect(t.isConnected()).toBe(true);
  });

  it('refuses to publish to a wildcard, empty or NUL topic, with nothing on the wire', async () => {
    const b = await h.startBroker();
    const t = h.transport(b.url);
    const events = record(t);
    await t.connect(USER);
    const before = b.receivedFrames();
    for (const topic of ['org/agent/+/v1', 'org/#', '#', '+', '', 'org/a\u0000b']) {
      for (const qos of [0, 1] as const) {
        const error = await rejection(t.publish(topic, new Uint8Array([1]), qos));
        expect(error.code).toBe('invalid_topic');
        expect(error.retryable).toBe(false);
      }
    }
    await delay(100);
    expect(b.receivedFrames()).toBe(before);
    expect(t.isConnected()).toBe(true);
    expect(events).toEqual([]);
    // The connection still carries a good publish.
    await t.publish('org/agent/a1/v1', new Uint8Array([2]), 1);
    expect(b.receivedFrames()).toBeGreaterThan(before);
  });

  it('refuses NUL in a subscribe or unsubscribe topic too', async () => {
    const b = await h.startBroker();
    const t = h.transport(b.url);
    await t.connect(USER);
    const before = b.receivedFrames();
    expect((await rejection(t.subscribe(['user/u1', 'user/a\u0000b'], 1))).code).toBe('invalid_topic');
    expect((await rejection(t.unsubscribe(['user/a\u0000b']))).code).toBe('invalid_topic');
    await delay(50);
    expect(b.receivedFrames()).toBe(before);
    expect(t.isConnected()).toBe(true);
  });
}
