import { decodeMessage, SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatThread, LocalMessage } from '../api.js';
import { noopLogger } from '../logger.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createRecordingLogger } from '../testing/recording-logger.js';
import { seededRandom } from '../testing/seeded-random.js';
import { createOutgoing } from './outgoing.js';
import { createSignals, receiptDue, type SignalsOptions } from './signals.js';

const thread: ChatThread = { uid: 't1', topic: 'org/agent/a1/v1', type: 'AGENT' };

function message(over: Partial<LocalMessage> = {}): LocalMessage {
  return {
    uid: 'm1',
    type: 'TEXT',
    content: 'hello',
    parsed: { kind: 'text', text: 'hello' },
    status: 'SUCCESS',
    createdAt: 1_000,
    channel: 'WEB',
    user: { uid: 'a1' },
    thread,
    extra: {},
    mine: false,
    unknownType: false,
    ...over,
  };
}

function setup(maxPacketBytes = 10_240, over: Partial<SignalsOptions> = {}) {
  const clock = createFakeClock();
  const sent: Array<{ type: string; content: string; qos: number }> = [];
  const topics: string[] = [];
  const own: string[] = [];
  const errors: string[] = [];
  const link = { up: true };
  const shown: LocalMessage[] = [];
  const read: string[] = [];
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
    shownIn: (topic) => shown.filter((m) => m.thread.topic === topic),
    onRead: (uid) => {
      read.push(uid);
      // As the client shows it: READ.
      const at = shown.findIndex((m) => m.uid === uid);
      const was = shown[at];
      if (was && !was.mine) shown[at] = { ...was, status: 'READ' };
    },
    ...over,
  });
  return { clock, sent, topics, own, errors, link, signals, shown, read };
}

