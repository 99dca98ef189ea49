import { describe, expect, it } from 'vitest';
import { createEmitter } from './events.js';

type Events = { ping: number; name: string };

describe('createEmitter', () => {
  it('calls listeners of the event in order, and unsubscribes', () => {
    const emitter = createEmitter<Events>();
    const seen: string[] = [];
    const off = emitter.on('ping', (n) => seen.push(`a${n}`));
    emitter.on('ping', (n) => seen.push(`b${n}`));
    emitter.on('name', (s) => seen.push(s));
    emitter.emit('ping', 1);
    off();
    off();
    emitter.emit('ping', 2);
    emitter.emit('name', 'x');
    expect(seen).toEqual(['a1', 'b1', 'b2', 'x']);
    expect(emitter.listenerCount('ping')).toBe(1);
    expect(emitter.listenerCount()).toBe(2);
  });

  it('keeps going when a listener throws, and reports it', () => {
    const errors: Array<[unknown, string]> = [];
    const emitter = createEmitter<Events>({ onListenerError: (e, event) => errors.push([e, String(event)]) });
    const seen: number[] = [];
    const boom = new Error('boom');
    emitter.on('ping', () => {
      throw boom;
    });
    emitter.on('ping', (n) => seen.push(n));
    emitter.emit('ping', 3);
    expect(seen).toEqual([3]);
    expect(errors).toEqual([[boom, 'ping']]);
  });

  it('survives a reporter that throws', () => {
    const emitter = createEmitter<Events>({
      onListenerError: () => {
        throw new Error('reporter');
      },
    });
    const seen: number[] = [];
    emitter.on('ping', () => {
      throw new Error('listener');
    });
    emitter.on('ping', (n) => seen.push(n));
    expect(() => emitter.emit('ping', 1)).not.toThrow();
    expect(seen).toEqual([1]);
  });

  it('the same function added twice is called twice and removed once per unsubscribe', () => {
    const emitter = createEmitter<Events>();
    let count = 0;
    const listener = () => {
      count++;
    };
    const off1 = emitter.on('ping', listener);
    emitter.on('ping', listener);
    emitter.emit('ping', 0);
    off1();
    emitter.emit('ping', 0);
    expect(count).toBe(3);
  });

  it('a listener added during emit runs from the next emit; clear removes all', () => {
    const emitter = createEmitter<Events>();
    const seen: string[] = [];
    emitter.on('ping', () => {
      seen.push('first');
      emitter.on('ping', () => seen.push('added'));
    });
    emitter.emit('ping', 0);
    expect(seen).toEqual(['first']);
    emitter.clear();
    emitter.emit('ping', 0);
    expect(seen).toEqual(['first']);
    expect(emitter.listenerCount()).toBe(0);
  });

  it('once: hears the next emit only, also when it emits the same event itself, and can be cancelled before', () => {
    const emitter = createEmitter<Events>();
    const seen: number[] = [];
    emitter.once('ping', (n) => {
      seen.push(n);
      emitter.emit('ping', n + 10);
    });
    const cancelled = emitter.once('ping', (n) => seen.push(-n));
    cancelled();
    emitter.emit('ping', 1);
    emitter.emit('ping', 2);
    expect(seen).toEqual([1]);
    expect(emitter.listenerCount('ping')).toBe(0);
  });

  it('once: a listener that throws is removed all the same, and reported', () => {
    const errors: unknown[] = [];
    const emitter = createEmitter<Events>({ onListenerError: (e) => errors.push(e) });
    let calls = 0;
    const { once } = emitter;
    const off = once('name', () => {
      calls++;
      throw new Error('boom');
    });
    emitter.emit('name', 'a');
    emitter.emit('name', 'b');
    off();
    expect([calls, errors.length, emitter.listenerCount()]).toEqual([1, 1, 0]);
  });
});
