import type { SdkError } from '@weiyu/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Ack, Acks, describeAck } from './acks.js';

/** An ack of `acks` and what became of it. */
function waitFor(acks: Acks, topic: string) {
  const outcome: { settled?: 'resolved' | SdkError } = {};
  const ack = new Ack(
    acks,
    { verb: 'publish to', topics: topic },
    () => {
      outcome.settled = 'resolved';
    },
    (error) => {
      outcome.settled = error;
    },
  );
  acks.add(ack);
  return { ack, outcome };
}

describe('Acks', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times each ack out at its own deadline, never earlier, with one timer', () => {
    const acks = new Acks(1_000, 'ws://broker');
    const first = waitFor(acks, 't/1');
    vi.advanceTimersByTime(400);
    const second = waitFor(acks, 't/2');
    expect(vi.getTimerCount()).toBe(1);

    vi.advanceTimersByTime(599);
    expect(first.outcome.settled).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(first.outcome.settled).toMatchObject({
      code: 'timeout',
      message: 'ws://broker did not acknowledge the publish to t/1 within 1000 ms',
    });
    expect(second.outcome.settled).toBeUndefined();

    vi.advanceTimersByTime(399);
    expect(second.outcome.settled).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(second.outcome.settled).toMatchObject({ code: 'timeout' });
    expect(acks.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives an ack that came after an earlier one settled its full time', () => {
    const acks = new Acks(1_000, 'ws://broker');
    const first = waitFor(acks, 't/1');
    vi.advanceTimersByTime(900);
    const second = waitFor(acks, 't/2');
    first.ack.settle();
    // The timer armed for the first one fires at 1,000 ms and finds the second not due.
    vi.advanceTimersByTime(999);
    expect(second.outcome.settled).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(second.outcome.settled).toMatchObject({ code: 'timeout' });
  });

  it('settles once: the first of ack, error and deadline wins', () => {
    const acks = new Acks(1_000, 'ws://broker');
    const { ack, outcome } = waitFor(acks, 't/1');
    ack.settle();
    ack.settle(new (class extends Error {})() as unknown as SdkError);
    vi.advanceTimersByTime(2_000);
    expect(outcome.settled).toBe('resolved');
  });

  it('stops its timer once nothing waits', () => {
    const acks = new Acks(1_000, 'ws://broker');
    const one = waitFor(acks, 't/1');
    const two = waitFor(acks, 't/2');
    one.ack.settle();
    expect(vi.getTimerCount()).toBe(1);
    two.ack.settle();
    expect(vi.getTimerCount()).toBe(0);
    expect(acks.size).toBe(0);
  });

  it('fails every ack waiting with the error made for it', () => {
    const acks = new Acks(1_000, 'ws://broker');
    const one = waitFor(acks, 't/1');
    const two = waitFor(acks, 't/2');
    const errors: string[] = [];
    acks.failAll((ack) => {
      errors.push(describeAck(ack));
      return { code: 'network', message: describeAck(ack) } as SdkError;
    });
    expect(errors).toEqual(['publish to t/1', 'publish to t/2']);
    expect(one.outcome.settled).toMatchObject({ code: 'network', message: 'publish to t/1' });
    expect(two.outcome.settled).toMatchObject({ code: 'network', message: 'publish to t/2' });
    expect(acks.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('names every topic of a subscription', () => {
    expect(describeAck({ verb: 'subscribe to', topics: ['a', 'b'] })).toBe('subscribe to a, b');
    expect(describeAck({ verb: 'unsubscribe from', topics: 'a' })).toBe('unsubscribe from a');
  });
});
