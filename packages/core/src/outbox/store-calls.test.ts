import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../testing/fake-clock.js';
import { createStoreCalls } from './store-calls.js';

/** A store call answered by hand. */
function manual<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('store calls', () => {
  it('many calls in wait share one timer; each ends at its own deadline, and an idle outbox keeps none', async () => {
    const clock = createFakeClock();
    const errors: string[] = [];
    const calls = createStoreCalls({ clock, timeoutMs: 1_000, onError: (e) => errors.push(e.code) });
    const first = manual<string>();
    const answers: string[] = [];
    const a = calls.call('write', () => first.promise).then((r) => answers.push(r.ok ? `a ${r.value}` : 'a timed out'));
    await clock.advanceAsync(400);
    const b = calls
      .call('write', () => new Promise<string>(() => {}))
      .then((r) => answers.push(r.ok ? 'b' : 'b timed out'));
    // A hundred waits, one timer.
    for (let i = 0; i < 100; i++) void calls.within(new Promise(() => {}));
    expect(clock.pending()).toBe(1);
    first.resolve('kept');
    await clock.advanceAsync(0);
    expect(answers).toEqual(['a kept']);
    // a answered: its deadline (1,000) does not pass; b's (1,400) does, with the waits set with it.
    await clock.advanceAsync(900);
    expect(answers).toEqual(['a kept']);
    await clock.advanceAsync(100);
    await Promise.all([a, b]);
    expect(answers).toEqual(['a kept', 'b timed out']);
    expect(errors).toEqual(['storage']);
    expect(clock.pending()).toBe(0);
    // One call answered at once: its timer goes with it.
    await calls.call('read', () => Promise.resolve('x'));
    expect(clock.pending()).toBe(0);
  });

  it('dispose clears the timer and ends the waits, not the calls: a call ends when the store answers', async () => {
    const clock = createFakeClock();
    const calls = createStoreCalls({ clock, timeoutMs: 1_000, onError: () => {} });
    const slow = manual<number>();
    let called: string | undefined;
    void calls
      .call('read', () => slow.promise)
      .then((r) => {
        called = r.ok ? `read ${r.value}` : 'failed';
      });
    let waited = false;
    void calls.within(new Promise(() => {})).then(() => {
      waited = true;
    });
    calls.dispose();
    await clock.advanceAsync(0);
    expect([waited, called, clock.pending()]).toEqual([true, undefined, 0]);
    slow.resolve(7);
    await clock.advanceAsync(0);
    expect(called).toBe('read 7');
  });

  it('a clock set back does not hold a deadline: it passes at most one timeout late', async () => {
    const fake = createFakeClock();
    let back = 0;
    const clock = { ...fake, now: () => fake.now() - back };
    const calls = createStoreCalls({ clock, timeoutMs: 1_000, onError: () => {} });
    const first = manual<string>();
    void calls.call('write', () => first.promise);
    await fake.advanceAsync(100);
    first.resolve('kept');
    let second: string | undefined;
    void calls
      .call('write', () => new Promise<string>(() => {}))
      .then((r) => {
        second = r.ok ? 'answered' : 'timed out';
      });
    // The clock goes an hour back, the timer set for the first call still runs.
    back = 3_600_000;
    await fake.advanceAsync(2_000);
    expect(second).toBe('timed out');
    expect(fake.pending()).toBe(0);
  });
});
