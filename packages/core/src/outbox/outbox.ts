/**
 * The outbox: every message not yet confirmed, kept in a {@link KeyValueStore} so that a
 * reload (or a new client on the same store) sends what the last one left, with the same uid,
 * in the order it was sent. The store may fail, hang or hold records it cannot read: the
 * outbox then goes on in memory (messages are still sent, not kept) and says so.
 */
import { SdkError, type WireMessage } from '@weiyu/protocol';
import { systemClock } from '../clock.js';
import type { Clock, KeyValueStore } from '../interfaces.js';
import { DEFAULT_TIMING } from '../timing.js';
import { type OutboxRecord, readRecord, writeRecord } from './records.js';
import { createStoreCalls, type StoreCalls } from './store-calls.js';

export type { OutboxRecord } from './records.js';

/** Options of {@link createOutbox}. */
export interface OutboxOptions {
  readonly store: KeyValueStore;
  /** Keeps users apart on a shared store (the user's uid). */
  readonly namespace: string;
  /**
   * Reports a store that failed (`storage`, or the store's own code such as `outbox_full`) and
   * records it could not read; the outbox keeps working in memory.
   */
  readonly onError: (error: SdkError) => void;
  /** For the deadlines of store calls (default: the real clock). */
  readonly clock?: Pick<Clock, 'setTimeout' | 'clearTimeout' | 'now'>;
  /** How long one store call may take (default `storeTimeoutMs` of the default timing). */
  readonly timeoutMs?: number;
}

/** The outbox of one client. Writes are applied in the order they were asked for. */
export interface Outbox {
  /** Resolves with what an earlier client left and could be read, oldest first; loaded once. */
  readonly ready: Promise<readonly OutboxRecord[]>;
  /** It writes nothing (no store): what `add` and `remove` return has settled already, nothing need wait for it. */
  readonly volatile: boolean;
  /** How many messages are in it now (as far as this client knows). */
  count(): number;
  has(uid: string): boolean;
  /**
   * Adds a message; resolves when it is stored, or when the store failed or took longer than
   * the deadline (reported: the message is then not kept across a restart, but may be sent).
   */
  add(message: WireMessage): Promise<void>;
  /** Removes a message; resolves when it is gone from the store (or the store failed). */
  remove(uid: string): Promise<void>;
  /** Resolves when every write asked for so far is done. */
  idle(): Promise<void>;
  /** Stops every deadline timer. Writes asked for go on reaching the store, without a deadline. */
  dispose(): void;
}

const KEY_PREFIX = 'weiyu:outbox:';

/**
 * The store key prefix of a namespace's outbox. The namespace is URI-encoded so that it holds no
 * `:`: user `a`'s prefix is then never a prefix of user `a:b`'s keys.
 */
export function outboxPrefix(namespace: string): string {
  return `${KEY_PREFIX}${encodeURIComponent(namespace)}:`;
}

/**
 * The outbox of a client given no store (`outbox` not set): what it would write, no other client
 * could read and nothing would outlive, so it writes nothing — it keeps the uids, for
 * `outboxLimit` — and a message sent costs no record and no store call.
 */
export function createVolatileOutbox(): Outbox {
  const uids = new Set<string>();
  const done = Promise.resolve();
  return {
    ready: Promise.resolve([]),
    volatile: true,
    count: () => uids.size,
    has: (uid) => uids.has(uid),
    add(message) {
      uids.add(message.uid);
      return done;
    },
    remove(uid) {
      uids.delete(uid);
      return done;
    },
    idle: () => done,
    dispose() {},
  };
}