describe('signals', () => {
  it('publishes when connected and marks its own uid so its copy is not news', () => {
    const { sent, own, signals } = setup();
    expect(signals.send(thread, 'DELIVERED', 'm1', 1)).toBe(true);
    expect(sent).toEqual([{ type: 'DELIVERED', content: 'm1', qos: 1 }]);
    expect(own).toHaveLength(1);
  });

  it('sends nothing offline or after dispose; a recall asked for offline reports not_connected, a receipt is owed instead', () => {
    const { sent, errors, link, signals } = setup();
    link.up = false;
    expect(signals.send(thread, 'READ', 'm1', 1)).toBe(false);
    expect(signals.explicit(thread, 'RECALL', 'm1')).toBe(false);
    expect(signals.explicit(thread, 'DELIVERED', 'm1')).toBe(false);
    expect(signals.explicit(thread, 'READ', 'm1')).toBe(false);
    expect(errors).toEqual(['not_connected']);
    link.up = true;
    signals.dispose();
    expect(signals.send(thread, 'READ', 'm1', 1)).toBe(false);
    // After dispose a receipt asked for is dropped quietly, and what was owed with it.
    expect(signals.explicit(thread, 'DELIVERED', 'm2')).toBe(false);
    signals.connected();
    expect(sent).toEqual([]);
    expect(errors).toEqual(['not_connected']);
  });

  it('a markDelivered offline goes once connected: each uid once, in the order asked, none for what was sent or is read', () => {
    const { sent, errors, link, signals } = setup();
    signals.explicit(thread, 'DELIVERED', 'm0');
    link.up = false;
    for (const uid of ['m1', 'm2', 'm1', 'm0', 'm3']) expect(signals.explicit(thread, 'DELIVERED', uid)).toBe(false);
    signals.explicit(thread, 'READ', 'm3');
    expect(sent.map((s) => `${s.type} ${s.content}`)).toEqual(['DELIVERED m0']);
    link.up = true;
    signals.connected();
    signals.connected();
    expect(sent.map((s) => `${s.type} ${s.content}`)).toEqual([
      'DELIVERED m0',
      'DELIVERED m1',
      'DELIVERED m2',
      'READ m3',
    ]);
    expect(errors).toEqual([]);
  });

  it('keeps at most 200 receipts of a kind offline, the oldest dropped first (with a debug log)', () => {
    const logger = createRecordingLogger();
    const { sent, link, signals } = setup(10_240, { logger });
    link.up = false;
    for (let i = 0; i < 1_000; i += 1) signals.explicit(thread, 'DELIVERED', `d${i}`);
    for (let i = 0; i < 300; i += 1) signals.explicit({ ...thread, topic: `org/agent/a1/v${i}` }, 'READ', `r${i}`);
    link.up = true;
    signals.connected();
    const delivered = sent.filter((s) => s.type === 'DELIVERED').map((s) => s.content);
    const read = sent.filter((s) => s.type === 'READ').map((s) => s.content);
    expect([delivered.length, delivered[0], delivered.at(-1)]).toEqual([200, 'd800', 'd999']);
    expect([read.length, read[0], read.at(-1)]).toEqual([200, 'r100', 'r299']);
    expect(logger.lines.filter((l) => l.startsWith('debug receipts were dropped'))).toHaveLength(900);
  });

  it('dispose drops what is owed, and so does forgetting its thread (an unsubscribe): a debug log, no error', () => {
    const logger = createRecordingLogger();
    const { sent, errors, link, signals, shown } = setup(10_240, { logger });
    const other: ChatThread = { uid: 't2', topic: 'org/agent/a1/v2', type: 'AGENT' };
    shown.push(message({ uid: 'm1' }));
    link.up = false;
    signals.readThread(thread.topic);
    signals.explicit(thread, 'DELIVERED', 'm0');
    signals.explicit(other, 'READ', 'o1');
    signals.forget(thread.topic);
    link.up = true;
    signals.connected();
    expect(sent.map((s) => `${s.type} ${s.content}`)).toEqual(['READ o1']);
    link.up = false;
    signals.explicit(other, 'READ', 'o2');
    signals.dispose();
    link.up = true;
    signals.connected();
    expect(sent).toHaveLength(1);
    expect(errors).toEqual([]);
    expect(logger.lines.filter((l) => l.startsWith('debug receipts were dropped'))).toEqual([
      `debug receipts were dropped {"why":"unsubscribed","topic":"${thread.topic}","count":2}`,
      'debug receipts were dropped {"why":"disposed","count":1}',
    ]);
  });

  it('of two READs owed on a thread the later message is kept, whichever was asked last', () => {
    const { sent, link, signals, shown } = setup();
    shown.push(message({ uid: 'm1' }), message({ uid: 'm2' }), message({ uid: 'm3' }));
    link.up = false;
    signals.explicit(thread, 'READ', 'm3');
    signals.explicit(thread, 'READ', 'm1');
    link.up = true;
    signals.connected();
    link.up = false;
    shown.push(message({ uid: 'm4' }), message({ uid: 'm5' }));
    signals.readThread(thread.topic);
    signals.explicit(thread, 'READ', 'm4');
    link.up = true;
    signals.connected();
    expect(sent.map((s) => `${s.type} ${s.content}`)).toEqual(['READ m3', 'READ m5']);
    expect(shown.map((m) => m.status)).toEqual(['SUCCESS', 'SUCCESS', 'READ', 'READ', 'READ']);
  });

  it('what is owed and cannot go because the link dropped again while sending it is owed again', () => {
    const { sent, link, signals } = setup(10_240, {
      publish: async (_topic, payload) => {
        const decoded = decodeMessage(payload);
        if (decoded.ok) sent.push({ type: decoded.value.type, content: decoded.value.content, qos: 1 });
        // The link drops after the first receipt goes.
        link.up = false;
      },
    });
    const sentNow = () => sent.map((s) => `${s.type} ${s.content}`);
    link.up = false;
    signals.explicit(thread, 'DELIVERED', 'm1');
    signals.explicit(thread, 'DELIVERED', 'm2');
    signals.explicit(thread, 'READ', 'm3');
    link.up = true;
    signals.connected();
    expect(sentNow()).toEqual(['DELIVERED m1']);
    link.up = true;
    signals.connected();
    link.up = true;
    signals.connected();
    expect(sentNow()).toEqual(['DELIVERED m1', 'DELIVERED m2', 'READ m3']);
  });

  it('a markRead offline tells the server once connected: the latest READ of each thread, once', () => {
    const { sent, errors, link, signals, shown, read } = setup();
    const other: ChatThread = { uid: 't2', topic: 'org/agent/a1/v2', type: 'AGENT' };
    shown.push(message({ uid: 'm1' }), message({ uid: 'm2' }));
    link.up = false;
    // The whole thread, as it is now; then by uid on another thread, twice: the latest counts.
    signals.readThread(thread.topic);
    signals.explicit(other, 'READ', 'o1');
    signals.explicit(other, 'READ', 'o2');
    expect(sent).toEqual([]);
    expect(read).toEqual([]);
    // What arrives after the markRead is not read by it.
    shown.push(message({ uid: 'm3' }));
    link.up = true;
    signals.connected();
    signals.connected();
    expect(sent.map((s) => `${s.type} ${s.content}`)).toEqual(['READ m2', 'READ o2']);
    expect(read).toEqual(['m2', 'm1', 'm2', 'o2']);
    expect(shown.map((m) => m.status)).toEqual(['READ', 'READ', 'SUCCESS']);
    expect(errors).toEqual([]);
  });

  it('a receipt asked for whose publish is lost with the link is owed to the next connection, not sent again at once', async () => {
    const attempts: string[] = [];
    let fail = true;
    const { link, signals, shown } = setup(10_240, {
      publish: async (_topic, payload) => {
        const decoded = decodeMessage(payload);
        if (decoded.ok) attempts.push(`${decoded.value.type} ${decoded.value.content}`);
        if (fail) throw new SdkError('network', 'the connection was lost');
      },
    });
    shown.push(message({ uid: 'm1' }), message({ uid: 'm2' }));
    signals.explicit(thread, 'DELIVERED', 'x1');
    signals.readThread(thread.topic);
    // An automatic receipt lost is not asked for again (as before).
    signals.acknowledge(message({ uid: 'm3' }));
    await Promise.resolve();
    await Promise.resolve();
    // The link still says it is up: nothing is tried again until it connects again (no storm).
    expect(attempts).toEqual(['DELIVERED x1', 'READ m2', 'DELIVERED m3']);
    link.up = false;
    fail = false;
    link.up = true;
    signals.connected();
    signals.connected();
    expect(attempts).toEqual(['DELIVERED x1', 'READ m2', 'DELIVERED m3', 'DELIVERED x1', 'READ m2']);
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

  it('sends the automatic receipt only to a topic it is subscribed to', () => {
    const { topics, own, signals } = setup();
    signals.acknowledge(message({ uid: 'x1', thread: { ...thread, topic: 'org/agent/a1/v12' } }));
    signals.acknowledge(message({ uid: 'x2', thread: { ...thread, topic: 'org/agent/a1' } }));
    signals.acknowledge(message());
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

describe('the receipt rule (as the official client: SPEC §2b)', () => {
  const due = (m: LocalMessage, active?: string, autoDelivered = true) => receiptDue(m, { active, autoDelivered });

  it('DELIVERED for what a person sends, from others; READ instead on the thread open on screen', () => {
    for (const type of ['TEXT', 'IMAGE', 'FILE', 'AUDIO', 'VIDEO', 'VOICE', 'LOCATION']) {
      expect(due(message({ type })), type).toBe('DELIVERED');
      expect(due(message({ type }), thread.topic), type).toBe('READ');
    }
    expect(due(message(), 'org/agent/a1/v2')).toBe('DELIVERED');
  });

  it('none for my own messages, other types, group threads, or what the server says got that far', () => {
    const none: LocalMessage[] = [
      message({ mine: true, user: { uid: 'v1' } }),
      ...[
        'WELCOME',
        'NOTICE',
        'SYSTEM',
        'QUEUE',
        'AUTO_CLOSED',
        'ROBOT_STREAM',
        'TYPING',
        'READ',
        'CARD',
        'NEW_TYPE',
      ].map((type) => message({ type })),
      message({ thread: { uid: 'g', topic: 'org/group/g1', type: 'GROUP' } }),
      message({ thread: { uid: 'g', topic: 'org/group/g1', type: 'AGENT' } }),
      message({ thread: { ...thread, type: 'GROUP' } }),
      message({ status: 'READ' }),
    ];
    for (const m of none) {
      expect(due(m), `${m.type} ${m.thread.topic}`).toBeUndefined();
      expect(due(m, m.thread.topic), `${m.type} ${m.thread.topic} open`).toBeUndefined();
    }
    // Delivered by the server's record: no DELIVERED again, but READ when it is open.
    expect(due(message({ status: 'DELIVERED' }))).toBeUndefined();
    expect(due(message({ status: 'DELIVERED' }), thread.topic)).toBe('READ');
  });

  it('autoDelivered off: no DELIVERED, READ for the open thread still', () => {
    expect(due(message(), undefined, false)).toBeUndefined();
    expect(due(message(), thread.topic, false)).toBe('READ');
  });

  it('once per uid: the same message acknowledged twice sends one DELIVERED', () => {
    const { sent, signals } = setup();
    signals.acknowledge(message());
    signals.acknowledge(message());
    signals.acknowledge(message({ uid: 'm2' }));
    expect(sent).toEqual([
      { type: 'DELIVERED', content: 'm1', qos: 1 },
      { type: 'DELIVERED', content: 'm2', qos: 1 },
    ]);
  });

  it('sends nothing offline, and what was not sent may go later (nothing remembered)', () => {
    const { sent, link, signals } = setup();
    link.up = false;
    signals.acknowledge(message());
    link.up = true;
    signals.acknowledge(message());
    expect(sent).toEqual([{ type: 'DELIVERED', content: 'm1', qos: 1 }]);
  });

  it('opening a thread sends one READ, for the newest unread message from others; each before it shows READ', () => {
    const { sent, signals, shown, read } = setup();
    shown.push(
      message({ uid: 'm0' }),
      message({ uid: 'm1', status: 'READ' }),
      message({ uid: 'm2' }),
      message({ uid: 'm3', status: 'DELIVERED' }),
      message({ uid: 'm4', mine: true, user: { uid: 'v1' } }),
      message({ uid: 'm5', type: 'WELCOME' }),
      message({ uid: 'o1', thread: { ...thread, topic: 'org/agent/a1/v2' } }),
    );
    signals.setActive(thread);
    signals.setActive(thread.topic);
    // m0 is older than m1, which the server has READ: read already.
    expect(sent).toEqual([{ type: 'READ', content: 'm3', qos: 1 }]);
    expect(read).toEqual(['m3', 'm2', 'm3']);
    expect(shown.map((m) => m.status)).toEqual(['SUCCESS', 'READ', 'READ', 'READ', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
  });

  it('a thread with nothing unread from others gets no READ', () => {
    const { sent, signals, shown } = setup();
    shown.push(message({ uid: 'm1', status: 'READ' }), message({ uid: 'm2', mine: true, user: { uid: 'v1' } }));
    signals.setActive(thread);
    signals.readThread(thread.topic);
    expect(sent).toEqual([]);
  });

  it('while a thread is open what arrives together gets one READ, not DELIVERED; closed, DELIVERED again', async () => {
    const { sent, signals, shown } = setup();
    signals.setActive(thread);
    // A catch-up pass: three at once.
    for (const uid of ['m1', 'm2', 'm3']) {
      const m = message({ uid });
      shown.push(m);
      signals.acknowledge(m);
    }
    expect(sent).toEqual([]);
    await Promise.resolve();
    const live = message({ uid: 'm4' });
    shown.push(live);
    signals.acknowledge(live);
    await Promise.resolve();
    signals.setActive(null);
    const after = message({ uid: 'm5' });
    shown.push(after);
    signals.acknowledge(after);
    // m1 was read with m3: no DELIVERED for it after the thread closed either.
    signals.acknowledge(message({ uid: 'm1' }));
    expect(sent.map((s) => `${s.type} ${s.content}`)).toEqual(['READ m3', 'READ m4', 'DELIVERED m5']);
  });

  it('closed before what arrived was read: DELIVERED for it instead', async () => {
    const { sent, signals, shown } = setup();
    signals.setActive(thread);
    const m = message();
    shown.push(m);
    signals.acknowledge(m);
    signals.setActive(null);
    await Promise.resolve();
    expect(sent).toEqual([{ type: 'DELIVERED', content: 'm1', qos: 1 }]);
  });

  it('a delivered message is read when its thread is opened later: once each', async () => {
    const { sent, signals, shown } = setup();
    const m = message();
    shown.push(m);
    signals.acknowledge(m);
    signals.setActive(thread);
    signals.setActive(thread);
    signals.acknowledge(m);
    await Promise.resolve();
    expect(sent.map((s) => `${s.type} ${s.content}`)).toEqual(['DELIVERED m1', 'READ m1']);
  });

  it('what the open thread could not read offline is read once connected', () => {
    const { sent, link, signals, shown } = setup();
    shown.push(message());
    link.up = false;
    signals.setActive(thread);
    expect(sent).toEqual([]);
    link.up = true;
    signals.connected();
    signals.connected();
    expect(sent).toEqual([{ type: 'READ', content: 'm1', qos: 1 }]);
  });

  it('an explicit receipt is sent whatever was sent before, and counts for the automatic ones', () => {
    const { sent, signals, read } = setup();
    expect(signals.explicit(thread, 'READ', 'm1')).toBe(true);
    expect(signals.explicit(thread, 'READ', 'm1')).toBe(true);
    signals.acknowledge(message());
    expect(sent.map((s) => `${s.type} ${s.content}`)).toEqual(['READ m1', 'READ m1']);
    expect(read).toEqual(['m1', 'm1']);
  });

  it('a hostile thread given to setActiveThread reads nothing and throws nothing', () => {
    const { sent, signals, shown } = setup();
    shown.push(message());
    for (const bad of [undefined, 42, {}, { topic: 7 }, '', '#']) {
      expect(() => signals.setActive(bad as never)).not.toThrow();
    }
    expect(sent).toEqual([]);
  });
});
