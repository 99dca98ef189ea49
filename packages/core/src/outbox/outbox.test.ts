import { SdkError, toRestJson, type WireMessage } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../interfaces.js';
import { createMemoryStore } from '../stores/memory-store.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createFaultyStore } from '../testing/faulty-store.js';
import { createOutbox, createVolatileOutbox, outboxPrefix } from './outbox.js';

function wire(uid: string, topic = 'org/agent/a1/v1'): WireMessage {
  return {
    uid,
    type: 'TEXT',
    content: `text ${uid}`,
    status: 'SENDING',
    createdAt: '1704067200000',
    channel: 'WEB',
    extra: '{"orgUid":"o1"}',
    user: { uid: 'v1', nickname: 'V', avatar: '', type: 'VISITOR', extra: '' },
    thread: { uid: 't1', topic, type: 'AGENT', state: '', channel: '', extra: '' },
  };
}

const noError = () => {
  throw new Error('unexpected outbox error');
};

describe('outbox without a store (the default)', () => {
  it('counts what it holds for the limit, restores nothing, and answers every call at once', async () => {
    const outbox = createVolatileOutbox();
    // The sender need not wait for what add returns: it has the message at once.
    expect(outbox.volatile).toBe(true);
    expect(await outbox.ready).toEqual([]);
    await outbox.add(wire('m1'));
    await outbox.add(wire('m2'));
    await outbox.add(wire('m1'));
    expect([outbox.count(), outbox.has('m1'), outbox.has('m3')]).toEqual([2, true, false]);
    await outbox.remove('m1');
    await outbox.idle();
    expect([outbox.count(), outbox.has('m1')]).toEqual([1, false]);
    outbox.dispose();
  });
});

