import { SdkError } from '@weiyu/protocol';
import type { Clock, RandomSource } from './interfaces.js';

/** The part of Web Crypto that core uses; every browser and Node ≥ 19 has it on `globalThis`. */
interface CryptoLike {
  getRandomValues<T extends Uint8Array | Uint32Array>(array: T): T;
}

/** Web Crypto fills at most 65,536 bytes per call. */
const MAX_CRYPTO_BYTES = 65_536;
/** Small requests (a uid takes 16 bytes) are cut from a pool filled by one call: 256 uids per call. */
const POOL_BYTES = 4_096;
const POOLED_MAX = 256;

/**
 * Randomness from the platform's cryptographic generator (`globalThis.crypto.getRandomValues`).
 * The default of every client. Small requests come from a pool the generator fills in one call
 * (each byte handed out once), so a burst of messages costs one call per 256 uids, not one each.
 * Throws an `invalid_argument` {@link SdkError} when the runtime has no Web Crypto; pass a
 * {@link RandomSource} of your own there.
 */
export function cryptoRandom(): RandomSource {
  const crypto = (globalThis as { crypto?: CryptoLike }).crypto;
  if (!crypto || typeof crypto.getRandomValues !== 'function') {
    throw new SdkError('invalid_argument', 'this runtime has no globalThis.crypto.getRandomValues; pass `random`');
  }
  const pool = new Uint8Array(POOL_BYTES);
  let used = POOL_BYTES;
  const fill = (out: Uint8Array): Uint8Array => {
    for (let offset = 0; offset < out.length; offset += MAX_CRYPTO_BYTES) {
      crypto.getRandomValues(out.subarray(offset, Math.min(out.length, offset + MAX_CRYPTO_BYTES)));
    }
    return out;
  };
  const bytes = (length: number): Uint8Array => {
    if (length > POOLED_MAX) return fill(new Uint8Array(length));
    if (used + length > POOL_BYTES) {
      crypto.getRandomValues(pool);
      used = 0;
    }
    const out = pool.slice(used, used + length);
    used += length;
    return out;
  };
  return {
    next(): number {
      const b = bytes(7);
      // 53 random bits, as Math.random has at most.
      let high = 0;
      for (let i = 0; i < 6; i++) high = high * 256 + (b[i] ?? 0);
      return (high * 32 + ((b[6] ?? 0) >>> 3)) / 9_007_199_254_740_992;
    },
    bytes,
  };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A new message uid: 32 lowercase hex characters, a random (version 4) UUID without dashes,
 * as the Bytedesk clients make them.
 */
export function createMessageUid(random: RandomSource): string {
  const bytes = random.bytes(16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  let uid = '';
  for (const byte of bytes) uid += HEX[byte];
  return uid;
}

/** The largest value of the 12-bit counter of uids made in one millisecond. */
const MAX_COUNTER = 0xfff;

/**
 * A maker of message uids in the order this client makes them: 32 lowercase hex characters laid
 * out as a version 7 UUID without dashes (RFC 9562: 48 bits of Unix time in ms, the version, a
 * 12-bit counter for the uids of one millisecond, the variant, 62 random bits). Each uid sorts
 * after the one before, even when the clock stands still or steps back. Why: history lists the
 * messages of one server second in no useful order (by `updatedAt`, which receipts move, and
 * without milliseconds), so catch-up puts a sender's messages of one second in uid order
 * (catch-up/paging.ts).
 */
export function createUidMaker(clock: Pick<Clock, 'now'>, random: RandomSource): () => string {
  let lastMs = 0;
  let counter = 0;
  // The time part changes once a millisecond at most: made once for every uid of that millisecond.
  let prefixMs = -1;
  let prefix = '';
  return () => {
    const now = Math.floor(clock.now());
    if (now > lastMs) {
      lastMs = now;
      counter = 0;
    } else if (++counter > MAX_COUNTER) {
      // 4,096 in one millisecond: borrow the next one.
      lastMs += 1;
      counter = 0;
    }
    // 16 bytes drawn as for a random uid, 8 used: a seeded source keeps the sequence it had.
    const bytes = random.bytes(16);
    bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x80;
    if (prefixMs !== lastMs) {
      prefixMs = lastMs;
      prefix = `${lastMs.toString(16).padStart(12, '0')}7`;
    }
    // The 12-bit counter as three hex digits: one from the high four bits, two from the low eight.
    let uid = prefix + (HEX[counter >> 8] ?? '').charAt(1) + HEX[counter & 0xff];
    for (let i = 0; i < 8; i++) uid += HEX[bytes[i] ?? 0];
    return uid;
  };
}

/** Whether a uid is time-ordered as {@link createUidMaker} makes them (a version 7 UUID without dashes). */
export function isTimeOrderedUid(uid: string): boolean {
  return uid.length === 32 && uid[12] === '7';
}
