import { describe, expect, it } from 'vitest';
import { decodeMessage, decodeMessageOrThrow, encodeMessage } from './codec.js';
import { SdkError } from './error.js';
import { normalizeMessage, type WireMessageInit } from './wire.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const full: WireMessageInit = {
  uid: 'm1',
  type: 'TEXT',
  content: '你好 👋',
  status: 'SENDING',
  createdAt: '2024-06-10 14:03:05',
  channel: 'WEB',
  extra: '{"orgUid":"o1"}',
  user: { uid: 'v1', nickname: '访客', avatar: 'https://a/b.png', type: 'VISITOR', extra: '{}' },
  thread: {
    uid: 't1',
    topic: 'org/agent/a1/v1',
    type: 'AGENT',
    state: 'CHATTING',
    channel: 'WEB',
    extra: '{}',
    user: { uid: 'a1', nickname: '客服', type: 'AGENT' },
  },
};

describe('encodeMessage', () => {
  it('uses the field numbers of SPEC §3', () => {
    // uid=1 "a", type=2 "b", content=3 "c", status=4 "d", createdAt=5 "e", channel=6 "f", extra=9 "g"
    expect(
      hex(encodeMessage({ uid: 'a', type: 'b', content: 'c', status: 'd', createdAt: 'e', channel: 'f', extra: 'g' })),
    ).toBe('0a01611201621a0163220164 2a0165320166 4a0167'.replaceAll(' ', ''));
    // thread=7 { uid=1, topic=2, type=3, state=4, user=5 { uid=1 }, channel=6, extra=7 }
    expect(
      hex(
        encodeMessage({
          thread: { uid: 'a', topic: 'b', type: 'c', state: 'd', user: { uid: 'u' }, channel: 'f', extra: 'g' },
        }),
      ),
    ).toBe('3a17' + '0a0161' + '120162' + '1a0163' + '220164' + '2a030a0175' + '320166' + '3a0167');
    // user=8 { uid=1, nickname=2, avatar=3, type=4, extra=5 }
    expect(hex(encodeMessage({ user: { uid: 'a', nickname: 'b', avatar: 'c', type: 'd', extra: 'e' } }))).toBe(
      '420f0a01611201621a0163220164 2a0165'.replaceAll(' ', ''),
    );
  });

  it('writes nothing for empty strings and absent fields, but keeps an empty sub-message', () => {
    expect(encodeMessage({}).length).toBe(0);
    expect(encodeMessage({ uid: '', content: '' }).length).toBe(0);
    expect(hex(encodeMessage({ thread: {} }))).toBe('3a00');
    expect(hex(encodeMessage({ user: {} }))).toBe('4200');
  });

  it('writes text as UTF-8', () => {
    expect(hex(encodeMessage({ content: '中' }))).toBe('1a03e4b8ad');
    expect(hex(encodeMessage({ content: '😀' }))).toBe('1a04f09f9880');
  });
});

describe('decodeMessage', () => {
  it('round-trips a full message', () => {
    expect(decodeMessage(encodeMessage(full))).toEqual({ ok: true, value: normalizeMessage(full) });
  });

  it('fills absent fields with empty strings and leaves absent sub-messages absent', () => {
    const result = decodeMessage(new Uint8Array());
    expect(result).toEqual({
      ok: true,
      value: { uid: '', type: '', content: '', status: '', createdAt: '', channel: '', extra: '' },
    });
    expect(result.ok && 'thread' in result.value).toBe(false);
    expect(result.ok && 'user' in result.value).toBe(false);
  });

  it('keeps unknown names as strings', () => {
    const result = decodeMessage(encodeMessage({ type: 'HOLOGRAM', status: 'WARPED', channel: 'MARS' }));
    expect(result.ok && [result.value.type, result.value.status, result.value.channel]).toEqual([
      'HOLOGRAM',
      'WARPED',
      'MARS',
    ]);
  });

  it('returns decode_failed for malformed bytes, with the length', () => {
    const result = decodeMessage(Uint8Array.from([0x0a, 0x05, 0x61]));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(SdkError);
      expect(result.error.code).toBe('decode_failed');
      expect(result.error.details).toEqual({ length: 3 });
      expect(result.error.message).toContain('3 bytes');
      expect(result.error.cause).toBeDefined();
    }
  });

  it('rejects invalid UTF-8 in a string field', () => {
    const result = decodeMessage(Uint8Array.from([0x1a, 0x02, 0xff, 0xfe]));
    expect(result.ok).toBe(false);
  });
});

describe('decodeMessageOrThrow', () => {
  it('returns the message', () => {
    expect(decodeMessageOrThrow(encodeMessage({ uid: 'x' })).uid).toBe('x');
  });

  it('throws the SdkError', () => {
    expect(() => decodeMessageOrThrow(Uint8Array.from([0xff]))).toThrow(SdkError);
  });
});

describe('normalizeMessage', () => {
  it('fills every absent field of message, thread and users', () => {
    expect(normalizeMessage({ thread: { user: {} }, user: { uid: 'u' } })).toEqual({
      uid: '',
      type: '',
      content: '',
      status: '',
      createdAt: '',
      channel: '',
      extra: '',
      thread: {
        uid: '',
        topic: '',
        type: '',
        state: '',
        channel: '',
        extra: '',
        user: { uid: '', nickname: '', avatar: '', type: '', extra: '' },
      },
      user: { uid: 'u', nickname: '', avatar: '', type: '', extra: '' },
    });
  });
});
