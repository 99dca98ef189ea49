import {
  decodeMessage,
  encodeMessage,
  MAX_EXTRA_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PROFILE_LENGTH,
  MAX_UID_LENGTH,
  type WireMessageInit,
} from '@weiyu/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDedupe } from './dedupe.js';
import { type ReceiveContext, receiveBytes, receiveWire } from './pipeline.js';

const TOPIC = 'org/agent/a1/v1';
const SELF = 'v1';

function context(over: Partial<ReceiveContext> = {}): ReceiveContext {
  return {
    selfUid: SELF,
    now: () => 1_000,
    isSubscribed: (topic) => topic === TOPIC || topic === `user/${SELF}` || topic === `system/${SELF}`,
    dedupe: createDedupe(100),
    isAwaitingEcho: () => false,
    ...over,
  };
}

function bytes(over: WireMessageInit = {}): Uint8Array {
  return encodeMessage({
    uid: 'm1',
    type: 'TEXT',
    content: 'hello',
    status: 'SUCCESS',
    createdAt: '2024-01-01 08:00:00',
    channel: 'WEB',
    extra: '{"orgUid":"o1"}',
    user: { uid: 'a1', nickname: 'Agent', type: 'AGENT' },
    thread: { uid: 't1', topic: TOPIC, type: 'AGENT' },
    ...over,
  });
}

