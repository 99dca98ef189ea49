import { describe, expect, it } from 'vitest';
import { createAbortController } from '../connection/abort.js';
import { createReadQueue } from './read-queue.js';

/** A task that settles when told, recording when it started. */
function deferred(log: string[], name: string) {
  let settle: (ok: boolean) => void = () => {};
  const task = () =>
    new Promise<string>((resolve, reject) => {
      log.push(name);
      settle = (ok) => (ok ? resolve(name) : reject(new Error(name)));
    });
  return { task, settle: (ok = true) => settle(ok) };
}

/** Lets the promise callbacks queued so far run. */
const tick = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('read queue', () => {
  it('runs at most `limit` at once; the others start in the order they came, as slots free', async () => {
    const queue = createReadQueue(2);
    const log: string[] = [];
    const tasks = ['a', 'b', 'c', 'd', 'e'].map((n) => deferred(log, n));
    const results = Promise.allSettled(tasks.map((t) => queue.run(t.task)));
    expect(log).toEqual(['a', 'b']);
    tasks[1]?.settle();
    await tick();
    expect(log).toEqual(['a', 'b', 'c']);
    // A failure frees its slot too.
    tasks[0]?.settle(false);
    await tick();
    expect(log).toEqual(['a', 'b', 'c', 'd']);
    for (const t of tasks) t.settle();
    await tick();
    expect(log).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const t of tasks) t.settle();
    const settled = await results;
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    // Every slot is free again.
    const later = ['f', 'g'].map((n) => deferred(log, n));
    for (const t of later) queue.run(t.task);
    expect(log.slice(5)).toEqual(['f', 'g']);
  });

  it('a task that throws at once rejects its run and frees its slot', async () => {
    const queue = createReadQueue(1);
    const thrown = queue.run(() => {
      throw new Error('boom');
    });
    await expect(thrown).rejects.toThrow('boom');
    await expect(queue.run(async () => 'next')).resolves.toBe('next');
  });

  it('a limit below 1 or not a number is 1; Infinity is no limit', () => {
    for (const limit of [0, -3, Number.NaN, 0.5]) {
      const queue = createReadQueue(limit);
      const log: string[] = [];
      queue.run(deferred(log, 'a').task);
      queue.run(deferred(log, 'b').task);
      expect(log, String(limit)).toEqual(['a']);
    }
    const open = createReadQueue(Number.POSITIVE_INFINITY);
    const log: string[] = [];
    for (let i = 0; i < 100; i++) open.run(deferred(log, String(i)).task);
    expect(log).toHaveLength(100);
  });

  it('a task aborted while it waits leaves the queue and never runs; one aborted before it asks runs neither', async () => {
    const queue = createReadQueue(1);
    const log: string[] = [];
    const first = deferred(log, 'first');
    const firstDone = queue.run(first.task);
    const controller = createAbortController();
    const aborted = queue.run(deferred(log, 'aborted').task, controller.signal);
    const next = deferred(log, 'next');
    const nextDone = queue.run(next.task);
    controller.abort(new Error('stopped'));
    await expect(aborted).rejects.toThrow('stopped');
    await expect(queue.run(deferred(log, 'late').task, controller.signal)).rejects.toThrow('stopped');
    first.settle();
    await tick();
    next.settle();
    await Promise.all([firstDone, nextDone]);
    expect(log).toEqual(['first', 'next']);
  });
});
