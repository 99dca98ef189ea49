/**
 * The bytes of signals (receipts, typing, recalls), made faster than one encoding each: the
 * signals of a thread all carry the same thread, sender and extra, which are most of the
 * encoding's work (two nested messages). Protobuf writes a message's fields in the order of
 * their numbers (uid 1 … channel 6, then thread 7, user 8, extra 9), and a field left at its
 * default is not written at all, so the bytes of a message are the bytes of its fields 1–6
 * followed by those of 7–9: this encodes the first part each time and keeps the second while
 * the thread, sender and extra stay the same. The bytes are exactly `encodeMessage`'s (the
 * tests compare them on random messages).
 */
import { encodeMessage, type WireMessage, type WireThread, type WireUser } from '@weiyu/protocol';

/** The last thread, sender and extra encoded, and their bytes. */
interface Tail {
  readonly thread: WireThread | undefined;
  readonly user: WireUser | undefined;
  readonly extra: string;
  readonly bytes: Uint8Array;
}

/** Creates an encoder of signals, keeping the bytes of the last thread, sender and extra it saw. */
export function createSignalEncoder(): (wire: WireMessage) => Uint8Array {
  let tail: Tail | undefined;
  return (wire) => {
    const { thread, user, extra } = wire;
    if (!tail || tail.extra !== extra || !same(tail.thread, thread) || !same(tail.user, user)) {
      tail = { thread, user, extra, bytes: encodeMessage({ thread, user, extra }) };
    }
    const head = encodeMessage({
      uid: wire.uid,
      type: wire.type,
      content: wire.content,
      status: wire.status,
      createdAt: wire.createdAt,
      channel: wire.channel,
    });
    const bytes = new Uint8Array(head.length + tail.bytes.length);
    bytes.set(head);
    bytes.set(tail.bytes, head.length);
    return bytes;
  };
}

/** Whether two threads or users have the same fields, every one of them (nested ones too). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const keys = Object.keys(a);
  const fields = a as Record<string, unknown>;
  const others = b as Record<string, unknown>;
  return keys.length === Object.keys(b).length && keys.every((key) => same(fields[key], others[key]));
}