describe('receive pipeline', () => {
  it('decodes a message into a message event with parsed content, extra and server time', () => {
    const r = receiveBytes(TOPIC, bytes(), context());
    expect(r.kind).toBe('message');
    if (r.kind !== 'message') return;
    expect(r.message).toMatchObject({
      uid: 'm1',
      type: 'TEXT',
      parsed: { kind: 'text', text: 'hello' },
      status: 'SUCCESS',
      createdAt: Date.UTC(2024, 0, 1, 0, 0, 0),
      extra: { orgUid: 'o1' },
      mine: false,
      unknownType: false,
      user: { uid: 'a1', nickname: 'Agent', type: 'AGENT' },
      thread: { uid: 't1', topic: TOPIC, type: 'AGENT' },
    });
  });

  it('turns undecodable bytes into an error result, not an exception', () => {
    const r = receiveBytes(TOPIC, new Uint8Array([0xff, 0xff, 0xff]), context());
    expect(r.kind).toBe('error');
    if (r.kind === 'error') expect(r.error.code).toBe('decode_failed');
  });

  it('drops messages without a uid', () => {
    expect(receiveBytes(TOPIC, bytes({ uid: '' }), context())).toMatchObject({ kind: 'dropped', reason: 'no-uid' });
  });

  it('refuses a message with an id over its limit (uid, sender, thread) as an error, and keeps none of it', () => {
    const c = context();
    const long = 'x'.repeat(MAX_UID_LENGTH + 1);
    const hostile: Array<[string, WireMessageInit]> = [
      ['uid', { uid: long }],
      ['user.uid', { uid: 'm2', user: { uid: long } }],
      ['thread.uid', { uid: 'm3', thread: { uid: long, topic: TOPIC, type: 'AGENT' } }],
      ['thread.user.uid', { uid: 'm4', thread: { uid: 't1', topic: TOPIC, type: 'AGENT', user: { uid: long } } }],
    ];
    for (const [field, over] of hostile) {
      for (const r of [
        receiveBytes(TOPIC, bytes(over), c),
        receiveWire(decodeOnce(bytes(over)), { topic: TOPIC, source: 'catch-up' }, c),
      ]) {
        expect(r.kind, field).toBe('error');
        if (r.kind === 'error') expect(r.error).toMatchObject({ code: 'decode_failed', details: { field } });
      }
    }
    expect(c.dedupe.size()).toBe(0);
    // At the limit it is a message, and the next good one arrives.
    expect(receiveBytes(TOPIC, bytes({ uid: long.slice(1) }), c).kind).toBe('message');
    expect(receiveBytes(TOPIC, bytes({ uid: 'm5' }), c).kind).toBe('message');
  });

  it('refuses a message whose extra, nickname, avatar or a name is over its limit: each is kept with what is shown', () => {
    const c = context();
    const over = (limit: number) => 'x'.repeat(limit + 1);
    const thread = { uid: 't1', topic: TOPIC, type: 'AGENT' };
    const hostile: Array<[string, WireMessageInit]> = [
      ['extra', { uid: 'f1', extra: over(MAX_EXTRA_LENGTH) }],
      ['type', { uid: 'f2', type: over(MAX_NAME_LENGTH) }],
      ['user.nickname', { uid: 'f3', user: { uid: 'a1', nickname: over(MAX_PROFILE_LENGTH) } }],
      ['user.avatar', { uid: 'f4', user: { uid: 'a1', avatar: over(MAX_PROFILE_LENGTH) } }],
      ['thread.state', { uid: 'f5', thread: { ...thread, state: over(MAX_NAME_LENGTH) } }],
      [
        'thread.user.avatar',
        { uid: 'f6', thread: { ...thread, user: { uid: 'v1', avatar: over(MAX_PROFILE_LENGTH) } } },
      ],
    ];
    for (const [field, message] of hostile) {
      for (const r of [
        receiveBytes(TOPIC, bytes(message), c),
        receiveWire(decodeOnce(bytes(message)), { topic: TOPIC, source: 'catch-up' }, c),
      ]) {
        expect(r.kind, field).toBe('error');
        if (r.kind === 'error') expect(r.error).toMatchObject({ code: 'decode_failed', details: { field } });
      }
    }
    expect(c.dedupe.size()).toBe(0);
    // At the limits it is a message: a content of any size is the timeline's to weigh.
    const at = { uid: 'ok', extra: 'x'.repeat(MAX_EXTRA_LENGTH), content: 'x'.repeat(100_000) };
    expect(
      receiveBytes(TOPIC, bytes({ ...at, user: { uid: 'a1', avatar: 'x'.repeat(MAX_PROFILE_LENGTH) } }), c).kind,
    ).toBe('message');
  });

  it('keeps only subscribed topics (the server matches substrings)', () => {
    const other = 'org/agent/a1/v12';
    const r = receiveBytes(other, bytes({ thread: { uid: 't2', topic: other, type: 'AGENT' } }), context());
    expect(r).toMatchObject({ kind: 'dropped', reason: 'not-subscribed' });
    // The user's own topics are ours: what names them as its thread is shown there.
    const own = receiveBytes(
      `user/${SELF}`,
      bytes({ uid: 'u1', thread: { topic: `user/${SELF}`, type: '' } }),
      context(),
    );
    expect(own.kind === 'message' && own.message.thread.topic).toBe(`user/${SELF}`);
  });

  it('drops a message on a topic of ours whose thread.topic is not ours, the user’s own topics too', () => {
    const c = context();
    const foreign = ['org/agent/a1/v12', 'org/agent/a1', '#', 'org/+/a1/v1', `system/${SELF}x`, ''.padEnd(300, 'x')];
    for (const [i, topic] of foreign.entries()) {
      for (const on of [TOPIC, `user/${SELF}`, `system/${SELF}`]) {
        expect(receiveBytes(on, bytes({ uid: `f${i}`, thread: { topic, type: 'AGENT' } }), c)).toMatchObject({
          kind: 'dropped',
          reason: 'foreign-thread',
        });
      }
    }
    // Dropped before the duplicate filter: a forged copy cannot shadow the real message.
    expect(c.dedupe.size()).toBe(0);
    expect(receiveBytes(TOPIC, bytes({ uid: 'f0' }), c).kind).toBe('message');
  });

  it('gives every result the topic of ours it came on: thread.topic when both are ours, else that topic', () => {
    const other = 'org/group/g1';
    const c = context({ isSubscribed: (topic) => topic === TOPIC || topic === other });
    const r = receiveBytes(TOPIC, bytes({ uid: 'g', thread: { topic: other, type: 'GROUP' } }), c);
    expect(r.kind === 'message' && r.message.thread.topic).toBe(other);
    const bare = receiveBytes(
      TOPIC,
      bytes({ uid: 'b', type: 'READ', content: 'm1', thread: { topic: '', type: '' } }),
      c,
    );
    expect(bare.kind === 'receipt' && bare.receipt.thread.topic).toBe(TOPIC);
  });

  it('files what history gives under the topic read (a MEMBER thread’s reversed copies too)', () => {
    const mine = 'org/member/v1/m2';
    const wire = decodeOnce(bytes({ uid: 'h1', thread: { uid: 't', topic: 'org/member/m2/v1', type: 'MEMBER' } }));
    const r = receiveWire(wire, { topic: mine, source: 'catch-up' }, context());
    expect(r.kind === 'message' && r.message.thread).toMatchObject({ uid: 't', topic: mine, type: 'MEMBER' });
  });

  it('gives a duplicate’s copy, to tell a copy from a rewrite', () => {
    const c = context();
    receiveBytes(TOPIC, bytes(), c);
    const r = receiveBytes(TOPIC, bytes({ content: 'rewritten' }), c);
    expect(r).toMatchObject({ kind: 'dropped', reason: 'duplicate', copy: { uid: 'm1', content: 'rewritten' } });
  });

  it('reads the pieces of a robot’s answer: the first shows it, the next grow it, history’s copy is compared', () => {
    const c = context();
    const piece = (type: string, answer: string) =>
      bytes({ uid: 's1', type, content: JSON.stringify({ answer }), user: { uid: 'robot', type: 'ROBOT' } });
    const first = receiveBytes(TOPIC, piece('ROBOT_STREAM_START', ''), c);
    expect(first.kind === 'message' && first.message.stream).toEqual({ state: 'streaming', answer: '', reasoning: '' });
    expect(receiveBytes(TOPIC, piece('ROBOT_STREAM', 'Hel'), c).kind).toBe('stream');
    expect(receiveBytes(TOPIC, piece('ROBOT_STREAM_END', ''), c).kind).toBe('stream');
    const copy = receiveWire(decodeOnce(piece('ROBOT_STREAM_END', 'Hel')), { topic: TOPIC, source: 'catch-up' }, c);
    expect(copy).toMatchObject({ kind: 'dropped', reason: 'duplicate' });
    // From history, new: shown as it stands.
    const read = receiveWire(decodeOnce(piece('ROBOT_STREAM', 'Hi')), { topic: TOPIC, source: 'catch-up' }, context());
    expect(read.kind === 'message' && read.message.stream).toEqual({ state: 'streaming', answer: 'Hi', reasoning: '' });
  });

  it('does not filter catch-up by subscription (the app asked for that topic)', () => {
    const wire = { ...decodeOnce(bytes({ thread: { topic: 'org/group/g1', type: 'GROUP' } })) };
    expect(receiveWire(wire, { topic: 'org/group/g1', source: 'catch-up' }, context()).kind).toBe('message');
  });

  it('drops duplicates by uid, with the dedupe set shared between realtime and catch-up', () => {
    const c = context();
    expect(receiveBytes(TOPIC, bytes(), c).kind).toBe('message');
    expect(receiveBytes(TOPIC, bytes(), c)).toMatchObject({ kind: 'dropped', reason: 'duplicate' });
    expect(receiveWire(decodeOnce(bytes()), { topic: TOPIC, source: 'catch-up' }, c)).toMatchObject({
      kind: 'dropped',
      reason: 'duplicate',
    });
  });

  it('reports the stored status of a known message found again in history (missed receipts)', () => {
    const c = context();
    expect(receiveBytes(TOPIC, bytes(), c).kind).toBe('message');
    const again = decodeOnce(bytes());
    for (const status of ['DELIVERED', 'READ', 'RECALL'] as const) {
      expect(receiveWire({ ...again, status }, { topic: TOPIC, source: 'catch-up' }, c)).toEqual({
        kind: 'stored-status',
        uid: again.uid,
        status,
      });
    }
    // Live copies are duplicates whatever their status; an unknown message is new, not a status.
    expect(receiveWire({ ...again, status: 'READ' }, { topic: TOPIC, source: 'mqtt' }, c).kind).toBe('dropped');
    const fresh = decodeOnce(bytes({ uid: 'fresh' }));
    expect(receiveWire({ ...fresh, status: 'READ' }, { topic: TOPIC, source: 'catch-up' }, c).kind).toBe('message');
  });

  it('a known message found again in history with a stored status is remembered as recent', () => {
    // Read again and again (receipts move it up), it must not be the first one forgotten.
    const c = context({ dedupe: createDedupe(3) });
    expect(receiveBytes(TOPIC, bytes({ uid: 'm1' }), c).kind).toBe('message');
    expect(receiveBytes(TOPIC, bytes({ uid: 'm2' }), c).kind).toBe('message');
    const again = { ...decodeOnce(bytes({ uid: 'm1' })), status: 'DELIVERED' };
    expect(receiveWire(again, { topic: TOPIC, source: 'catch-up' }, c).kind).toBe('stored-status');
    expect(receiveBytes(TOPIC, bytes({ uid: 'm3' }), c).kind).toBe('message');
    expect(receiveBytes(TOPIC, bytes({ uid: 'm4' }), c).kind).toBe('message');
    // m2 was the least recently seen, not m1.
    expect(receiveWire(again, { topic: TOPIC, source: 'catch-up' }, c).kind).toBe('stored-status');
    expect(receiveBytes(TOPIC, bytes({ uid: 'm2' }), c).kind).toBe('message');
  });

  it('turns the echo of a pending message into an echo (any status: a plain broker echoes SENDING)', () => {
    const c = context({ isAwaitingEcho: (uid) => uid === 'mine1' });
    const r = receiveBytes(TOPIC, bytes({ uid: 'mine1', status: 'SENDING', user: { uid: SELF } }), c);
    expect(r.kind).toBe('echo');
    // The echo of it again (a resend broadcast again) is a duplicate.
    expect(receiveBytes(TOPIC, bytes({ uid: 'mine1', user: { uid: SELF } }), c).kind).toBe('dropped');
  });

  it('shows my own message from another device once, as mine', () => {
    const c = context();
    const r = receiveBytes(TOPIC, bytes({ uid: 'other-device', user: { uid: SELF } }), c);
    expect(r.kind === 'message' && r.message.mine).toBe(true);
    expect(receiveBytes(TOPIC, bytes({ uid: 'other-device', user: { uid: SELF } }), c).kind).toBe('dropped');
  });

  it('turns DELIVERED and READ into receipts for the referred uid; drops my own', () => {
    const c = context();
    expect(receiveBytes(TOPIC, bytes({ uid: 'r1', type: 'READ', content: 'm9' }), c)).toMatchObject({
      kind: 'receipt',
      receipt: { uid: 'm9', kind: 'READ', user: { uid: 'a1' }, thread: { topic: TOPIC } },
    });
    expect(receiveBytes(TOPIC, bytes({ uid: 'r2', type: 'DELIVERED', content: 'm9' }), c)).toMatchObject({
      kind: 'receipt',
      receipt: { kind: 'DELIVERED' },
    });
    expect(receiveBytes(TOPIC, bytes({ uid: 'r3', type: 'READ', content: 'x', user: { uid: SELF } }), c)).toMatchObject(
      { kind: 'dropped', reason: 'own-signal' },
    );
  });

  it('turns TYPING and PREVIEW into typing; a cleared PREVIEW is inactive; history typing is stale', () => {
    const c = context();
    expect(receiveBytes(TOPIC, bytes({ uid: 't1', type: 'TYPING', content: '' }), c)).toMatchObject({
      kind: 'typing',
      typing: { active: true, user: { uid: 'a1' } },
    });
    const preview = JSON.stringify({ v: 1, content: 'hel', clear: false, ts: 1 });
    expect(receiveBytes(TOPIC, bytes({ uid: 't2', type: 'PREVIEW', content: preview }), c)).toMatchObject({
      kind: 'typing',
      typing: { active: true, preview: 'hel' },
    });
    const clear = JSON.stringify({ v: 1, content: '', clear: true, ts: 2 });
    expect(receiveBytes(TOPIC, bytes({ uid: 't3', type: 'PREVIEW', content: clear }), c)).toMatchObject({
      kind: 'typing',
      typing: { active: false },
    });
    expect(receiveBytes(TOPIC, bytes({ uid: 't4', type: 'TYPING', user: { uid: SELF } }), c)).toMatchObject({
      kind: 'dropped',
      reason: 'own-signal',
    });
    expect(
      receiveWire(decodeOnce(bytes({ uid: 't5', type: 'TYPING' })), { topic: TOPIC, source: 'catch-up' }, c),
    ).toMatchObject({ kind: 'dropped', reason: 'stale-signal' });
  });

  it('turns RECALL into a recall of the referred uid', () => {
    expect(receiveBytes(TOPIC, bytes({ uid: 'x', type: 'RECALL', content: 'm1' }), context())).toMatchObject({
      kind: 'recall',
      recall: { uid: 'm1', user: { uid: 'a1' } },
    });
  });

  it('honours KICKOFF only on my own system topic', () => {
    const content = JSON.stringify({ reason: 'logged in elsewhere', action: 'FORCE_LOGOUT' });
    const kick = bytes({ uid: 'k1', type: 'KICKOFF', content, thread: { topic: `system/${SELF}`, type: 'CHANNEL' } });
    expect(receiveBytes(`system/${SELF}`, kick, context())).toMatchObject({
      kind: 'kicked',
      reason: 'logged in elsewhere',
      raw: content,
    });
    expect(receiveBytes(TOPIC, bytes({ uid: 'k2', type: 'KICKOFF', content }), context())).toMatchObject({
      kind: 'dropped',
      reason: 'foreign-kickoff',
    });
    // On my system topic but naming another thread of mine: not the server's KICKOFF.
    const elsewhere = bytes({ uid: 'k3', type: 'KICKOFF', content });
    expect(receiveBytes(`system/${SELF}`, elsewhere, context())).toMatchObject({
      kind: 'dropped',
      reason: 'foreign-kickoff',
    });
  });

  it('delivers unknown types as messages flagged unknownType', () => {
    const r = receiveBytes(TOPIC, bytes({ uid: 'n1', type: 'HOLOGRAM', content: '{"x":1}' }), context());
    expect(r.kind === 'message' && r.message.unknownType).toBe(true);
    expect(r.kind === 'message' && r.message.parsed.kind).toBe('raw');
  });

  it('appends ROBOT_STREAM chunks with one uid: first a message, then stream chunks', () => {
    const c = context();
    const first = receiveBytes(TOPIC, bytes({ uid: 's1', type: 'ROBOT_STREAM', content: 'Hel' }), c);
    expect(first.kind).toBe('message');
    const next = receiveBytes(TOPIC, bytes({ uid: 's1', type: 'ROBOT_STREAM', content: 'lo' }), c);
    expect(next.kind === 'stream' && next.chunk.content).toBe('lo');
    // History holds the whole message: catch-up must not append it again.
    const history = receiveWire(
      decodeOnce(bytes({ uid: 's1', type: 'ROBOT_STREAM', content: 'Hello' })),
      {
        topic: TOPIC,
        source: 'catch-up',
      },
      c,
    );
    expect(history).toMatchObject({ kind: 'dropped', reason: 'duplicate' });
  });

  it('reads a createdAt it cannot parse as the local time', () => {
    const r = receiveBytes(TOPIC, bytes({ uid: 'z', createdAt: 'yesterday' }), context());
    expect(r.kind === 'message' && r.message.createdAt).toBe(1_000);
  });

  it('never throws on arbitrary bytes, on any topic (property)', () => {
    const c = context();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.constantFrom(TOPIC, `system/${SELF}`, 'x/y'), (data, topic) => {
        const r = receiveBytes(topic, data, c);
        expect(['error', 'dropped', 'message', 'echo', 'receipt', 'typing', 'recall', 'kicked', 'stream']).toContain(
          r.kind,
        );
      }),
      { numRuns: 2_000, seed: 42 },
    );
  });

  it('never throws on valid messages with arbitrary field values (property)', () => {
    const c = context({ isAwaitingEcho: (uid) => uid.startsWith('a') });
    const types = fc.constantFrom(
      'TEXT',
      'IMAGE',
      'FILE',
      'READ',
      'DELIVERED',
      'TYPING',
      'PREVIEW',
      'RECALL',
      'KICKOFF',
      'ROBOT_STREAM',
      'LOCATION',
      'NEW_THING',
    );
    fc.assert(
      fc.property(
        fc.string(),
        types,
        fc.string(),
        fc.string(),
        fc.string(),
        fc.constantFrom(TOPIC, `system/${SELF}`),
        (uid, type, content, createdAt, userUid, topic) => {
          const r = receiveBytes(topic, bytes({ uid, type, content, createdAt, user: { uid: userUid } }), c);
          expect(typeof r.kind).toBe('string');
        },
      ),
      { numRuns: 2_000, seed: 7 },
    );
  });
});

function decodeOnce(data: Uint8Array) {
  const r = decodeMessage(data);
  if (!r.ok) throw r.error;
  return r.value;
}
