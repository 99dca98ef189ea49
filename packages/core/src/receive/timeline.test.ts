import { describe, expect, it } from 'vitest';
import { createOutgoingMessage } from '../message.js';
import { createTimeline } from './timeline.js';

const message = (uid: string, topic: string) =>
  createOutgoingMessage({
    uid,
    type: 'TEXT',
    content: uid,
    user: { uid: 'v1' },
    thread: { uid: 't', topic, type: 'AGENT' },
    channel: 'WEB',
    now: 0,
  });

describe('timeline', () => {
  it('keeps threads apart, replaces in place and drops the oldest past its capacity', () => {
    const timeline = createTimeline(2);
    for (const uid of ['a', 'b']) timeline.put(message(uid, 'org/agent/a1/v1'));
    timeline.put(message('x', 'org/agent/a1/v2'));
    timeline.put({ ...message('a', 'org/agent/a1/v1'), status: 'SUCCESS' });
    expect(timeline.list('org/agent/a1/v1').map((m) => [m.uid, m.status])).toEqual([
      ['a', 'SUCCESS'],
      ['b', 'SENDING'],
    ]);
    timeline.put(message('c', 'org/agent/a1/v1'));
    expect(timeline.list('org/agent/a1/v1').map((m) => m.uid)).toEqual(['b', 'c']);
    expect(timeline.get('a')).toBeUndefined();
    expect(timeline.get('x')?.uid).toBe('x');
  });

  it('over a long run keeps the newest per thread, a replaced message in its first place', () => {
    const timeline = createTimeline(3);
    const topic = 'org/agent/a1/v1';
    for (let i = 0; i < 5_000; i++) {
      timeline.put(message(`m${i}`, topic));
      // The one before is replaced (a status change): it keeps its place.
      if (i > 0) timeline.put({ ...message(`m${i - 1}`, topic), status: 'SUCCESS' });
    }
    expect(timeline.list(topic).map((m) => [m.uid, m.status])).toEqual([
      ['m4997', 'SUCCESS'],
      ['m4998', 'SUCCESS'],
      ['m4999', 'SENDING'],
    ]);
    expect(timeline.get('m4996')).toBeUndefined();
  });

  it('forgets a dropped thread and its uids, and leaves the others alone', () => {
    const timeline = createTimeline(10);
    for (const uid of ['a', 'b']) timeline.put(message(uid, 'org/agent/a1/v1'));
    timeline.put(message('x', 'org/agent/a1/v2'));
    timeline.dropThread('org/agent/a1/v1');
    timeline.dropThread('org/agent/none');
    expect(timeline.list('org/agent/a1/v1')).toEqual([]);
    expect(timeline.get('a')).toBeUndefined();
    expect(timeline.get('x')?.uid).toBe('x');
    // A message put again after the drop starts a fresh thread.
    timeline.put(message('a', 'org/agent/a1/v1'));
    expect(timeline.list('org/agent/a1/v1').map((m) => m.uid)).toEqual(['a']);
  });
});
