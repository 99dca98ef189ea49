import { systemClock } from '../clock.js';
import type { Clock } from '../interfaces.js';
import { createMessageUid, cryptoRandom } from '../random.js';

/** The part of Web Storage used: `sessionStorage`, which a reload keeps and a new tab starts without. */
export interface SessionStorageLike {
  /** The value stored under `key`, or `null`. */
  getItem(key: string): string | null;
  /** Stores `value` under `key`. */
  setItem(key: string, value: string): void;
}

/** The part of the Web Locks API (`navigator.locks`) used. */
export interface LockManagerLike {
  /** Takes the lock `name` if no one holds it (`callback` gets `null` otherwise) and holds it until `callback` settles. */
  request(
    name: string,
    options: { readonly ifAvailable: true },
    callback: (lock: unknown) => Promise<unknown> | undefined,
  ): Promise<unknown>;
}

/** The part of `BroadcastChannel` used. */
export interface BroadcastChannelLike {
  /** Sends `message` to the other tabs on the channel. */
  postMessage(message: unknown): void;
  /** Calls `listener` with each message from the other tabs. */
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
}

/** Where {@link tabDeviceUid} keeps and guards the id; each defaults to the page's own, `null` turns one off. */
export interface TabDeviceUidOptions {
  /** The sessionStorage key (default `weiyu:device-uid`). Two keys give a tab two independent ids. */
  readonly key?: string;
  /** Keeps the id across reloads of the tab (default `sessionStorage`). */
  readonly sessionStorage?: SessionStorageLike | null;
  /** Web Locks (default `navigator.locks`): the tab holds a lock named after its id while it lives. */
  readonly locks?: LockManagerLike | null;
  /** Opens a `BroadcastChannel` (default the global one): where the tabs ask each other when there are no Web Locks. */
  readonly openChannel?: ((name: string) => BroadcastChannelLike) | null;
  /** How long a tab waits for another to say the stored id is its own (ms, default 250). */
  readonly settleMs?: number;
  /** Times that wait (default the system clock). */
  readonly clock?: Clock;
  /** Makes a new id (default 32 random hex characters). */
  readonly newUid?: () => string;
}

/** What the page offers, read once per call. */
interface Page {
  readonly key: string;
  readonly storage: SessionStorageLike | undefined;
  readonly locks: LockManagerLike | undefined;
  readonly openChannel: ((name: string) => BroadcastChannelLike) | undefined;
  readonly settleMs: number;
  readonly clock: Clock;
  readonly newUid: () => string;
}

interface BrowserGlobals {
  sessionStorage?: SessionStorageLike;
  navigator?: { readonly locks?: LockManagerLike };
  BroadcastChannel?: new (name: string) => BroadcastChannelLike;
}

const DEFAULT_KEY = 'weiyu:device-uid';
const CHANNEL_NAME = 'weiyu:device-uid';
const LOCK_PREFIX = 'weiyu:device-uid:';
/** Claims made in this page, by storage and key: asking twice must not make the page its own rival. */
const claims = new WeakMap<object, Map<string, Promise<string>>>();
/** The scope of claims made without a storage. */
const NO_STORAGE = {};

/**
 * The deviceUid of this browser tab, for `createMqttTransport({ deviceUid })`: the same across
 * reloads of the tab (kept in sessionStorage), different in every other tab — a duplicated tab,
 * which starts with a copy of the sessionStorage, takes a new one. The server keeps every
 * clientId it saw, so a new id per page load would pile them up; two tabs with one id would
 * kick each other. Each tab holds a Web Lock named after its id (or, without Web Locks, answers
 * on a BroadcastChannel), so another tab finding the id taken makes a new one; the duplicate
 * thus waits up to `settleMs` once. Never rejects: without storage the id lasts as long as the
 * page; without locks and channels a duplicated tab keeps the copied id. Asking again in the
 * same page gives the same id.
 *
 * @example
 * const realtime = createMqttTransport({ url, deviceUid: await tabDeviceUid() });
 */
export function tabDeviceUid(options: TabDeviceUidOptions = {}): Promise<string> {
  const page = readPage(options);
  const scope: object = page.storage ?? NO_STORAGE;
  let byKey = claims.get(scope);
  if (byKey === undefined) {
    byKey = new Map();
    claims.set(scope, byKey);
  }
  const known = byKey.get(page.key);
  if (known !== undefined) return known;
  const claim = claimDeviceUid(page);
  byKey.set(page.key, claim);
  return claim;
}

