import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { coalesceWrites } from './coalesce-writes.js';

/** A stream that writes chunk by chunk, like `ws`'s: it records what each write got. */
function recorder(): { stream: Writable; writes: string[] } {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { stream, writes };
}

describe('coalesceWrites', () => {
  it('writes what was corked together as one chunk, in order', async () => {
    const { stream, writes } = recorder();
    coalesceWrites(stream);
    stream.cork();
    for (const piece of ['0x30', 'topic', 'id', 'payload']) stream.write(Buffer.from(piece));
    stream.uncork();
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['0x30topicidpayload']);
  });

  it('without it, the same writes go one by one (what it saves)', async () => {
    const { stream, writes } = recorder();
    stream.cork();
    for (const piece of ['a', 'b', 'c']) stream.write(Buffer.from(piece));
    stream.uncork();
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['a', 'b', 'c']);
  });

  it('leaves a stream that has its own writev, or is no stream, alone', () => {
    const own = (_chunks: unknown, callback: () => void) => callback();
    const stream = { _write: () => {}, _writev: own };
    coalesceWrites(stream);
    expect(stream._writev).toBe(own);
    expect(() => coalesceWrites(undefined)).not.toThrow();
  });
});
