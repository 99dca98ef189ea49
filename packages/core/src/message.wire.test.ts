import { parseCreatedAt } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatThread, ChatUser } from './api.js';
import { createOutgoingMessage, messageFromWire, messageToWire } from './message.js';

const AGENT: ChatUser = { uid: 'a1', nickname: '客服小李', avatar: 'https://cdn.example.com/a1.png', type: 'AGENT' };
const VISITOR: ChatUser = { uid: 'v1', nickname: '访客', avatar: 'https://cdn.example.com/v1.png', type: 'VISITOR' };
// 2024-06-10 14:03:05.678 in Asia/Shanghai.
const NOW = Date.UTC(2024, 5, 10, 6, 3, 5, 678);

function outgoing(user: ChatUser, thread: ChatThread) {
  return createOutgoingMessage({ uid: 'm1', type: 'TEXT', content: 'hi', user, thread, channel: 'WEB', now: NOW });
}

describe('messageToWire: createdAt', () => {
  it("is sent in the server's form, yyyy-MM-dd HH:mm:ss in Asia/Shanghai time", () => {
    const wire = messageToWire(outgoing(VISITOR, { uid: 't1', topic: 'org/agent/a1/v1', type: 'AGENT' }));
    expect(wire.createdAt).toBe('2024-06-10 14:03:05');
    const back = parseCreatedAt(wire.createdAt);
    expect(back.ok && back.value).toBe(NOW - 678);
  });

  it('reads back to the same second through messageFromWire (an outbox restore)', () => {
    const wire = messageToWire(outgoing(VISITOR, { uid: 't1', topic: 'org/agent/a1/v1', type: 'AGENT' }));
    expect(messageFromWire(wire, { selfUid: 'v1', now: 0 }).createdAt).toBe(NOW - 678);
  });
});

describe('messageToWire: thread.user is always on the wire', () => {
  it('keeps the thread user the app gave', () => {
    const thread: ChatThread = {
      uid: 't1',
      topic: 'org/agent/a1/v1',
      type: 'AGENT',
      user: { uid: 'v1', nickname: 'V' },
    };
    expect(messageToWire(outgoing(AGENT, thread)).thread?.user).toEqual({
      uid: 'v1',
      nickname: 'V',
      avatar: '',
      type: '',
      extra: '',
    });
  });

  it('names the visitor when the agent sends on a visitor thread without one', () => {
    const wire = messageToWire(outgoing(AGENT, { uid: 't1', topic: 'org/agent/a1/v1', type: 'AGENT' }));
    expect(wire.thread?.user).toEqual({ uid: 'v1', nickname: '', avatar: '', type: '', extra: '' });
  });

  it('names the visitor, with their nickname and avatar, when the visitor sends', () => {
    const wire = messageToWire(outgoing(VISITOR, { uid: 't1', topic: 'org/workgroup/w1/v1', type: 'WORKGROUP' }));
    expect(wire.thread?.user).toEqual({ ...VISITOR, extra: '' });
  });

  it('names the other member on a member thread, and the group on a group thread', () => {
    const member = messageToWire(outgoing(AGENT, { uid: 't2', topic: 'org/member/a1/a2', type: 'MEMBER' }));
    expect(member.thread?.user?.uid).toBe('a2');
    const group = messageToWire(outgoing(AGENT, { uid: 't3', topic: 'org/group/g1', type: 'GROUP' }));
    expect(group.thread?.user?.uid).toBe('g1');
  });

  it('still sends a thread user (empty uid) on a topic that names nobody', () => {
    const wire = messageToWire(outgoing(AGENT, { uid: 't4', topic: 'org/queue/q1', type: 'QUEUE' }));
    expect(wire.thread?.user).toEqual({ uid: '', nickname: '', avatar: '', type: '', extra: '' });
  });

  it('leaves the local message as the app gave it', () => {
    const local = outgoing(AGENT, { uid: 't1', topic: 'org/agent/a1/v1', type: 'AGENT' });
    messageToWire(local);
    expect(local.thread.user).toBeUndefined();
  });
});
