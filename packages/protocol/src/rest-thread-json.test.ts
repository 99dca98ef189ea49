import { describe, expect, it } from 'vitest';
import { fromRestThreadJson } from './rest-thread-json.js';

/** An item as the current server writes it (`ThreadResponse`). */
const SERVER_ITEM = {
  uid: 't1',
  orgUid: 'org1',
  createdAt: '2024-05-01 12:00:00',
  updatedAt: '2024-05-01 12:05:00',
  topic: 'org/agent/a1/v1',
  content: 'hello there',
  contentObject: { v: 1, msgType: 'TEXT', preview: 'hello there', payload: 'hello there' },
  type: 'AGENT',
  status: 'CHATTING',
  transferStatus: 'NONE',
  top: false,
  unread: true,
  unreadCount: 3,
  user: { uid: 'v1', nickname: 'Visitor', avatar: 'https://a/v.png', type: 'VISITOR' },
  agent: '{"uid":"a1","nickname":"Agent"}',
};

describe('fromRestThreadJson: a ThreadResponse as the server writes it', () => {
  it('reads the fields an agent list needs, the state from `status`', () => {
    const read = fromRestThreadJson(SERVER_ITEM);
    expect(read).toEqual({
      ok: true,
      value: {
        uid: 't1',
        topic: 'org/agent/a1/v1',
        type: 'AGENT',
        state: 'CHATTING',
        user: { uid: 'v1', nickname: 'Visitor', avatar: 'https://a/v.png', type: 'VISITOR', extra: '' },
        preview: 'hello there',
        lastMessageType: 'TEXT',
        unreadCount: 3,
        transferStatus: 'NONE',
        top: false,
        mute: false,
        updatedAt: '2024-05-01 12:05:00',
        createdAt: '2024-05-01 12:00:00',
      },
    });
  });

  it('reads older servers: `state`, `user` as a JSON string, a stored ThreadContent in `content`, epoch times', () => {
    const read = fromRestThreadJson({
      uid: 't2',
      topic: 'org/member/a1/m2',
      state: 'NEW',
      user: JSON.stringify({ uid: 'm2', nickname: 'Member' }),
      content: JSON.stringify({ v: 1, msgType: 'IMAGE', preview: '[图片]', payload: 'https://x/y.png' }),
      updatedAt: 1714536000000,
    });
    expect(read.ok && read.value).toMatchObject({
      state: 'NEW',
      user: { uid: 'm2', nickname: 'Member' },
      preview: '[图片]',
      lastMessageType: 'IMAGE',
      updatedAt: '1714536000000',
      unreadCount: 0,
    });
  });

  it('never throws on hostile items: no uid or topic is an error, bad counts are 0, long previews are cut', () => {
    for (const bad of [null, 'x', 42, [], {}, { uid: 't' }, { topic: 'a/b' }, { uid: 1, topic: 'a/b' }]) {
      expect(fromRestThreadJson(bad)).toMatchObject({ ok: false, error: { code: 'decode_failed' } });
    }
    for (const unreadCount of [-1, 1.5, 'lots', Number.MAX_VALUE, '99999999999', { n: 1 }]) {
      const read = fromRestThreadJson({ uid: 't', topic: 'a/b', unreadCount });
      expect(read.ok && read.value.unreadCount).toBe(0);
    }
    const read = fromRestThreadJson({ uid: 't', topic: 'a/b', content: `  ${'x'.repeat(5000)}\n`, user: '{not json' });
    expect(read.ok && read.value.preview).toHaveLength(200);
    expect(read.ok && read.value.user).toBeUndefined();
  });
});
