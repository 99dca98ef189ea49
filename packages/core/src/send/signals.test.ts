import { decodeMessage } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatThread } from '../api.js';
import { noopLogger } from '../logger.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { seededRandom } from '../testing/seeded-random.js';
import { createOutgoing } from './outgoing.js';
import { createSignals } from './signals.js';

const thread: ChatThread = { uid: 't1', topic: 'org/agent/a1/v1', type: 'AGENT' };

function setup(maxPacketBytes = 10_240) {
  const clock = createFakeClock();
  const sent: Array<{ type: string; content: string; qos: number }> = [];
  const topics: string[] = [];
  const own: string[] = [];
  const errors: string[] = [];
  const link = { up: true };
  const signals = createSignals({
    outgoing: createOutgoing({ user: { uid: 'v1' }, channel: 'WEB', clock, random: seededRandom(1) }),
    clock,
    logger: noopLogger,
    maxPacketBytes,
    typingThrottleMs: 2_000,
    isConnected: () => link.up,
    isSubscribed: (topic) => topic === thread.topic,
    publish: async (topic, payload, qos) => {
      topics.push(topic);
      const decoded = decodeMessage(payload);
      if (decoded.ok) sent.push({ type: decoded.value.type, content: decoded.value.content, qos });
    },
    markOwn: (uid) => own.push(uid),
    emitError: (e) => errors.push(e.code),
  });
  return { clock, sent, topics, own, errors, link, signals };
}

describe('signals', () => {
  it('publishes when connected and marks its own uid so its copy is not news', () => {
    const { sent, own, signals } = setup();
    expect(signals.send(thread, 'DELIVERED', 'm1', 1)).toBe(true);
    expect(sent).toEqual([{ type: 'DELIVERED', content: 'm1', qos: 1 }]);
    expect(own).toHaveLength(1);
  });

  it('sends nothing offline or after dispose; an explicit signal then reports not_connected', () => {
    const { sent, errors, link, signals } = setup();
    link.up = false;
    expect(signals.send(thread, 'READ', 'm1', 1)).toBe(false);
    expect(signals.explicit(thread, 'READ', 'm1')).toBe(false);
    link.up = true;
    signals.dispose();
    expect(signals.send(thread, 'READ', 'm1', 1)).toBe(false);
    expect(sent).toEqual([]);
    expect(errors).toEqual(['not_connected']);
  });

  it('throttles typing to one per typingThrottleMs per thread, until the thread is forgotten', async () => {
    const { clock, sent, signals } = setup();
    signals.typing(thread);
    signals.typing(thread);
    await clock.advanceAsync(1_999);
    signals.typing(thread);
    expect(sent).toEqual([{ type: 'TYPING', content: '', qos: 0 }]);
    await clock.advanceAsync(1);
    signals.typing(thread);
    signals.forget(thread.topic);
    signals.typing(thread);
    expect(sent).toHaveLength(3);
  });

  it('drops a signal too big for one packet', () => {
    const { sent, signals } = setup(50);
    expect(signals.send(thread, 'READ', 'm1', 1)).toBe(false);
    expect(sent).toEqual([]);
  });

  it('sends the automatic DELIVERED only to a topic it is subscribed to', () => {
    const { topics, own, signals } = setup();
    expect(signals.delivered({ ...thread, topic: 'org/agent/a1/v12' }, 'm1')).toBe(false);
    expect(signals.delivered({ ...thread, topic: 'org/agent/a1' }, 'm1')).toBe(false);
    expect(signals.delivered(thread, 'm1')).toBe(true);
    expect(topics).toEqual([thread.topic]);
    expect(own).toHaveLength(1);
  });

  it('never publishes a signal to a topic that is not valid (the server closes the connection): invalid_topic', () => {
    const { topics, errors, signals } = setup();
    for (const topic of ['#', 'org/+/a1/v1', 'org/agent/#', '', '/org/agent/a1/v1', 'org/agent/a1/']) {
      expect(signals.send({ ...thread, topic }, 'DELIVERED', 'm1', 1)).toBe(false);
      signals.typing({ ...thread, topic });
      expect(signals.explicit({ ...thread, topic }, 'READ', 'm1')).toBe(false);
    }
    expect(topics).toEqual([]);
    expect(new Set(errors)).toEqual(new Set(['invalid_topic']));
  });
});
