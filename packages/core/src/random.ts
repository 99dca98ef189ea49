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

/**
 * A deterministic generator (mulberry32) for tests and simulations: the same seed always gives
 * the same sequence. Not for anything secret.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    next: () => nextUint32() / 4_294_967_296,
    bytes(length: number): Uint8Array {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i += 4) {
        let word = nextUint32();
        for (let j = i; j < Math.min(length, i + 4); j++) {
          out[j] = word & 0xff;
          word >>>= 8;
        }
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
