import { describe, expect, it } from 'vitest';
import { fromRestHistoryJson, fromRestJson, toRestJson } from './rest-json.js';
import { normalizeMessage, type WireMessageInit } from './wire.js';

const message: WireMessageInit = {
  uid: 'm1',
  type: 'TEXT',
  content: '你好',
  status: 'SENDING',
  createdAt: '2024-06-10 14:03:05',
  channel: 'WEB',
  extra: '{"orgUid":"o1"}',
  user: { uid: 'v1', nickname: '访客', avatar: '', type: 'VISITOR' },
  thread: { uid: 't1', topic: 'org/agent/a1/v1', type: 'AGENT', state: 'CHATTING', user: { uid: 'a1', type: 'AGENT' } },
};

describe('toRestJson', () => {
  it('writes the server field names with strings everywhere', () => {
    expect(toRestJson(message)).toEqual({
      uid: 'm1',
      type: 'TEXT',
      content: '你好',
      status: 'SENDING',
      createdAt: '2024-06-10 14:03:05',
      channel: 'WEB',
      extra: '{"orgUid":"o1"}',
      user: { uid: 'v1', nickname: '访客', avatar: '', type: 'VISITOR' },
      thread: {
        uid: 't1',
        topic: 'org/agent/a1/v1',
        type: 'AGENT',
        state: 'CHATTING',
        channel: '',
        user: { uid: 'a1', nickname: '', avatar: '', type: 'AGENT' },
      },
    });
  });

  it('omits empty extra on thread and user, and absent thread and user', () => {
    const json = toRestJson({ uid: 'x', thread: { extra: '' }, user: { extra: '' } });
    expect('extra' in (json.thread ?? {})).toBe(false);
    expect('extra' in (json.user ?? {})).toBe(false);
    const bare = toRestJson({ uid: 'x' });
    expect('thread' in bare || 'user' in bare).toBe(false);
  });

  it('keeps non-empty extra on thread and user', () => {
    const json = toRestJson({ thread: { extra: '{"a":1}' }, user: { extra: '{"b":2}' } });
    expect(json.thread?.extra).toBe('{"a":1}');
    expect(json.user?.extra).toBe('{"b":2}');
  });

  it('round-trips through JSON text and fromRestJson', () => {
    expect(fromRestJson(JSON.stringify(toRestJson(message)))).toEqual({ ok: true, value: normalizeMessage(message) });
  });
});

describe('fromRestJson', () => {
  it('reads an object', () => {
    expect(fromRestJson(toRestJson(message))).toEqual({ ok: true, value: normalizeMessage(message) });
  });

  it("reads a history item in the server's spelling (MessageResponse: client, thread.status)", () => {
    const item = {
      uid: 'm1',
      type: 'TEXT',
      content: '你好',
      status: 'READ',
      createdAt: '2024-06-10 14:03:05',
      updatedAt: '2024-06-10 14:05:00',
      client: 'WEB_VISITOR',
      user: { uid: 'v1', nickname: '访客', avatar: '', type: 'VISITOR' },
      thread: {
        uid: 't1',
        topic: 'org/agent/a1/v1',
        type: 'AGENT',
        status: 'CHATTING',
        client: 'WEB',
        user: { uid: 'v1' },
      },
      extra: '{"orgUid":"o1"}',
      orgUid: 'o1',
    };
    const result = fromRestJson(item);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.channel).toBe('WEB_VISITOR');
    expect(result.value.thread?.state).toBe('CHATTING');
    expect(result.value.thread?.channel).toBe('WEB');
    expect('updatedAt' in result.value).toBe(false);
    // History keeps when the server last changed the item: catch-up pages by it.
    const kept = fromRestHistoryJson(JSON.stringify(item));
    expect(kept.ok && [kept.value.uid, kept.value.channel, kept.value.updatedAt]).toEqual([
      'm1',
      'WEB_VISITOR',
      '2024-06-10 14:05:00',
    ]);
  });

  it('reads a history item without updatedAt (older servers) as updatedAt empty', () => {
    const result = fromRestHistoryJson({ uid: 'm1', updatedAt: 1718000000000 });
    expect(result.ok && result.value.updatedAt).toBe('1718000000000');
    expect(fromRestHistoryJson({ uid: 'm1' })).toMatchObject({ ok: true, value: { uid: 'm1', updatedAt: '' } });
    expect(fromRestHistoryJson({ updatedAt: 'x' }).ok).toBe(false);
  });

  it('prefers our spelling when both are there and not empty', () => {
    const result = fromRestJson({
      uid: 'm1',
      channel: 'IOS',
      client: 'WEB',
      thread: { state: 'NEW', status: 'CLOSED' },
    });
    expect(result.ok && [result.value.channel, result.value.thread?.state]).toEqual(['IOS', 'NEW']);
    const empty = fromRestJson({ uid: 'm1', channel: '', client: 'WEB', thread: { state: '', status: 'CLOSED' } });
    expect(empty.ok && [empty.value.channel, empty.value.thread?.state]).toEqual(['WEB', 'CLOSED']);
  });

  it('accepts createdAt as a number', () => {
    const result = fromRestJson({ uid: 'a', createdAt: 1718000000000 });
    expect(result.ok && result.value.createdAt).toBe('1718000000000');
  });

  it('accepts extra as an object and writes it back as a JSON string', () => {
    const result = fromRestJson({ uid: 'a', extra: { orgUid: 'o1' }, user: { uid: 'u', extra: { vip: true } } });
    expect(result.ok && result.value.extra).toBe('{"orgUid":"o1"}');
    expect(result.ok && result.value.user?.extra).toBe('{"vip":true}');
  });

  it('treats null extra as empty', () => {
    const result = fromRestJson({ uid: 'a', extra: null });
    expect(result.ok && result.value.extra).toBe('');
  });

  it('accepts user and thread (and thread.user) as JSON strings', () => {
    const result = fromRestJson({
      uid: 'a',
      user: JSON.stringify({ uid: 'v1', nickname: 'n' }),
      thread: JSON.stringify({ uid: 't1', topic: 'org/group/g', user: JSON.stringify({ uid: 'a1' }) }),
    });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.user?.uid).toBe('v1');
      expect(result.value.thread?.topic).toBe('org/group/g');
      expect(result.value.thread?.user?.uid).toBe('a1');
    }
  });

  it('drops a user or thread that is not an object', () => {
    const result = fromRestJson({ uid: 'a', user: 'not json', thread: [1, 2] });
    expect(result.ok && ('user' in result.value || 'thread' in result.value)).toBe(false);
  });

  it('turns numbers and booleans in string fields into strings, other values into empty strings', () => {
    const result = fromRestJson({ uid: 'a', type: 42, content: true, status: { x: 1 }, channel: null });
    expect(result.ok && [result.value.type, result.value.content, result.value.status, result.value.channel]).toEqual([
      '42',
      'true',
      '',
      '',
    ]);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an array', [{ uid: 'a' }]],
    ['garbage text', 'not json at all {'],
    ['a JSON array string', '[1,2]'],
    ['no uid', { type: 'TEXT' }],
    ['an empty uid', { uid: '' }],
    ['a numeric uid', { uid: 12 }],
  ])('%s is a decode_failed error, not a throw', (_label, value) => {
    const result = fromRestJson(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('decode_failed');
  });

  it('does not throw on an extra that cannot be stringified', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const result = fromRestJson({ uid: 'a', extra: cyclic });
    expect(result.ok && result.value.extra).toBe('');
  });
});
