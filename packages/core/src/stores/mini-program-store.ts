import { SdkError } from '@weiyu/protocol';
import type { KeyValueStore } from '../interfaces.js';

/** What the storage API's `fail` callbacks receive (`errMsg` on WeChat and uni-app, `errorMessage` on Alipay). */
export interface MiniProgramStorageFailure {
  /** The reason, on WeChat and uni-app. */
  readonly errMsg?: string;
  /** The reason, on Alipay. */
  readonly errorMessage?: string;
}

/**
 * The part of a mini-program's storage API the store uses, in its callback form: `wx` (WeChat),
 * `uni` (uni-app, every platform it builds for) and `my` (Alipay) all fit.
 */
export interface MiniProgramStorage {
  /** Reads `key` (`data` is absent, or the call fails, when there is none). */
  getStorage(options: {
    key: string;
    success: (result: { data?: unknown }) => void;
    fail: (failure: MiniProgramStorageFailure) => void;
  }): unknown;
  /** Stores `data` under `key`; fails when the storage is full. */
  setStorage(options: {
    key: string;
    data: string;
    success: () => void;
    fail: (failure: MiniProgramStorageFailure) => void;
  }): unknown;
  /** Removes `key`. */
  removeStorage(options: {
    key: string;
    success: () => void;
    fail: (failure: MiniProgramStorageFailure) => void;
  }): unknown;
  /** Lists the stored keys. */
  getStorageInfo(options: {
    success: (result: { keys?: readonly string[] }) => void;
    fail: (failure: MiniProgramStorageFailure) => void;
  }): unknown;
}

const METHODS = ['getStorage', 'setStorage', 'removeStorage', 'getStorageInfo'] as const;

/** What a failure callback said, whichever platform wrote it. */
function failureText(failure: MiniProgramStorageFailure | undefined): string {
  return String(failure?.errMsg ?? failure?.errorMessage ?? '');
}

/** A read of a key that is not there fails on WeChat and uni-app ("data not found"); it is not an error. */
function isNotFound(failure: MiniProgramStorageFailure | undefined): boolean {
  return /not found|not exist/i.test(failureText(failure));
}

/** The platforms' words for a full storage (WeChat: "exceed storage max size 10MB", "entry size limit reached"). */
function isFull(failure: MiniProgramStorageFailure | undefined): boolean {
  return /exceed|size limit|max size|max length|quota|超出|已满/i.test(failureText(failure));
}

/**
 * One storage call as a promise. A call that throws (the API is missing on this platform) or
 * fails rejects with what `onFail` makes of it, never a raw exception.
 */
function call<T>(
  start: (success: (value: T) => void, fail: (failure: MiniProgramStorageFailure) => void) => unknown,
  onFail: (failure: MiniProgramStorageFailure | undefined, cause: unknown) => T | SdkError,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const settleFailure = (failure: MiniProgramStorageFailure | undefined, cause: unknown) => {
      const outcome = onFail(failure, cause);
      if (outcome instanceof SdkError) reject(outcome);
      else resolve(outcome);
    };
    try {
      start(resolve, (failure) => settleFailure(failure, failure));
    } catch (cause) {
      settleFailure(undefined, cause);
    }
  });
}

function storageError(what: string, failure: MiniProgramStorageFailure | undefined, cause: unknown): SdkError {
  const said = failureText(failure);
  return new SdkError('storage', `mini-program storage failed to ${what}${said ? `: ${said}` : ''}`, { cause });
}

/**
 * A {@link KeyValueStore} on a mini-program's storage (`wx.setStorage` and the rest; pass `wx`,
 * `uni` or `my`), so the outbox survives the mini-program being closed and opened again. Every
 * key is stored under `prefix`, so the SDK never touches the app's own keys. A full storage
 * makes `set` reject with an `outbox_full` {@link SdkError}; any other failure rejects with a
 * `storage` one. Throws `invalid_argument` when `storage` lacks one of the four calls.
 *
 * @example
 * const client = createChatClient({ ..., outbox: createMiniProgramStore(wx) });
 */
export function createMiniProgramStore(storage: MiniProgramStorage, prefix = 'weiyu:'): KeyValueStore {
  const missing = METHODS.filter((name) => typeof storage?.[name] !== 'function');
  if (missing.length > 0) {
    throw new SdkError('invalid_argument', `not a mini-program storage API (no ${missing.join(', ')}); pass wx or uni`);
  }
  return {
    get: (key) =>
      call<string | undefined>(
        (success, fail) =>
          storage.getStorage({
            key: prefix + key,
            // Alipay answers a missing key with success and no data; a value the SDK did not write is not ours.
            success: ({ data }) => success(typeof data === 'string' ? data : undefined),
            fail,
          }),
        (failure, cause) => (isNotFound(failure) ? undefined : storageError('read', failure, cause)),
      ),
    set: (key, value) =>
      call<void>(
        (success, fail) => storage.setStorage({ key: prefix + key, data: value, success: () => success(), fail }),
        (failure, cause) =>
          isFull(failure)
            ? new SdkError('outbox_full', 'the mini-program storage is full; the message was not kept', {
                cause,
                details: { bytes: value.length },
              })
            : storageError('write', failure, cause),
      ),
    delete: (key) =>
      call<void>(
        (success, fail) => storage.removeStorage({ key: prefix + key, success: () => success(), fail }),
        (failure, cause) => (isNotFound(failure) ? undefined : storageError('delete', failure, cause)),
      ),
    keys: (keyPrefix) =>
      call<string[]>(
        (success, fail) =>
          storage.getStorageInfo({
            success: ({ keys }) =>
              success((keys ?? []).filter((k) => k.startsWith(prefix + keyPrefix)).map((k) => k.slice(prefix.length))),
            fail,
          }),
        (failure, cause) => storageError('list keys', failure, cause),
      ),
  };
}
