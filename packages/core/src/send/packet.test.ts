import { describe, expect, it } from 'vitest';
import { publishPacketSize, utf8Length } from './packet.js';

describe('MQTT packet size', () => {
  it('counts UTF-8 bytes', () => {
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('微语')).toBe(6);
    expect(utf8Length('😀')).toBe(4);
  });

  it('adds the fixed header, the remaining-length varint, the topic and the packet id', () => {
    // remaining = 2 + 1 + 2 + 10 = 15 → 1 + 1 + 15
    expect(publishPacketSize('t', 10)).toBe(17);
    expect(publishPacketSize('t', 10, 0)).toBe(15);
    // remaining 128 needs two length bytes
    expect(publishPacketSize('t', 123)).toBe(1 + 2 + 128);
    expect(publishPacketSize('t', 16_384)).toBe(1 + 3 + 16_389);
  });

  it('counts the topic in UTF-8 bytes, and the packet id only at QoS 1', () => {
    expect(publishPacketSize('a/b', 10, 0)).toBe(1 + 1 + 2 + 3 + 10);
    expect(publishPacketSize('a/b', 10, 1)).toBe(1 + 1 + 2 + 3 + 2 + 10);
    expect(publishPacketSize('é', 200, 0)).toBe(1 + 2 + 2 + 2 + 200);
    // Exactly at the limit is fine.
    expect(publishPacketSize('t', 10_240 - 6, 0)).toBe(10_240);
  });
});
