import type { MiniProgramStorage, MiniProgramStorageFailure } from '../stores/mini-program-store.js';

/** Options of {@link createFakeMiniProgramStorage}. */
export interface FakeMiniProgramStorageOptions {
  /** Total size allowed, in characters of keys and values (WeChat allows 10 MB). Default: no limit. */
  readonly quota?: number;
}

/** An in-memory stand-in for `wx`'s storage calls, with a way to look inside and to break it. */
export interface FakeMiniProgramStorage extends MiniProgramStorage {
  /** What is stored, by full key. */
  readonly entries: Map<string, unknown>;
  /** Makes every call fail with this `errMsg` until called again with `undefined`. */
  failWith(errMsg: string | undefined): void;
}

/**
 * A fake of the WeChat mini-program storage API as the SDK uses it: callbacks come later (as the
 * platform's do), a missing key fails with "data not found", a write over the quota fails with
 * WeChat's "exceed storage max size" message, values are kept as given.
 */
export function createFakeMiniProgramStorage(options: FakeMiniProgramStorageOptions = {}): FakeMiniProgramStorage {
  const entries = new Map<string, unknown>();
  const quota = options.quota ?? Number.POSITIVE_INFINITY;
  let failure: string | undefined;
  const used = () => [...entries].reduce((n, [k, v]) => n + k.length + JSON.stringify(v).length, 0);
  /** Runs `body` after the current task, as the platform answers; fails every call while broken. */
  const later = (
    name: string,
    fail: (failure: MiniProgramStorageFailure) => void,
    body: () => MiniProgramStorageFailure | undefined,
  ) => {
    void Promise.resolve().then(() => {
      const failed = failure === undefined ? body() : { errMsg: `${name}:fail ${failure}` };
      if (failed) fail(failed);
    });
  };
  return {
    entries,
    failWith(errMsg) {
      failure = errMsg;
    },
    getStorage({ key, success, fail }) {
      later('getStorage', fail, () => {
        if (!entries.has(key)) return { errMsg: 'getStorage:fail data not found' };
        success({ data: entries.get(key) });
        return undefined;
      });
    },
    setStorage({ key, data, success, fail }) {
      later('setStorage', fail, () => {
        const previous = entries.has(key) ? key.length + JSON.stringify(entries.get(key)).length : 0;
        if (used() - previous + key.length + JSON.stringify(data).length > quota) {
          return { errMsg: 'setStorage:fail exceed storage max size 10MB' };
        }
        entries.set(key, data);
        success();
        return undefined;
      });
    },
    removeStorage({ key, success, fail }) {
      later('removeStorage', fail, () => {
        entries.delete(key);
        success();
        return undefined;
      });
    },
    getStorageInfo({ success, fail }) {
      later('getStorageInfo', fail, () => {
        success({ keys: [...entries.keys()] });
        return undefined;
      });
    },
  };
}
