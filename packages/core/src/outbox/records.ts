/** How a message is kept in the outbox store, and how a stored record is read back. */
import { fromRestJson, type RestMessageJson, toRestJson, type WireMessage } from '@weiyu/protocol';

/** One message in the outbox. */
export interface OutboxRecord {
  /** Increases with every message added: the send order, across clients on one store. */
  readonly seq: number;
  readonly message: WireMessage;
}

interface StoredRecord {
  readonly v: 1;
  readonly seq: number;
  readonly message: RestMessageJson;
}

/** What a stored text is to this SDK. */
export type ReadRecord =
  | { readonly kind: 'ok'; readonly record: OutboxRecord }
  /** JSON of a format this version does not know (a newer SDK in another tab wrote it): left alone. */
  | { readonly kind: 'skip'; readonly seq?: number }
  /** Our format, but its message cannot be read (a torn or tampered write): left, and reported. */
  | { readonly kind: 'corrupt'; readonly seq?: number }
  /** Not JSON at all: nothing can ever read it, so it is deleted (and reported). */
  | { readonly kind: 'junk' };

/** The stored text of a record. */
export function writeRecord(record: OutboxRecord): string {
  const stored: StoredRecord = { v: 1, seq: record.seq, message: toRestJson(record.message) };
  return JSON.stringify(stored);
}

/** Reads a stored text back; never throws. */
export function readRecord(text: string): ReadRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'junk' };
  }
  if (typeof value !== 'object' || value === null) return { kind: 'skip' };
  const record = value as { v?: unknown; seq?: unknown; message?: unknown };
  const seq = typeof record.seq === 'number' && Number.isFinite(record.seq) ? record.seq : undefined;
  const withSeq = seq === undefined ? {} : { seq };
  if (record.v !== 1) return { kind: 'skip', ...withSeq };
  const message = fromRestJson(record.message);
  if (seq === undefined || !message.ok || !message.value.thread?.topic) return { kind: 'corrupt', ...withSeq };
  return { kind: 'ok', record: { seq, message: message.value } };
}