describe('outbox', () => {
  it('stores messages and gives them back to a new outbox on the same store, in send order', async () => {
    const store = createMemoryStore();
    const first = createOutbox({ store, namespace: 'v1', onError: noError });
    expect(first.volatile).toBe(false);
    await first.ready;
    for (const uid of ['c', 'a', 'b']) void first.add(wire(uid));
    await first.remove('a');
    await first.idle();
    const second = createOutbox({ store, namespace: 'v1', onError: noError });
    const records = await second.ready;
    expect(records.map((r) => r.message.uid)).toEqual(['c', 'b']);
    expect(records[0]?.message).toEqual(wire('c'));
    expect(second.count()).toBe(2);
    // New messages come after what was left.
    await second.add(wire('d'));
    const third = await createOutbox({ store, namespace: 'v1', onError: noError }).ready;
    expect(third.map((r) => r.message.uid)).toEqual(['c', 'b', 'd']);
  });

  it('keeps users apart on a shared store', async () => {
    const store = createMemoryStore();
    const v1 = createOutbox({ store, namespace: 'v1', onError: noError });
    await v1.add(wire('x'));
    expect(await createOutbox({ store, namespace: 'v2', onError: noError }).ready).toEqual([]);
  });

  it('keeps user a and user a:b apart: neither restores the other’s messages', async () => {
    const store = createMemoryStore();
    await createOutbox({ store, namespace: 'a:b', onError: noError }).add(wire('theirs'));
    await createOutbox({ store, namespace: 'a', onError: noError }).add(wire('mine'));
    const a = await createOutbox({ store, namespace: 'a', onError: noError }).ready;
    expect(a.map((r) => r.message.uid)).toEqual(['mine']);
    const ab = await createOutbox({ store, namespace: 'a:b', onError: noError }).ready;
    expect(ab.map((r) => r.message.uid)).toEqual(['theirs']);
    // A key an older SDK wrote for user a:b (namespace not encoded) is not user a's either.
    await store.set('weiyu:outbox:a:b:old', JSON.stringify({ v: 1, seq: 0, message: toRestJson(wire('old')) }));
    const again = await createOutbox({ store, namespace: 'a', onError: noError }).ready;
    expect(again.map((r) => r.message.uid)).toEqual(['mine']);
    expect(await store.get('weiyu:outbox:a:b:old')).toBeDefined();
  });

  it('keeps records of a newer format version (another tab, a newer SDK) and numbers new ones after them', async () => {
    const newer = JSON.stringify({ v: 2, seq: 7, message: { uid: 'n' }, more: true });
    const store = createMemoryStore({ [`${outboxPrefix('v1')}n`]: newer });
    const outbox = createOutbox({ store, namespace: 'v1', onError: noError });
    expect(await outbox.ready).toEqual([]);
    expect(await store.get(`${outboxPrefix('v1')}n`)).toBe(newer);
    await outbox.add(wire('x'));
    const stored = await store.get(`${outboxPrefix('v1')}x`);
    expect(JSON.parse(stored ?? '{}')).toMatchObject({ v: 1, seq: 8 });
  });

  it('counts at once and applies a remove that comes before the write', async () => {
    const store = createMemoryStore();
    const outbox = createOutbox({ store, namespace: 'v1', onError: noError });
    void outbox.add(wire('x'));
    expect(outbox.count()).toBe(1);
    expect(outbox.has('x')).toBe(true);
    void outbox.remove('x');
    expect(outbox.count()).toBe(0);
    await outbox.idle();
    expect(await store.keys(outboxPrefix('v1'))).toEqual([]);
  });

  it('clears unreadable records and reports a failing store without throwing', async () => {
    const store = createMemoryStore({ [`${outboxPrefix('v1')}junk`]: 'not json' });
    const cleared: SdkError[] = [];
    const junked = createOutbox({ store, namespace: 'v1', onError: (e) => cleared.push(e) });
    expect(await junked.ready).toEqual([]);
    await junked.idle();
    expect(await store.keys(outboxPrefix('v1'))).toEqual([]);
    expect(cleared.map((e) => [e.code, e.details.removed])).toEqual([['storage', [`${outboxPrefix('v1')}junk`]]]);

    const errors: string[] = [];
    const broken: KeyValueStore = {
      get: () => Promise.reject(new Error('disk')),
      set: () => Promise.reject(new Error('disk')),
      delete: () => Promise.reject(new Error('disk')),
      keys: () => Promise.reject(new Error('disk')),
    };
    const outbox = createOutbox({
      store: broken,
      namespace: 'v1',
      onError: (e) => errors.push(`${e.code} ${e.message}`),
    });
    expect(await outbox.ready).toEqual([]);
    await outbox.add(wire('y'));
    expect(errors).toEqual([
      'storage the outbox store failed to list keys: disk',
      'storage the outbox store failed to write: disk',
    ]);
  });
});

