import { SdkError } from '@weiyu/protocol';
import type { RandomSource } from './interfaces.js';

/** The part of Web Crypto that core uses; every browser and Node ≥ 19 has it on `globalThis`. */
interface CryptoLike {
  getRandomValues<T extends Uint8Array | Uint32Array>(array: T): T;
}

/** Web Crypto fills at most 65,536 bytes per call. */
const MAX_CRYPTO_BYTES = 65_536;

/**
 * Randomness from the platform's cryptographic generator (`globalThis.crypto.getRandomValues`).
 * The default of every client. Throws an `invalid_argument` {@link SdkError} when the runtime has
 * no Web Crypto; pass a {@link RandomSource} of your own there.
 */
export function cryptoRandom(): RandomSource {
  const crypto = (globalThis as { crypto?: CryptoLike }).crypto;
  if (!crypto || typeof crypto.getRandomValues !== 'function') {
    throw new SdkError('invalid_argument', 'this runtime has no globalThis.crypto.getRandomValues; pass `random`');
  }
  const words = new Uint32Array(2);
  return {
    next(): number {
      crypto.getRandomValues(words);
      // 53 random bits, as Math.random has at most.
      const high = (words[0] ?? 0) >>> 5;
      const low = (words[1] ?? 0) >>> 6;
      return (high * 67_108_864 + low) / 9_007_199_254_740_992;
    },
    bytes(length: number): Uint8Array {
      const out = new Uint8Array(length);
      for (let offset = 0; offset < length; offset += MAX_CRYPTO_BYTES) {
        crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + MAX_CRYPTO_BYTES)));
      }
      return out;
    },
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