function readPage(options: TabDeviceUidOptions): Page {
  const globals = globalThis as BrowserGlobals;
  const Channel = globals.BroadcastChannel;
  return {
    key: options.key ?? DEFAULT_KEY,
    storage: options.sessionStorage === undefined ? defaultStorage() : (options.sessionStorage ?? undefined),
    locks: options.locks === undefined ? globals.navigator?.locks : (options.locks ?? undefined),
    openChannel:
      options.openChannel === undefined
        ? Channel && ((name: string) => new Channel(name))
        : (options.openChannel ?? undefined),
    settleMs: options.settleMs ?? 250,
    clock: options.clock ?? systemClock,
    newUid: options.newUid ?? (() => createMessageUid(cryptoRandom())),
  };
}

/** `sessionStorage`, which throws (SecurityError) in sandboxed or blocked contexts: then none. */
function defaultStorage(): SessionStorageLike | undefined {
  try {
    return (globalThis as BrowserGlobals).sessionStorage;
  } catch {
    return undefined;
  }
}

async function claimDeviceUid(page: Page): Promise<string> {
  const guard = page.locks
    ? lockGuard(page, page.locks)
    : page.openChannel
      ? channelGuard(page, page.openChannel)
      : undefined;
  const stored = readStored(page);
  if (stored !== undefined && (guard === undefined || (await guard.claim(stored)))) return stored;
  const fresh = page.newUid();
  writeStored(page, fresh);
  // A fresh random id is nobody's: hold it without waiting.
  void guard?.claim(fresh);
  return fresh;
}

/** The stored id, if there is a usable one (a clientId part: not empty, no "/"). */
function readStored(page: Page): string | undefined {
  try {
    const value = page.storage?.getItem(page.key);
    return value && !value.includes('/') && value.length <= 128 ? value : undefined;
  } catch {
    return undefined;
  }
}

function writeStored(page: Page, uid: string): void {
  try {
    page.storage?.setItem(page.key, uid);
  } catch {
    // Storage full or denied: the id lasts as long as the page.
  }
}

/** Claims an id for this tab: resolves true when no other tab has it (this one holds it from then on). */
interface Guard {
  claim(uid: string): Promise<boolean>;
}

const wait = (clock: Clock, ms: number): Promise<void> => new Promise((resolve) => clock.setTimeout(resolve, ms));

/** Web Locks: the tab holding the lock named after an id has it. Asks twice, so a reload's old page can let go. */
function lockGuard(page: Page, locks: LockManagerLike): Guard {
  const tryLock = (uid: string): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      locks
        .request(`${LOCK_PREFIX}${uid}`, { ifAvailable: true }, (lock) => {
          resolve(lock !== null);
          // Held until the page goes: the lock is the tab's claim on the id.
          return lock === null ? undefined : new Promise<never>(() => {});
        })
        // Locks refused here (an opaque origin): nothing to coordinate with, keep the id.
        .catch(() => resolve(true));
    });
  return {
    async claim(uid) {
      if (await tryLock(uid)) return true;
      await wait(page.clock, page.settleMs);
      return tryLock(uid);
    },
  };
}

/** A message on the channel: a tab asking for an id, or a tab saying it is its own. */
interface ChannelMessage {
  readonly type: 'claim' | 'taken';
  readonly uid: string;
}

function isChannelMessage(data: unknown): data is ChannelMessage {
  if (typeof data !== 'object' || data === null) return false;
  const { type, uid } = data as { type?: unknown; uid?: unknown };
  return (type === 'claim' || type === 'taken') && typeof uid === 'string';
}

/** BroadcastChannel: a tab asks who has an id and waits `settleMs`; every tab answers for the ids it holds or claims. */
function channelGuard(page: Page, openChannel: (name: string) => BroadcastChannelLike): Guard {
  const channel = openChannel(CHANNEL_NAME);
  const mine = new Set<string>();
  const takenElsewhere = new Set<string>();
  channel.addEventListener('message', ({ data }) => {
    if (!isChannelMessage(data)) return;
    if (data.type === 'claim' && mine.has(data.uid)) channel.postMessage({ type: 'taken', uid: data.uid });
    if (data.type === 'taken') takenElsewhere.add(data.uid);
  });
  return {
    async claim(uid) {
      // Answering for it while asking: two tabs asking at once both give it up.
      mine.add(uid);
      channel.postMessage({ type: 'claim', uid } satisfies ChannelMessage);
      await wait(page.clock, page.settleMs);
      if (!takenElsewhere.has(uid)) return true;
      mine.delete(uid);
      return false;
    },
  };
}
