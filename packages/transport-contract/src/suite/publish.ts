import { expect, it } from 'vitest';
import { type Harness, USER } from '../harness.js';
import { nextEvent, rejection } from '../wait.js';

/** Publishes that cannot complete never hang, and listeners are called independently. */
export function publishTests(h: Harness): void {
  it('rejects publish, subscribe and unsubscribe with not_connected when down', async () => {
    const b = await h.startBroker();
    const t = h.transport(b.url);
    expect((await rejection(t.publish('user/u1', new Uint8Array([1]), 1))).code).toBe('not_connected');
    expect((await rejection(t.subscribe(['user/u1'], 1))).code).toBe('not_connected');
    expect((await rejection(t.unsubscribe(['user/u1']))).code).toBe('not_connected');
    await t.connect(USER);
    await t.close();
    expect((await rejection(t.publish('user/u1', new Uint8Array([1]), 0))).code).toBe('not_connected');
  });

  it('never leaves a publish hanging: no PUBACK → timeout; connection lost → network', async () => {
    const b = await h.startBroker({
      // Holding authorization back holds the PUBACK back.
      authorizePublish() {},
    });
    const t = h.transport(b.url, { ackTimeoutMs: 200 });
    await t.connect(USER);
    expect((await rejection(t.publish('user/u1', new Uint8Array([1]), 1))).code).toBe('timeout');

    const pending = t.publish('user/u1', new Uint8Array([2]), 1);
    const lost = rejection(pending);
    b.dropAll();
    expect((await lost).code).toBe('network');
  });

  it('rejects pending publishes with closed on close()', async () => {
    const b = await h.startBroker({ authorizePublish() {} });
    const t = h.transport(b.url, { ackTimeoutMs: 5_000 });
    await t.connect(USER);
    const pending = rejection(t.publish('user/u1', new Uint8Array([1]), 1));
    await t.close();
    expect((await pending).code).toBe('closed');
  });

  it('keeps calling other listeners when one throws, and stops calling one that unsubscribed', async () => {
    const b = await h.startBroker();
    const t = h.transport(b.url);
    t.on(() => {
      throw new Error('listener bug');
    });
    const seen: string[] = [];
    const off = t.on((event) => seen.push(event.type));
    await t.connect(USER);
    await t.subscribe(['user/u1'], 0);
    const received = nextEvent(t, 'message');
    await t.publish('user/u1', new Uint8Array([7]), 0);
    await received;
    off();
    await t.close();
    expect(seen).toEqual(['message']);
  });
}
