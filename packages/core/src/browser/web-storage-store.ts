import { SdkError } from '@weiyu/protocol';
import type { KeyValueStore } from '../interfaces.js';

/** The part of the Web Storage API (`localStorage`, `sessionStorage`) the store uses. */
export interface StorageLike {
  /** How many keys are stored. */
  readonly length: number;
  /** The name of the key at `index`, or `null` past the end. */
  key(index: number): string | null;
  /** The value stored under `key`, or `null`. */
  getItem(key: string): string | null;
  /** Stores `value` under `key`; may throw when the storage is full. */
  setItem(key: string, value: string): void;
  /** Removes `key` (nothing happens when it is absent). */
  removeItem(key: string): void;
}

/** Whether an error thrown by `setItem` means the storage is full (names differ by browser). */
function isQuotaError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22 || code === 1014;
}

/** Reads `globalThis.localStorage`, which throws (SecurityError) in sandboxed or blocked contexts. */
function defaultStorage(): StorageLike | undefined {
  try {
    return (globalThis as { localStorage?: StorageLike }).localStorage;
  } catch (cause) {
    throw new SdkError('invalid_argument', 'Web Storage is not available here (access denied); pass a storage', {
      cause,
    });
  }
}

/** What a storage call threw, as an {@link SdkError} (storage errors are DOMExceptions, not ours). */
function storageError(what: string, cause: unknown): SdkError {
  return cause instanceof SdkError ? cause : new SdkError('storage', `Web Storage failed to ${what}`, { cause });
}

/**
 * A {@link KeyValueStore} on Web Storage (`localStorage` by default), so the outbox survives a
 * reload. Every key is stored under `prefix`, so the SDK never touches the page's own keys.
 * A full storage makes `set` reject with an `outbox_full` {@link SdkError}; any other failure of
 * the storage rejects with a `storage` one, never a raw exception. Without a usable
 * `localStorage` (missing, or access denied in a sandboxed iframe) it throws `invalid_argument`.
 */
export function createWebStorageStore(storage?: StorageLike, prefix = 'weiyu:'): KeyValueStore {
  const target = storage ?? defaultStorage();
  if (!target) {
    throw new SdkError('invalid_argument', 'no Web Storage here (globalThis.localStorage is missing); pass a storage');
  }
  return {
    async get(key) {
      try {
        return target.getItem(prefix + key) ?? undefined;
      } catch (cause) {
        throw storageError('read', cause);
      }
    },
    async set(key, value) {
      try {
        target.setItem(prefix + key, value);
      } catch (cause) {
        if (isQuotaError(cause)) {
          throw new SdkError('outbox_full', 'the browser storage is full; the message was not kept', {
            cause,
            details: { bytes: value.length },
          });
        }
        throw storageError('write', cause);
      }
    },
    async delete(key) {
      try {
        target.removeItem(prefix + key);
      } catch (cause) {
        throw storageError('delete', cause);
      }
    },
    async keys(keyPrefix) {
      const full = prefix + keyPrefix;
      const found: string[] = [];
      try {
        for (let i = 0; i < target.length; i++) {
          const key = target.key(i);
          if (key?.startsWith(full)) found.push(key.slice(prefix.length));
        }
      } catch (cause) {
        throw storageError('list keys', cause);
      }
      return found;
    },
  };
}
