import { cryptoRandom } from '../random.js';

/**
 * The default deviceUids of this process: one random id, and `{id}-2`, `{id}-3`, … for
 * transports open at the same time. A transport made without a deviceUid leases the first free
 * one and gives it back on close(), so a client made again in the same process (a restart) is
 * the same device to the server, which keeps every clientId it ever saw, while two transports
 * open at once are two devices and never kick each other.
 */
export interface DeviceUidPool {
  /** The first free id, leased until {@link DeviceUidPool.release}. */
  lease(): string;
  /** Leases this id again; false when another transport holds it now. */
  take(uid: string): boolean;
  /** Gives the id back: the next {@link DeviceUidPool.lease} may hand it out again. */
  release(uid: string): void;
}

/** A pool on `base` (default: 32 random hex characters, made at the first lease). */
export function createDeviceUidPool(base?: string): DeviceUidPool {
  let root = base;
  const leased = new Set<string>();
  return {
    lease() {
      root ??= randomDeviceUid();
      for (let n = 1; ; n += 1) {
        const uid = n === 1 ? root : `${root}-${n}`;
        if (!leased.has(uid)) {
          leased.add(uid);
          return uid;
        }
      }
    },
    take(uid) {
      if (leased.has(uid)) return false;
      leased.add(uid);
      return true;
    },
    release(uid) {
      leased.delete(uid);
    },
  };
}

/** The pool of this process (of this page load, in a browser). */
export const processDeviceUids: DeviceUidPool = createDeviceUidPool();

/** 32 lowercase hex characters: a UUID's worth of randomness, without dashes. */
function randomDeviceUid(): string {
  // getRandomValues works on plain http pages too, where randomUUID does not exist.
  const bytes = cryptoRandom().bytes(16);
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
