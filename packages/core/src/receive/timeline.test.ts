import { describe, expect, it } from 'vitest';
import { createOutgoingMessage } from '../message.js';
import { createTimeline } from './timeline.js';

const message = (uid: string, topic: string, now = 0) =>
  createOutgoingMessage({
    uid,
    type: 'TEXT',
    content: uid,
    user: { uid: 'v1' },
    thread: { uid: 't', topic, type: 'AGENT' },
    channel: 'WEB',
    now,
  });
const TOPIC = 'org/agent/a1/v1';
const at = (uid: string, now: number) => message(uid, TOPIC, now);
const order = (timeline: ReturnType<typeof createTimeline>) => timeline.list(TOPIC).map((m) => m.uid);

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

  it('keeps each thread in server time order: in order appends, late goes to its place, a time that moved moves it', () => {
    const timeline = createTimeline(10);
    for (const [uid, t] of [
      ['a', 1_000],
      ['b', 2_000],
      ['c', 2_000],
      ['d', 4_000],
    ] as const)
      timeline.put(at(uid, t));
    // Late (a catch-up, the hold guard let live ones through first): to its place, after its second's others.
    timeline.put(at('x', 2_000));
    timeline.put(at('y', 500));
    expect(order(timeline)).toEqual(['y', 'a', 'b', 'c', 'x', 'd']);
    // A message of mine confirmed with the server's time, later than the local one.
    timeline.put({ ...at('a', 3_000), status: 'SUCCESS' });
    expect(order(timeline)).toEqual(['y', 'b', 'c', 'x', 'a', 'd']);
  });

  it('moves the one whose time moved out of many of the same second, past a long run of newer ones', () => {
    const timeline = createTimeline(5_000);
    for (const uid of ['a', 'b', 'c']) timeline.put(at(uid, 1_000));
    for (let i = 0; i < 2_000; i++) timeline.put(at(`n${i}`, 2_000 + i));
    timeline.put(at('b', 500));
    timeline.put(at('c', 1_500));
    timeline.put(at('a', 2_500));
    const uids = order(timeline);
    expect(uids.slice(0, 3)).toEqual(['b', 'c', 'n0']);
    expect(uids.indexOf('a')).toBe(uids.indexOf('n500') + 1);
    expect(uids.length).toBe(2_003);
  });

  it('puts older history before the newer messages, a page newest first keeping its second’s order, beyond the capacity', () => {
    const evicted: string[] = [];
    const timeline = createTimeline(3, { onEvict: (_topic, m) => evicted.push(m.uid) });
    for (const [uid, t] of [
      ['n1', 5_000],
      ['n2', 6_000],
      ['n3', 7_000],
    ] as const)
      timeline.put(at(uid, t));
    // A page of history, newest first: o3 and o2 share a second with n1.
    for (const [uid, t] of [
      ['o3', 5_000],
      ['o2', 5_000],
      ['o1', 4_000],
    ] as const)
      timeline.putOlder(at(uid, t));
    expect(order(timeline)).toEqual(['o1', 'o2', 'o3', 'n1', 'n2', 'n3']);
    expect(evicted).toEqual([]);
    // What arrives live past capacity + what was loaded lets the oldest go, and says so.
    timeline.put(at('n4', 8_000));
    expect(order(timeline)).toEqual(['o2', 'o3', 'n1', 'n2', 'n3', 'n4']);
    expect(evicted).toEqual(['o1']);
  });

  it('a thread’s list is the same frozen array until the thread changes; a change tells its topic only', () => {
    const changes: string[] = [];
    const timeline = createTimeline(10, { onChange: (topic) => changes.push(topic) });
    expect(timeline.list(TOPIC)).toBe(timeline.list('org/agent/a1/v2'));
    timeline.put(at('a', 1));
    const first = timeline.list(TOPIC);
    expect(timeline.list(TOPIC)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    timeline.put(message('x', 'org/agent/a1/v2'));
    expect(timeline.list(TOPIC)).toBe(first);
    timeline.put({ ...at('a', 1), status: 'READ' });
    expect(timeline.list(TOPIC)).not.toBe(first);
    expect(timeline.list(TOPIC)[0]?.status).toBe('READ');
    timeline.dropThread(TOPIC);
    expect(changes).toEqual([TOPIC, 'org/agent/a1/v2', TOPIC, TOPIC]);
  });

  it('places as a plain sorted list would, however often messages move (echoes bring the server time)', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const timeline = createTimeline(100_000);
    /** The reference: uids and times, sorted by time; a put goes after its equals, an older one before. */
    const reference: Array<{ uid: string; t: number }> = [];
    const place = (t: number, older: boolean) => {
      const i = reference.findIndex((r) => (older ? r.t >= t : r.t > t));
      return i === -1 ? reference.length : i;
    };
    for (let step = 0; step < 6_000; step++) {
      const move = reference.length > 0 && random(3) > 0;
      const older = !move && random(4) === 0;
      const uid = move ? (reference[random(reference.length)]?.uid as string) : `m${step}`;
      const t = random(500);
      const known = reference.findIndex((r) => r.uid === uid);
      // A known uid at the same time keeps its place; one whose time changed moves.
      if (known < 0 || reference[known]?.t !== t) {
        if (known >= 0) reference.splice(known, 1);
        reference.splice(place(t, older && known < 0), 0, { uid, t });
      }
      if (older) timeline.putOlder(at(uid, t));
      else timeline.put(at(uid, t));
    }
    expect(order(timeline)).toEqual(reference.map((r) => r.uid));
  });

  it('a thread whose messages all moved keeps its capacity, oldest out first', () => {
    const timeline = createTimeline(100);
    for (let i = 0; i < 1_000; i++) {
      timeline.put(at(`m${i}`, 0));
      // The echo: the server's time, later than every local one.
      timeline.put(at(`m${i}`, 1_000 + i));
    }
    expect(order(timeline)).toEqual(Array.from({ length: 100 }, (_, i) => `m${900 + i}`));
  });

  it('a burst of mine confirmed in order with the server second before their local times keeps them in order', () => {
    const timeline = createTimeline(10_000);
    // Sent at local 10,000–10,999 ms; the server stamps whole seconds (10,000), a little behind.
    for (let i = 0; i < 1_000; i++) timeline.put(at(`m${i}`, 10_000 + i));
    for (let i = 0; i < 1_000; i++) {
      timeline.put({ ...at(`m${i}`, 10_000), status: 'SUCCESS' });
      // Another's message of that second, in the middle of the echoes: after the confirmed ones.
      if (i === 499) timeline.put(at('other', 10_000));
    }
    const uids = order(timeline);
    expect(uids.indexOf('other')).toBe(500);
    expect(uids.filter((uid) => uid !== 'other')).toEqual(Array.from({ length: 1_000 }, (_, i) => `m${i}`));
    // Something older still goes before them all, and something of the next second after.
    timeline.put(at('early', 9_000));
    timeline.put(at('late', 11_000));
    expect(order(timeline).at(0)).toBe('early');
    expect(order(timeline).at(-1)).toBe('late');
  });

  it('a message whose time moves to that of the next one goes after it; to that of the one before, stays', () => {
    const timeline = createTimeline(10);
    for (const [uid, t] of [
      ['a', 1_000],
      ['b', 2_000],
      ['c', 3_000],
    ] as const)
      timeline.put(at(uid, t));
    timeline.put(at('a', 2_000));
    expect(order(timeline)).toEqual(['b', 'a', 'c']);
    timeline.put(at('c', 2_000));
    timeline.put(at('b', 1_500));
    expect(order(timeline)).toEqual(['b', 'a', 'c']);
    timeline.put(at('d', 2_000));
    timeline.put(at('b', 2_000));
    expect(order(timeline)).toEqual(['a', 'c', 'd', 'b']);
  });

  it('keeps at most maxChars of content per thread, the oldest going first: anyone may post messages of any size', () => {
    const evicted: string[] = [];
    const timeline = createTimeline(1_000, { onEvict: (_topic, m) => evicted.push(m.uid) }, 100);
    const big = (uid: string, now: number, size: number) => ({ ...at(uid, now), content: 'x'.repeat(size) });
    for (let i = 0; i < 10; i++) timeline.put(big(`m${i}`, i, 30));
    // 3 × 30 ≤ 100 < 4 × 30.
    expect(order(timeline)).toEqual(['m7', 'm8', 'm9']);
    expect(evicted).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    // One message over the budget alone is kept (the newest always shows).
    timeline.put(big('huge', 20, 500));
    expect(order(timeline)).toEqual(['huge']);
    // A message that grows in place (a streamed answer) counts as it grows.
    timeline.put(big('s', 30, 10));
    expect(order(timeline)).toEqual(['s']);
    timeline.put(big('t', 31, 10));
    timeline.put(big('s', 30, 95));
    expect(order(timeline)).toEqual(['t']);
    // What is loaded older on purpose is kept beyond the budget, as beyond the capacity.
    timeline.putOlder(big('old1', 1, 90));
    timeline.putOlder(big('old2', 0, 90));
    expect(order(timeline)).toEqual(['old2', 'old1', 't']);
    timeline.put(big('n', 40, 10));
    expect(order(timeline)).toEqual(['old2', 'old1', 't', 'n']);
    timeline.put(big('n2', 41, 85));
    expect(order(timeline)).toEqual(['old1', 't', 'n', 'n2']);
    // Nicknames and avatars weigh too (anyone may put long ones on a message).
    const profiled = createTimeline(1_000, {}, 100);
    profiled.put(big('p1', 1, 10));
    profiled.put({ ...big('p2', 2, 10), user: { uid: 'x', nickname: 'n'.repeat(50), avatar: 'a'.repeat(40) } });
    expect(profiled.list(TOPIC).map((m) => m.uid)).toEqual(['p2']);
  });
});
