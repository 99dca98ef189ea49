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

function windows(ceiling: number) {
  let time = 0;
  const w = createThreadWindows({ ceiling, calmMs: 5_000, now: () => time });
  return {
    w,
    advance: (ms: number) => {
      time += ms;
    },
    echoes: (topic: string, n: number) => {
      for (let i = 0; i < n; i++) w.observe(topic, OUT, DONE);
    },
  };
}

describe('the adaptive send window', () => {
  it('starts at 32, or at the ceiling when that is smaller', () => {
    expect(windows(512).w.size('t')).toBe(WINDOW_START);
    expect(windows(4).w.size('t')).toBe(4);
    expect(windows(1).w.size('t')).toBe(1);
  });

  it('widens by one for each echo, up to the ceiling', () => {
    const { w, echoes } = windows(100);
    echoes('t', 1);
    expect(w.size('t')).toBe(33);
    w.observe('t', PUBLISHING, DONE); // the echo came before the PUBACK
    expect(w.size('t')).toBe(34);
    echoes('t', 500);
    expect(w.size('t')).toBe(100);
    expect(w.size('other')).toBe(32); // each thread its own
  });

  it('does not widen for what REST confirmed, nor for a message that never went out', () => {
    const { w } = windows(100);
    w.observe('t', REST, DONE);
    w.observe('t', QUEUED, REST);
    expect(w.size('t')).toBe(32);
  });

  it('halves when an MQTT attempt goes wrong, once for the trouble within an echo timeout', () => {
    const { w, echoes, advance } = windows(512);
    echoes('t', 68); // 100
    w.observe('t', OUT, REST); // an echo timed out: on to REST
    expect(w.size('t')).toBe(50);
    for (let i = 0; i < 40; i++) w.observe('t', OUT, RETRY); // the rest of the round trip failed with it
    expect(w.size('t')).toBe(50);
    advance(5_000);
    w.observe('t', PUBLISHING, RETRY); // new trouble: halved again
    expect(w.size('t')).toBe(25);
  });

  it('never goes below one, and one stays one', () => {
    const { w, advance } = windows(1);
    w.observe('t', OUT, DONE);
    expect(w.size('t')).toBe(1);
    const wide = windows(512);
    for (let i = 0; i < 10; i++) {
      wide.w.observe('t', OUT, RETRY);
      wide.advance(5_000);
    }
    expect(wide.w.size('t')).toBe(1);
    advance(0);
  });

  it('starts again from 32 after a reconnect', () => {
    const { w, echoes } = windows(512);
    echoes('t', 100);
    expect(w.size('t')).toBe(132);
    w.reset();
    expect(w.size('t')).toBe(32);
  });
});
