/** The adaptive send window of each thread (congestion.ts), step by step on a hand clock. */
import { SdkError } from '@weiyu/protocol';
import { describe, expect, it } from 'vitest';
import { createThreadWindows, WINDOW_START } from './congestion.js';
import type { SendState } from './machine.js';

const OUT: SendState = { status: 'awaiting-echo', attempt: 1 };
const PUBLISHING: SendState = { status: 'publishing', attempt: 1 };
const DONE: SendState = { status: 'succeeded', attempt: 1 };
const REST: SendState = { status: 'posting', attempt: 1 };
const RETRY: SendState = { status: 'retry-wait', attempt: 1, error: new SdkError('timeout', 'no echo'), waitMs: 1_000 };
const QUEUED: SendState = { status: 'queued', attempt: 0 };

/** The windows of a sender with a 5 s echo timeout: late is 500 ms over the quickest echo, very late over 2,500 ms. */
function windows(ceiling: number) {
  let time = 0;
  const w = createThreadWindows({ ceiling, echoTimeoutMs: 5_000, now: () => time });
  return {
    w,
    advance: (ms: number) => {
      time += ms;
    },
    /** `n` echoes, each `tookMs` after its publish (0: at once). */
    echoes: (topic: string, n: number, tookMs = 0) => {
      for (let i = 0; i < n; i++) w.observe(topic, OUT, DONE, time - tookMs);
    },
    /** Every message of the window now confirmed, `tookMs` after its publish: one round trip. */
    roundTrip: (topic: string, tookMs = 0) => {
      const inFlight = w.size(topic);
      for (let i = 0; i < inFlight; i++) w.observe(topic, OUT, DONE, time - tookMs);
    },
    fail: (topic: string) => w.observe(topic, OUT, RETRY, time),
  };
}

describe('the adaptive send window', () => {
  it('starts at 32, or at the ceiling when that is smaller', () => {
    expect(windows(512).w.size('t')).toBe(WINDOW_START);
    expect(windows(4).w.size('t')).toBe(4);
    expect(windows(1).w.size('t')).toBe(1);
  });

  it('ramps up by three for each echo in time, up to the ceiling', () => {
    const { w, echoes } = windows(100);
    echoes('t', 1);
    expect(w.size('t')).toBe(35);
    w.observe('t', PUBLISHING, DONE, 0); // the echo came before the PUBACK
    expect(w.size('t')).toBe(38);
    echoes('t', 500);
    expect(w.size('t')).toBe(100);
    expect(w.size('other')).toBe(32); // each thread its own
  });

  it('a round trip that comes back in time makes it four times as wide: 32, 128, 512, then the ceiling', () => {
    const { w, roundTrip } = windows(2_048);
    const sizes = [w.size('t')];
    for (let i = 0; i < 4; i++) {
      roundTrip('t', 100);
      sizes.push(w.size('t'));
    }
    expect(sizes).toEqual([32, 128, 512, 2_048, 2_048]);
  });

  it('what counts as in time is the quickest echo of the thread and a tenth of the echo timeout: a slow link ramps too', () => {
    const { w, echoes } = windows(512);
    echoes('t', 1, 800); // a satellite link: the quickest is 800 ms
    echoes('t', 1, 1_300); // 500 ms over it: still in time
    expect(w.size('t')).toBe(38);
    echoes('other', 1, 100);
    echoes('other', 1, 601); // 501 ms over the quickest of its thread: late
    expect(w.size('other')).toBe(35);
  });

  it('a late echo stops the ramp for an echo timeout: meanwhile one wider per round trip of echoes in time', () => {
    const { w, echoes, roundTrip, advance } = windows(512);
    echoes('t', 4, 100); // 44
    echoes('t', 1, 700); // a queue builds up somewhere: no wider for it, and the ramp is over
    expect(w.size('t')).toBe(44);
    echoes('t', 43, 100);
    expect(w.size('t')).toBe(44); // not 44 + 3 × 43
    echoes('t', 1, 100);
    expect(w.size('t')).toBe(45);
    roundTrip('t', 100);
    advance(4_999);
    roundTrip('t', 100);
    expect(w.size('t')).toBe(47);
    advance(1); // an echo timeout since the late echo, none late since: ramping again
    echoes('t', 1, 100);
    expect(w.size('t')).toBe(50);
  });

  it('does not widen for what REST confirmed, nor for a message that never went out', () => {
    const { w } = windows(100);
    w.observe('t', REST, DONE, 0);
    w.observe('t', QUEUED, REST, 0);
    expect(w.size('t')).toBe(32);
  });

  it('halves when an MQTT attempt goes wrong, once for the trouble within an echo timeout, and stops the ramp for an echo timeout', () => {
    const { w, echoes, advance, fail } = windows(512);
    echoes('t', 56); // 200
    w.observe('t', OUT, REST, 0); // an echo timed out: on to REST
    expect(w.size('t')).toBe(100);
    for (let i = 0; i < 40; i++) fail('t'); // the rest of the round trip failed with it
    expect(w.size('t')).toBe(100);
    advance(5_000);
    w.observe('t', PUBLISHING, RETRY, 0); // new trouble: halved again
    expect(w.size('t')).toBe(50);
    echoes('t', 50);
    expect(w.size('t')).toBe(51); // one per round trip now, not three per echo
    advance(5_000);
    echoes('t', 1);
    expect(w.size('t')).toBe(54);
  });

  it('halves when an echo took over half the echo timeout: the ones behind it would time out', () => {
    const { w, echoes, advance } = windows(512);
    echoes('t', 56); // 200
    echoes('t', 1, 2_500); // late, not yet that late
    expect(w.size('t')).toBe(200);
    echoes('t', 10, 2_501);
    expect(w.size('t')).toBe(100); // once for all of them
    advance(5_000);
    echoes('t', 1, 3_000);
    expect(w.size('t')).toBe(50);
  });

  it('never goes below one, and one stays one', () => {
    const { w } = windows(1);
    w.observe('t', OUT, DONE, 0);
    expect(w.size('t')).toBe(1);
    const wide = windows(512);
    for (let i = 0; i < 10; i++) {
      wide.fail('t');
      wide.advance(5_000);
    }
    expect(wide.w.size('t')).toBe(1);
  });

  it('starts again from 32, ramping, after a reconnect', () => {
    const { w, echoes, fail } = windows(512);
    echoes('t', 100);
    expect(w.size('t')).toBe(332);
    fail('t');
    expect(w.size('t')).toBe(166);
    w.reset();
    expect(w.size('t')).toBe(32);
    echoes('t', 1, 600); // late against the quickest before the reconnect, which is forgotten
    expect(w.size('t')).toBe(35); // and ramping again
  });
});
