import { toRestJson, type WireMessage } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../interfaces.js';
import { createMemoryStore } from '../stores/memory-store.js';
import { createOutbox, outboxPrefix } from './outbox.js';

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

describe('outbox', () => {
  it('stores messages and gives them back to a new outbox on the same store, in send order', async () => {
    const store = createMemoryStore();
    const first = createOutbox({ store, namespace: 'v1', onError: noError });
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
    expect(await createOutbox({ store, namespace: 'v1', onError: noError }).ready).toEqual([]);
    expect(await store.keys(outboxPrefix('v1'))).toEqual([]);

    const errors: string[] = [];
    const broken: KeyValueStore = {
      get: () => Promise.reject(new Error('disk')),
      set: () => Promise.reject(new Error('disk')),
      delete: () => Promise.reject(new Error('disk')),
      keys: () => Promise.reject(new Error('disk')),
    };
    const outbox = createOutbox({ store: broken, namespace: 'v1', onError: (e) => errors.push(e.message) });
    expect(await outbox.ready).toEqual([]);
    await outbox.add(wire('y'));
    expect(errors).toEqual(['outbox store failed to load', 'outbox store failed to write']);
  });
});
