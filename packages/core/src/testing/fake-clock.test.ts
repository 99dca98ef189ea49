import { describe, expect, it } from 'vitest';
import { createFakeClock } from './fake-clock.js';

describe('createFakeClock', () => {
  it('starts at the given time and moves only when advanced', () => {
    const clock = createFakeClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it('runs due timers in due order, equal due times in the order set', () => {
    const clock = createFakeClock(0);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push('b@20'), 20);
    clock.setTimeout(() => seen.push('a@10'), 10);
    clock.setTimeout(() => seen.push('c@20'), 20);
    clock.setTimeout(() => seen.push('d@30'), 30);
    clock.advance(20);
    expect(seen).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.pending()).toBe(1);
    expect(clock.nextDueAt()).toBe(30);
  });

  it('runs a timer at its due time, and timers set by timers within the same advance', () => {
    const clock = createFakeClock(0);
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => {
      seen.push(['outer', clock.now()]);
      clock.setTimeout(() => seen.push(['inner', clock.now()]), 5);
      clock.setTimeout(() => seen.push(['late', clock.now()]), 50);
    }, 10);
    clock.advance(20);
    expect(seen).toEqual([
      ['outer', 10],
      ['inner', 15],
    ]);
    expect(clock.now()).toBe(20);
    expect(clock.pending()).toBe(1);
  });

  it('runs 0 ms timers on advance(0), and clears timers', () => {
    const clock = createFakeClock(0);
    let ran = 0;
    const handle = clock.setTimeout(() => ran++, 0);
    clock.setTimeout(() => ran++, 0);
    clock.clearTimeout(handle);
    clock.clearTimeout('not a handle');
    expect(clock.pending()).toBe(1);
    clock.advance(0);
    expect(ran).toBe(1);
    expect(clock.pending()).toBe(0);
  });

  it('treats negative and NaN delays as 0, and refuses to go back in time', () => {
    const clock = createFakeClock(0);
    let ran = 0;
    clock.setTimeout(() => ran++, -5);
    clock.setTimeout(() => ran++, Number.NaN);
    clock.advance(0);
    expect(ran).toBe(2);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it('advanceAsync lets awaited code run between timers', async () => {
    const clock = createFakeClock(0);
    const seen: Array<[string, number]> = [];
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    const task = (async () => {
      await sleep(10);
      seen.push(['after 10', clock.now()]);
      await sleep(10);
      seen.push(['after 20', clock.now()]);
    })();
    clock.advance(100);
    // advance() ran the first timer, but the continuation that sets the second had not run yet.
    expect(seen).toEqual([]);
    await clock.flush();
    expect(seen).toEqual([['after 10', 100]]);

    const clock2 = createFakeClock(0);
    const seen2: number[] = [];
    const sleep2 = (ms: number) => new Promise<void>((resolve) => clock2.setTimeout(resolve, ms));
    const task2 = (async () => {
      for (let i = 0; i < 3; i++) {
        await sleep2(10);
        seen2.push(clock2.now());
      }
    })();
    await clock2.advanceAsync(100);
    expect(seen2).toEqual([10, 20, 30]);
    expect(clock2.now()).toBe(100);
    await task2;
    clock.advance(10);
    await task;
  });

  it('runAll runs everything and detects timer loops', async () => {
    const clock = createFakeClock(0);
    let count = 0;
    clock.setTimeout(() => clock.setTimeout(() => count++, 1_000), 1_000);
    clock.runAll();
    expect(count).toBe(1);
    expect(clock.now()).toBe(2_000);

    const loop = (): void => {
      clock.setTimeout(loop, 1);
    };
    loop();
    expect(() => clock.runAll(50)).toThrow(/timer loop/);

    const clock2 = createFakeClock(0);
    const done: number[] = [];
    void (async () => {
      await new Promise<void>((resolve) => clock2.setTimeout(resolve, 5));
      await new Promise<void>((resolve) => clock2.setTimeout(resolve, 5));
      done.push(clock2.now());
    })();
    await clock2.runAllAsync();
    expect(done).toEqual([10]);
  });

  it('jump moves time at once and only then runs what fell due, late, in due order', async () => {
    const clock = createFakeClock(0);
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => seen.push(['b@20', clock.now()]), 20);
    clock.setTimeout(() => {
      seen.push(['a@10', clock.now()]);
      clock.setTimeout(() => seen.push(['set by a, +0', clock.now()]), 0);
      clock.setTimeout(() => seen.push(['set by a, +5', clock.now()]), 5);
    }, 10);
    clock.setTimeout(() => seen.push(['c@500', clock.now()]), 500);
    clock.jump(100);
    expect(seen).toEqual([
      ['a@10', 100],
      ['b@20', 100],
      ['set by a, +0', 100],
    ]);
    expect(clock.now()).toBe(100);
    expect(clock.nextDueAt()).toBe(105);
    expect(() => clock.jump(-1)).toThrow(RangeError);

    const clock2 = createFakeClock(0);
    const done: number[] = [];
    void (async () => {
      await new Promise<void>((resolve) => clock2.setTimeout(resolve, 10));
      done.push(clock2.now());
      await new Promise<void>((resolve) => clock2.setTimeout(resolve, 0));
      done.push(clock2.now());
    })();
    await clock2.jumpAsync(1_000);
    expect(done).toEqual([1_000, 1_000]);
  });
});
