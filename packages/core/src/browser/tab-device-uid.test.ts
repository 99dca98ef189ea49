import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../testing/fake-clock.js';
import {
  type BroadcastChannelLike,
  type LockManagerLike,
  type SessionStorageLike,
  type TabDeviceUidOptions,
  tabDeviceUid,
} from './tab-device-uid.js';

/**
 * sessionStorage of one tab. `reload()` is the same storage as the next page of the tab sees it
 * (a new object: a new page has new globals); `copy()` is what a duplicated tab starts with.
 */
interface FakeStorage extends SessionStorageLike {
  readonly map: Map<string, string>;
  reload(): FakeStorage;
  copy(): FakeStorage;
}

function fakeStorage(entries: Iterable<[string, string]> = [], shared?: Map<string, string>): FakeStorage {
  const map = shared ?? new Map(entries);
  return {
    map,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => {
      map.set(key, value);
    },
    reload: () => fakeStorage([], map),
    copy: () => fakeStorage(map),
  };
}

type Mechanism = 'locks' | 'channel' | 'none';

/**
 * A browser of tabs: Web Locks held per tab (let go when the tab closes), BroadcastChannels
 * delivering to every other open channel of the same name, later (as browsers do).
 */
function fakeBrowser(mechanism: Mechanism) {
  const clock = createFakeClock();
  const held = new Map<string, number>();
  const channels: Array<{ tab: number; name: string; listeners: Array<(event: { data: unknown }) => void> }> = [];
  const open = new Set<number>();
  let tabs = 0;
  let ids = 0;

  const locksFor = (tab: number): LockManagerLike => ({
    request(name, _options, callback) {
      const free = !held.has(name);
      if (free) held.set(name, tab);
      return Promise.resolve(callback(free ? { name } : null));
    },
  });
  const channelsFor =
    (tab: number) =>
    (name: string): BroadcastChannelLike => {
      const self = { tab, name, listeners: [] as Array<(event: { data: unknown }) => void> };
      channels.push(self);
      return {
        postMessage(data) {
          for (const other of channels) {
            if (other === self || other.name !== name || !open.has(other.tab)) continue;
            void Promise.resolve().then(() => {
              for (const listener of other.listeners) listener({ data });
            });
          }
        },
        addEventListener(_type, listener) {
          self.listeners.push(listener);
        },
      };
    };

  return {
    clock,
    /** Opens a tab on this storage; `start()` asks for its device id as the page would. */
    openTab(storage: FakeStorage = fakeStorage(), key?: string) {
      tabs += 1;
      const tab = tabs;
      open.add(tab);
      const options: TabDeviceUidOptions = {
        sessionStorage: storage,
        locks: mechanism === 'locks' ? locksFor(tab) : null,
        openChannel: mechanism === 'channel' ? channelsFor(tab) : null,
        clock,
        settleMs: 250,
        newUid: () => {
          ids += 1;
          return `device-${ids}`;
        },
        ...(key === undefined ? {} : { key }),
      };
      return {
        storage,
        async start(): Promise<string> {
          const uid = tabDeviceUid(options);
          await clock.advanceAsync(250);
          await clock.advanceAsync(250);
          return uid;
        },
        close() {
          open.delete(tab);
          for (const [name, holder] of held) if (holder === tab) held.delete(name);
        },
      };
    },
  };
}

describe.each(['locks', 'channel'] as const)('tabDeviceUid with %s', (mechanism) => {
  it('keeps one id per tab across reloads, and gives the same id when asked twice', async () => {
    const browser = fakeBrowser(mechanism);
    const tab = browser.openTab();
    const first = await tab.start();
    expect(first).toBe('device-1');
    expect(tab.storage.map.get('weiyu:device-uid')).toBe(first);

    // A reload: the old page goes, the new one starts on the same sessionStorage.
    tab.close();
    const reloaded = browser.openTab(tab.storage.reload());
    expect(await reloaded.start()).toBe(first);
    // Asked again in the same page: the same id, not a rival claim.
    expect(await reloaded.start()).toBe(first);
  });

  it('gives a duplicated tab, which starts with a copy of the sessionStorage, a new id', async () => {
    const browser = fakeBrowser(mechanism);
    const original = browser.openTab();
    const id = await original.start();
    const duplicate = browser.openTab(original.storage.copy());
    const other = await duplicate.start();
    expect(other).not.toBe(id);
    expect(duplicate.storage.map.get('weiyu:device-uid')).toBe(other);
    expect(original.storage.map.get('weiyu:device-uid')).toBe(id);
    // The duplicate keeps its own id across its reloads, and a duplicate of it gets yet another.
    duplicate.close();
    const duplicateReloaded = browser.openTab(duplicate.storage.reload());
    expect(await duplicateReloaded.start()).toBe(other);
    const third = await browser.openTab(duplicateReloaded.storage.copy()).start();
    expect(new Set([id, other, third]).size).toBe(3);
  });

  it('keeps independent ids under different keys in one tab', async () => {
    const browser = fakeBrowser(mechanism);
    const storage = fakeStorage();
    const agent = await browser.openTab(storage, 'app:agent').start();
    const visitor = await browser.openTab(storage, 'app:visitor').start();
    expect(agent).not.toBe(visitor);
    expect(storage.map.get('app:agent')).toBe(agent);
    expect(storage.map.get('app:visitor')).toBe(visitor);
  });
});

describe('tabDeviceUid', () => {
  it('with Web Locks keeps the id when the reloaded page starts before the old one has let go of its lock', async () => {
    const browser = fakeBrowser('locks');
    const tab = browser.openTab();
    const id = await tab.start();
    const reloaded = browser.openTab(tab.storage.reload());
    browser.clock.setTimeout(() => tab.close(), 100);
    expect(await reloaded.start()).toBe(id);
  });

  it('without Web Locks or BroadcastChannel still keeps the id across reloads', async () => {
    const browser = fakeBrowser('none');
    const tab = browser.openTab();
    const id = await tab.start();
    tab.close();
    expect(await browser.openTab(tab.storage.reload()).start()).toBe(id);
  });

  it('replaces a stored value that cannot be part of a clientId', async () => {
    for (const bad of ['', 'a/b']) {
      const browser = fakeBrowser('locks');
      const storage = fakeStorage([['weiyu:device-uid', bad]]);
      expect(await browser.openTab(storage).start()).toBe('device-1');
      expect(storage.map.get('weiyu:device-uid')).toBe('device-1');
    }
  });

  it('never rejects when storage throws (blocked or full): the id lasts as long as the page', async () => {
    const denied: SessionStorageLike = {
      getItem() {
        throw new Error('SecurityError');
      },
      setItem() {
        throw new Error('QuotaExceededError');
      },
    };
    const id = await tabDeviceUid({ sessionStorage: denied, locks: null, openChannel: null });
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(await tabDeviceUid({ sessionStorage: denied, locks: null, openChannel: null })).toBe(id);
  });

  it('keeps the stored id when Web Locks refuse to work here', async () => {
    const storage = fakeStorage([['weiyu:device-uid', 'kept']]);
    const locks: LockManagerLike = { request: () => Promise.reject(new Error('SecurityError')) };
    expect(await tabDeviceUid({ sessionStorage: storage, locks, openChannel: null })).toBe('kept');
  });
});
