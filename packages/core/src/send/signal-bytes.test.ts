import { encodeMessage, type WireMessage } from '@weiyu/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSignalEncoder } from './signal-bytes.js';

// Short strings from a small alphabet (empty ones too: a field at its default is not written),
// so that threads, senders and extras repeat and differ in one field at a time.
const text = fc.oneof(fc.constantFrom('', 'a', 'b', '客服'), fc.string({ maxLength: 40 }));
const user = fc.record({ uid: text, nickname: text, avatar: text, type: text, extra: text });
const thread = fc.record({ uid: text, topic: text, type: text, state: text, channel: text, extra: text, user });
const wire = fc.record({
  uid: text,
  type: text,
  content: text,
  status: text,
  createdAt: text,
  channel: text,
  extra: text,
  thread,
  user,
}) as fc.Arbitrary<WireMessage>;

describe('signal bytes', () => {
  it('are exactly encodeMessage’s, message after message, whatever changes between them', () => {
    fc.assert(
      fc.property(fc.array(wire, { minLength: 1, maxLength: 12 }), (wires) => {
        const encode = createSignalEncoder();
        for (const w of wires) expect(encode(w)).toEqual(encodeMessage(w));
      }),
      { numRuns: 300 },
    );
  });

  it('are encodeMessage’s when only one field of the thread or its user changes, and back again', () => {
    const agent = { uid: 'a1', nickname: 'Agent', avatar: '', type: 'AGENT', extra: '' } as const;
    const visitor = { uid: 'v1', nickname: 'Visitor', avatar: '', type: 'VISITOR', extra: '' } as const;
    const thread = {
      uid: 't1',
      topic: 'org/agent/a1/v1',
      type: 'AGENT',
      state: '',
      channel: '',
      extra: '',
      user: visitor,
    } as const;
    const base: WireMessage = {
      uid: 'r1',
      type: 'DELIVERED',
      content: 'm1',
      status: 'SENDING',
      createdAt: '2026-01-01 08:00:00',
      channel: 'WEB',
      extra: '{"orgUid":"o1"}',
      user: agent,
      thread,
    };
    const changes: WireMessage[] = [
      base,
      { ...base, uid: 'r2', content: 'm2' },
      { ...base, extra: '{}' },
      { ...base, user: { ...agent, nickname: 'Agent 2' } },
      { ...base, thread: { ...thread, state: 'CLOSED' } },
      { ...base, thread: { ...thread, user: { ...visitor, avatar: 'x' } } },
      { ...base, thread: { ...thread, topic: 'org/agent/a1/v2' } },
      base,
    ];
    const encode = createSignalEncoder();
    for (const w of changes) expect(encode(w)).toEqual(encodeMessage(w));
  });
});