/** Creates the outbox over a store and starts loading what is in it. */
export function createOutbox(options: OutboxOptions): Outbox {
  const prefix = outboxPrefix(options.namespace);
  const clock = options.clock ?? systemClock;
  const calls = createStoreCalls({
    clock,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMING.storeTimeoutMs,
    onError: options.onError,
  });
  const uids = new Set<string>();
  const state = { nextSeq: 0 };

  const loaded = load({ ...options, prefix, calls, state, clock });
  const ready = loaded.then(({ records }) => {
    for (const r of records) uids.add(r.message.uid);
    return records;
  });
  // Not even JSON: nothing will ever read it, so it goes (it would be reported on every start).
  let chain: Promise<void> = loaded.then(async ({ junk }) => {
    for (const key of junk) await calls.call('delete', () => options.store.delete(key));
  });

  function enqueue(run: () => Promise<void>): Promise<void> {
    const next = chain.then(run);
    chain = next;
    return next;
  }

  return {
    ready,
    volatile: false,
    count: () => uids.size,
    has: (uid) => uids.has(uid),
    add(message) {
      uids.add(message.uid);
      const written = enqueue(async () => {
        if (!uids.has(message.uid)) return; // removed before it was written
        const text = writeRecord({ seq: state.nextSeq++, message });
        await calls.call('write', () => options.store.set(prefix + message.uid, text));
      });
      // Written or not by the deadline, the message may go: losing durability beats never sending.
      return calls.within(written);
    },
    remove(uid) {
      uids.delete(uid);
      return enqueue(async () => {
        await calls.call('delete', () => options.store.delete(prefix + uid));
      });
    },
    idle: () => chain,
    dispose: () => calls.dispose(),
  };
}

interface Load {
  readonly store: KeyValueStore;
  readonly prefix: string;
  readonly calls: StoreCalls;
  readonly clock: Pick<Clock, 'now'>;
  readonly onError: (error: SdkError) => void;
  /** The next record's number: after every record seen, readable or not. */
  readonly state: { nextSeq: number };
}

/**
 * Reads what is in the store: every record it can, reporting the others (one error naming their
 * keys) instead of giving up on all. A store that cannot list its keys restores nothing.
 */
async function load(from: Load): Promise<{ records: OutboxRecord[]; junk: string[] }> {
  const { store, prefix, calls, state } = from;
  const listed = await calls.call('list keys', () => store.keys(prefix));
  if (!listed.ok) {
    // What an earlier client numbered is unknown: number from the clock, after any counter it used.
    state.nextSeq = from.clock.now();
    return { records: [], junk: [] };
  }
  // One segment after the prefix (a message uid); more is someone else's key (an older SDK
  // did not encode the namespace, so `a:` also matched user `a:b`'s keys).
  const keys = listed.value.filter((key) => !key.slice(prefix.length).includes(':'));
  // Read at once, each with its own deadline: one record that hangs delays the others by one deadline at most.
  const texts = await Promise.all(keys.map((key) => calls.call('read', () => store.get(key), true)));
  const records: OutboxRecord[] = [];
  const unreadable: string[] = [];
  const junk: string[] = [];
  for (const [i, text] of texts.entries()) {
    const key = keys[i] ?? '';
    if (!text.ok) {
      unreadable.push(key);
      continue;
    }
    if (text.value === undefined) continue;
    const read = readRecord(text.value);
    if (read.kind === 'ok') records.push(read.record);
    else if (read.kind === 'junk') junk.push(key);
    else if (read.kind === 'corrupt') unreadable.push(key);
    const seq = read.kind === 'ok' ? read.record.seq : 'seq' in read ? read.seq : undefined;
    if (seq !== undefined) state.nextSeq = Math.max(state.nextSeq, seq + 1);
  }
  if (unreadable.length + junk.length > 0) from.onError(unreadableError([...unreadable, ...junk].sort(), junk));
  return { records: records.sort((a, b) => a.seq - b.seq), junk };
}

function unreadableError(keys: readonly string[], removed: readonly string[]): SdkError {
  const gone = removed.length > 0 ? `; ${removed.length} not JSON at all, deleted` : '';
  return new SdkError(
    'storage',
    `${keys.length} outbox record(s) could not be read and were not restored${gone}; the others were`,
    { details: { operation: 'read', count: keys.length, keys, removed } },
  );
}