describe('outbox: a store that fails, hangs or holds records it cannot read', () => {
  const TIMEOUT = 1_000;

  function faulty() {
    const clock = createFakeClock();
    const store = createFaultyStore({ clock });
    const errors: SdkError[] = [];
    const open = () =>
      createOutbox({ store, namespace: 'v1', clock, timeoutMs: TIMEOUT, onError: (e) => errors.push(e) });
    return { clock, store, errors, open };
  }

  /** Whether the promise settled by now. */
  async function settled(promise: Promise<unknown>, clock: ReturnType<typeof createFakeClock>): Promise<boolean> {
    let done = false;
    void promise.then(() => {
      done = true;
    });
    await clock.flush();
    return done;
  }

  it('a write that never answers resolves add within the deadline and reports the store once, typed', async () => {
    const { clock, store, errors, open } = faulty();
    const outbox = open();
    await outbox.ready;
    store.fault({ kind: 'hang' }, ['set']);
    const first = outbox.add(wire('a'));
    const second = outbox.add(wire('b'));
    await clock.advanceAsync(TIMEOUT - 1);
    expect(await settled(first, clock)).toBe(false);
    await clock.advanceAsync(1);
    expect(await settled(first, clock)).toBe(true);
    expect(await settled(second, clock)).toBe(true);
    // Still counted: the messages are sent, only not kept across a restart.
    expect(outbox.count()).toBe(2);
    await clock.advanceAsync(10 * TIMEOUT);
    expect(errors.map((e) => [e.code, e.details.operation, e.details.timeoutMs])).toEqual([
      ['storage', 'write', TIMEOUT],
    ]);
  });

  it('a store that never answers its listing still gets ready, empty, within the deadline', async () => {
    const { clock, store, errors, open } = faulty();
    store.fault({ kind: 'hang' });
    const outbox = open();
    await clock.advanceAsync(TIMEOUT);
    expect(await settled(outbox.ready, clock)).toBe(true);
    expect(await outbox.ready).toEqual([]);
    expect(errors.map((e) => [e.code, e.details.operation])).toEqual([['storage', 'list keys']]);
  });

  it('restores every record it can read and names the ones it cannot', async () => {
    const { clock, store, errors } = faulty();
    const writer = createOutbox({ store, namespace: 'v1', onError: noError });
    for (const uid of ['a', 'b', 'c', 'd']) void writer.add(wire(uid));
    await writer.idle();
    const prefix = outboxPrefix('v1');
    store.breakKey(`${prefix}b`); // a read that throws
    store.breakKey(`${prefix}c`, { kind: 'hang' }); // a read that never answers
    await store.inner.set(`${prefix}e`, JSON.stringify({ v: 1, seq: 9, message: { uid: 'e' } })); // ours, corrupt
    await store.inner.set(`${prefix}f`, '{"v":1,"seq":'); // not even JSON
    const outbox = createOutbox({ store, namespace: 'v1', clock, timeoutMs: TIMEOUT, onError: (e) => errors.push(e) });
    await clock.advanceAsync(TIMEOUT);
    const records = await outbox.ready;
    expect(records.map((r) => r.message.uid)).toEqual(['a', 'd']);
    expect(errors.map((e) => [e.code, e.details.count])).toEqual([['storage', 4]]);
    expect(errors[0]?.details.keys).toEqual([`${prefix}b`, `${prefix}c`, `${prefix}e`, `${prefix}f`]);
    // What cannot be read now may be readable later: it stays, except what is not JSON at all.
    await outbox.idle();
    expect((await store.inner.keys(prefix)).sort()).toEqual(['a', 'b', 'c', 'd', 'e'].map((u) => prefix + u));
    // New messages are numbered after every record seen, readable or not.
    await outbox.add(wire('g'));
    expect(JSON.parse((await store.inner.get(`${prefix}g`)) ?? '{}')).toMatchObject({ seq: 10 });
  });

  it('keeps the code of a store error that has one (a full storage stays outbox_full)', async () => {
    const { store, errors, open } = faulty();
    const outbox = open();
    await outbox.ready;
    store.fault({ kind: 'throw', error: new SdkError('outbox_full', 'the browser storage is full') }, ['set']);
    await outbox.add(wire('a'));
    store.fault({ kind: 'throw-sync', error: new Error('disk on fire') }, ['delete']);
    await outbox.remove('a');
    expect(errors.map((e) => [e.code, e.details.operation ?? null])).toEqual([
      ['outbox_full', null],
      ['storage', 'delete'],
    ]);
  });

  it('leaves no timer behind after dispose, even with a call hanging', async () => {
    const { clock, store, open } = faulty();
    const outbox = open();
    await outbox.ready;
    store.fault({ kind: 'hang' }, ['set']);
    const added = outbox.add(wire('a'));
    await clock.flush();
    expect(clock.pending()).toBeGreaterThan(0);
    outbox.dispose();
    expect(clock.pending()).toBe(0);
    // Whoever waited stops waiting.
    expect(await settled(added, clock)).toBe(true);
  });
});
