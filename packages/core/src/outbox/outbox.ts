/**
 * The outbox: every message not yet confirmed, kept in a {@link KeyValueStore} so that a
 * reload (or a new client on the same store) sends what the last one left, with the same uid,
 * in the order it was sent.
 */
import { fromRestJson, type RestMessageJson, SdkError, toRestJson, type WireMessage } from '@weiyu/protocol';
import type { KeyValueStore } from '../interfaces.js';

/** One message in the outbox. */
export interface OutboxRecord {
  /** Increases with every message added: the send order, across clients on one store. */
  readonly seq: number;
  readonly message: WireMessage;
}

/** Options of {@link createOutbox}. */
export interface OutboxOptions {
  readonly store: KeyValueStore;
  /** Keeps users apart on a shared store (the user's uid). */
  readonly namespace: string;
  /** Reports a store that failed; the outbox keeps working in memory. */
  readonly onError: (error: SdkError) => void;
}

/** The outbox of one client. Writes are applied in the order they were asked for. */
export interface Outbox {
  /** Resolves with what an earlier client left, oldest first; loaded once. */
  readonly ready: Promise<readonly OutboxRecord[]>;
  /** How many messages are in it now (as far as this client knows). */
  count(): number;
  has(uid: string): boolean;
  /** Adds a message; resolves when it is stored. */
  add(message: WireMessage): Promise<void>;
  /** Removes a message; resolves when it is gone from the store. */
  remove(uid: string): Promise<void>;
  /** Resolves when every write asked for so far is done. */
  idle(): Promise<void>;
}

interface StoredRecord {
  readonly v: 1;
  readonly seq: number;
  readonly message: RestMessageJson;
}

const KEY_PREFIX = 'weiyu:outbox:';

/**
 * The store key prefix of a namespace's outbox. The namespace is URI-encoded so that it holds no
 * `:`: user `a`'s prefix is then never a prefix of user `a:b`'s keys.
 */
export function outboxPrefix(namespace: string): string {
  return `${KEY_PREFIX}${encodeURIComponent(namespace)}:`;
}

/** Creates the outbox over a store and starts loading what is in it. */
export function createOutbox(options: OutboxOptions): Outbox {
  const prefix = outboxPrefix(options.namespace);
  const uids = new Set<string>();
  let nextSeq = 0;
  let chain: Promise<void> = Promise.resolve();

  const report = (what: string) => (cause: unknown) => {
    options.onError(new SdkError('unknown', `outbox store failed to ${what}`, { cause }));
  };

  const ready = load().catch((cause: unknown) => {
    report('load')(cause);
    return [] as OutboxRecord[];
  });
  chain = ready.then(() => undefined);

  async function load(): Promise<OutboxRecord[]> {
    const keys = await options.store.keys(prefix);
    const records: OutboxRecord[] = [];
    for (const key of keys) {
      // One segment after the prefix (a message uid); more is someone else's key (an older SDK
      // did not encode the namespace, so `a:` also matched user `a:b`'s keys).
      if (key.slice(prefix.length).includes(':')) continue;
      const text = await options.store.get(key);
      if (text === undefined) continue;
      const read = readRecord(text);
      if (read.kind === 'junk') {
        // Not even JSON: it would block nothing but stay forever, so clear it.
        await options.store.delete(key);
        continue;
      }
      if (read.kind === 'skip') {
        // A newer SDK (another tab) wrote it, or it is not for us to judge: leave it alone,
        // but number new messages after it.
        if (read.seq !== undefined) nextSeq = Math.max(nextSeq, read.seq + 1);
        continue;
      }
      records.push(read.record);
    }
    records.sort((a, b) => a.seq - b.seq);
    for (const r of records) {
      uids.add(r.message.uid);
      nextSeq = Math.max(nextSeq, r.seq + 1);
    }
    return records;
  }

  function enqueue(what: string, op: () => Promise<void>): Promise<void> {
    const run = chain.then(op).catch(report(what));
    chain = run;
    return run;
  }

  return {
    ready,
    count: () => uids.size,
    has: (uid) => uids.has(uid),
    add(message) {
      uids.add(message.uid);
      return enqueue('write', async () => {
        if (!uids.has(message.uid)) return; // removed before it was written
        const record: StoredRecord = { v: 1, seq: nextSeq++, message: toRestJson(message) };
        await options.store.set(prefix + message.uid, JSON.stringify(record));
      });
    },
    remove(uid) {
      uids.delete(uid);
      return enqueue('delete', () => options.store.delete(prefix + uid));
    },
    idle: () => chain,
  };
}

type ReadResult =
  | { readonly kind: 'ok'; readonly record: OutboxRecord }
  /** JSON this version cannot use (a newer format version, an odd record): kept in the store. */
  | { readonly kind: 'skip'; readonly seq?: number }
  /** Not JSON at all: deleted. */
  | { readonly kind: 'junk' };

function readRecord(text: string): ReadResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'junk' };
  }
  if (typeof value !== 'object' || value === null) return { kind: 'skip' };
  const record = value as { v?: unknown; seq?: unknown; message?: unknown };
  const seq = typeof record.seq === 'number' && Number.isFinite(record.seq) ? record.seq : undefined;
  const skip: ReadResult = seq === undefined ? { kind: 'skip' } : { kind: 'skip', seq };
  if (record.v !== 1 || seq === undefined) return skip;
  const message = fromRestJson(record.message);
  if (!message.ok || !message.value.thread?.topic) return skip;
  return { kind: 'ok', record: { seq, message: message.value } };
}
