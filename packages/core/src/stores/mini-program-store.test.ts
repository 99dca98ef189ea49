import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { LocalMessage } from '../api.js';
import { createChatClient } from '../client.js';
import { systemClock } from '../clock.js';
import { createFakeMiniProgramStorage } from '../testing/fake-mini-program-storage.js';
import { createInMemoryNetwork } from '../testing/in-memory-network.js';
import { createMiniProgramStore, type MiniProgramStorage } from './mini-program-store.js';

async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SdkError);
  return error as SdkError;
}

describe('createMiniProgramStore', () => {
  it("keeps keys under its prefix and leaves the app's own keys alone", async () => {
    const storage = createFakeMiniProgramStorage();
    storage.entries.set('app:theme', 'dark');
    const store = createMiniProgramStore(storage, 'w:');
    await store.set('outbox:1', 'x');
    await store.set('outbox:2', 'y');
    expect(storage.entries.get('w:outbox:1')).toBe('x');
    expect(await store.get('outbox:1')).toBe('x');
    expect(await store.get('app:theme')).toBeUndefined();
    expect((await store.keys('outbox:')).sort()).toEqual(['outbox:1', 'outbox:2']);
    await store.delete('outbox:1');
    expect(await store.keys('')).toEqual(['outbox:2']);
    expect(storage.entries.get('app:theme')).toBe('dark');
  });

  it('reads a missing key as undefined, whether the platform fails (WeChat, uni-app) or answers null (Alipay)', async () => {
    const wechat = createMiniProgramStore(createFakeMiniProgramStorage());
    expect(await wechat.get('nothing')).toBeUndefined();
    await wechat.delete('nothing');
    const alipayLike: MiniProgramStorage = {
      ...createFakeMiniProgramStorage(),
      getStorage: ({ success }) => success({ data: null }),
    };
    expect(await createMiniProgramStore(alipayLike).get('nothing')).toBeUndefined();
  });

  it('survives a restart: a new store on the same storage sees the same data', async () => {
    const storage = createFakeMiniProgramStorage();
    await createMiniProgramStore(storage).set('outbox:a', '1');
    expect(await createMiniProgramStore(storage).get('outbox:a')).toBe('1');
  });

  it('turns a full storage into outbox_full and keeps what was there', async () => {
    const store = createMiniProgramStore(createFakeMiniProgramStorage({ quota: 40 }), 'p:');
    await store.set('a', 'small');
    const error = await rejection(store.set('b', 'x'.repeat(100)));
    expect(error.code).toBe('outbox_full');
    expect(await store.get('a')).toBe('small');
  });

  it('rejects with a storage SdkError naming the platform message when a call fails', async () => {
    const storage = createFakeMiniProgramStorage();
    const store = createMiniProgramStore(storage);
    await store.set('a', '1');
    storage.failWith('system error');
    for (const call of [() => store.get('a'), () => store.set('a', '2'), () => store.keys('')]) {
      const error = await rejection(call());
      expect(error.code).toBe('storage');
      expect(error.message).toContain('system error');
    }
  });

  it('rejects with an SdkError, never a raw exception, when a call throws', async () => {
    const thrown = new TypeError('wx.getStorageInfo is not a function');
    const broken: MiniProgramStorage = {
      ...createFakeMiniProgramStorage(),
      getStorageInfo: () => {
        throw thrown;
      },
    };
    const error = await rejection(createMiniProgramStore(broken).keys(''));
    expect([error.code, error.cause]).toEqual(['storage', thrown]);
  });

  it('refuses something that is not a storage API', () => {
    const partial = { getStorage() {}, setStorage() {} } as unknown as MiniProgramStorage;
    expect(() => createMiniProgramStore(partial)).toThrow(/removeStorage, getStorageInfo/);
    expect(() => createMiniProgramStore(undefined as unknown as MiniProgramStorage)).toThrow(SdkError);
  });

  it('keeps the outbox across a restart of the mini-program: the message goes out later, same uid', async () => {
    const network = createInMemoryNetwork({ clock: systemClock });
    const storage = createFakeMiniProgramStorage();
    const thread = { uid: 't1', topic: 'org/agent/a1/v1', type: 'AGENT' } as const;
    const join = (uid: string) =>
      createChatClient({
        user: { uid },
        realtime: network.realtime(),
        auth: { username: uid, accessToken: network.issueToken(uid) },
        outbox: createMiniProgramStore(storage),
        timing: { reconnectBaseMs: 20, reconnectMaxMs: 50 },
      });
    network.faults.refuseConnections(true);
    const first = join('v1');
    void first.connect();
    const pending = first.send(thread, { type: 'TEXT', text: '你好' });
    await waitUntil(() => [...storage.entries.keys()].some((key) => key.includes(pending.uid)));
    await first.dispose();

    network.faults.refuseConnections(false);
    const agent = join('a1');
    const received: LocalMessage[] = [];
    agent.on('message', (message) => received.push(message));
    await agent.connect();
    await agent.subscribe([thread.topic]);
    const second = join('v1');
    await second.connect();
    await second.subscribe([thread.topic]);
    await waitUntil(() => received.length > 0);
    expect(received.map((m) => [m.uid, m.content])).toEqual([[pending.uid, '你好']]);
    await waitUntil(() => ![...storage.entries.keys()].some((key) => key.includes(pending.uid)));
    await Promise.all([agent.dispose(), second.dispose()]);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => systemClock.setTimeout(() => resolve(undefined), 5));
  }
}
