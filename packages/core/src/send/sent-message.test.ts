import { describe, expect, it } from 'vitest';
import { createOutgoingMessage } from '../message.js';
import { sentMessage, settledNow } from './sent-message.js';

const message = createOutgoingMessage({
  uid: 'u1',
  type: 'TEXT',
  content: 'hello',
  user: { uid: 'v1' },
  thread: { uid: 't1', topic: 'org/agent/a1/v1', type: 'AGENT' },
  channel: 'WEB',
  now: 1_000,
});

describe('the message send returns', () => {
  it('is a copy of the message, every key in its order, with done last', () => {
    const done = Promise.resolve(message);
    const sent = sentMessage(message, done);
    expect(sent).not.toBe(message);
    expect(Object.keys(sent)).toEqual([...Object.keys(message), 'done']);
    expect(sent).toEqual({ ...message, done });
    expect(sent.done).toBe(done);
    expect(message).not.toHaveProperty('done');
  });

  it('settled now: done resolves with the message itself', async () => {
    const sent = settledNow(message);
    expect(await sent.done).toBe(message);
  });
});
